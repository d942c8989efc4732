package server

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"roost/internal/store"
)

// condStoreServer has INBOX with UIDs 1..3 and MODSEQs 2..4 (a new
// mailbox starts at HIGHESTMODSEQ 1; every append takes the next one).
func condStoreServer(t *testing.T) (*testServer, string) {
	t.Helper()
	ts := newTestServer(t, nil)
	for i := 1; i <= 3; i++ {
		ts.appendMsg(t, "INBOX", "Subject: "+strconv.Itoa(i)+"\r\n\r\nbody\r\n")
	}
	if got := ts.mailbox(t, "INBOX").HighestModSeq; got != 4 {
		t.Fatalf("HIGHESTMODSEQ after 3 appends = %d, want 4", got)
	}
	return ts, itoa(ts.mailbox(t, "INBOX").UIDValidity)
}

// nextTag is the tag the client's next command gets (for ESEARCH).
func (c *rawClient) peekTag() string { return "A" + strconv.Itoa(c.n+1) }

func TestCondStore(t *testing.T) {
	ts, _ := condStoreServer(t)
	c := ts.login(t)
	c.ok("ENABLE IMAP4rev2")
	c.wantResync("SELECT INBOX (CONDSTORE)", "OK [READ-WRITE] SELECT completed.", "* OK [HIGHESTMODSEQ 4] Highest")

	// Once enabled, FLAGS come with MODSEQ (RFC 7162 §3.1).
	c.want("FETCH 1:3 (FLAGS)", "OK Fetch completed.",
		"* 1 FETCH (FLAGS () MODSEQ (2))", "* 2 FETCH (FLAGS () MODSEQ (3))", "* 3 FETCH (FLAGS () MODSEQ (4))")
	c.want("FETCH 2 (MODSEQ)", "OK Fetch completed.", "* 2 FETCH (MODSEQ (3))")
	c.want(`STORE 2 +FLAGS (\Seen)`, "OK Store completed.", `* 2 FETCH (UID 2 FLAGS (\Seen) MODSEQ (5))`)

	// CHANGEDSINCE (§3.1.4.1) implies MODSEQ.
	c.want("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 4)", "OK Fetch completed.", `* 2 FETCH (UID 2 FLAGS (\Seen) MODSEQ (5))`)
	c.want("FETCH 1:* (UID) (CHANGEDSINCE 3)", "OK Fetch completed.", "* 2 FETCH (UID 2 MODSEQ (5))", "* 3 FETCH (UID 3 MODSEQ (4))")
	c.want("FETCH 1:* (UID) (CHANGEDSINCE 5)", "OK Fetch completed.")
	// A body fetch that sets \Seen says UID, FLAGS and MODSEQ (§3.2.4).
	c.want("FETCH 3 (BODY[TEXT])", "OK Fetch completed.", "* 3 FETCH (UID 3 FLAGS (\\Seen) BODY[TEXT] {6}\r\nbody\r\n MODSEQ (6))")

	// UNCHANGEDSINCE (§3.1.3): 1 (MODSEQ 2) passes, 2 (5) and 3 (6) fail.
	c.want(`STORE 1:3 (UNCHANGEDSINCE 4) +FLAGS.SILENT (\Flagged)`, "OK [MODIFIED 2:3] Conditional STORE failed",
		"* 1 FETCH (UID 1 MODSEQ (7))")
	c.want(`UID STORE 1 (UNCHANGEDSINCE 0) +FLAGS (x)`, "OK [MODIFIED 1] Conditional STORE failed")
	c.want(`UID STORE 2,3 (UNCHANGEDSINCE 6) FLAGS (\Answered)`, "OK Store completed.",
		`* 2 FETCH (UID 2 FLAGS (\Answered) MODSEQ (8))`, `* 3 FETCH (UID 3 FLAGS (\Answered) MODSEQ (9))`)
	// Plain .SILENT still reports the new MODSEQ.
	c.want(`STORE 1 -FLAGS.SILENT (\Flagged)`, "OK Store completed.", "* 1 FETCH (UID 1 MODSEQ (10))")

	// Another session's change arrives with its MODSEQ.
	ts.storeFlags(t, "INBOX", 3, store.FlagsAdd, store.FlagSeen)
	c.want("NOOP", "OK NOOP completed.", `* 3 FETCH (UID 3 FLAGS (\Seen \Answered) MODSEQ (11))`)
	c.want("STATUS INBOX (HIGHESTMODSEQ MESSAGES)", "OK STATUS completed.", `* STATUS "INBOX" (HIGHESTMODSEQ 11 MESSAGES 3)`)

	// SEARCH MODSEQ (§3.1.5) with the highest MODSEQ of what it returns
	// (§3.1.10).
	// MODSEQs now: UID 1 10, UID 2 8, UID 3 11.
	c.want("SEARCH MODSEQ 9", "OK Search completed.", `* ESEARCH (TAG "`+c.peekTag()+`") ALL 1,3 MODSEQ 11`)
	c.want("UID SEARCH RETURN (MIN) MODSEQ 8", "OK Search completed.", `* ESEARCH (TAG "`+c.peekTag()+`") UID MIN 1 MODSEQ 10`)
	c.want(`SEARCH RETURN (COUNT) MODSEQ "/flags/\\seen" all 7`, "OK Search completed.",
		`* ESEARCH (TAG "`+c.peekTag()+`") COUNT 3 MODSEQ 11`)
	c.want("SEARCH MODSEQ 12", "OK Search completed.", `* ESEARCH (TAG "`+c.peekTag()+`")`)
	c.want("SEARCH OR NOT MODSEQ 3 ANSWERED", "OK Search completed.", `* ESEARCH (TAG "`+c.peekTag()+`") ALL 2:3 MODSEQ 11`)

	// Without QRESYNC, EXPUNGE stays EXPUNGE.
	c.want(`STORE 1 +FLAGS.SILENT (\Deleted)`, "OK Store completed.", "* 1 FETCH (UID 1 MODSEQ (12))")
	c.want("EXPUNGE", "OK Expunge completed.", "* 1 EXPUNGE")
}

