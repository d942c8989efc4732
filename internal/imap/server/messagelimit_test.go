package server

import (
	"slices"
	"strings"
	"testing"
)

// TestMessageLimit: with MESSAGELIMIT=3 advertised, UID commands over the
// limit work on the first three messages and say so with
// [MESSAGELIMIT 3]; sequence-number commands over it are refused.
func TestMessageLimit(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.MessageLimit = 3 })
	ts.appendMany(t, "INBOX", 5)
	c := ts.login(t)
	caps, _ := c.do("CAPABILITY")
	if len(caps) != 1 || !slices.Contains(strings.Fields(caps[0]), "MESSAGELIMIT=3") {
		t.Fatalf("CAPABILITY: %q", caps)
	}
	c.want("ENABLE IMAP4rev2", "OK ENABLE completed.", "* ENABLED IMAP4rev2")
	c.ok("SELECT INBOX")

	c.want("UID FETCH 1:* (FLAGS)", "OK [MESSAGELIMIT 3] Fetch completed.",
		"* 1 FETCH (UID 1 FLAGS ())", "* 2 FETCH (UID 2 FLAGS ())", "* 3 FETCH (UID 3 FLAGS ())")
	c.want("UID FETCH 4:* (FLAGS)", "OK Fetch completed.", "* 4 FETCH (UID 4 FLAGS ())", "* 5 FETCH (UID 5 FLAGS ())")
	c.want("UID FETCH 1:* (FLAGS) (PARTIAL -1:-2)", "OK Fetch completed.",
		"* 4 FETCH (UID 4 FLAGS ())", "* 5 FETCH (UID 5 FLAGS ())")
	c.want("FETCH 1:3 (UID)", "OK Fetch completed.", "* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)")
	c.want("FETCH 1:* (FLAGS)", "NO [MESSAGELIMIT 3] Too many messages; at most 3 per command")

	c.want(`UID STORE 1:* +FLAGS (\Seen)`, "OK [MESSAGELIMIT 3] Store completed.",
		`* 1 FETCH (UID 1 FLAGS (\Seen))`, `* 2 FETCH (UID 2 FLAGS (\Seen))`, `* 3 FETCH (UID 3 FLAGS (\Seen))`)
	c.want(`STORE 1:4 +FLAGS (\Seen)`, "NO [MESSAGELIMIT 3] Too many messages; at most 3 per command")

	// UID SEARCH examines the first three candidates; the client goes on
	// with the UIDs above them.
	c.want("UID SEARCH UNSEEN", "OK [MESSAGELIMIT 3] Search completed.", `* ESEARCH (TAG "`+tagOfNext(c)+`") UID`)
	c.want("UID SEARCH UID 4:* UNSEEN", "OK Search completed.", `* ESEARCH (TAG "`+tagOfNext(c)+`") UID ALL 4:5`)
	c.want("UID SEARCH ALL", "OK [MESSAGELIMIT 3] Search completed.", `* ESEARCH (TAG "`+tagOfNext(c)+`") UID ALL 1:3`)
	c.want("UID SEARCH UID 2:* SEEN", "OK [MESSAGELIMIT 3] Search completed.", `* ESEARCH (TAG "`+tagOfNext(c)+`") UID ALL 2:3`)
	c.want("SEARCH SEEN", "NO [MESSAGELIMIT 3] Too many messages; at most 3 per command")
	c.want("SEARCH 4:5 SEEN", "OK Search completed.", `* ESEARCH (TAG "`+tagOfNext(c)+`")`)

	// COPY's tagged OK carries COPYUID: the limit goes in an untagged OK.
	c.want("UID COPY 1:* Trash", "OK [COPYUID "+itoa(ts.mailbox(t, "Trash").UIDValidity)+" 1:3 1:3] Copy completed.",
		"* OK [MESSAGELIMIT 3] Only the first 3 messages were processed")
	c.want("COPY 1:* Trash", "NO [MESSAGELIMIT 3] Too many messages; at most 3 per command")

	c.want(`UID STORE 1:5 +FLAGS.SILENT (\Deleted)`, "OK [MESSAGELIMIT 3] Store completed.")
	c.want(`UID STORE 4:5 +FLAGS.SILENT (\Deleted)`, "OK Store completed.")
	c.want("UID EXPUNGE 1:*", "OK [MESSAGELIMIT 3] Expunge completed.",
		"* 1 EXPUNGE", "* 1 EXPUNGE", "* 1 EXPUNGE")
	c.want("UID EXPUNGE 1:*", "OK Expunge completed.", "* 1 EXPUNGE", "* 1 EXPUNGE")
}
