package server

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"roost/internal/store"
)

// TestUIDOnly drives RFC 9586 over the wire: ENABLE UIDONLY, refusal of
// every use of message sequence numbers with BAD [UIDREQUIRED], UIDFETCH
// responses (solicited and unsolicited), VANISHED for expunges without
// QRESYNC, and EXISTS still sent.
func TestUIDOnly(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMany(t, "INBOX", 3)
	c := ts.login(t)
	c.want("ENABLE IMAP4rev2 UIDONLY", "OK ENABLE completed.", "* ENABLED IMAP4rev2 UIDONLY")
	c.want("ENABLE UIDONLY", "OK ENABLE completed.", "* ENABLED") // already on
	c.ok("SELECT INBOX")

	// Sequence numbers, in commands and in search programs.
	for _, cmd := range []string{
		"FETCH 1 (FLAGS)", `STORE 1 +FLAGS (\Seen)`, "SEARCH ALL", "COPY 1 Trash", "MOVE 1 Trash",
		"SORT (SUBJECT) UTF-8 ALL", "THREAD REFERENCES UTF-8 ALL",
	} {
		name, _, _ := strings.Cut(cmd, " ")
		c.want(cmd, "BAD [UIDREQUIRED] Use the UID form of "+name+": UIDONLY is enabled")
	}
	for _, cmd := range []string{"UID SEARCH 1:2", "UID SEARCH OR UID 1 2", "UID SORT (SUBJECT) UTF-8 NOT 3"} {
		c.want(cmd, "BAD [UIDREQUIRED] Message sequence numbers in the search program: UIDONLY is enabled")
	}

	// UID commands answer with UIDFETCH, without the (redundant) UID item.
	c.want("UID FETCH 1:* (FLAGS)", "OK Fetch completed.",
		"* 1 UIDFETCH (FLAGS ())", "* 2 UIDFETCH (FLAGS ())", "* 3 UIDFETCH (FLAGS ())")
	c.want("UID FETCH 2 (UID RFC822.SIZE)", "OK Fetch completed.", "* 2 UIDFETCH (RFC822.SIZE 51)")
	c.want(`UID STORE 2 +FLAGS (\Seen)`, "OK Store completed.", `* 2 UIDFETCH (FLAGS (\Seen))`)
	c.want("UID SEARCH UID 2:3", "OK Search completed.", `* ESEARCH (TAG "`+tagOfNext(c)+`") UID ALL 2:3`)
	c.want("UID SEARCH $", "OK Search completed.", `* ESEARCH (TAG "`+tagOfNext(c)+`") UID`)

	// Changes made elsewhere: flags as UIDFETCH, expunges as VANISHED
	// (no QRESYNC here), new messages as EXISTS.
	ts.storeFlags(t, "INBOX", 3, store.FlagsAdd, `\Flagged`)
	c.want("NOOP", "OK NOOP completed.", `* 3 UIDFETCH (FLAGS (\Flagged))`)
	ts.expunge(t, "INBOX", 1)
	ts.appendMany(t, "INBOX", 1)
	c.want("NOOP", "OK NOOP completed.", `* 1 UIDFETCH (FLAGS (\Deleted))`, "* VANISHED 1", "* 3 EXISTS")
	c.want(`UID STORE 4 +FLAGS.SILENT (\Deleted)`, "OK Store completed.")
	c.want("EXPUNGE", "OK Expunge completed.", "* VANISHED 4")
	c.want("UID FETCH 1:* (FLAGS)", "OK Fetch completed.",
		`* 2 UIDFETCH (FLAGS (\Seen))`, `* 3 UIDFETCH (FLAGS (\Flagged))`)
	_, st := c.do("UID MOVE 2 Trash")
	if !strings.HasPrefix(st, "OK ") {
		t.Fatalf("UID MOVE: %s", st)
	}
	c.want("NOOP", "OK NOOP completed.")
}

// TestUIDOnlyQResync: the sequence match data of SELECT (QRESYNC ...) are
// sequence numbers; with QRESYNC and UIDONLY both on, a resync answers
// with UIDFETCH.
func TestUIDOnlyQResync(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMany(t, "INBOX", 3)
	mb := ts.mailbox(t, "INBOX")
	c := ts.login(t)
	c.want("ENABLE IMAP4rev2 QRESYNC UIDONLY", "OK ENABLE completed.", "* ENABLED IMAP4rev2 QRESYNC UIDONLY")
	c.want("SELECT INBOX (QRESYNC (1 1 1:3 (1:3 1:3)))",
		"BAD [UIDREQUIRED] Sequence match data needs message sequence numbers")
	base := mb.HighestModSeq
	ts.storeFlags(t, "INBOX", 2, store.FlagsAdd, `\Answered`)
	untagged, status := c.do(fmt.Sprintf("SELECT INBOX (QRESYNC (%d %d 1:3))", mb.UIDValidity, base))
	if status != "OK [READ-WRITE] SELECT completed." {
		t.Fatalf("SELECT: %s", status)
	}
	want := fmt.Sprintf(`* 2 UIDFETCH (FLAGS (\Answered) MODSEQ (%d))`, base+1)
	if !slices.Contains(untagged, want) {
		t.Fatalf("SELECT QRESYNC: no %q in %q", want, untagged)
	}
}
