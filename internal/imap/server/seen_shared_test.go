package server

import (
	"strings"
	"testing"
)

// \Seen is per user in shared mailboxes (docs/sharing.md): a change of one
// user's own \Seen (STORE, FETCH BODY[], APPEND) by any path
// sends no FETCH to the other users who have the mailbox selected, neither
// on NOOP nor during IDLE. A change of a shared flag still does, showing
// each user's own \Seen.
func TestOwnSeenNotSentToOtherUsers(t *testing.T) {
	ts, alice, bob := newACLServer(t)
	carol := ts.aclLoginAs(t, "carol")
	ts.teamMailbox(t, "support", map[string]string{"bob": "lrswite", "carol": "lrswite"})
	for range 3 {
		untagged, st := bob.do("APPEND Shared/support {5+}\r\nhello")
		if !strings.HasPrefix(st, "OK [APPENDUID ") || len(untagged) != 0 {
			t.Fatalf("APPEND: %s %q", st, untagged)
		}
	}
	bob.ok("SELECT Shared/support")
	carol.ok("SELECT Shared/support")

	bob.want(`STORE 1 +FLAGS (\Seen)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Seen))`)
	bob.want("FETCH 2 (BODY[])", "OK Fetch completed.", "* 2 FETCH (FLAGS (\\Seen) BODY[] {5}\r\nhello)")
	bob.want(`STORE 1 -FLAGS (\Seen)`, "OK Store completed.", `* 1 FETCH (FLAGS ())`)
	carol.want("NOOP", "OK NOOP completed.")

	// A shared flag is reported, with carol's own \Seen (none).
	bob.want(`STORE 2 +FLAGS (\Flagged)`, "OK Store completed.", `* 2 FETCH (FLAGS (\Seen \Flagged))`)
	carol.want("NOOP", "OK NOOP completed.", `* 2 FETCH (UID 2 FLAGS (\Flagged))`)

	// During IDLE.
	carol.writeLine("I1 IDLE")
	carol.wantLine("+ idling")
	bob.want(`STORE 3 +FLAGS (\Seen)`, "OK Store completed.", `* 3 FETCH (FLAGS (\Seen))`)
	bob.want(`STORE 3 +FLAGS (\Answered)`, "OK Store completed.", `* 3 FETCH (FLAGS (\Seen \Answered))`)
	// The first line carol gets is the shared flag's.
	carol.wantLine(`* 3 FETCH (UID 3 FLAGS (\Answered))`)
	carol.writeLine("DONE")
	carol.wantLine("I1 OK IDLE completed.")

	// APPEND with \Seen: carol hears of the new messages, unseen.
	untagged, st := bob.do("APPEND Shared/support (\\Seen) {5+}\r\nhello")
	if !strings.HasPrefix(st, "OK [APPENDUID ") || strings.Join(untagged, "|") != "* 4 EXISTS" {
		t.Fatalf("APPEND: %s %q", st, untagged)
	}
	carol.want("NOOP", "OK NOOP completed.", "* 4 EXISTS")
	carol.want("FETCH 4 FLAGS", "OK Fetch completed.", `* 4 FETCH (FLAGS ())`)

	// A personal mailbox shared with others: its owner's \Seen is the
	// owner's alone.
	alice.want("SETACL INBOX bob lrswite", "OK SETACL completed.")
	ts.appendMsg(t, "INBOX", "Subject: a\r\n\r\na\r\n")
	alice.ok("SELECT INBOX")
	bob.ok(`SELECT "Other Users/alice/INBOX"`)
	alice.want(`STORE 1 +FLAGS (\Seen)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Seen))`)
	alice.want("FETCH 1 (BODY[TEXT])", "OK Fetch completed.", "* 1 FETCH (BODY[TEXT] {3}\r\na\r\n)")
	bob.want("NOOP", "OK NOOP completed.")
	bob.want(`STORE 1 +FLAGS (\Seen)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Seen))`)
	alice.want("NOOP", "OK NOOP completed.")
	alice.want(`STORE 1 +FLAGS (\Flagged)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Seen \Flagged))`)
	bob.want("NOOP", "OK NOOP completed.", `* 1 FETCH (UID 1 FLAGS (\Seen \Flagged))`)
	alice.want(`STORE 1 -FLAGS (\Seen)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Flagged))`)
	bob.want("NOOP", "OK NOOP completed.")
	bob.want("FETCH 1 FLAGS", "OK Fetch completed.", `* 1 FETCH (FLAGS (\Seen \Flagged))`)
}
