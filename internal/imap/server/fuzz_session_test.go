package server

// FuzzSession drives whole sessions: the fuzz input is a sequence of
// command lines (split at LF; the harness adds the tags) sent over a real
// socket to an in-process server with a real sqlite store. Every exec
// checks that
//   - no session panicked and nothing was logged at error level (the
//     server recovers a panic per connection and logs it: a log hook sees it),
//   - every command got its answer: its tagged response, or an untagged BAD
//     or "* BYE" followed by the end of the connection,
//   - afterwards a fresh, ordinary session works.
//
// One server and store serve every exec of a fuzz worker; each exec gets a
// new account (deleted afterwards), so state does not leak between execs
// and the store stays small.
//
// Literals: "{n}" in a line makes the n bytes after it (in the same line)
// the literal, so the fuzzer controls literal contents; a synchronizing
// literal is only sent after the server's "+" (refused otherwise), as a
// client would. An unexpected "+" (IDLE, AUTHENTICATE) is answered with
// "DONE" or "*". After STARTTLS or COMPRESS succeeds, or the connection
// ends, the harness logs in again on a new connection.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"roost/internal/auth"
	"roost/internal/store"
	"roost/internal/store/sqlite"
)

const (
	fuzzMaxCommands = 64
	fuzzMaxLiteral  = 4096
	fuzzDeadline    = 10 * time.Second
)

// fuzzSessionSeeds are command sequences as real clients send them right
// after login.
var fuzzSessionSeeds = []string{
	// Thunderbird.
	"CAPABILITY\nID (\"name\" \"Thunderbird\" \"version\" \"128.3.0\")\nENABLE CONDSTORE\n" +
		"LIST (SUBSCRIBED) \"\" \"*\" RETURN (SPECIAL-USE)\nSELECT \"INBOX\" (CONDSTORE)\n" +
		"UID FETCH 1:* (FLAGS)\nUID FETCH 1:3 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])\n" +
		"UID STORE 2 +FLAGS (\\Seen)\nIDLE\nNOOP\nUID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)",
	// iOS Mail.
	"ID (\"name\" \"iPhone Mail\" \"version\" \"21A329\" \"os\" \"iOS\")\nENABLE QRESYNC\nLIST \"\" \"*\" RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))\n" +
		"STATUS \"Sent\" (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)\nSELECT INBOX (QRESYNC (1 1))\n" +
		"UID SEARCH 1:* NOT DELETED\nUID FETCH 1:3 (BODYSTRUCTURE BODY.PEEK[1]<0.500> ENVELOPE INTERNALDATE)\n" +
		"UID STORE 1 +FLAGS.SILENT (\\Flagged)\nUID MOVE 3 Trash\nIDLE\nLOGOUT",
	// mutt.
	"CAPABILITY\nLSUB \"\" \"*\"\nSELECT \"INBOX\"\nFETCH 1:3 (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (DATE FROM SENDER SUBJECT TO CC MESSAGE-ID REFERENCES CONTENT-TYPE IN-REPLY-TO REPLY-TO)])\n" +
		"UID FETCH 1 BODY.PEEK[]\nSTORE 1 +FLAGS.SILENT (\\Deleted)\nEXPUNGE\nAPPEND \"Sent\" (\\Seen) {25}\r\nSubject: re\r\n\r\nhello\r\n\nCLOSE\nLOGOUT",
	// Outlook / generic: folders, copy, search, sort, thread.
	"LIST \"\" \"%\"\nCREATE \"Projects/2024\"\nRENAME \"Projects\" \"Old Projects\"\nSUBSCRIBE \"Old Projects/2024\"\nEXAMINE INBOX\n" +
		"SEARCH CHARSET UTF-8 OR SUBJECT hello (FROM alice SINCE 1-Jan-2020)\nSORT (REVERSE DATE) UTF-8 ALL\nTHREAD REFERENCES UTF-8 ALL\n" +
		"UID COPY 1:* \"Old Projects/2024\"\nDELETE \"Old Projects/2024\"\nGETQUOTAROOT INBOX\nNAMESPACE\nUNSELECT",
	// Extensions: NOTIFY, BINARY, MULTIAPPEND, ESEARCH, UIDPLUS, COMPRESS.
	"NOTIFY SET (selected (MessageNew (UID FLAGS) MessageExpunge FlagChange)) (personal (MessageNew MessageExpunge))\nSELECT INBOX\n" +
		"APPEND INBOX {5+}hello {5+}world\nFETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])\nSEARCH RETURN (MIN MAX COUNT) ALL\nUID EXPUNGE 1:2\nNOTIFY NONE\nCOMPRESS DEFLATE\nNOOP",
	// "~" atoms and the largest number next to "*".
	"CREATE ~foo\nLIST \"\" ~f*\nAPPEND ~foo (~k) ~{5+}hello\nSELECT ~foo\nSEARCH KEYWORD ~k SUBJECT ~s\n" +
		"UID FETCH 2:4294967295 (UID)\nUID STORE 4294967295:* +FLAGS (\\Deleted)\nUID SEARCH RETURN (UPDATE) UID 2:4294967295\nUID EXPUNGE 2:4294967295\nFETCH 1:4294967295 FLAGS",
	// Broken input a fuzzer should grow from.
	"SELECT\nFETCH 1:* (FLAGS\nSTORE 1:999999999999 +FLAGS (x)\nSEARCH ((((((ALL))))))\nAPPEND INBOX {99999999}\nLIST \"\" \"&AC8-\\x00\"\nFOO BAR\n\nUID\n",
}

