package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"roost/internal/store"
)

func TestAppend(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.MaxLiteral = 1000 })
	uv := itoa(ts.mailbox(t, "INBOX").UIDValidity)
	c := ts.login(t)
	msg := "Subject: hi\r\n\r\nHello\r\n"

	// Synchronizing literal: the server invites the data.
	c.writeLine(`A1 APPEND INBOX (\Seen $Label) "05-Mar-2021 10:20:30 +0100" {` + itoa(len(msg)) + "}")
	c.wantLine("+ Ready for literal data")
	c.writeLine(msg)
	c.wantLine("A1 OK [APPENDUID " + uv + " 1] APPEND completed.")

	msgs, err := ts.store.Messages(context.Background(), ts.mailbox(t, "INBOX").ID, []uint32{1}, store.FetchOptions{})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Messages: %v %v", msgs, err)
	}
	if got := strings.Join(msgs[0].Flags, " "); got != `\Seen $Label` {
		t.Fatalf("flags %q", got)
	}
	if want := time.Date(2021, 3, 5, 9, 20, 30, 0, time.UTC); !msgs[0].InternalDate.Equal(want) || msgs[0].Size != int64(len(msg)) {
		t.Fatalf("date %v size %d", msgs[0].InternalDate, msgs[0].Size)
	}

	// LITERAL+ and MULTIAPPEND: both messages or none.
	c.n = 1
	c.want("APPEND INBOX {5+}\r\nhello (\\Flagged) {5+}\r\nworld", "OK [APPENDUID "+uv+" 2:3] APPEND completed.")
	c.want("APPEND INBOX {5+}\r\nhello (\\Recent) {5+}\r\nworld", `BAD \Recent flag cannot be changed`)
	c.want("STATUS INBOX (MESSAGES)", "OK STATUS completed.", `* STATUS "INBOX" (MESSAGES 3)`)

	// A missing mailbox: no invitation for a synchronizing literal.
	c.writeLine("A9 APPEND Nope {5}")
	c.wantLine("A9 NO [TRYCREATE] Mailbox doesn't exist: Nope")
	c.want("APPEND Nope {5+}\r\nhello", "NO [TRYCREATE] Mailbox doesn't exist: Nope")
	c.want("APPEND INBOX {0+}\r\n", "NO Can't save a zero byte message.")
	c.want("APPEND Work/Projects {5+}\r\nhello", "NO [TRYCREATE] Mailbox doesn't exist: Work/Projects")

	// Over APPENDLIMIT: refused before the data.
	c.writeLine("A20 APPEND INBOX {2000}")
	if line := c.readLine(); !strings.HasPrefix(line, "A20 NO [TOOBIG] ") {
		t.Fatalf("too big: %q", line)
	}
	c.n = 20
	c.want("NOOP", "OK NOOP completed.")

	// Appending to the selected mailbox shows up at once.
	c.ok("SELECT INBOX")
	c.want("APPEND INBOX {5+}\r\nhello", "OK [APPENDUID "+uv+" 4] APPEND completed.", "* 4 EXISTS", "* 4 RECENT")
}

func TestAppendWrongState(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.dial(t)
	// The message of a refused APPEND is skipped, not executed.
	c.want("APPEND INBOX {16+}\r\nA7 LOGOUT\r\nxxxx", "BAD Please authenticate first")
	c.want("NOOP", "OK NOOP completed.")
}
