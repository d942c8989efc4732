package server

// Shared test harness for the server package (usable by every *_test.go
// file here):
//
//	ts := newTestServer(t, nil)        // real server on 127.0.0.1:0, real sqlite store in t.TempDir(),
//	                                   // user harnessUser/harnessPass; cfg hook may edit Config before New
//	c := ts.dial(t)                    // raw connection, greeting read (c.greeting)
//	c := ts.login(t)                   // dial + LOGIN
//	untagged, status := c.do("SELECT INBOX")   // tags added ("A1", ...); status is the tagged line without tag
//	c.want("NOOP", "OK NOOP completed.", "* 1 EXISTS")   // exact comparison of everything
//	c.writeLine("A IDLE"); c.readLine()                  // line-level control (IDLE, continuations)
//	ts.appendMsg(t, "INBOX", "Subject: x\r\n\r\nbody\r\n", `\Seen`)  // straight through the store
//	ts.storeFlags(t, "INBOX", uid, store.FlagsAdd, `\Seen`)   // another session's STORE, via the store
//	ts.expunge(t, "INBOX", uid)                               // another session's EXPUNGE, via the store
//	ic := ts.client(t, nil)            // go-imap v2 imapclient (options may be nil), logged in
//	ts := newTestServerOpts(t, testOptions{untrusted: true, implicitTLS: cfg, backend: wrap})
//	ts.restart(t)                      // stop, reopen the store from disk, serve on a new port
//	c.wantLine("* 2 EXISTS"); c.wantClosed()     // single-line and end-of-connection checks
//
// TestMain switches internal/auth to its cheap test parameters.

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"roost/internal/auth"
	"roost/internal/auth/limiter"
	"roost/internal/store"
	"roost/internal/store/sqlite"
)

const (
	harnessUser = "alice"
	harnessPass = "alice-secret"
	// ioTimeout bounds every read and write of a test client.
	ioTimeout = 20 * time.Second
)

func TestMain(m *testing.M) {
	restore := auth.UseParams(auth.TestParams)
	code := m.Run()
	restore()
	os.Exit(code)
}

// testServer is a running Server with its store.
type testServer struct {
	srv   *Server
	store *sqlite.Store
	dir   string
	user  *store.User
	addr  string
	done  chan struct{}
	opts  testOptions
}

// newTestServer starts a server; cfg, if not nil, may change the Config
// (Backend and Logger are already set) before the server is created.
func newTestServer(t *testing.T, cfg func(*Config)) *testServer {
	t.Helper()
	return newTestServerOpts(t, testOptions{config: cfg})
}

// testOptions are the less common knobs of newTestServerOpts.
type testOptions struct {
	config func(*Config)
	// untrusted makes every client look remote (not loopback), so that
	// LOGINDISABLED rules apply.
	untrusted bool
	// implicitTLS serves TLS from the first byte (Server.ServeTLS, with
	// Config.TLSConfig, which config sets to the same).
	implicitTLS *tls.Config
	// backend wraps the store, e.g. to inject faults.
	backend func(*sqlite.Store) store.Backend
}

func newTestServerOpts(t *testing.T, opts testOptions) *testServer {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.Hash(harnessPass)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(context.Background(), harnessUser, hash)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{store: st, dir: dir, user: u, opts: opts}
	ts.start(t)
	t.Cleanup(func() {
		ts.stop(t)
		ts.store.Close()
	})
	return ts
}

// start creates and runs the Server on a fresh loopback listener.
func (ts *testServer) start(t *testing.T) {
	t.Helper()
	c := Config{Backend: ts.store, Logger: slog.New(slog.NewTextHandler(testLogWriter{t}, nil))}
	// Login throttling with tiny delays and a high block threshold, so that
	// tests of wrong passwords stay fast; limits_test.go sets its own.
	c.Logins = limiter.Config{BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond, BlockAfter: 1000}
	if ts.opts.backend != nil {
		c.Backend = ts.opts.backend(ts.store)
	}
	if ts.opts.config != nil {
		ts.opts.config(&c)
	}
	ts.srv = New(c)
	if ts.opts.untrusted {
		ts.srv.isTrusted = func(net.Addr) bool { return false }
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	serve := ts.srv.Serve
	if ts.opts.implicitTLS != nil {
		serve = ts.srv.ServeTLS // with Config.TLSConfig, which config sets
	}
	ts.done = make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		if err := serve(ln); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}(ts.done)
}