func FuzzSession(f *testing.F) {
	for _, s := range fuzzSessionSeeds {
		f.Add([]byte(s))
	}
	fx := newFuzzFixture(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fx.run(t, data)
	})
}

// fuzzFixture is the server shared by every exec of a fuzz worker.
type fuzzFixture struct {
	ts     *testServer
	errors *errorLog
	execs  atomic.Int64
}

// errorLog records every log record at error level: a recovered panic
// ("panic in session") or an unexpected failure (answered SERVERBUG).
type errorLog struct {
	mu      sync.Mutex
	records []string
}

func (l *errorLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler            { return l }
func (l *errorLog) WithGroup(string) slog.Handler                 { return l }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	l.records = append(l.records, b.String())
	l.mu.Unlock()
	return nil
}

// take returns and forgets what was recorded.
func (l *errorLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.records
	l.records = nil
	return r
}

func newFuzzFixture(f *testing.F) *fuzzFixture {
	dir := fuzzDir(f)
	st, err := sqlite.Open(dir, sqlite.Options{})
	if err != nil {
		f.Fatal(err)
	}
	fx := &fuzzFixture{errors: &errorLog{}}
	// Not testServer.start: its log goes to one test's log, and the server
	// outlives each exec's *testing.T.
	cfg := Config{Backend: st, Logger: slog.New(fx.errors), MaxLiteral: fuzzMaxLiteral, MaxLine: 8192}
	relaxLimits(&cfg)
	srv := New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fx.ts = &testServer{srv: srv, store: st, dir: dir, addr: ln.Addr().String()}
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			f.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			f.Errorf("Serve: %v", err)
		}
		st.Close()
	})
	return fx
}

// fuzzDir is where the fuzz store lives: in memory (/dev/shm) when there
// is one, since fsync on a disk would dominate every exec.
func fuzzDir(f *testing.F) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "roost-fuzz-"); err == nil {
			f.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return f.TempDir()
}

// run is one exec: a fresh account, the session, the checks.
func (fx *fuzzFixture) run(t *testing.T, data []byte) {
	n := fx.execs.Add(1)
	ctx := context.Background()
	st := fx.ts.store
	user := fmt.Sprintf("fz%d", n)
	hash, err := auth.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, user, hash)
	if err != nil {
		t.Fatal(err)
	}
	defer st.DeleteUser(ctx, user)
	inbox, err := st.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []store.AppendMessage
	for i, raw := range []string{
		"From: a@example.org\r\nSubject: hello\r\nMessage-ID: <1@x>\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\nplain body\r\n",
		"Subject: Re: hello\r\nIn-Reply-To: <1@x>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\npart one\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--b--\r\n",
		"Subject: =?UTF-8?B?w6nDqQ==?=\r\n\r\n\xc3\xa9t\xc3\xa9\r\n",
	} {
		staged, err := st.Stage(ctx, strings.NewReader(raw), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, store.AppendMessage{Staged: staged, Flags: [][]string{nil, {`\Seen`}, {`\Flagged`, "$Label"}}[i]})
	}
	if _, _, err := st.Append(ctx, inbox.ID, msgs); err != nil {
		t.Fatal(err)
	}

	fx.errors.take()
	s := &fuzzSession{t: t, addr: fx.ts.addr, user: user}
	s.connect()
	for i, line := range strings.Split(string(data), "\n") {
		if i >= fuzzMaxCommands {
			break
		}
		s.command(line)
	}
	s.close()
	s.connect() // the fresh, ordinary session
	s.expectOK("SELECT INBOX")
	s.expectOK("NOOP")
	if tag, status, ended := s.send("LOGOUT"); !ended || status != tag+" OK LOGOUT completed." {
		t.Fatalf("LOGOUT: got %q (connection ended: %v)", status, ended)
	}
	s.close()
	if errs := fx.errors.take(); len(errs) > 0 {
		t.Fatalf("the server logged errors (a recovered panic or SERVERBUG):\n%s", strings.Join(errs, "\n"))
	}
}

// fuzzSession is the client side of one exec.
type fuzzSession struct {
	t    *testing.T
	addr string
	user string
	conn net.Conn
	r    *bufio.Reader
	n    int
}

var (
	fuzzLiteralRE     = regexp.MustCompile(`~?\{(\d{1,9})(\+?)\}`)
	fuzzRespLiteralRE = regexp.MustCompile(`\{(\d+)\}$`)
)

