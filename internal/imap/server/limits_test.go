package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"roost/internal/auth"
	"roost/internal/auth/limiter"
)

// testClock is a clock tests move by hand; the server reads it from its
// session goroutines.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// lockedBuffer collects the server's log across goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

const (
	authFailed  = "NO [AUTHENTICATIONFAILED] Authentication failed."
	authBlocked = "NO [UNAVAILABLE] Too many failed logins from your address; try again later."
)

func TestBruteForceBlock(t *testing.T) {
	clk := newTestClock()
	logs := &lockedBuffer{}
	ts := newTestServer(t, func(c *Config) {
		c.Logins = limiter.Config{DelayAfter: 2, BaseDelay: 20 * time.Millisecond, MaxDelay: 40 * time.Millisecond,
			BlockAfter: 5, Window: 15 * time.Minute, BlockFor: 15 * time.Minute, Now: clk.now}
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	// Unknown user and wrong password: the same answer.
	c := ts.dial(t)
	c.want("LOGIN nobody "+harnessPass, authFailed)
	c.want("LOGIN "+harnessUser+" wrong-1", authFailed)
	// From the third failure on, every answer is delayed, for unknown and
	// known users alike (the delays are lower bounds: this cannot flake).
	c = ts.dial(t)
	for _, cmd := range []string{"LOGIN " + harnessUser + " wrong-2", "LOGIN nobody wrong-3"} {
		start := time.Now()
		c.want(cmd, authFailed)
		if d := time.Since(start); d < 20*time.Millisecond {
			t.Fatalf("%s answered after %v, want at least 20ms", cmd, d)
		}
	}
	c = ts.dial(t)
	c.want("AUTHENTICATE PLAIN "+b64("\x00"+harnessUser+"\x00wrong-4"), authFailed) // 5th: the address is blocked
	// The right password does not get in during the block, by any mechanism.
	c.want("LOGIN "+harnessUser+" "+harnessPass, authBlocked)
	c.want("AUTHENTICATE PLAIN "+b64("\x00"+harnessUser+"\x00"+harnessPass), authBlocked)
	if st, _ := newSCRAM(t, c, harnessUser, harnessPass, nil).run("SCRAM-SHA-256", nil); st != authBlocked {
		t.Fatalf("SCRAM during the block: %s", st)
	}
	clk.advance(15*time.Minute - time.Second)
	c.want("LOGIN "+harnessUser+" "+harnessPass, authBlocked)
	clk.advance(time.Second)
	c.want("LOGIN "+harnessUser+" "+harnessPass, loginOK)

	// Every attempt is logged with address and account, never a password.
	log := logs.String()
	for _, want := range []string{
		`ip=127.0.0.1 user=nobody mech=IMAP-LOGIN failures=1`,
		`ip=127.0.0.1 user=alice mech=IMAP-LOGIN failures=2`, `ip=127.0.0.1 user=alice mech=PLAIN failures=1`,
		`msg="address blocked after repeated login failures"`, `msg="login refused: address blocked"`,
		`msg="logged in" conn=3`, `user=alice ip=127.0.0.1 mech=IMAP-LOGIN`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	for _, secret := range []string{harnessPass, "wrong-1", "wrong-2", "wrong-3", "wrong-4"} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains the password %q", secret)
		}
	}
}

// waitFor polls cond (bounded: 500 tries, 10 ms apart) for the server to
// notice a closed connection.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestConnectionsPerIP(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.MaxConnsPerIP = 2 })
	c1 := ts.dial(t)
	ts.dial(t)
	c3 := ts.dial(t)
	if c3.greeting != "* BYE Too many connections from your address" {
		t.Fatalf("third connection greeting %q", c3.greeting)
	}
	c3.wantClosed()
	c1.want("LOGOUT", "OK LOGOUT completed.", "* BYE Logging out")
	waitFor(t, "the slot to be released", func() bool {
		ts.srv.conns.mu.Lock()
		defer ts.srv.conns.mu.Unlock()
		return len(ts.srv.conns.perIP) == 1 && ts.srv.conns.perIP[limiter.AddrPrefix(netip.MustParseAddr("127.0.0.1"))] == 1
	})
	if c := ts.dial(t); !strings.HasPrefix(c.greeting, "* OK [CAPABILITY ") {
		t.Fatalf("greeting after a slot was freed: %q", c.greeting)
	}
}