// restart stops the server, closes and reopens the store from its
// directory, and starts a new server on a new port.
func (ts *testServer) restart(t *testing.T) {
	t.Helper()
	ts.stop(t)
	if err := ts.store.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ts.dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts.store = st
	ts.start(t)
}

// stop shuts the server down (idempotent).
func (ts *testServer) stop(t *testing.T) {
	t.Helper()
	if ts.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	<-ts.done
	ts.srv = nil
}

// mailbox returns the test user's mailbox called name.
func (ts *testServer) mailbox(t *testing.T, name string) *store.Mailbox {
	t.Helper()
	mb, err := ts.store.Mailbox(context.Background(), ts.user.ID, name)
	if err != nil {
		t.Fatalf("mailbox %q: %v", name, err)
	}
	return mb
}

// appendMsg stores a message straight through the backend and returns its
// UID; watchers of the mailbox see it as any APPEND.
func (ts *testServer) appendMsg(t *testing.T, mailbox, raw string, flags ...string) uint32 {
	t.Helper()
	ctx := context.Background()
	staged, err := ts.store.Stage(ctx, strings.NewReader(raw), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	_, uids, err := ts.store.Append(ctx, ts.mailbox(t, mailbox).ID, []store.AppendMessage{{Staged: staged, Flags: flags}})
	if err != nil {
		t.Fatal(err)
	}
	return uids[0]
}

// rawClient speaks the protocol line by line.
type rawClient struct {
	t        *testing.T
	conn     net.Conn
	r        *bufio.Reader
	n        int
	greeting string
}

// dial connects and reads the greeting.
func (ts *testServer) dial(t *testing.T) *rawClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", ts.addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &rawClient{t: t, conn: conn, r: bufio.NewReader(conn)}
	c.greeting = c.readLine()
	return c
}

// login dials and logs in as the harness user.
func (ts *testServer) login(t *testing.T) *rawClient {
	t.Helper()
	c := ts.dial(t)
	if _, st := c.do("LOGIN " + harnessUser + " " + harnessPass); !strings.HasPrefix(st, "OK ") {
		t.Fatalf("LOGIN: %s", st)
	}
	return c
}

// startTLS upgrades a raw connection after a successful STARTTLS.
func (c *rawClient) startTLS(cfg *tls.Config) {
	c.t.Helper()
	tc := tls.Client(c.conn, cfg)
	tc.SetDeadline(time.Now().Add(ioTimeout))
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("TLS handshake: %v", err)
	}
	c.conn = tc
	c.r = bufio.NewReader(tc)
}

// writeLine sends line and CRLF.
func (c *rawClient) writeLine(line string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c.conn, line+"\r\n"); err != nil {
		c.t.Fatalf("write %q: %v", line, err)
	}
}

// readLine reads one response line (without CRLF); a literal at its end is
// read too and kept inline, followed by the rest of the response.
func (c *rawClient) readLine() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	var b strings.Builder
	for range 1000 {
		line, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("read: %v (got %q)", err, b.String()+line)
		}
		line = strings.TrimSuffix(line, "\r\n")
		b.WriteString(line)
		n, ok := trailingLiteral(line)
		if !ok {
			return b.String()
		}
		b.WriteString("\r\n")
		buf := make([]byte, n)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			c.t.Fatalf("read literal: %v", err)
		}
		b.Write(buf)
	}
	c.t.Fatal("response too long")
	return ""
}

func trailingLiteral(line string) (int, bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false
	}
	i := strings.LastIndexByte(line, '{')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(line[i+1:len(line)-1], "+"))
	return n, err == nil
}