func (s *fuzzSession) connect() {
	conn, err := net.DialTimeout("tcp", s.addr, fuzzDeadline)
	if err != nil {
		s.t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(fuzzDeadline))
	s.conn, s.r = conn, bufio.NewReader(conn)
	if line, err := s.r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "* OK ") {
		s.t.Fatalf("greeting: %q %v", line, err)
	}
	s.expectOK("LOGIN " + s.user + " pw")
}

func (s *fuzzSession) close() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

// expectOK runs an ordinary command, which must succeed.
func (s *fuzzSession) expectOK(cmd string) {
	tag, status, ended := s.send(cmd)
	if ended || !strings.HasPrefix(status, tag+" OK") {
		s.t.Fatalf("%s: got %q (connection ended: %v)", cmd, status, ended)
	}
}

// command sends one fuzzed command line and requires its answer.
func (s *fuzzSession) command(line string) {
	if s.conn == nil {
		s.connect()
	}
	tag, status, ended := s.send(line)
	if ended {
		s.close()
		return
	}
	if !strings.HasPrefix(status, tag+" ") && !strings.HasPrefix(status, "* BAD") {
		s.t.Fatalf("command %q: no answer, got %q", line, status)
	}
	verb := strings.ToUpper(strings.SplitN(strings.TrimSpace(line), " ", 2)[0])
	if strings.HasPrefix(status, tag+" OK") && (verb == "STARTTLS" || verb == "COMPRESS") {
		s.close() // the stream changes format: start over
	}
}

// send writes tag and line (literals as described in the file comment)
// and reads up to the answer: the tagged status line, an untagged BAD, or
// the end of the connection (ended, after "* BYE": a close without BYE is
// a failure).
func (s *fuzzSession) send(line string) (tag, status string, ended bool) {
	s.n++
	tag = "F" + strconv.Itoa(s.n)
	verb := strings.ToUpper(strings.SplitN(strings.TrimSpace(line), " ", 2)[0])
	rest := tag + " " + line
	for {
		m := fuzzLiteralRE.FindStringSubmatchIndex(rest)
		if m == nil {
			s.write(rest + "\r\n")
			break
		}
		size, _ := strconv.Atoi(rest[m[2]:m[3]])
		sync := m[4] == m[5]
		head := rest[:m[1]]
		if !sync && size > 2*fuzzMaxLiteral {
			// The client must send all of a non-synchronizing literal;
			// keep it over the server's limit but affordable.
			size = 2 * fuzzMaxLiteral
			head = rest[:m[2]] + strconv.Itoa(size) + "+}"
		}
		s.write(head + "\r\n")
		body := rest[m[1]:]
		if len(body) > size {
			body, rest = body[:size], body[size:]
		} else {
			rest = ""
		}
		if sync {
			resp, done := s.readUntil(tag)
			if done || !strings.HasPrefix(resp, "+") {
				return tag, resp, done
			}
			if size > fuzzMaxLiteral {
				s.t.Fatalf("command %q: the server invited a %d-byte literal, over MaxLiteral %d", line, size, fuzzMaxLiteral)
			}
		}
		s.write(body + strings.Repeat("x", size-len(body)))
	}
	for range 4 {
		resp, done := s.readUntil(tag)
		if done {
			return tag, resp, true
		}
		if !strings.HasPrefix(resp, "+") {
			return tag, resp, false
		}
		// IDLE or an AUTHENTICATE challenge.
		if verb == "IDLE" {
			s.write("DONE\r\n")
		} else {
			s.write("*\r\n")
		}
	}
	s.t.Fatalf("command %q: continuation requests without end", line)
	return "", "", false
}

func (s *fuzzSession) write(p string) {
	s.conn.SetDeadline(time.Now().Add(fuzzDeadline))
	// A write error means the server hung up; the read that follows sees it.
	io.WriteString(s.conn, p)
}

// readUntil reads lines until the tagged response for tag, an untagged
// BAD, a "+" continuation, or the end of the connection, which must come
// after a "* BYE".
func (s *fuzzSession) readUntil(tag string) (line string, ended bool) {
	bye := false
	for range 100000 {
		s.conn.SetDeadline(time.Now().Add(fuzzDeadline))
		l, err := s.r.ReadString('\n')
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				s.t.Fatalf("no answer for %s within %v (last line %q)", tag, fuzzDeadline, l)
			}
			if !bye {
				s.t.Fatalf("connection closed without BYE while waiting for %s: %v", tag, err)
			}
			return "", true
		}
		l = strings.TrimRight(l, "\r\n")
		if m := fuzzRespLiteralRE.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			if _, err := io.CopyN(io.Discard, s.r, int64(n)); err != nil {
				s.t.Fatalf("reading a %d-byte literal: %v", n, err)
			}
			continue
		}
		switch {
		case strings.HasPrefix(l, tag+" ") && bye:
			return l, true // LOGOUT: the server hangs up
		case strings.HasPrefix(l, tag+" "), strings.HasPrefix(l, "* BAD"), strings.HasPrefix(l, "+"):
			return l, false
		case strings.HasPrefix(l, "* BYE"):
			bye = true
		}
	}
	s.t.Fatalf("endless response to %s", tag)
	return "", false
}
