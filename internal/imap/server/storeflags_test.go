package server

import (
	"slices"
	"testing"
)

func TestStoreFlags(t *testing.T) {
	e := newMsgEnv(t)
	for range 3 {
		e.add("INBOX", simpleMsg, msgDate)
	}
	e.claimRecent("INBOX")
	c := e.dial("INBOX")
	other := e.dial("INBOX")

	c.expect(`STORE 1 +FLAGS (\Seen)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Seen))`)
	// Nothing changed: nothing to report.
	c.expect(`STORE 1 +FLAGS (\seen)`, "OK Store completed.")
	// A new keyword is announced first (keywords.go).
	c.expect(`STORE 1:2 FLAGS (\Flagged $Work)`, "OK Store completed.",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Work)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Work \*)] Flags permitted.`,
		`* 1 FETCH (FLAGS (\Flagged $Work))`, `* 2 FETCH (FLAGS (\Flagged $Work))`)
	// Keywords compare case-insensitively.
	c.expect(`STORE 1 -FLAGS ($WORK)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Flagged))`)
	c.expect(`UID STORE 2 +FLAGS.SILENT (\Deleted)`, "OK Store completed.")
	c.expect(`UID STORE 1:* -FLAGS (\FLAGGED)`, "OK Store completed.",
		`* 1 FETCH (UID 1 FLAGS ())`, `* 2 FETCH (UID 2 FLAGS (\Deleted $Work))`)
	c.expect(`STORE 3 FLAGS.SILENT (\Answered \Draft Keyword1)`, "OK Store completed.",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Work Keyword1)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Work Keyword1 \*)] Flags permitted.`)
	c.expect(`FETCH 1:3 FLAGS`, "OK Fetch completed.",
		`* 1 FETCH (FLAGS ())`, `* 2 FETCH (FLAGS (\Deleted $Work))`, `* 3 FETCH (FLAGS (\Answered \Draft Keyword1))`)
	c.expect(`STORE 1 +FLAGS (\Recent)`, `BAD \Recent flag cannot be changed`)
	c.expect(`STORE 1 +FLAGS (\Foo)`, `BAD Unknown system flag "\\Foo"`)
	c.expect(`STORE 4 +FLAGS (\Seen)`, "BAD Invalid message sequence number")
	c.expect(`UID STORE 4 +FLAGS (\Seen)`, "OK Store completed.")
	// The session's own changes are not echoed; another session hears each
	// of them once.
	c.expect("NOOP", "OK NOOP completed.")
	_, st := other.run("NOOP")
	if st != "OK NOOP completed." {
		t.Fatalf("NOOP: %s", st)
	}
	other.expect(`FETCH 1:3 FLAGS`, "OK Fetch completed.",
		`* 1 FETCH (FLAGS ())`, `* 2 FETCH (FLAGS (\Deleted $Work))`, `* 3 FETCH (FLAGS (\Answered \Draft Keyword1))`)

	ro := e.dial("")
	ro.ok("EXAMINE INBOX")
	ro.expect(`STORE 1 +FLAGS (\Seen)`, "NO Mailbox is read-only.")
}

func TestStoreOtherSessionSeesChange(t *testing.T) {
	e := newMsgEnv(t)
	e.add("INBOX", simpleMsg, msgDate)
	e.claimRecent("INBOX")
	c := e.dial("INBOX")
	other := e.dial("INBOX")
	c.expect(`STORE 1 +FLAGS.SILENT (\Answered)`, "OK Store completed.")
	other.expect("NOOP", "OK NOOP completed.", `* 1 FETCH (UID 1 FLAGS (\Answered))`)
	other.expect("NOOP", "OK NOOP completed.")
}

func TestStoreUnchangedSince(t *testing.T) {
	e := newMsgEnv(t)
	e.add("INBOX", simpleMsg, msgDate)
	e.add("INBOX", simpleMsg, msgDate)
	e.claimRecent("INBOX")
	c := e.dial("INBOX")
	ms1 := modseqOf(t, e, "INBOX", 1)
	untagged, status := c.run(`STORE 1:2 (UNCHANGEDSINCE ` + ms1 + `) +FLAGS.SILENT (\Answered)`)
	// UNCHANGEDSINCE turns CONDSTORE on: HIGHESTMODSEQ first, then UID and
	// MODSEQ even under .SILENT (RFC 7162 §3.1, §3.1.3, §3.2.4).
	want := []string{"* OK [HIGHESTMODSEQ " + modseqOf(t, e, "INBOX", 2) + "] Highest",
		`* 1 FETCH (UID 1 MODSEQ (` + modseqOf(t, e, "INBOX", 1) + `))`}
	if status != "OK [MODIFIED 2] Conditional STORE failed" || !slices.Equal(untagged, want) {
		t.Fatalf("conditional STORE: %q %q", untagged, status)
	}
	c.expect(`UID STORE 1:2 (UNCHANGEDSINCE 0) +FLAGS (\Seen)`, "OK [MODIFIED 1:2] Conditional STORE failed")
	c.expect(`FETCH 1:2 FLAGS`, "OK Fetch completed.", `* 1 FETCH (FLAGS (\Answered) MODSEQ (`+modseqOf(t, e, "INBOX", 1)+`))`,
		`* 2 FETCH (FLAGS () MODSEQ (`+modseqOf(t, e, "INBOX", 2)+`))`)
}
