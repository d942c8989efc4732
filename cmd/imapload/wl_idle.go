package main

// Workload "idle": N connections logged in, SELECTed on one mailbox and
// IDLE (RFC 2177 / RFC 9051 §6.3.13). Measures the server's memory per
// idle connection (from /proc, between N/2 and N connections), how long
// setting the connections up took (connect + LOGIN per connection, and
// connections set up per second) and, for a few APPENDs made by another
// connection, the time until every idler has seen the new EXISTS. Every
// connection logs in as -idle-user (Config.idleLogin).

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

const idleBox = "load-idle"

// idler is one connection in IDLE and the EXISTS count it last saw.
type idler struct {
	c      *Client
	exists uint32
}

func runIdle(ctx context.Context, cfg *Config) *Result {
	r := newResult("idle")
	n := cfg.IdleConns
	if lim, err := raiseNoFile(uint64(n) + 256); err != nil || lim < uint64(n)+64 {
		r.Notes = append(r.Notes, fmt.Sprintf("open-files limit %d (%v) may cap the connections", lim, err))
	}
	appender, err := cfg.idleLogin(ctx)
	if err != nil {
		return r.fail(err)
	}
	defer appender.Logout()
	if err := appender.EnsureMailbox(idleBox); err != nil {
		return r.fail(err)
	}

	// Warm up with one wave of concurrent logins first, so the baseline
	// already holds whatever a burst of logins costs (a password hash
	// such as argon2id allocates tens of MiB per login) and the difference
	// is what the idle connections themselves hold.
	if err := runClients(ctx, max(1, cfg.IdleDialers), func(ctx context.Context, _ int) error {
		c, err := cfg.idleLogin(ctx)
		if err != nil {
			return err
		}
		return c.Logout()
	}); err != nil {
		return r.fail(fmt.Errorf("warm-up: %w", err))
	}
	time.Sleep(cfg.IdleSettle)
	// Memory per connection is the marginal cost between half and all
	// of the connections: both points come after the same login history
	// (heap growth from password hashing is already there at half), so the
	// difference is what the extra idle connections hold.
	before, memErr := measure(cfg)
	half := n / 2
	logins := newLatencies()
	setupStart := time.Now()
	idlers, err := openIdlers(ctx, cfg, half, logins)
	setup := time.Since(setupStart)
	var mid memSample
	if err == nil && memErr == nil {
		time.Sleep(cfg.IdleSettle)
		mid, memErr = measure(cfg)
	}
	if err == nil {
		var more []*idler
		setupStart = time.Now()
		more, err = openIdlers(ctx, cfg, n-half, logins)
		setup += time.Since(setupStart)
		idlers = append(idlers, more...)
	}
	defer closeIdlers(idlers)
	r.Counts["connected"] = int64(len(idlers))
	if err != nil {
		r.fail(fmt.Errorf("after %d connections: %w", len(idlers), err))
	}
	if len(idlers) == 0 {
		return r
	}
	if s := logins.Samples("login"); len(s) > 0 {
		// Connect + greeting + LOGIN, IdleDialers at a time; SELECT and
		// IDLE are left out (setup_conns_per_s includes them).
		r.addDuration("login_p50_ms", percentile(s, 50))
		r.addDuration("login_p99_ms", percentile(s, 99))
		r.add("setup_conns_per_s", perSecond(float64(len(idlers)), setup), "conn/s", "higher")
	}
	if memErr == nil && len(idlers) == n && n-half > 0 {
		time.Sleep(cfg.IdleSettle)
		after, err := measure(cfg)
		if err == nil {
			k := float64(n - half)
			r.add("rss_per_conn_KiB", float64(after.RSSKiB-mid.RSSKiB)/k, "KiB", "lower")
			if after.PSSKiB > 0 {
				r.add("pss_per_conn_KiB", float64(after.PSSKiB-mid.PSSKiB)/k, "KiB", "lower")
			}
			r.add("rss_growth_MiB", float64(after.RSSKiB-before.RSSKiB)/1024, "MiB", "lower")
			r.Counts["procs_before"] = int64(before.Procs)
			r.Counts["procs_after"] = int64(after.Procs)
		}
	} else if cfg.ServerPID != 0 && memErr != nil {
		r.Notes = append(r.Notes, "memory not measured: "+memErr.Error())
	}

	lat := newLatencies()
	msg := generatedMessage(1)
	for d := 0; d < cfg.IdleDeliveries && ctx.Err() == nil; d++ {
		if err := deliver(ctx, cfg, appender, idlers, msg, lat); err != nil {
			return r.fail(err)
		}
	}
	s := lat.Samples("exists")
	r.addDuration("exists_p50_ms", percentile(s, 50))
	r.addDuration("exists_p99_ms", percentile(s, 99))
	r.addDuration("exists_max_ms", percentile(s, 100))
	r.Counts["notified"] = int64(len(s))
	return r
}