// nextTag returns a fresh tag.
func (c *rawClient) nextTag() string {
	c.n++
	return "A" + strconv.Itoa(c.n)
}

// do sends a tagged command and collects responses up to its tagged one;
// status is that line without the tag.
func (c *rawClient) do(command string) (untagged []string, status string) {
	c.t.Helper()
	tag := c.nextTag()
	c.writeLine(tag + " " + command)
	return c.collect(tag)
}

// collect reads until the response tagged tag.
func (c *rawClient) collect(tag string) (untagged []string, status string) {
	c.t.Helper()
	for range 100000 {
		line := c.readLine()
		if rest, ok := strings.CutPrefix(line, tag+" "); ok {
			return untagged, rest
		}
		untagged = append(untagged, line)
	}
	c.t.Fatalf("no tagged response for %s", tag)
	return nil, ""
}

// want runs command and requires exactly these untagged responses and
// tagged status.
func (c *rawClient) want(command, status string, untagged ...string) {
	c.t.Helper()
	got, st := c.do(command)
	if st != status || strings.Join(got, "\n") != strings.Join(untagged, "\n") {
		c.t.Fatalf("%s:\n got: %q\n      %q\nwant: %q\n      %q", command, got, st, untagged, status)
	}
}

// wantLine reads one line and requires it to be want.
func (c *rawClient) wantLine(want string) {
	c.t.Helper()
	if got := c.readLine(); got != want {
		c.t.Fatalf("got line %q, want %q", got, want)
	}
}

// wantClosed requires the server to have closed the connection.
func (c *rawClient) wantClosed() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	if line, err := c.r.ReadString('\n'); err == nil {
		c.t.Fatalf("connection still open, got %q", line)
	}
}

// client returns a logged-in go-imap v2 client.
func (ts *testServer) client(t *testing.T, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	ic, err := imapclient.DialInsecure(ts.addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ic.Close() })
	if err := ic.Login(harnessUser, harnessPass).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	return ic
}

// ok runs command and fails unless it succeeds; it returns the untagged
// responses.
func (c *rawClient) ok(command string) []string {
	c.t.Helper()
	untagged, st := c.do(command)
	if !strings.HasPrefix(st, "OK") {
		c.t.Fatalf("%s: %s (untagged %q)", command, st, untagged)
	}
	return untagged
}

// testLogWriter sends the server's log to the test's log, shown on failure.
type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func newReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }

// storeFlags changes flags straight through the store, as another
// session's STORE would.
func (ts *testServer) storeFlags(t *testing.T, mailbox string, uid uint32, op store.FlagOp, flags ...string) {
	t.Helper()
	if _, _, err := ts.store.StoreFlags(context.Background(), ts.mailbox(t, mailbox).ID, []uint32{uid}, op, flags, 0); err != nil {
		t.Fatal(err)
	}
}

// expunge removes a message straight through the store.
func (ts *testServer) expunge(t *testing.T, mailbox string, uid uint32) {
	t.Helper()
	ts.storeFlags(t, mailbox, uid, store.FlagsAdd, store.FlagDeleted)
	if _, err := ts.store.Expunge(context.Background(), ts.mailbox(t, mailbox).ID, []uint32{uid}); err != nil {
		t.Fatal(err)
	}
}

// addUser creates another account with password name+"-secret".
func (ts *testServer) addUser(t *testing.T, name string) *store.User {
	t.Helper()
	hash, err := auth.Hash(name + "-secret")
	if err != nil {
		t.Fatal(err)
	}
	u, err := ts.store.CreateUser(context.Background(), name, hash)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// loginAs dials and logs in as a user made by addUser, or as the
// harness user.
func (ts *testServer) loginAs(t *testing.T, name string) *rawClient {
	t.Helper()
	c := ts.dial(t)
	pass := name + "-secret"
	if name == harnessUser {
		pass = harnessPass
	}
	if _, st := c.do("LOGIN " + name + " " + pass); !strings.HasPrefix(st, "OK ") {
		t.Fatalf("LOGIN %s: %s", name, st)
	}
	return c
}
