package server

import (
	"context"
	"testing"
	"time"

	"roost/internal/store/sqlite"
)

// The SQLite store answers header-only searches itself.
var _ headerSearcher = (*sqlite.Store)(nil)

// TestSearchIndexedHeaders runs header-only searches, which the store
// answers from its index, with what they can be combined with: sequence
// and UID sets, "$", NOT, OR, repeated and absent fields, and a message
// expunged by another session that this one still sees.
//
//	seq uid  header fields
//	1   1    Subject: Alpha, Subject: Beta, From: Ann
//	2   2    Subject: (empty), To: Bob, Cc: Carol
//	3   3    no Subject, From: Bob
//	4   4    Subject: alpha again, \Deleted (expunged through the store after SELECT)
//	5   5    Subject: =?UTF-8?Q?Stra=C3=9Fe?=, Bcc: Dave
func TestSearchIndexedHeaders(t *testing.T) {
	e := newMsgEnv(t)
	date := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, raw := range []string{
		"Subject: Alpha\nSubject: Beta\nFrom: Ann <ann@example.org>\n\nbody\n",
		"Subject:\nTo: Bob <bob@example.org>\nCc: carol@example.org\n\nbody\n",
		"From: Bob <bob@example.org>\n\nbody\n",
		"Subject: alpha again\n\nbody\n",
		"Subject: =?UTF-8?Q?Stra=C3=9Fe?=\nBcc: dave@example.org\n\nbody\n",
	} {
		var flags []string
		if i == 3 {
			flags = []string{`\Deleted`}
		}
		e.add("INBOX", raw, date, flags...)
	}
	c := e.dial("INBOX")
	if gone, err := e.store.Expunge(context.Background(), e.mailbox("INBOX").ID, []uint32{4}); err != nil || len(gone) != 1 {
		t.Fatalf("Expunge = %v, %v", gone, err)
	}
	tests := []struct{ command, want string }{
		{"SEARCH SUBJECT alpha", "* SEARCH 1"},
		{"SEARCH SUBJECT beta", "* SEARCH 1"},
		{"SEARCH SUBJECT alphabeta", "* SEARCH"},
		{`SEARCH SUBJECT ""`, "* SEARCH 1 2 5"},
		{`SEARCH NOT SUBJECT ""`, "* SEARCH 3"},
		{"SEARCH SUBJECT STRASSE", "* SEARCH 5"},
		{"SEARCH FROM bob", "* SEARCH 3"},
		{"SEARCH OR TO bob FROM BOB", "* SEARCH 2 3"},
		{"SEARCH HEADER cc CAROL", "* SEARCH 2"},
		{`SEARCH HEADER BCC ""`, "* SEARCH 5"},
		{"SEARCH 2:5 NOT FROM ann", "* SEARCH 2 3 5"},
		{"SEARCH ALL (FROM example NOT FROM ann)", "* SEARCH 3"},
	}
	for _, tc := range tests {
		c.expect(tc.command, "OK Search completed.", tc.want)
	}
	// A UID command may report the expunge: UID 5 becomes message 4.
	c.expect("UID SEARCH UID 2:* NOT CC carol", "OK Search completed.", "* SEARCH 3 5", "* 4 EXPUNGE")
	c.expect(`SEARCH RETURN (SAVE) SUBJECT ""`, "OK Search completed.")
	c.expect("SEARCH $ NOT SUBJECT a", "OK Search completed.", "* SEARCH 2")
	c.expect(`SEARCH RETURN (COUNT MIN MAX) OR SUBJECT a CC carol`, "OK Search completed.",
		`* ESEARCH (TAG "`+c.nextTag()+`") MIN 1 MAX 4 COUNT 3`)
}
