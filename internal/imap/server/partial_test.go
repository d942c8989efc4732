package server

import (
	"fmt"
	"testing"

	"roost/internal/store"
)

// TestPartialSearch: RETURN (PARTIAL ...) of RFC 9394 §3.1 for SEARCH and
// SORT, with first-to-last and last-to-first ranges, ranges past the end,
// NIL, sequence numbers, and SAVE (§3.2 Table 1).
func TestPartialSearch(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMany(t, "INBOX", 10)
	for _, u := range []uint32{2, 4, 6, 8} {
		ts.storeFlags(t, "INBOX", u, store.FlagsAdd, `\Seen`)
	}
	c := ts.login(t)
	c.want("ENABLE IMAP4rev2", "OK ENABLE completed.", "* ENABLED IMAP4rev2")
	c.ok("SELECT INBOX")
	esearch := func(cmd, data string) {
		t.Helper()
		c.want(cmd, "OK Search completed.", `* ESEARCH (TAG "`+tagOfNext(c)+`") `+data)
	}
	esearch("UID SEARCH RETURN (PARTIAL 1:3) ALL", "UID PARTIAL (1:3 1:3)")
	esearch("UID SEARCH RETURN (PARTIAL -1:-3) ALL", "UID PARTIAL (-1:-3 8:10)")
	esearch("UID SEARCH RETURN (PARTIAL -3:-1) ALL", "UID PARTIAL (-1:-3 8:10)")
	esearch("UID SEARCH RETURN (PARTIAL 9:20) ALL", "UID PARTIAL (9:20 9:10)")
	esearch("UID SEARCH RETURN (PARTIAL -8:-12) ALL", "UID PARTIAL (-8:-12 1:3)")
	esearch("UID SEARCH RETURN (PARTIAL 11:20) ALL", "UID PARTIAL (11:20 NIL)")
	esearch("UID SEARCH RETURN (PARTIAL -11:-20) ALL", "UID PARTIAL (-11:-20 NIL)")
	esearch("UID SEARCH RETURN (PARTIAL -1:-2) SEEN", "UID PARTIAL (-1:-2 6,8)")
	esearch("UID SEARCH RETURN (COUNT PARTIAL -2:-2) UNSEEN", "UID COUNT 6 PARTIAL (-2:-2 9)")
	esearch("SEARCH RETURN (PARTIAL -1:-2) UNSEEN", "PARTIAL (-1:-2 9:10)")
	c.want("UID SORT RETURN (PARTIAL -1:-2) (REVERSE SUBJECT) UTF-8 ALL", "OK Sort completed.",
		`* ESEARCH (TAG "`+tagOfNext(c)+`") UID PARTIAL (-1:-2 10,1)`)

	// SAVE keeps what PARTIAL returned (with MIN/MAX), or everything with
	// COUNT (RFC 9394 §3.2).
	c.want("UID SEARCH RETURN (SAVE PARTIAL -1:-2) SEEN", "OK Search completed.",
		`* ESEARCH (TAG "`+tagOfNext(c)+`") UID PARTIAL (-1:-2 6,8)`)
	esearch("UID SEARCH $", "UID ALL 6,8")
	c.want("UID SEARCH RETURN (SAVE MIN PARTIAL -1:-1) SEEN", "OK Search completed.",
		`* ESEARCH (TAG "`+tagOfNext(c)+`") UID MIN 2 PARTIAL (-1:-1 8)`)
	esearch("UID SEARCH $", "UID ALL 2,8")
	c.want("UID SEARCH RETURN (SAVE COUNT PARTIAL 1:1) SEEN", "OK Search completed.",
		`* ESEARCH (TAG "`+tagOfNext(c)+`") UID COUNT 4 PARTIAL (1:1 2)`)
	esearch("UID SEARCH $", "UID ALL 2,4,6,8")

	// Errors.
	for cmd, status := range map[string]string{
		"UID SEARCH RETURN (PARTIAL 1:-3) ALL":            "BAD Invalid PARTIAL range: both ends must be negative or both positive",
		"UID SEARCH RETURN (PARTIAL -1:3) ALL":            "BAD Invalid PARTIAL range: both ends must be negative or both positive",
		"UID SEARCH RETURN (PARTIAL -0:-3) ALL":           "BAD Invalid PARTIAL range: expected a non-zero number",
		"UID SEARCH RETURN (PARTIAL -1:-3 ALL) ALL":       "BAD PARTIAL and ALL cannot be combined",
		"UID SEARCH RETURN (PARTIAL -1) ALL":              `BAD Expected ":" in PARTIAL range`,
		"UID SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL": "BAD PARTIAL given twice",
	} {
		c.want(cmd, status)
	}
}

// TestPartialFetch: the PARTIAL modifier of UID FETCH (RFC 9394 §3.3),
// alone and with CHANGEDSINCE (§3.4: the window is chosen first).
func TestPartialFetch(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMany(t, "INBOX", 10)
	c := ts.login(t)
	c.want("ENABLE IMAP4rev2 CONDSTORE", "OK ENABLE completed.", "* ENABLED IMAP4rev2 CONDSTORE")
	c.ok("SELECT INBOX")
	first := ts.mailbox(t, "INBOX").HighestModSeq - 10 // MODSEQ of UID 0
	c.want("UID FETCH 1:* (FLAGS) (PARTIAL -1:-3)", "OK Fetch completed.",
		fmt.Sprintf("* 8 FETCH (UID 8 FLAGS () MODSEQ (%d))", first+8),
		fmt.Sprintf("* 9 FETCH (UID 9 FLAGS () MODSEQ (%d))", first+9),
		fmt.Sprintf("* 10 FETCH (UID 10 FLAGS () MODSEQ (%d))", first+10))
	c.want("UID FETCH 3:* (UID) (PARTIAL 2:3)", "OK Fetch completed.", "* 4 FETCH (UID 4)", "* 5 FETCH (UID 5)")
	c.want("UID FETCH 20:30 (UID) (PARTIAL 1:3)", "OK Fetch completed.")
	c.want("UID FETCH 1:* (UID) (PARTIAL 11:12)", "OK Fetch completed.")

	mb := ts.mailbox(t, "INBOX")
	ts.storeFlags(t, "INBOX", 2, store.FlagsAdd, `\Flagged`)
	ts.storeFlags(t, "INBOX", 9, store.FlagsAdd, `\Flagged`)
	c.ok("NOOP")
	changed := fmt.Sprintf("(CHANGEDSINCE %d PARTIAL -1:-3)", mb.HighestModSeq)
	c.want("UID FETCH 1:* (FLAGS) "+changed, "OK Fetch completed.",
		fmt.Sprintf(`* 9 FETCH (UID 9 FLAGS (\Flagged) MODSEQ (%d))`, mb.HighestModSeq+2))

	c.want("FETCH 1:* (FLAGS) (PARTIAL 1:2)", "BAD PARTIAL requires UID FETCH")
	c.want("UID FETCH 1:* (FLAGS) (PARTIAL 0:2)", "BAD Invalid PARTIAL range: expected a non-zero number")
	c.want("UID FETCH 1:* (FLAGS) (PARTIAL 1:2 PARTIAL 1:2)", "BAD PARTIAL given twice")
}