func TestConnectionsPerAccount(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.MaxConnsPerUser = 2 })
	a := ts.login(t)
	b := ts.login(t)
	c := ts.dial(t)
	c.want("LOGIN "+harnessUser+" "+harnessPass, "NO [LIMIT] Too many connections for this account.")
	c.want("NOOP", "OK NOOP completed.") // still not authenticated, still connected
	c.want("SELECT INBOX", "BAD Please authenticate first")
	// UNAUTHENTICATE and LOGOUT give the slot back.
	a.want("UNAUTHENTICATE", "OK UNAUTHENTICATE completed.")
	c.want("LOGIN "+harnessUser+" "+harnessPass, loginOK)
	a.want("LOGIN "+harnessUser+" "+harnessPass, "NO [LIMIT] Too many connections for this account.")
	b.want("LOGOUT", "OK LOGOUT completed.", "* BYE Logging out")
	waitFor(t, "the account slot to be released", func() bool {
		ts.srv.conns.mu.Lock()
		defer ts.srv.conns.mu.Unlock()
		return ts.srv.conns.perUser[ts.user.ID] == 1
	})
	a.want("AUTHENTICATE PLAIN "+b64("\x00"+harnessUser+"\x00"+harnessPass), loginOK)
}

func TestDiskIORateLimit(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		// Two writes, then one every 1000 s: the third must be refused
		// at once (a wait that long is over IOMaxWait).
		c.IORate, c.IOBurst, c.IOMaxWait = 0.001, 2, time.Second
	})
	uid := ts.appendMsg(t, "INBOX", "Subject: x\r\n\r\nbody\r\n")
	c := ts.login(t)
	c.ok("SELECT INBOX")
	c.want("STORE 1 +FLAGS.SILENT (\\Seen)", "OK Store completed.")
	c.want("UID COPY "+itoa(uid)+" Archive", "OK [COPYUID "+itoa(ts.mailbox(t, "Archive").UIDValidity)+" 1 1] Copy completed.")
	limit := "NO [LIMIT] Too many changes too quickly; slow down."
	c.want("STORE 1 -FLAGS.SILENT (\\Seen)", limit)
	c.want("EXPUNGE", limit)
	c.want("UID MOVE 1 Trash", limit)
	// An APPEND over the limit is refused before its literal is read: the
	// non-synchronizing literal is skipped and the session goes on.
	c.want("APPEND INBOX {21+}\r\nSubject: y\r\n\r\nbody\r\n", limit)
	c.writeLine("A99 APPEND INBOX {21}") // no invitation to send the literal
	c.wantLine("A99 " + limit)
	// The limit is per account, not per session.
	d := ts.login(t)
	d.want("APPEND INBOX {21+}\r\nSubject: y\r\n\r\nbody\r\n", limit)
	// Reading is not limited.
	c.want("FETCH 1 (FLAGS)", "OK Fetch completed.", `* 1 FETCH (FLAGS (\Seen \Recent))`)
	if n := len(ts.srv.io.buckets); n != 1 {
		t.Fatalf("%d buckets, want 1", n)
	}
}

func TestDiskIORateWaits(t *testing.T) {
	// A generous rate: commands over the burst wait for their token (a few
	// ms) instead of failing.
	ts := newTestServer(t, func(c *Config) { c.IORate, c.IOBurst, c.IOMaxWait = 500, 1, time.Second })
	ts.appendMsg(t, "INBOX", "Subject: x\r\n\r\nbody\r\n")
	c := ts.login(t)
	c.ok("SELECT INBOX")
	for i := range 10 {
		op := "+"
		if i%2 == 1 {
			op = "-"
		}
		c.want("STORE 1 "+op+"FLAGS.SILENT (\\Seen)", "OK Store completed.")
	}
}

