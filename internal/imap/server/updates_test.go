package server

import (
	"testing"

	"roost/internal/store"
)

func TestTwoSessionsSeeEachOther(t *testing.T) {
	ts := newTestServer(t, nil)
	a := ts.login(t)
	b := ts.login(t)
	a.ok("SELECT INBOX")
	b.ok("SELECT INBOX")

	b.want("APPEND INBOX {5+}\r\nhello", "OK [APPENDUID "+itoa(ts.mailbox(t, "INBOX").UIDValidity)+" 1] APPEND completed.",
		"* 1 EXISTS", "* 1 RECENT")
	// b claimed \Recent first.
	a.want("NOOP", "OK NOOP completed.", "* 1 EXISTS", "* 0 RECENT")
	a.want("NOOP", "OK NOOP completed.")

	ts.appendMsg(t, "INBOX", "Subject: 2\r\n\r\nx\r\n")
	ts.storeFlags(t, "INBOX", 1, store.FlagsAdd, store.FlagFlagged)
	a.want("CHECK", "OK CHECK completed.", `* 1 FETCH (UID 1 FLAGS (\Flagged))`, "* 2 EXISTS", "* 1 RECENT")
	b.want("NOOP", "OK NOOP completed.", `* 1 FETCH (UID 1 FLAGS (\Flagged \Recent))`, "* 2 EXISTS", "* 1 RECENT")

	// EXPUNGE responses wait during FETCH, STORE and SEARCH (RFC 9051
	// §7.5.1), but not during the UID forms or other commands.
	ts.expunge(t, "INBOX", 1)
	// The message being expunged is left out of the FETCH (RFC 9051 §7.5.1),
	// and the tagged OK says so (§7.1 EXPUNGEISSUED).
	a.want("FETCH 1:2 UID", "OK [EXPUNGEISSUED] Some messages were already expunged.", "* 2 FETCH (UID 2)", `* 1 FETCH (UID 1 FLAGS (\Flagged \Deleted))`)
	a.want("NOOP", "OK NOOP completed.", "* 1 EXPUNGE")
	b.want("UID FETCH 1:* UID", "OK [EXPUNGEISSUED] Some messages were already expunged.",
		"* 2 FETCH (UID 2)", `* 1 FETCH (UID 1 FLAGS (\Flagged \Deleted \Recent))`, "* 1 EXPUNGE")
	a.want("NOOP", "OK NOOP completed.")
	b.want("NOOP", "OK NOOP completed.")
}

func TestIdle(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "INBOX", "Subject: 1\r\n\r\nx\r\n")
	a := ts.login(t)
	a.ok("ENABLE IMAP4rev2")
	a.ok("SELECT INBOX")

	a.writeLine("I1 IDLE")
	a.wantLine("+ idling")
	ts.appendMsg(t, "INBOX", "Subject: 2\r\n\r\nx\r\n")
	a.wantLine("* 2 EXISTS")
	ts.storeFlags(t, "INBOX", 2, store.FlagsAdd, store.FlagSeen)
	a.wantLine(`* 2 FETCH (UID 2 FLAGS (\Seen))`)
	ts.expunge(t, "INBOX", 1)
	a.wantLine(`* 1 FETCH (UID 1 FLAGS (\Deleted))`)
	a.wantLine("* 1 EXPUNGE")
	a.writeLine("done")
	a.wantLine("I1 OK IDLE completed.")

	// Anything but DONE ends IDLE with BAD; the session goes on.
	a.writeLine("I2 IDLE")
	a.wantLine("+ idling")
	a.writeLine("NOOP")
	a.wantLine("I2 BAD Expected DONE.")
	a.want("NOOP", "OK NOOP completed.")

	// IDLE without a selected mailbox just waits for DONE.
	b := ts.login(t)
	b.writeLine("I1 IDLE")
	b.wantLine("+ idling")
	b.writeLine("DONE")
	b.wantLine("I1 OK IDLE completed.")
}

func TestIdleSeesOtherSessionsChanges(t *testing.T) {
	ts := newTestServer(t, nil)
	a := ts.login(t)
	b := ts.login(t)
	a.ok("SELECT INBOX")
	a.writeLine("I1 IDLE")
	a.wantLine("+ idling")
	// b has no mailbox selected, so the new message is recent for a.
	b.ok("APPEND INBOX {5+}\r\nhello")
	a.wantLine("* 1 EXISTS")
	a.wantLine("* 1 RECENT")
	a.writeLine("DONE")
	a.wantLine("I1 OK IDLE completed.")
}
