package server

import (
	"strconv"
	"testing"
)

// TestInProgress: with updates due after every message, FETCH and SEARCH
// report "* OK [INPROGRESS ("tag" done total)]" between messages, never
// after the last one (RFC 9585).
func TestInProgress(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.progressInterval = -1 })
	for i := range 3 {
		ts.appendMsg(t, "INBOX", "Subject: "+strconv.Itoa(i)+"\r\n\r\nx\r\n")
	}
	c := ts.login(t)
	c.ok("SELECT INBOX")
	tag := func() string { return `"A` + strconv.Itoa(c.n+1) + `"` }
	tg := tag()
	c.want("FETCH 1:3 (UID)", "OK Fetch completed.",
		"* 1 FETCH (UID 1)",
		"* OK [INPROGRESS ("+tg+" 1 3)] Processed 1 of 3",
		"* 2 FETCH (UID 2)",
		"* OK [INPROGRESS ("+tg+" 2 3)] Processed 2 of 3",
		"* 3 FETCH (UID 3)")
	tg = tag()
	// BODY keeps the search in the server's own loop (search_headers.go
	// answers header-only programs in the store), a step per message.
	c.want("SEARCH OR SUBJECT 2 BODY nowhere", "OK Search completed.",
		"* OK [INPROGRESS ("+tg+" 1 3)] Processed 1 of 3",
		"* OK [INPROGRESS ("+tg+" 2 3)] Processed 2 of 3",
		"* SEARCH 3")
	// One message: nothing to report.
	c.want("FETCH 2 (UID)", "OK Fetch completed.", "* 2 FETCH (UID 2)")
	c.want("FETCH 4 (UID)", "BAD Invalid message sequence number")

}