// TestCondStoreSearchRev1: the plain SEARCH response gets "(MODSEQ n)"
// (RFC 7162 §3.1.6); the SEARCH is the enabling command.
func TestCondStoreSearchRev1(t *testing.T) {
	ts, _ := condStoreServer(t)
	ts.storeFlags(t, "INBOX", 2, store.FlagsAdd, store.FlagSeen) // MODSEQ 5
	c := ts.login(t)
	c.ok("EXAMINE INBOX")
	c.want("UID SEARCH MODSEQ 4", "OK Search completed.", "* OK [HIGHESTMODSEQ 5] Highest", "* SEARCH 2 3 (MODSEQ 5)")
	c.want("SEARCH MODSEQ 6", "OK Search completed.", "* SEARCH")
	c.want("SEARCH UNSEEN", "OK Search completed.", "* SEARCH 1 3")
	// Switching mailboxes says CLOSED also in IMAP4rev1 (§3.2.11).
	untagged := c.ok("SELECT INBOX")
	if untagged[0] != "* OK [CLOSED] Previous mailbox is now closed." || untagged[len(untagged)-1] != "* OK [HIGHESTMODSEQ 5] Highest" {
		t.Fatalf("SELECT after EXAMINE: %q", untagged)
	}
}

// TestCondStoreEnabling: each enabling command (RFC 7162 §3.1) turns MODSEQ
// on; the first with a mailbox selected reports HIGHESTMODSEQ, never above
// an expunge still held back (§3.2, §6).
func TestCondStoreEnabling(t *testing.T) {
	ts, _ := condStoreServer(t)
	c := ts.login(t)
	c.ok("ENABLE IMAP4rev2")
	got, _ := c.do("SELECT INBOX")
	if slices.ContainsFunc(got, func(l string) bool { return strings.Contains(l, "MODSEQ") }) {
		t.Fatalf("SELECT without CONDSTORE: %q", got)
	}
	c.want("FETCH 1 (FLAGS)", "OK Fetch completed.", "* 1 FETCH (FLAGS ())")
	c.want("FETCH 1 (MODSEQ)", "OK Fetch completed.", "* OK [HIGHESTMODSEQ 4] Highest", "* 1 FETCH (MODSEQ (2))")
	c.want("FETCH 1 (FLAGS)", "OK Fetch completed.", "* 1 FETCH (FLAGS () MODSEQ (2))")

	// Held expunge: another session flags 1 (MODSEQ 5) and expunges 2
	// (\Deleted 6, expunge 7). FETCH reports the flags but holds the
	// EXPUNGE, so the known HIGHESTMODSEQ is 6 until it goes out.
	d := ts.login(t)
	d.ok("ENABLE IMAP4rev2")
	d.ok("SELECT INBOX")
	ts.storeFlags(t, "INBOX", 1, store.FlagsAdd, store.FlagFlagged)
	ts.expunge(t, "INBOX", 2)
	d.want("FETCH 1 (UID)", "OK Fetch completed.", "* 1 FETCH (UID 1)",
		`* 1 FETCH (UID 1 FLAGS (\Flagged))`, `* 2 FETCH (UID 2 FLAGS (\Deleted))`)
	d.want("STATUS INBOX (HIGHESTMODSEQ)", "OK STATUS completed.",
		"* OK [HIGHESTMODSEQ 6] Highest", `* STATUS "INBOX" (HIGHESTMODSEQ 7)`, "* 2 EXPUNGE")

	e := ts.login(t)
	e.ok("ENABLE IMAP4rev2")
	e.ok("SELECT INBOX")
	e.want(`STORE 1 (UNCHANGEDSINCE 5) +FLAGS (\Seen)`, "OK Store completed.",
		"* OK [HIGHESTMODSEQ 7] Highest", `* 1 FETCH (UID 1 FLAGS (\Seen \Flagged) MODSEQ (8))`)

	f := ts.login(t)
	f.want("ENABLE CONDSTORE", "OK ENABLE completed.", "* ENABLED CONDSTORE")
	f.want("ENABLE CONDSTORE IMAP4rev2", "OK ENABLE completed.", "* ENABLED IMAP4rev2")
	f.wantResync("SELECT INBOX", "OK [READ-WRITE] SELECT completed.", "* OK [HIGHESTMODSEQ 8] Highest")

	g := ts.login(t)
	g.want("ENABLE QRESYNC CONDSTORE", "OK ENABLE completed.", "* ENABLED QRESYNC")
}

