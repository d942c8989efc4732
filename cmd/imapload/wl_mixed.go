package main

// Workload "mixed": C clients each run mail-client-like sessions in a
// loop: LOGIN, SELECT, FETCH flags and envelopes of the newest messages,
// STORE flags, APPEND a new message, delete the oldest (STORE \Deleted +
// EXPUNGE), LOGOUT. Each client has its own mailbox, so its size stays
// constant and the sessions do not step on each other.

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// mixedCommands is the command order of one session, for the report.
var mixedCommands = []string{"CONNECT", "LOGIN", "SELECT", "FETCH", "STORE", "APPEND", "EXPUNGE", "LOGOUT"}

const mixedFetchRange = 50

func runMixed(ctx context.Context, cfg *Config) *Result {
	r := newResult("mixed")
	if err := mixedSetup(ctx, cfg); err != nil {
		return r.fail(fmt.Errorf("setup: %w", err))
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.MixedDuration)
	defer cancel()
	lat := newLatencies()
	var sessions, commands, fetched atomic.Int64
	start := time.Now()
	err := runClients(ctx, cfg.MixedClients, func(ctx context.Context, i int) error {
		for s := 0; s < cfg.MixedSessions && ctx.Err() == nil; s++ {
			n, f, err := mixedSession(ctx, cfg, i, s, lat)
			commands.Add(int64(n))
			fetched.Add(int64(f))
			if err != nil {
				return err
			}
			sessions.Add(1)
		}
		return nil
	})
	elapsed := time.Since(start)
	r.fail(err)
	r.add("cmds_per_s", perSecond(float64(commands.Load()), elapsed), "cmd/s", "higher")
	r.add("sessions_per_s", perSecond(float64(sessions.Load()), elapsed), "session/s", "higher")
	for _, name := range mixedCommands {
		s := lat.Samples(name)
		if len(s) == 0 {
			continue
		}
		r.addDuration(name+"_p50", percentile(s, 50))
		r.addDuration(name+"_p99", percentile(s, 99))
	}
	r.Counts["sessions"] = sessions.Load()
	r.Counts["commands"] = commands.Load()
	r.Counts["fetch_responses"] = fetched.Load()
	return r
}

// mixedSetup gives each client a mailbox of MixedBoxSize messages.
func mixedSetup(ctx context.Context, cfg *Config) error {
	for i := 0; i < cfg.MixedClients; i++ {
		c, err := cfg.login(ctx, i)
		if err != nil {
			return err
		}
		err = c.RecreateMailbox(mixedBox(i))
		if err == nil {
			_, err = c.FillMailbox(mixedBox(i), generatedMessages(1, cfg.MixedBoxSize), 500)
		}
		c.Logout()
		if err != nil {
			return err
		}
	}
	return nil
}

func mixedBox(i int) string { return fmt.Sprintf("load-mixed-%d", i) }

// mixedSession runs one session of client i and returns how many commands
// it completed and how many FETCH responses it saw.
func mixedSession(ctx context.Context, cfg *Config, i, s int, lat *Latencies) (cmds, fetched int, err error) {
	step := func(name string, fn func() error) error {
		t := time.Now()
		err := fn()
		lat.Add(name, time.Since(t))
		if err == nil {
			cmds++
		}
		return err
	}
	var c *Client
	if err := step("CONNECT", func() (err error) { c, err = Dial(ctx, cfg.Dial); return err }); err != nil {
		return cmds, fetched, err
	}
	cmds-- // connecting is timed but is not a command
	defer c.Close()
	if err := step("LOGIN", func() error { return c.Login(cfg.user(i), cfg.Password) }); err != nil {
		return cmds, fetched, err
	}
	var exists uint32
	if err := step("SELECT", func() (err error) { exists, err = c.Select(mixedBox(i)); return err }); err != nil {
		return cmds, fetched, err
	}
	if exists == 0 {
		return cmds, fetched, fmt.Errorf("mixed: %s is empty", mixedBox(i))
	}
	lo := max(1, int(exists)-mixedFetchRange+1)
	err = step("FETCH", func() error {
		return c.Do(fmt.Sprintf("FETCH %d:%d (FLAGS ENVELOPE)", lo, exists), func(line []byte) {
			if bytes.Contains(line, []byte(" FETCH (")) {
				fetched++
			}
		})
	})
	if err != nil {
		return cmds, fetched, err
	}
	err = step("STORE", func() error {
		return c.Do(fmt.Sprintf("STORE %d:%d +FLAGS (\\Seen)", max(1, int(exists)-9), exists), nil)
	})
	if err != nil {
		return cmds, fetched, err
	}
	msg := generatedMessage(cfg.MixedBoxSize + 1 + s)
	if err := step("APPEND", func() error { return c.Append(mixedBox(i), "", msg) }); err != nil {
		return cmds, fetched, err
	}
	// Delete the oldest so the mailbox keeps its size.
	if err := step("STORE", func() error { return c.Do("STORE 1 +FLAGS.SILENT (\\Deleted)", nil) }); err != nil {
		return cmds, fetched, err
	}
	if err := step("EXPUNGE", func() error { return c.Do("EXPUNGE", nil) }); err != nil {
		return cmds, fetched, err
	}
	err = step("LOGOUT", func() error { return c.Logout() })
	return cmds, fetched, err
}
