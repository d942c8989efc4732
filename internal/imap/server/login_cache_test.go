package server

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"roost/internal/auth"
	"roost/internal/auth/limiter"
)

// hashesDuring runs f and returns how many argon2id hashes the process
// computed meanwhile (no parallel test runs beside a sequential one).
func hashesDuring(f func()) uint64 {
	before := auth.KeyDerivations()
	f()
	return auth.KeyDerivations() - before
}

// loginAllMechs logs in with LOGIN, AUTHENTICATE PLAIN and AUTHENTICATE
// LOGIN, each on a new connection, and checks every answer is want.
func loginAllMechs(t *testing.T, ts *testServer, user, pass, want string) {
	t.Helper()
	ts.dial(t).want("LOGIN "+user+" "+pass, want)
	ts.dial(t).want("AUTHENTICATE PLAIN "+b64("\x00"+user+"\x00"+pass), want)
	c := ts.dial(t)
	c.writeLine("A1 AUTHENTICATE LOGIN " + b64(user))
	c.wantLine("+ " + b64("Password:"))
	c.writeLine(b64(pass))
	c.wantLine("A1 " + want)
}

func TestLoginCacheOverWire(t *testing.T) {
	ts := newTestServer(t, nil)
	if n := hashesDuring(func() { ts.dial(t).want("LOGIN "+harnessUser+" "+harnessPass, loginOK) }); n != 1 {
		t.Fatalf("first login computed %d hashes, want 1", n)
	}
	// Every password mechanism uses the cache: no hash at all.
	if n := hashesDuring(func() { loginAllMechs(t, ts, harnessUser, harnessPass, loginOK) }); n != 0 {
		t.Fatalf("repeat logins computed %d hashes, want 0", n)
	}
	// A wrong password after a cached success is verified and fails.
	if n := hashesDuring(func() { loginAllMechs(t, ts, harnessUser, "wrong", authFailed) }); n != 3 {
		t.Fatalf("wrong passwords computed %d hashes, want 3", n)
	}

	// A password change (as `roost user passwd` does, from another process
	// through the store) invalidates the entry at once.
	ctx := context.Background()
	if err := auth.SetPassword(ctx, ts.store, harnessUser, "changed-secret"); err != nil {
		t.Fatal(err)
	}
	loginAllMechs(t, ts, harnessUser, harnessPass, authFailed)
	loginAllMechs(t, ts, harnessUser, "changed-secret", loginOK)

	// A deleted account cannot log in from the cache.
	if err := ts.store.DeleteUser(ctx, harnessUser); err != nil {
		t.Fatal(err)
	}
	loginAllMechs(t, ts, harnessUser, "changed-secret", authFailed)
}

func TestLoginCacheLimiterRunsFirst(t *testing.T) {
	clk := newTestClock()
	ts := newTestServer(t, func(c *Config) {
		c.Logins = limiter.Config{DelayAfter: 100, BaseDelay: time.Millisecond, BlockAfter: 3,
			Window: 15 * time.Minute, BlockFor: 15 * time.Minute, Now: clk.now}
	})
	c := ts.dial(t)
	c.want("LOGIN "+harnessUser+" "+harnessPass, loginOK) // cached from now on
	for range 3 {
		ts.dial(t).want("LOGIN "+harnessUser+" wrong", authFailed)
	}
	// The address is blocked: the cached password does not get in either,
	// and the refusal costs no hash.
	if n := hashesDuring(func() { loginAllMechs(t, ts, harnessUser, harnessPass, authBlocked) }); n != 0 {
		t.Fatalf("blocked logins computed %d hashes, want 0", n)
	}
	clk.advance(15 * time.Minute)
	if n := hashesDuring(func() { ts.dial(t).want("LOGIN "+harnessUser+" "+harnessPass, loginOK) }); n != 0 {
		t.Fatalf("login after the block computed %d hashes, want 0 (still cached)", n)
	}
}

func TestLoginCacheOff(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.LoginCacheTTL = -1 })
	if ts.srv.guard.cache != nil {
		t.Fatal("negative LoginCacheTTL left a cache")
	}
	if n := hashesDuring(func() { loginAllMechs(t, ts, harnessUser, harnessPass, loginOK) }); n != 3 {
		t.Fatalf("logins without cache computed %d hashes, want 3", n)
	}
}

// BenchmarkRepeatLoginWire is what a reconnecting client costs when its
// password is cached, at the production argon2id cost: connect, greeting,
// LOGIN, LOGOUT over a loopback socket. Client and server share the
// process, so cpu-ms/op (the whole process's CPU time) bounds the server's
// share from above.
func BenchmarkRepeatLoginWire(b *testing.B) {
	defer auth.UseParams(auth.DefaultParams)()
	ts := startBenchServer(b, b.TempDir())
	login := "A1 LOGIN " + harnessUser + " " + harnessPass + "\r\nA2 LOGOUT\r\n"
	once := func() {
		conn, err := net.Dial("tcp", ts.addr)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(ioTimeout))
		r := newReader(conn)
		if _, err := r.ReadString('\n'); err != nil { // greeting
			b.Fatal(err)
		}
		if _, err := conn.Write([]byte(login)); err != nil {
			b.Fatal(err)
		}
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				b.Fatal(err)
			}
			if strings.HasPrefix(line, "A1 ") && !strings.HasPrefix(line, "A1 OK") {
				b.Fatalf("LOGIN: %q", line)
			}
			if strings.HasPrefix(line, "A2 ") {
				return
			}
		}
	}
	once() // the one full verification
	before := auth.KeyDerivations()
	cpu0 := processCPU()
	b.ResetTimer()
	for b.Loop() {
		once()
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	if n := auth.KeyDerivations() - before; n != 0 {
		b.Fatalf("%d argon2id hashes during repeat logins", n)
	}
}
