package server

import "testing"

func TestCopyAndMove(t *testing.T) {
	e := newMsgEnv(t)
	for range 4 {
		e.add("INBOX", simpleMsg, msgDate)
	}
	e.claimRecent("INBOX")
	archive := itoa(e.mailbox("Archive").UIDValidity)
	trash := itoa(e.mailbox("Trash").UIDValidity)
	c := e.dial("INBOX")

	c.expect("COPY 1:2 Archive", "OK [COPYUID "+archive+" 1:2 1:2] Copy completed.")
	c.expect("UID COPY 4,3 Archive", "OK [COPYUID "+archive+" 3:4 3:4] Copy completed.")
	c.expect("COPY 1 Nowhere", "NO [TRYCREATE] Mailbox doesn't exist.")
	c.expect("UID COPY 99 Archive", "OK No messages found.")
	c.expect("COPY 9 Archive", "BAD Invalid message sequence number")

	c.expect("MOVE 2 Archive", "OK Move completed.",
		"* OK [COPYUID "+archive+" 2 5] Moved UIDs.", "* 2 EXPUNGE")
	// INBOX now holds UIDs 1, 3, 4 at 1-3. Moving 1 and 4: the second
	// EXPUNGE counts after the first.
	c.expect("UID MOVE 1,4 Trash", "OK Move completed.",
		"* OK [COPYUID "+trash+" 1,4 1:2] Moved UIDs.", "* 1 EXPUNGE", "* 2 EXPUNGE")
	c.expect("FETCH 1:* UID", "OK Fetch completed.", "* 1 FETCH (UID 3)")
	c.expect("MOVE 1 Nowhere", "NO [TRYCREATE] Mailbox doesn't exist.")
	c.expect("UID MOVE 1 Trash", "OK No messages found.")

	// A copy into the selected mailbox shows up as EXISTS (and RECENT in
	// IMAP4rev1, claimed by this session) before the tagged reply.
	c.expect("COPY 1 INBOX", "OK [COPYUID "+itoa(e.mailbox("INBOX").UIDValidity)+" 3 5] Copy completed.",
		"* 2 EXISTS", "* 1 RECENT")

	// Flags and internal date travel with the message.
	a := e.dial("Archive")
	a.expect("UID FETCH 5 (FLAGS INTERNALDATE)", "OK Fetch completed.",
		`* 5 FETCH (UID 5 FLAGS (\Recent) INTERNALDATE "02-Jan-2024 03:04:05 +0100")`)

	ro := e.dial("")
	ro.ok("EXAMINE Archive")
	ro.expect("MOVE 1 INBOX", "NO Mailbox is read-only.")
	ro.expect("COPY 1 INBOX", "OK [COPYUID "+itoa(e.mailbox("INBOX").UIDValidity)+" 1 6] Copy completed.")
}
