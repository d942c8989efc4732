package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"roost/internal/auth"
	"roost/internal/store"
	"roost/internal/store/sqlite"
)

// msgEnv is a running server on a real sqlite store with one user, for the
// message-command tests (FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE).
type msgEnv struct {
	t     *testing.T
	store *sqlite.Store
	user  *store.User
	addr  string
}

const (
	msgUser = "tester"
	msgPass = "secret-pw"
)

func newMsgEnv(t *testing.T) *msgEnv {
	t.Helper()
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.Hash(msgPass)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(context.Background(), msgUser, hash)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{Backend: st})
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
		st.Close()
	})
	return &msgEnv{t: t, store: st, user: u, addr: ln.Addr().String()}
}

// mailbox returns the ID of an existing mailbox of the test user.
func (e *msgEnv) mailbox(name string) *store.Mailbox {
	e.t.Helper()
	mb, err := e.store.Mailbox(context.Background(), e.user.ID, name)
	if err != nil {
		e.t.Fatalf("mailbox %s: %v", name, err)
	}
	return mb
}

// add appends raw (LF turned into CRLF) to mailbox name with the given
// flags and internal date, straight through the store, and returns its UID.
func (e *msgEnv) add(name, raw string, date time.Time, flags ...string) uint32 {
	e.t.Helper()
	ctx := context.Background()
	raw = toCRLF(raw)
	staged, err := e.store.Stage(ctx, strings.NewReader(raw), 1<<30)
	if err != nil {
		e.t.Fatal(err)
	}
	_, uids, err := e.store.Append(ctx, e.mailbox(name).ID, []store.AppendMessage{{Staged: staged, Flags: flags, InternalDate: date}})
	if err != nil {
		e.t.Fatal(err)
	}
	return uids[0]
}

// claimRecent takes \Recent away from every message of the mailbox, so
// that sessions opened afterwards show none.
func (e *msgEnv) claimRecent(name string) {
	e.t.Helper()
	mb := e.mailbox(name)
	if _, err := e.store.ClaimRecent(context.Background(), mb.ID, mb.UIDNext-1); err != nil {
		e.t.Fatal(err)
	}
}

// modseqOf returns the MODSEQ of message uid as the store has it.
func modseqOf(t *testing.T, e *msgEnv, name string, uid uint32) string {
	t.Helper()
	msgs, err := e.store.Messages(context.Background(), e.mailbox(name).ID, []uint32{uid}, store.FetchOptions{})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages: %v %v", msgs, err)
	}
	return strconv.FormatUint(msgs[0].ModSeq, 10)
}

func toCRLF(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// msgClient is a raw IMAP connection that sends tagged commands and collects
// the responses verbatim, literals included.
type msgClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	n    int
}

// dial connects and reads the greeting; login and select follow if
// mailbox is not empty.
func (e *msgEnv) dial(mailbox string) *msgClient {
	e.t.Helper()
	conn, err := net.DialTimeout("tcp", e.addr, 5*time.Second)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	c := &msgClient{t: e.t, conn: conn, r: bufio.NewReader(conn)}
	if greet := c.readResponse(); !strings.HasPrefix(greet, "* OK") {
		e.t.Fatalf("greeting %q", greet)
	}
	c.ok("LOGIN " + msgUser + " " + msgPass)
	if mailbox != "" {
		c.ok("SELECT " + mailbox)
	}
	return c
}

// run sends one command (a tag is added) and returns the untagged
// responses and the tagged reply without its tag.
func (c *msgClient) run(command string) (untagged []string, status string) {
	c.t.Helper()
	c.n++
	tag := "T" + strconv.Itoa(c.n)
	c.conn.SetDeadline(time.Now().Add(20 * time.Second))
	c.send(tag + " " + command + "\r\n")
	for range 100000 {
		resp := c.readResponse()
		if strings.HasPrefix(resp, tag+" ") {
			return untagged, strings.TrimSuffix(strings.TrimPrefix(resp, tag+" "), "\r\n")
		}
		untagged = append(untagged, strings.TrimSuffix(resp, "\r\n"))
	}
	c.t.Fatalf("%s: no tagged response", command)
	return nil, ""
}

// send writes a command line; at each synchronizing literal "{n}\r\n" it
// waits for the server's continuation request before going on.
func (c *msgClient) send(line string) {
	c.t.Helper()
	for {
		end := strings.Index(line, "}\r\n")
		if end < 0 || strings.LastIndexByte(line[:end], '{') < 0 {
			break
		}
		if _, err := io.WriteString(c.conn, line[:end+3]); err != nil {
			c.t.Fatal(err)
		}
		if cont := c.readResponse(); !strings.HasPrefix(cont, "+") {
			c.t.Fatalf("expected continuation, got %q", cont)
		}
		line = line[end+3:]
	}
	if _, err := io.WriteString(c.conn, line); err != nil {
		c.t.Fatal(err)
	}
}

// nextTag is the tag the next command will get.
func (c *msgClient) nextTag() string { return "T" + strconv.Itoa(c.n+1) }

// ok runs command and fails the test unless the reply is OK.
func (c *msgClient) ok(command string) []string {
	c.t.Helper()
	untagged, status := c.run(command)
	if !strings.HasPrefix(status, "OK") {
		c.t.Fatalf("%s: %s (untagged %q)", command, status, untagged)
	}
	return untagged
}

// expect runs command and compares the untagged responses and the tagged
// status exactly.
func (c *msgClient) expect(command string, status string, untagged ...string) {
	c.t.Helper()
	got, st := c.run(command)
	if st != status || strings.Join(got, "\n") != strings.Join(untagged, "\n") {
		c.t.Fatalf("%s:\ngot  %q\n     %q\nwant %q\n     %q", command, got, st, untagged, status)
	}
}

// readResponse reads one response: a line, and if it ends in a literal
// announcement {n} or ~{n}, the literal and the rest of the line, as many
// times as needed.
func (c *msgClient) readResponse() string {
	c.t.Helper()
	var b strings.Builder
	for range 10000 {
		line, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("read: %v (so far %q)", err, b.String()+line)
		}
		b.WriteString(line)
		n, ok := respLiteralSize(line)
		if !ok {
			return b.String()
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			c.t.Fatalf("read literal: %v", err)
		}
		b.Write(buf)
	}
	c.t.Fatal("response too long")
	return ""
}

func respLiteralSize(line string) (int, bool) {
	if !strings.HasSuffix(line, "}\r\n") {
		return 0, false
	}
	open := strings.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(line[open+1 : len(line)-3])
	return n, err == nil
}

// lit formats a literal as it appears in a response: "{n}\r\n" + s.
func litStr(s string) string { return fmt.Sprintf("{%d}\r\n%s", len(s), s) }