func TestCondStoreErrors(t *testing.T) {
	ts, _ := condStoreServer(t)
	c := ts.login(t)
	c.ok("ENABLE IMAP4rev2")
	// QRESYNC parameters and VANISHED need ENABLE QRESYNC (§3.2.3, §3.2.6).
	c.want("SELECT INBOX (QRESYNC (1 1))", "BAD QRESYNC requires ENABLE QRESYNC first")
	c.ok("EXAMINE INBOX (CONDSTORE)")
	c.want("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)", "BAD VANISHED requires ENABLE QRESYNC")
	c.want("FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)", "BAD VANISHED requires UID FETCH and CHANGEDSINCE")
	c.want("UID FETCH 1:* (FLAGS) (VANISHED)", "BAD VANISHED requires UID FETCH and CHANGEDSINCE")
	c.want("FETCH 1:* (FLAGS) (CHANGEDSINCE 0)", "BAD CHANGEDSINCE must be a positive mod-sequence")
	c.want("FETCH 1:* (FLAGS) (CHANGEDSINCE x)", `BAD Invalid CHANGEDSINCE value: expected number, found "x"`)
	c.want(`STORE 1 (UNCHANGEDSINCE 9) +FLAGS (\Seen)`, "NO Mailbox is read-only.")
	c.want("SELECT INBOX (FROB)", `BAD Unknown SELECT parameter "FROB"`)
}
