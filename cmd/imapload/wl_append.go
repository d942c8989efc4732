package main

// Workload "append": C clients APPEND messages (the message set, round robin)
// into their own mailbox as fast as the server takes them.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

func runAppend(ctx context.Context, cfg *Config) *Result {
	r := newResult("append")
	msgs := cfg.messageSet()
	clients, err := loginAll(ctx, cfg, cfg.AppendClients)
	if err != nil {
		return r.fail(err)
	}
	defer logoutAll(clients)
	for i, c := range clients {
		if err := c.RecreateMailbox(appendBox(i)); err != nil {
			return r.fail(err)
		}
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.AppendDuration)
	defer cancel()
	var claimed, appended, bytes atomic.Int64
	start := time.Now()
	err = runClients(ctx, len(clients), func(ctx context.Context, i int) error {
		for ctx.Err() == nil {
			n := claimed.Add(1)
			if n > int64(cfg.AppendCount) {
				return nil
			}
			m := msgs[(n-1)%int64(len(msgs))]
			if err := clients[i].Append(appendBox(i), "", m); err != nil {
				return err
			}
			appended.Add(1)
			bytes.Add(int64(len(m)))
		}
		return nil
	})
	elapsed := time.Since(start)
	r.fail(err)

	r.add("msgs_per_s", perSecond(float64(appended.Load()), elapsed), "msg/s", "higher")
	r.add("MB_per_s", perSecond(float64(bytes.Load())/1e6, elapsed), "MB/s", "higher")
	r.Counts["appended"] = appended.Load()
	r.Counts["bytes"] = bytes.Load()
	if appended.Load() < int64(cfg.AppendCount) {
		r.Notes = append(r.Notes, fmt.Sprintf("stopped by the time limit after %d of %d messages", appended.Load(), cfg.AppendCount))
	}
	// The server must hold exactly what was acknowledged.
	var stored int64
	for i, c := range clients {
		n, err := c.Select(appendBox(i))
		if err != nil {
			return r.fail(err)
		}
		stored += int64(n)
	}
	r.Counts["stored"] = stored
	return r
}

func appendBox(i int) string { return fmt.Sprintf("load-append-%d", i) }

// loginAll opens n logged-in connections, client i as user i.
func loginAll(ctx context.Context, cfg *Config, n int) ([]*Client, error) {
	clients := make([]*Client, 0, n)
	for i := 0; i < n; i++ {
		c, err := cfg.login(ctx, i)
		if err != nil {
			logoutAll(clients)
			return nil, fmt.Errorf("login %s: %w", cfg.user(i), err)
		}
		clients = append(clients, c)
	}
	return clients, nil
}

func logoutAll(clients []*Client) {
	for _, c := range clients {
		if c != nil {
			c.Logout()
		}
	}
}

// runClients runs fn for i in 0..n-1 concurrently and returns the first
// error; an error cancels the context the others see.
func runClients(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	return first
}
