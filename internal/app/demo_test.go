package app

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"roost/internal/auth"
	"roost/internal/config"
	"roost/internal/store"
)

func fastHashes(t *testing.T) {
	t.Cleanup(auth.UseParams(auth.TestParams))
}

func TestWelcomeMessage(t *testing.T) {
	now := time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)
	msg, err := WelcomeMessage(now)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ReplaceAll(msg, "\r\n", ""), "\n") || !strings.HasSuffix(msg, "\r\n") {
		t.Fatal("welcome message has a bare LF or lacks the final CRLF")
	}
	for i, line := range strings.Split(msg, "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d is %d characters long, more than RFC 5322's 78", i+1, len(line))
		}
	}
	m, err := mail.ReadMessage(strings.NewReader(msg))
	if err != nil {
		t.Fatalf("net/mail cannot read the welcome message: %v", err)
	}
	for k, want := range map[string]string{
		"Date": "Mon, 03 Feb 2031 04:05:06 +0000", "From": "Roost <postmaster@localhost>",
		"To": "demo <demo@localhost>", "Subject": "Welcome to Roost", "MIME-Version": "1.0",
		"Content-Type": "text/plain; charset=utf-8",
	} {
		if got := m.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if !regexp.MustCompile(`^<welcome\.[0-9a-f]{16}@roost\.localhost>$`).MatchString(m.Header.Get("Message-ID")) {
		t.Errorf("Message-ID %q", m.Header.Get("Message-ID"))
	}
}

func TestEnsureDemo(t *testing.T) {
	fastHashes(t)
	ctx := context.Background()
	b, err := OpenStore(t.TempDir(), ForServer)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	inboxMessages := func() uint32 {
		t.Helper()
		u, err := b.User(ctx, DemoUser)
		if err != nil {
			t.Fatal(err)
		}
		mb, err := b.Mailbox(ctx, u.ID, "INBOX")
		if err != nil {
			t.Fatal(err)
		}
		st, err := b.Status(ctx, mb.ID)
		if err != nil {
			t.Fatal(err)
		}
		return st.Messages
	}

	for i := range 2 {
		if err := EnsureDemo(ctx, b); err != nil {
			t.Fatalf("EnsureDemo #%d: %v", i+1, err)
		}
		if n := inboxMessages(); n != 1 {
			t.Fatalf("after EnsureDemo #%d the INBOX holds %d messages, want 1", i+1, n)
		}
	}
	if _, err := auth.Login(ctx, b, DemoUser, DemoPassword); err != nil {
		t.Fatalf("Login demo/demo: %v", err)
	}

	// A changed password is put back; a deleted welcome message is not.
	if err := SetPassword(ctx, b, DemoUser, "other"); err != nil {
		t.Fatal(err)
	}
	u, _ := b.User(ctx, DemoUser)
	mb, _ := b.Mailbox(ctx, u.ID, "INBOX")
	if _, _, err := b.StoreFlags(ctx, mb.ID, []uint32{1}, store.FlagsAdd, []string{store.FlagDeleted}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Expunge(ctx, mb.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := EnsureDemo(ctx, b); err != nil {
		t.Fatalf("EnsureDemo after changes: %v", err)
	}
	if _, err := auth.Login(ctx, b, DemoUser, DemoPassword); err != nil {
		t.Fatalf("Login demo/demo after reset: %v", err)
	}
	if n := inboxMessages(); n != 0 {
		t.Fatalf("the deleted welcome message came back: %d messages", n)
	}
}

func TestAccounts(t *testing.T) {
	fastHashes(t)
	ctx := context.Background()
	b, err := OpenStore(t.TempDir(), ForToolCreate)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := AddUser(ctx, b, "ann", "pw1"); err != nil {
		t.Fatalf("AddUser: %v", err)
	}
	if _, err := AddUser(ctx, b, "ann", "pw2"); err == nil || err.Error() != `user "ann" already exists` {
		t.Fatalf("AddUser twice: %v", err)
	}
	if err := SetPassword(ctx, b, "ann", "pw3"); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	if _, err := auth.Login(ctx, b, "ann", "pw3"); err != nil {
		t.Fatalf("Login with the new password: %v", err)
	}
	if err := SetPassword(ctx, b, "bob", "x"); err == nil || err.Error() != `no user "bob"` {
		t.Fatalf("SetPassword of a missing user: %v", err)
	}
	if err := DeleteUser(ctx, b, "ann"); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if err := DeleteUser(ctx, b, "ann"); err == nil || err.Error() != `no user "ann"` {
		t.Fatalf("DeleteUser twice: %v", err)
	}
	for _, tc := range []struct{ name, password, want string }{
		{"", "x", "user name is empty"},
		{"a\"b", "x", `user name "a\"b" contains '"'; use letters, digits and . - _ (and one @ before a domain)`},
		{"bad/name", "x", `user name "bad/name" contains '/'; use letters, digits and . - _ (and one @ before a domain)`},
		{strings.Repeat("n", 65), "x", "user name is longer than 64 bytes"},
		{"ok", "", "password is empty"},
		{"ok", "a\nb", "password contains a line break or NUL"},
	} {
		if _, err := AddUser(ctx, b, tc.name, tc.password); err == nil || err.Error() != tc.want {
			t.Errorf("AddUser(%q, %q) = %v, want %q", tc.name, tc.password, err, tc.want)
		}
	}
	if _, err := OpenStore(t.TempDir()+"/missing", ForTool); err == nil ||
		!strings.HasPrefix(err.Error(), "no data directory ") {
		t.Fatalf("OpenStore ForTool of a missing dir: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunLifecycle starts Run in-process with the demo account, logs in
// over the IMAP port, cancels the context and checks the session got BYE,
// Run returned nil and the settings were printed.
func TestRunLifecycle(t *testing.T) {
	fastHashes(t)
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Listen = config.Listen{IMAP: "127.0.0.1:0", IMAPS: "127.0.0.1:0"}
	var logBuf, out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Config: cfg, Demo: true, Logger: newTestLogger(&logBuf), Out: &out})
	}()

	addr := waitListening(t, &logBuf, done)
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(conn)
	readLine := func() string {
		t.Helper()
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v (got %q)", err, l)
		}
		return strings.TrimSuffix(l, "\r\n")
	}
	if g := readLine(); !strings.HasPrefix(g, "* OK") {
		t.Fatalf("greeting %q", g)
	}
	conn.Write([]byte("a LOGIN demo demo\r\n"))
	for {
		l := readLine()
		if strings.HasPrefix(l, "a ") {
			if !strings.HasPrefix(l, "a OK") {
				t.Fatalf("LOGIN demo demo: %q", l)
			}
			break
		}
	}

	cancel()
	if l := readLine(); !strings.HasPrefix(l, "* BYE ") {
		t.Fatalf("after shutdown got %q, want * BYE", l)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30s of cancel")
	}
	if !strings.Contains(out.String(), "  Username:        demo\n  Password:        demo\n") {
		t.Errorf("settings lack the demo account:\n%s", out.String())
	}
}

func waitListening(t *testing.T, logBuf *syncBuffer, done <-chan error) string {
	t.Helper()
	re := regexp.MustCompile(`msg=listening listener=imap addr=(\S+)`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(logBuf.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned early: %v\n%s", err, logBuf.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("not listening within 30s:\n%s", logBuf.String())
	return ""
}

func newTestLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
