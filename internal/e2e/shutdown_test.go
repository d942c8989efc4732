package e2e

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// rawConn is a line-level IMAP connection for checking exact responses.
type rawConn struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	return &rawConn{t: t, conn: conn, r: bufio.NewReader(conn)}
}

// line reads one response line without its CRLF.
func (c *rawConn) line() string {
	c.t.Helper()
	s, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("reading a response line: %v (got %q)", err, s)
	}
	if !strings.HasSuffix(s, "\r\n") {
		c.t.Fatalf("response line %q does not end in CRLF", s)
	}
	return strings.TrimSuffix(s, "\r\n")
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(s + "\r\n")); err != nil {
		c.t.Fatalf("sending %q: %v", s, err)
	}
}

// untilTagged reads lines until the one tagged tag and returns it.
func (c *rawConn) untilTagged(tag string) string {
	c.t.Helper()
	for range 1000 {
		if l := c.line(); strings.HasPrefix(l, tag+" ") {
			return l
		}
	}
	c.t.Fatalf("no tagged response %s within 1000 lines", tag)
	return ""
}

// TestGracefulShutdown: on SIGTERM every connected client, logged in or
// not, receives "* BYE" before the connection closes, and the process
// exits 0.
func TestGracefulShutdown(t *testing.T) {
	data := t.TempDir()
	addUser(t, data, "sam", "sam-pw")
	s := startServer(t, data)

	authed := dialRaw(t, s.imapAddr)
	if g := authed.line(); !strings.HasPrefix(g, "* OK") {
		t.Fatalf("greeting %q, want * OK ...", g)
	}
	authed.send(`a1 LOGIN sam sam-pw`)
	if l := authed.untilTagged("a1"); !strings.HasPrefix(l, "a1 OK") {
		t.Fatalf("LOGIN: %q", l)
	}
	authed.send(`a2 SELECT INBOX`)
	if l := authed.untilTagged("a2"); !strings.HasPrefix(l, "a2 OK") {
		t.Fatalf("SELECT: %q", l)
	}

	fresh := dialRaw(t, s.imapAddr)
	if g := fresh.line(); !strings.HasPrefix(g, "* OK") {
		t.Fatalf("greeting %q, want * OK ...", g)
	}

	if code := s.terminate(); code != 0 {
		t.Fatalf("roost serve exited %d after SIGTERM, want 0\n%s", code, s.log())
	}
	for name, c := range map[string]*rawConn{"selected session": authed, "new connection": fresh} {
		l := c.line()
		if !strings.HasPrefix(l, "* BYE ") {
			t.Errorf("%s: after SIGTERM got %q, want \"* BYE ...\"", name, l)
			continue
		}
		if rest, err := c.r.ReadString('\n'); rest != "" || err == nil {
			t.Errorf("%s: after BYE got %q, %v; want the connection closed", name, rest, err)
		}
	}
	if !strings.Contains(s.log(), "msg=stopped") {
		t.Errorf("log lacks msg=stopped:\n%s", s.log())
	}
}
