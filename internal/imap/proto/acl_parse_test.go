package proto

import "testing"

func TestACLCommands(t *testing.T) {
	runCmdTests(t, []cmdTest{
		{in: `a SETACL INBOX bob +lrs`, want: &Command{Tag: "a", Name: "SETACL", Args: &ACLCommand{Mailbox: "INBOX", Identifier: "bob", Rights: "+lrs"}}},
		{in: `a setacl "Other Users/bob/x" -carol ""`, want: &Command{Tag: "a", Name: "SETACL", Args: &ACLCommand{Mailbox: "Other Users/bob/x", Identifier: "-carol"}}},
		{in: `a DELETEACL inbox anyone`, want: &Command{Tag: "a", Name: "DELETEACL", Args: &ACLCommand{Mailbox: "INBOX", Identifier: "anyone"}}},
		{in: `a GETACL Shared/support`, want: &Command{Tag: "a", Name: "GETACL", Args: &ACLCommand{Mailbox: "Shared/support"}}},
		{in: `a LISTRIGHTS INBOX {3+}` + "\r\nbob", want: &Command{Tag: "a", Name: "LISTRIGHTS", Args: &ACLCommand{Mailbox: "INBOX", Identifier: "bob"}}},
		{in: `a MYRIGHTS INBOX`, want: &Command{Tag: "a", Name: "MYRIGHTS", Args: &ACLCommand{Mailbox: "INBOX"}}},
		{in: `a MYRIGHTS INBOX extra`, err: "a BAD Too many arguments to MYRIGHTS"},
		{in: `a SETACL INBOX bob`, err: "a BAD Expected SP after identifier"},
		{in: `a GETACL`, err: "a BAD Expected SP after GETACL"},
	}, false)
}