func TestHugeSequenceSets(t *testing.T) {
	ts := newTestServer(t, nil)
	for range 3 {
		ts.appendMsg(t, "INBOX", "Subject: x\r\n\r\nbody\r\n")
	}
	c := ts.login(t)
	c.ok("SELECT INBOX")
	// The whole UID range costs what the mailbox holds, not 4 billion
	// UIDs (resolveSet works on the view's indexes).
	c.want("UID FETCH 1:4294967295 (UID)", "OK Fetch completed.",
		"* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)")
	c.want("UID SEARCH UID 1:4294967295", "OK Search completed.", "* SEARCH 1 2 3")
	c.want("SEARCH 1:4294967295", "OK Search completed.", "* SEARCH 1 2 3")
	c.want("UID STORE 4294967295:1 +FLAGS.SILENT (\\Flagged)", "OK Store completed.")
	c.want("UID COPY 1:4294967295,1:4294967295 Archive", "OK [COPYUID "+itoa(ts.mailbox(t, "Archive").UIDValidity)+" 1:3 1:3] Copy completed.")
	// 4294967295 is a number, not "*" (RFC 9051 §9); a sequence number
	// past the end is BAD.
	c.want("FETCH 1:4294967294 (UID)", "BAD Invalid message sequence number")
	c.want("FETCH 1:4294967295 (UID)", "BAD Invalid message sequence number")
	c.want("UID FETCH 4294967290:4294967294 (UID)", "OK Fetch completed.")
	c.want("UID FETCH 4294967294:4294967295 (UID)", "OK Fetch completed.")
	c.want("UID FETCH 4294967294:* (UID)", "OK Fetch completed.", "* 3 FETCH (UID 3)") // n:* has the largest UID
	// Thousands of overlapping ranges in one set.
	var b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&b, "%d:*,", i+1)
	}
	c.want("UID FETCH "+strings.TrimSuffix(b.String(), ",")+" (UID)", "OK Fetch completed.",
		"* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)")
}

func TestSearchKeyLimits(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "INBOX", "Subject: x\r\n\r\nbody\r\n")
	c := ts.login(t)
	c.ok("SELECT INBOX")
	nested := func(depth int) string {
		return "SEARCH " + strings.Repeat("(", depth) + "ALL" + strings.Repeat(")", depth)
	}
	c.want(nested(99), "OK Search completed.", "* SEARCH 1")
	c.want(nested(1000), "BAD Search keys nested too deeply (limit 100)")
	c.want("SEARCH "+strings.Repeat("NOT ", 1000)+"ALL", "BAD Search keys nested too deeply (limit 100)")
	// Thousands of parenthesised groups side by side are fine up to the
	// key limit, and refused beyond it.
	c.want("SEARCH "+strings.TrimSpace(strings.Repeat("(ALL) ", 4000)), "OK Search completed.", "* SEARCH 1")
	c.want("SEARCH "+strings.TrimSpace(strings.Repeat("(ALL) ", 6000)), "BAD Too many search keys (limit 10000)")
	c.want("NOOP", "OK NOOP completed.")
}

func TestConcurrentLoginsShareVerificationSlots(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.MaxConcurrentLogins = 1 })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			c := ts.dial(t)
			c.writeLine("A1 LOGIN " + harnessUser + " " + harnessPass)
			if got := c.readLine(); got != "A1 "+loginOK {
				t.Errorf("LOGIN: %q", got)
			}
		})
	}
	wg.Wait()
	if n := len(ts.srv.guard.verify); n != 0 {
		t.Fatalf("%d verification slots still held", n)
	}
}

func TestRehashOnLoginOverWire(t *testing.T) {
	ts := newTestServer(t, nil) // the harness user's hash uses auth.TestParams
	ctx := context.Background()
	before, _ := ts.store.User(ctx, harnessUser)
	if !strings.HasPrefix(before.PasswordHash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash before %q", before.PasswordHash)
	}
	stronger := auth.TestParams
	stronger.Memory, stronger.Time = 128, 2
	restore := auth.UseParams(stronger)
	defer restore()
	// A failed login does not rehash; the next successful one does.
	c := ts.dial(t)
	c.want("LOGIN "+harnessUser+" wrong", authFailed)
	if u, _ := ts.store.User(ctx, harnessUser); u.PasswordHash != before.PasswordHash {
		t.Fatal("hash changed by a failed login")
	}
	c.want("LOGIN "+harnessUser+" "+harnessPass, loginOK)
	after, _ := ts.store.User(ctx, harnessUser)
	if !strings.HasPrefix(after.PasswordHash, "$argon2id$v=19$m=128,t=2,p=1$") {
		t.Fatalf("hash after login %q, want m=128,t=2,p=1", after.PasswordHash)
	}
	if ok, rehash, err := auth.Verify(after.PasswordHash, harnessPass); !ok || rehash || err != nil {
		t.Fatalf("Verify(new hash) = %v, %v, %v", ok, rehash, err)
	}
	// The SCRAM verifier was derived along the way and works.
	if st, _ := newSCRAM(t, ts.dial(t), harnessUser, harnessPass, nil).run("SCRAM-SHA-256", nil); st != loginOK {
		t.Fatalf("SCRAM after rehash: %s", st)
	}
}
