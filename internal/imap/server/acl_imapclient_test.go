package server

import (
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/google/go-cmp/cmp"
)

// The go-imap v2 client has no ACL commands, but NAMESPACE, SELECT and
// STATUS on shared names work with it like with any client.
func TestACLWithGoIMAPClient(t *testing.T) {
	ts, alice, _ := newACLServer(t)
	ts.appendMsg(t, "INBOX", aclMsg)
	ts.appendMsg(t, "INBOX", aclMsg, `\Seen`)
	alice.want("SETACL INBOX bob lrs", "OK SETACL completed.")

	ic, err := imapclient.DialInsecure(ts.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ic.Close() })
	if err := ic.Login("bob", "bob-secret").Wait(); err != nil {
		t.Fatal(err)
	}
	ns, err := ic.Namespace().Wait()
	if err != nil {
		t.Fatal(err)
	}
	want := &imap.NamespaceData{
		Personal: []imap.NamespaceDescriptor{{Prefix: "", Delim: '/'}},
		Other:    []imap.NamespaceDescriptor{{Prefix: "Other Users/", Delim: '/'}},
		Shared:   []imap.NamespaceDescriptor{{Prefix: "Shared/", Delim: '/'}},
	}
	if d := cmp.Diff(want, ns); d != "" {
		t.Fatalf("NAMESPACE (-want +got):\n%s", d)
	}
	// alice's \Seen is hers: bob has seen nothing.
	st, err := ic.Status("Other Users/alice/INBOX", &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if *st.NumMessages != 2 || *st.NumUnseen != 2 {
		t.Fatalf("STATUS: %d messages, %d unseen", *st.NumMessages, *st.NumUnseen)
	}
	sel, err := ic.Select("Other Users/alice/INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 2 || len(sel.PermanentFlags) != 1 || sel.PermanentFlags[0] != imap.FlagSeen {
		t.Fatalf("SELECT: %d messages, permanent flags %v", sel.NumMessages, sel.PermanentFlags)
	}
	if _, err := ic.Select("Other Users/alice/Sent", nil).Wait(); err == nil {
		t.Fatal("SELECT of a mailbox without rights succeeded")
	} else if imapErr, ok := err.(*imap.Error); !ok || imapErr.Code != imap.ResponseCodeNonExistent {
		t.Fatalf("SELECT without rights: %v", err)
	}
}