func measure(cfg *Config) (memSample, error) {
	if cfg.ServerPID == 0 {
		return memSample{}, fmt.Errorf("no -server-pid")
	}
	return serverMemory(cfg.ServerPID, cfg.ServerTree)
}

// openIdlers sets up n idling connections, IdleDialers at a time, within
// IdleDuration. It returns those that made it and the first error.
func openIdlers(ctx context.Context, cfg *Config, n int, logins *Latencies) ([]*idler, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.IdleDuration)
	defer cancel()
	var (
		mu     sync.Mutex
		idlers = make([]*idler, 0, n)
		next   int
	)
	err := runClients(ctx, max(1, cfg.IdleDialers), func(ctx context.Context, _ int) error {
		for ctx.Err() == nil {
			mu.Lock()
			if next >= n {
				mu.Unlock()
				return nil
			}
			next++
			mu.Unlock()
			id, err := startIdle(ctx, cfg, logins)
			if err != nil {
				return err
			}
			mu.Lock()
			idlers = append(idlers, id)
			mu.Unlock()
		}
		return ctx.Err()
	})
	return idlers, err
}

func startIdle(ctx context.Context, cfg *Config, logins *Latencies) (*idler, error) {
	start := time.Now()
	c, err := cfg.idleLogin(ctx)
	if err != nil {
		return nil, err
	}
	logins.Add("login", time.Since(start))
	exists, err := c.Select(idleBox)
	if err == nil {
		err = c.startIdle()
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return &idler{c: c, exists: exists}, nil
}

// startIdle sends IDLE and waits for the continuation.
func (c *Client) startIdle() error {
	tag := c.nextTag()
	c.setDeadline()
	if _, err := c.w.WriteString(tag + " IDLE\r\n"); err != nil {
		return err
	}
	if err := c.w.Flush(); err != nil {
		return err
	}
	return c.waitContinuation(tag, "IDLE")
}

// waitExists reads until "* N EXISTS" with N >= target or the deadline.
func (c *Client) waitExists(target uint32, deadline time.Time) (uint32, error) {
	c.conn.SetDeadline(deadline)
	for {
		line, err := c.readLineNoDeadline()
		if err != nil {
			return 0, err
		}
		if n, ok := untaggedNumber(line, "EXISTS"); ok && n >= target {
			return n, nil
		}
	}
}

// deliver appends one message and times each idler's EXISTS. The idlers
// are already reading when the APPEND goes out, so the time is the
// server's fan-out plus this process's scheduling, nothing else.
func deliver(ctx context.Context, cfg *Config, appender *Client, idlers []*idler, msg []byte, lat *Latencies) error {
	deadline := time.Now().Add(cfg.IdleWaitPerSend)
	var (
		wg    sync.WaitGroup
		sent  atomic.Int64 // UnixNano of the APPEND
		mu    sync.Mutex
		first error
		late  int
	)
	for _, id := range idlers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := id.c.waitExists(id.exists+1, deadline)
			if err != nil {
				mu.Lock()
				late++
				if first == nil {
					first = err
				}
				mu.Unlock()
				return
			}
			lat.Add("exists", time.Duration(time.Now().UnixNano()-sent.Load()))
			id.exists = n
		}()
	}
	sent.Store(time.Now().UnixNano())
	if err := appender.Append(idleBox, "", msg); err != nil {
		for _, id := range idlers {
			id.c.conn.SetDeadline(time.Now()) // release the readers
		}
		wg.Wait()
		return err
	}
	wg.Wait()
	if first != nil {
		return fmt.Errorf("%d of %d idlers saw no EXISTS within %s: %w", late, len(idlers), cfg.IdleWaitPerSend, first)
	}
	return nil
}

// closeIdlers ends IDLE politely where possible and closes everything.
func closeIdlers(idlers []*idler) {
	for _, id := range idlers {
		id.c.conn.SetDeadline(time.Now().Add(5 * time.Second))
		id.c.w.WriteString("DONE\r\n")
		id.c.w.Flush()
		id.c.Close()
	}
}
