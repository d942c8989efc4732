package server

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"roost/internal/auth"
)

// A storm of first logins (every client at once after a restart) waits in
// line for the one verification slot and every login gets in.
func TestLoginStormAllGetIn(t *testing.T) {
	const storm = 200
	ts := newTestServer(t, func(c *Config) {
		c.MaxConcurrentLogins = 1
		c.MaxConnsPerIP = -1
	})
	// Hashes a little costlier than TestParams (about 1 ms), so that the
	// logins queue up behind the slot.
	restore := auth.UseParams(auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	for i := range storm {
		ts.addUser(t, fmt.Sprintf("storm%d", i))
	}
	restore() // the stored hashes are stronger than TestParams: no rehash
	clients := make([]*rawClient, storm)
	for i := range clients {
		clients[i] = ts.dial(t)
	}
	answers := make([]string, storm)
	var wg sync.WaitGroup
	n := hashesDuring(func() {
		start := make(chan struct{})
		for i, c := range clients {
			wg.Go(func() {
				<-start
				c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
				fmt.Fprintf(c.conn, "A1 LOGIN storm%d storm%d-secret\r\n", i, i)
				line, err := c.r.ReadString('\n')
				if err != nil {
					answers[i] = err.Error()
					return
				}
				answers[i] = strings.TrimRight(line, "\r\n")
			})
		}
		close(start)
		wg.Wait()
	})
	for i, a := range answers {
		if a != "A1 "+loginOK {
			t.Errorf("storm%d: %q", i, a)
		}
	}
	if n != storm {
		t.Errorf("the storm computed %d hashes, want %d (one per first login)", n, storm)
	}
	if held := len(ts.srv.guard.verify); held != 0 {
		t.Errorf("%d verification slots still held", held)
	}
}

// A login waits for a busy verification slot up to MaxLoginWait, then is
// answered NO [UNAVAILABLE]; the session goes on.
func TestLoginWaitsForVerificationSlot(t *testing.T) {
	const wait = 300 * time.Millisecond
	ts := newTestServer(t, func(c *Config) {
		c.MaxConcurrentLogins = 1
		c.MaxLoginWait = wait
	})
	slot := ts.srv.guard.verify
	// Freed before the bound: the login goes on.
	slot <- struct{}{}
	c := ts.dial(t)
	c.writeLine("A1 LOGIN " + harnessUser + " " + harnessPass)
	time.Sleep(wait / 3)
	<-slot
	c.wantLine("A1 " + loginOK)

	// Busy past the bound: a temporary failure, after the bound. The cache
	// answers the right password now, so a wrong one needs the slot.
	slot <- struct{}{}
	c = ts.dial(t)
	begin := time.Now()
	c.writeLine("A2 LOGIN " + harnessUser + " wrong")
	c.wantLine("A2 NO [UNAVAILABLE] Temporary authentication failure.")
	if waited := time.Since(begin); waited < wait {
		t.Errorf("answered after %v, before the %v bound", waited, wait)
	}
	<-slot
	c.want("LOGIN "+harnessUser+" wrong", authFailed)
}

// The default bound lets the last login of a storm of 200 first logins on
// two cores (one verification slot) in, at the slowest verification the
// storm benchmark measured on the shared machine (22.1 s for 50 logins,
// BENCHMARKS.md "Logins at scale"): 200 × 0.44 s = 88 s.
func TestDefaultLoginWaitCoversStorm(t *testing.T) {
	const slowest = 440 * time.Millisecond
	if need := 200 * slowest; defaultMaxLoginWait < need {
		t.Fatalf("defaultMaxLoginWait = %v, a storm of 200 needs %v", defaultMaxLoginWait, need)
	}
	if defaultMaxLoginWait > 100*time.Second {
		t.Fatalf("defaultMaxLoginWait = %v, longer than a client waits (Thunderbird: 100 s)", defaultMaxLoginWait)
	}
}

// One verification per two Ps, at most the configured number: `roost
// serve` on 2 cores runs GOMAXPROCS 3 and so one verification at a time.
func TestVerifySlots(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []struct{ procs, configured, want int }{
		{1, 4, 1}, {2, 4, 1}, {3, 4, 1}, {4, 4, 2}, {5, 4, 2}, {8, 4, 4}, {16, 4, 4}, {16, 1, 1},
	} {
		runtime.GOMAXPROCS(c.procs)
		if got := verifySlots(c.configured); got != c.want {
			t.Errorf("GOMAXPROCS %d: verifySlots(%d) = %d, want %d", c.procs, c.configured, got, c.want)
		}
	}
}
