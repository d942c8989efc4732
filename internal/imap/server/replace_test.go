package server

import (
	"testing"
)

// TestReplace: REPLACE and UID REPLACE (RFC 8508) append the new message
// and expunge the old one as one action, with APPENDUID in an untagged OK
// before the EXISTS/EXPUNGE responses.
func TestReplace(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "INBOX", "Subject: draft 1\r\n\r\none\r\n", `\Draft`)
	ts.appendMsg(t, "INBOX", "Subject: other\r\n\r\nother\r\n")
	inbox := ts.mailbox(t, "INBOX")
	v := itoa(inbox.UIDValidity)
	c := ts.login(t)
	c.ok("SELECT INBOX")

	draft2 := "Subject: draft 2\r\n\r\ntwo\r\n"
	c.want("REPLACE 1 INBOX (\\Seen \\Draft) {"+itoa(uint32(len(draft2)))+"+}\r\n"+draft2, "OK Replace completed.",
		"* OK [APPENDUID "+v+" 3] Replacement Message ready",
		// Expunges before the new count, as for MOVE (selected.go); the
		// example of RFC 8508 §3.3 has the other order, also valid.
		"* 1 EXPUNGE",
		"* 2 EXISTS",
		"* 2 RECENT")
	c.want("UID FETCH 1:* (FLAGS EMAILID)", "OK Fetch completed.",
		"* 1 FETCH (UID 2 FLAGS (\\Recent) EMAILID ("+ts.emailIDOf(t, "INBOX", 2)+"))",
		"* 2 FETCH (UID 3 FLAGS (\\Seen \\Draft \\Recent) EMAILID ("+ts.emailIDOf(t, "INBOX", 3)+"))")

	// UID REPLACE into another mailbox: only the EXPUNGE shows here.
	drafts := ts.mailbox(t, "Drafts")
	sent := "Subject: sent\r\n\r\nsent\r\n"
	c.want("UID REPLACE 3 Drafts {"+itoa(uint32(len(sent)))+"+}\r\n"+sent, "OK Replace completed.",
		"* OK [APPENDUID "+itoa(drafts.UIDValidity)+" 1] Replacement Message ready",
		"* 2 EXPUNGE")
	c.want("STATUS Drafts (MESSAGES)", "OK STATUS completed.", `* STATUS "Drafts" (MESSAGES 1)`)

	// Failures change nothing.
	msg := "Subject: x\r\n\r\nx\r\n"
	lit := "{" + itoa(uint32(len(msg))) + "+}\r\n" + msg
	c.want("REPLACE 2 INBOX "+lit, "BAD Invalid message sequence number")
	c.want("UID REPLACE 99 INBOX "+lit, "NO No such message to replace.")
	c.want("REPLACE 1 Nowhere "+lit, "NO [TRYCREATE] Mailbox doesn't exist: Nowhere")
	c.want("REPLACE 1 INBOX {0+}\r\n", "NO Can't save a zero byte message.")
	c.want("REPLACE 1 INBOX "+lit+" "+lit, "BAD REPLACE takes one message")
	c.want("REPLACE 1 INBOX (\\Bogus) "+lit, `BAD Unknown system flag "\\Bogus"`)
	c.want("FETCH 1:* (UID)", "OK Fetch completed.", "* 1 FETCH (UID 2)")
	c.want("STATUS INBOX (MESSAGES UIDNEXT)", "OK STATUS completed.", `* STATUS "INBOX" (MESSAGES 1 UIDNEXT 4)`)

	c.ok("EXAMINE INBOX")
	c.want("REPLACE 1 INBOX "+lit, "NO Mailbox is read-only.")
	c.ok("UNSELECT")
	c.want("REPLACE 1 INBOX "+lit, "BAD No mailbox selected")
}
