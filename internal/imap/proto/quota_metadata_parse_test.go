package proto

import "testing"

func TestQuotaAndMetadataParse(t *testing.T) {
	cmd := func(name string, args any) *Command { return &Command{Tag: "a", Name: name, Args: args} }
	runCmdTests(t, []cmdTest{
		{in: `a GETQUOTA ""`, want: cmd("GETQUOTA", &GetQuota{Root: ""})},
		{in: `a getquota "Other Users/bob"`, want: cmd("GETQUOTA", &GetQuota{Root: "Other Users/bob"})},
		{in: `a GETQUOTAROOT inbox`, want: cmd("GETQUOTAROOT", &GetQuotaRoot{Mailbox: "INBOX"})},
		{in: `a SETQUOTA "" (storage 512 MESSAGE 1000)`, want: cmd("SETQUOTA", &SetQuota{Root: "",
			Limits: []QuotaLimit{{"STORAGE", 512}, {"MESSAGE", 1000}}})},
		{in: `a SETQUOTA "" ()`, want: cmd("SETQUOTA", &SetQuota{Root: "", Limits: []QuotaLimit{}})},
		{in: `a SETQUOTA "" (STORAGE)`, err: `a BAD Expected SP after resource name`},
		{in: `a STATUS INBOX (DELETED DELETED-STORAGE)`, want: cmd("STATUS", &Status{Mailbox: "INBOX", Items: []string{"DELETED", "DELETED-STORAGE"}})},

		{in: `a GETMETADATA "" /shared/Comment`, want: cmd("GETMETADATA", &GetMetadata{MaxSize: -1, Entries: []string{"/shared/comment"}})},
		{in: `a GETMETADATA INBOX (MAXSIZE 1024 DEPTH infinity) (/shared/comment "/private/comment")`, want: cmd("GETMETADATA",
			&GetMetadata{Mailbox: "INBOX", MaxSize: 1024, Depth: DepthInfinity, Entries: []string{"/shared/comment", "/private/comment"}})},
		{in: `a GETMETADATA (DEPTH 1) INBOX /private`, want: cmd("GETMETADATA",
			&GetMetadata{Mailbox: "INBOX", MaxSize: -1, Depth: 1, Entries: []string{"/private"}})},
		{in: `a GETMETADATA INBOX ()`, err: `a BAD Empty entry list`},
		{in: `a GETMETADATA INBOX /shared/x/`, err: `a BAD Empty component in entry name "/shared/x/"`},
		{in: `a GETMETADATA INBOX "/shared/caf` + "\xc3\xa9" + `"`, err: `a BAD Invalid character in entry name "/shared/café"`},
		{in: `a SETMETADATA INBOX (/private/comment "My comment" /shared/comment NIL /shared/x {3+}` + "\r\nabc)",
			want: cmd("SETMETADATA", &SetMetadata{Mailbox: "INBOX", Entries: []MetadataValue{
				{Entry: "/private/comment", Value: []byte("My comment")}, {Entry: "/shared/comment", Nil: true},
				{Entry: "/shared/x", Value: []byte("abc")}}})},
		{in: `a SETMETADATA INBOX (/shared/x ~{2+}` + "\r\na\x00)", want: cmd("SETMETADATA", &SetMetadata{Mailbox: "INBOX",
			Entries: []MetadataValue{{Entry: "/shared/x", Value: []byte("a\x00")}}})},
		{in: `a SETMETADATA INBOX ()`, err: `a BAD Empty entry list`},
		{in: `a SETMETADATA INBOX (/shared/x)`, err: `a BAD Expected SP after entry`},
		{in: `a SETMETADATA INBOX (/shared/x {70000}`, err: `a NO [METADATA MAXSIZE 65536] Metadata value too big`},
	}, false)
}
