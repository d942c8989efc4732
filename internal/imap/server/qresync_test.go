package server

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fromHighestModSeq returns the responses of a SELECT from its
// HIGHESTMODSEQ response on: what CONDSTORE and QRESYNC add. (The
// responses before it are other extensions' business.)
func fromHighestModSeq(t *testing.T, untagged []string) []string {
	t.Helper()
	for i, l := range untagged {
		if strings.HasPrefix(l, "* OK [HIGHESTMODSEQ ") {
			return untagged[i:]
		}
	}
	t.Fatalf("no HIGHESTMODSEQ in %q", untagged)
	return nil
}

// wantResync runs a SELECT/EXAMINE and compares its responses from
// HIGHESTMODSEQ on.
func (c *rawClient) wantResync(command, status string, want ...string) {
	c.t.Helper()
	got, st := c.do(command)
	if st != status || strings.Join(fromHighestModSeq(c.t, got), "\n") != strings.Join(want, "\n") {
		c.t.Fatalf("%s:\n got: %q\n      %q\nwant: ...%q\n      %q", command, got, st, want, status)
	}
}

// hasLines requires every one of want among got.
func hasLines(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Fatalf("%s: no %q in %q", what, w, got)
		}
	}
}

// TestQResync: changes made in session B while A was away reach A in one
// SELECT (RFC 7162 §3.2.5): exactly the expunged UIDs in VANISHED
// (EARLIER), exactly the changed messages in FETCH.
func TestQResync(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 1; i <= 10; i++ { // UIDs 1..10, MODSEQs 2..11
		ts.appendMsg(t, "INBOX", "Subject: "+strconv.Itoa(i)+"\r\n\r\nbody\r\n")
	}
	uv := itoa(ts.mailbox(t, "INBOX").UIDValidity)
	otherUV := itoa(ts.mailbox(t, "INBOX").UIDValidity - 1)

	a := ts.login(t)
	a.want("ENABLE IMAP4rev2 QRESYNC", "OK ENABLE completed.", "* ENABLED IMAP4rev2 QRESYNC")
	a.wantResync("SELECT INBOX", "OK [READ-WRITE] SELECT completed.", "* OK [HIGHESTMODSEQ 11] Highest")
	a.ok("LOGOUT")

	b := ts.login(t)
	b.ok("ENABLE IMAP4rev2")
	b.ok("SELECT INBOX")
	b.ok(`STORE 3 +FLAGS (\Seen)`)                                           // 12
	b.ok(`STORE 6 +FLAGS (\Flagged)`)                                        // 13
	b.ok(`STORE 9 +FLAGS (Work)`)                                            // 14
	b.ok(`STORE 4,7 +FLAGS.SILENT (\Deleted)`)                               // 15, 16
	b.want("EXPUNGE", "OK Expunge completed.", "* 4 EXPUNGE", "* 6 EXPUNGE") // 17, 18
	ts.appendMsg(t, "INBOX", "Subject: 11\r\n\r\nbody\r\n")                  // UID 11, 19

	a = ts.login(t)
	a.want("ENABLE QRESYNC IMAP4rev2", "OK ENABLE completed.", "* ENABLED QRESYNC IMAP4rev2")
	got, st := a.do("SELECT INBOX (QRESYNC (" + uv + " 11))")
	if st != "OK [READ-WRITE] SELECT completed." {
		t.Fatalf("SELECT (QRESYNC): %s", st)
	}
	hasLines(t, "SELECT (QRESYNC)", got, "* 9 EXISTS", "* OK [UIDVALIDITY "+uv+"] UIDs valid", "* OK [UIDNEXT 12] Predicted next UID")
	want := []string{
		"* OK [HIGHESTMODSEQ 19] Highest",
		"* VANISHED (EARLIER) 4,7",
		`* 3 FETCH (UID 3 FLAGS (\Seen) MODSEQ (12))`,
		`* 5 FETCH (UID 6 FLAGS (\Flagged) MODSEQ (13))`,
		`* 7 FETCH (UID 9 FLAGS (Work) MODSEQ (14))`,
		`* 9 FETCH (UID 11 FLAGS () MODSEQ (19))`,
	}
	if tail := fromHighestModSeq(t, got); !slices.Equal(tail, want) {
		t.Fatalf("SELECT (QRESYNC):\n got %q\nwant %q", tail, want)
	}
	if got[0] == "* OK [CLOSED] Previous mailbox is now closed." {
		t.Fatalf("CLOSED without a selected mailbox: %q", got)
	}

	// Known UIDs restrict both answers; MODSEQs restrict by time. Each
	// SELECT closes the previous mailbox with CLOSED (§3.2.11).
	got, _ = a.do("SELECT INBOX (QRESYNC (" + uv + " 11))")
	if got[0] != "* OK [CLOSED] Previous mailbox is now closed." || !slices.Equal(fromHighestModSeq(t, got), want) {
		t.Fatalf("second SELECT (QRESYNC): %q", got)
	}
	a.wantResync("SELECT INBOX (QRESYNC ("+uv+" 11 1:5))", "OK [READ-WRITE] SELECT completed.", "* OK [HIGHESTMODSEQ 19] Highest",
		"* VANISHED (EARLIER) 4", `* 3 FETCH (UID 3 FLAGS (\Seen) MODSEQ (12))`)
	a.wantResync("SELECT INBOX (QRESYNC ("+uv+" 17))", "OK [READ-WRITE] SELECT completed.", "* OK [HIGHESTMODSEQ 19] Highest",
		"* VANISHED (EARLIER) 7", `* 9 FETCH (UID 11 FLAGS () MODSEQ (19))`)
	a.wantResync("SELECT INBOX (QRESYNC ("+uv+" 19))", "OK [READ-WRITE] SELECT completed.", "* OK [HIGHESTMODSEQ 19] Highest")
	a.wantResync("EXAMINE INBOX (QRESYNC ("+uv+" 11 1:3))", "OK [READ-ONLY] EXAMINE completed.", "* OK [HIGHESTMODSEQ 19] Highest",
		`* 3 FETCH (UID 3 FLAGS (\Seen) MODSEQ (12))`)
	// Another UIDVALIDITY: nothing but the usual responses.
	a.wantResync("SELECT INBOX (QRESYNC ("+otherUV+" 11))", "OK [READ-WRITE] SELECT completed.", "* OK [HIGHESTMODSEQ 19] Highest")

	// Sequence match data (§3.2.5.2): seq 8 is still UID 10, so the
	// client knows every expunge up to 10.
	a.wantResync("SELECT INBOX (QRESYNC ("+uv+" 11 1:10 (3,8 3,10)))", "OK [READ-WRITE] SELECT completed.", "* OK [HIGHESTMODSEQ 19] Highest",
		`* 3 FETCH (UID 3 FLAGS (\Seen) MODSEQ (12))`,
		`* 5 FETCH (UID 6 FLAGS (\Flagged) MODSEQ (13))`,
		`* 7 FETCH (UID 9 FLAGS (Work) MODSEQ (14))`)
	// Seq 5 is no longer UID 5: only "up to UID 2" is proven.
	a.wantResync("SELECT INBOX (QRESYNC ("+uv+" 18 1:10 (2,5 2,5)))", "OK [READ-WRITE] SELECT completed.", "* OK [HIGHESTMODSEQ 19] Highest")
	a.wantResync("SELECT INBOX (QRESYNC ("+uv+" 16 1:10 (2,5 2,5)))", "OK [READ-WRITE] SELECT completed.", "* OK [HIGHESTMODSEQ 19] Highest",
		"* VANISHED (EARLIER) 4,7")
	a.wantResync("SELECT INBOX (QRESYNC ("+uv+" 16 1:10 (4:5 5:6)))", "OK [READ-WRITE] SELECT completed.", "* OK [HIGHESTMODSEQ 19] Highest",
		"* VANISHED (EARLIER) 7")

	// Known UIDs exclude "*" (RFC 7162 §7), not the largest number.
	a.wantResync("SELECT INBOX (QRESYNC ("+uv+" 11 5:4294967295))", "OK [READ-WRITE] SELECT completed.", "* OK [HIGHESTMODSEQ 19] Highest",
		"* VANISHED (EARLIER) 7",
		`* 5 FETCH (UID 6 FLAGS (\Flagged) MODSEQ (13))`,
		`* 7 FETCH (UID 9 FLAGS (Work) MODSEQ (14))`,
		`* 9 FETCH (UID 11 FLAGS () MODSEQ (19))`)
	// Seq 4 is UID 5 and seq 5 UID 6, seq 6 is not UID 7: the client
	// knows the expunges up to UID 6.
	a.wantResync("SELECT INBOX (QRESYNC ("+uv+" 11 1:4294967295 (3,4:4294967294 3,5:4294967295)))", "OK [READ-WRITE] SELECT completed.",
		"* OK [HIGHESTMODSEQ 19] Highest",
		"* VANISHED (EARLIER) 7",
		`* 3 FETCH (UID 3 FLAGS (\Seen) MODSEQ (12))`,
		`* 5 FETCH (UID 6 FLAGS (\Flagged) MODSEQ (13))`,
		`* 7 FETCH (UID 9 FLAGS (Work) MODSEQ (14))`,
		`* 9 FETCH (UID 11 FLAGS () MODSEQ (19))`)

	// Bad parameters leave INBOX selected (§3.2.5).
	a.want("SELECT INBOX (QRESYNC ("+uv+" 0))", "BAD QRESYNC mod-sequence must be positive")
	a.want("SELECT INBOX (QRESYNC ("+uv+" 11 1:*))", "BAD Invalid QRESYNC known UIDs")
	a.want("SELECT INBOX (QRESYNC ("+uv+" 11 1:10 (1:2 1)))", "BAD QRESYNC sequence match sets differ in size")
	a.want("SELECT INBOX (QRESYNC ("+uv+" 11 1:10 (1:* 1:2)))", "BAD Invalid QRESYNC sequence match data")
	a.want("FETCH 1 (UID)", "OK Fetch completed.", "* 1 FETCH (UID 1)")

	// From now on VANISHED replaces EXPUNGE (§3.2.10.2), whoever expunges.
	b.ok(`UID STORE 1 +FLAGS.SILENT (\Deleted)`) // 20
	b.ok("EXPUNGE")                              // 21
	a.want("NOOP", "OK NOOP completed.", `* 1 FETCH (UID 1 FLAGS (\Deleted) MODSEQ (20))`, "* VANISHED 1")
	a.want(`UID STORE 2 +FLAGS (\Deleted)`, "OK Store completed.", `* 1 FETCH (UID 2 FLAGS (\Deleted) MODSEQ (22))`)
	// EXPUNGE and UID EXPUNGE give the new HIGHESTMODSEQ (§3.2.7, §3.2.9).
	a.want("UID EXPUNGE 2", "OK [HIGHESTMODSEQ 23] Expunge completed.", "* VANISHED 2")
	a.want("EXPUNGE", "OK Expunge completed.")
	archive := itoa(ts.mailbox(t, "Archive").UIDValidity)
	a.want("UID MOVE 3 Archive", "OK Move completed.", "* OK [COPYUID "+archive+" 3 1] Moved UIDs.", "* VANISHED 3") // 24

	// UID FETCH (CHANGEDSINCE VANISHED) (§3.2.6): the view is 5,6,8,9,10,11.
	a.want("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 11 VANISHED)", "OK Fetch completed.",
		"* VANISHED (EARLIER) 1:4,7",
		`* 2 FETCH (UID 6 FLAGS (\Flagged) MODSEQ (13))`,
		`* 4 FETCH (UID 9 FLAGS (Work) MODSEQ (14))`,
		`* 6 FETCH (UID 11 FLAGS () MODSEQ (19))`)
	a.want("UID FETCH 5:8 (FLAGS) (CHANGEDSINCE 11 VANISHED)", "OK Fetch completed.",
		"* VANISHED (EARLIER) 7", `* 2 FETCH (UID 6 FLAGS (\Flagged) MODSEQ (13))`)
	a.want("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 24 VANISHED)", "OK Fetch completed.")

	// Like EXPUNGE, VANISHED waits during FETCH (§3.2.10.2).
	b.ok(`UID STORE 5 +FLAGS.SILENT (\Deleted)`) // 25
	b.ok("EXPUNGE")                              // 26
	// (The message being expunged is left out of the FETCH itself, and
	// the tagged OK says so.)
	a.want("FETCH 1 (UID)", "OK [EXPUNGEISSUED] Some messages were already expunged.", `* 1 FETCH (UID 5 FLAGS (\Deleted) MODSEQ (25))`)
	a.want("NOOP", "OK NOOP completed.", "* VANISHED 5")
	// CLOSE expunges silently (§3.2.8).
	a.want(`STORE 1 +FLAGS.SILENT (\Deleted)`, "OK Store completed.", "* 1 FETCH (UID 6 MODSEQ (27))")
	a.want("CLOSE", "OK CLOSE completed.")

	// The expunges of this whole session, remembered for the next one.
	a.wantResync("SELECT INBOX (QRESYNC ("+uv+" 19))", "OK [READ-WRITE] SELECT completed.", "* OK [HIGHESTMODSEQ 28] Highest",
		"* VANISHED (EARLIER) 1:3,5:6")
}
