package server

import "testing"

func TestExpunge(t *testing.T) {
	e := newMsgEnv(t)
	for i := range 6 {
		var flags []string
		if i == 1 || i == 2 || i == 4 {
			flags = []string{`\Deleted`}
		}
		e.add("INBOX", simpleMsg, msgDate, flags...)
	}
	e.claimRecent("INBOX")
	c := e.dial("INBOX")
	other := e.dial("INBOX")

	// UIDs 2, 3 and 5 go; each EXPUNGE counts after the ones before it.
	c.expect("EXPUNGE", "OK Expunge completed.", "* 2 EXPUNGE", "* 2 EXPUNGE", "* 3 EXPUNGE")
	c.expect("FETCH 1:* UID", "OK Fetch completed.", "* 1 FETCH (UID 1)", "* 2 FETCH (UID 4)", "* 3 FETCH (UID 6)")
	other.expect("NOOP", "OK NOOP completed.", "* 2 EXPUNGE", "* 2 EXPUNGE", "* 3 EXPUNGE")

	c.ok(`STORE 1:3 +FLAGS.SILENT (\Deleted)`)
	// UID EXPUNGE removes only the given messages, and only if \Deleted.
	c.expect("UID EXPUNGE 4:6", "OK Expunge completed.", "* 2 EXPUNGE", "* 2 EXPUNGE")
	c.expect("UID EXPUNGE 4:6", "OK Expunge completed.")
	c.expect("FETCH 1:* (UID FLAGS)", "OK Fetch completed.", `* 1 FETCH (UID 1 FLAGS (\Deleted))`)
	c.expect("EXPUNGE", "OK Expunge completed.", "* 1 EXPUNGE")
	c.expect("EXPUNGE", "OK Expunge completed.")

	e.add("INBOX", simpleMsg, msgDate, `\Deleted`)
	ro := e.dial("")
	ro.ok("EXAMINE INBOX")
	ro.expect("EXPUNGE", "NO Mailbox is read-only.")
	ro.expect("UID EXPUNGE 1:*", "NO Mailbox is read-only.")
	// A \Deleted message this session has not been told about yet just
	// leaves the view: no EXISTS, no EXPUNGE for a number the client never
	// knew.
	c.expect("EXPUNGE", "OK Expunge completed.")
	c.expect("NOOP", "OK NOOP completed.")
}

// RFC 9051 §7.5.1: no EXPUNGE while answering FETCH, STORE or SEARCH;
// the message is reported gone at the next command that allows it, and
// sequence numbers stay consistent in between.
func TestExpungeByOtherSession(t *testing.T) {
	e := newMsgEnv(t)
	for range 3 {
		e.add("INBOX", simpleMsg, msgDate)
	}
	e.claimRecent("INBOX")
	a := e.dial("INBOX")
	b := e.dial("INBOX")

	b.ok(`STORE 2 +FLAGS.SILENT (\Deleted)`)
	b.expect("EXPUNGE", "OK Expunge completed.", "* 2 EXPUNGE")

	a.expect("FETCH 1:3 UID", "OK [EXPUNGEISSUED] Some messages were already expunged.",
		"* 1 FETCH (UID 1)", "* 3 FETCH (UID 3)", `* 2 FETCH (UID 2 FLAGS (\Deleted))`)
	a.expect(`STORE 3 +FLAGS (\Seen)`, "OK Store completed.", `* 3 FETCH (FLAGS (\Seen))`)
	a.expect("SEARCH ALL", "OK Search completed.", "* SEARCH 1 3")
	a.expect("FETCH 3 BODY[HEADER.FIELDS (SUBJECT)]", "OK Fetch completed.",
		"* 3 FETCH (BODY[HEADER.FIELDS (SUBJECT)] "+litStr("Subject: Hello\r\n\r\n")+")")
	a.expect("NOOP", "OK NOOP completed.", "* 2 EXPUNGE")
	a.expect("FETCH 2 UID", "OK Fetch completed.", "* 2 FETCH (UID 3)")
	a.expect("SEARCH ALL", "OK Search completed.", "* SEARCH 1 2")
}
