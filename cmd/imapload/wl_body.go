package main

// Workload "body": C clients download every message of a mailbox in full
// (FETCH 1:* BODY.PEEK[]) over and over; throughput in MB/s of message
// bytes received.

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

const bodyBox = "load-body"

func runBody(ctx context.Context, cfg *Config) *Result {
	r := newResult("body")
	msgs := cfg.messageSet()
	want, err := bodySetup(ctx, cfg, msgs)
	if err != nil {
		return r.fail(fmt.Errorf("setup: %w", err))
	}
	// Every client reads user 0's mailbox.
	var clients []*Client
	defer func() { logoutAll(clients) }()
	for i := 0; i < cfg.BodyClients; i++ {
		c, err := cfg.login(ctx, 0)
		if err != nil {
			return r.fail(err)
		}
		clients = append(clients, c)
		if _, err := c.Select(bodyBox); err != nil {
			return r.fail(err)
		}
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.BodyDuration)
	defer cancel()
	var rounds, messages, received atomic.Int64
	start := time.Now()
	err = runClients(ctx, len(clients), func(ctx context.Context, i int) error {
		for k := 0; k < cfg.BodyRounds && ctx.Err() == nil; k++ {
			var got, size int64
			err := clients[i].Do("FETCH 1:* BODY.PEEK[]", func(line []byte) {
				if bytes.Contains(line, []byte(" FETCH (")) {
					got++
					size += literalBytes(line)
				}
			})
			if err != nil {
				return err
			}
			if got != int64(len(msgs)) || size != want {
				return fmt.Errorf("body: %d messages of %d bytes, want %d of %d", got, size, len(msgs), want)
			}
			rounds.Add(1)
			messages.Add(got)
			received.Add(size)
		}
		return nil
	})
	elapsed := time.Since(start)
	r.fail(err)
	r.add("MB_per_s", perSecond(float64(received.Load())/1e6, elapsed), "MB/s", "higher")
	r.add("msgs_per_s", perSecond(float64(messages.Load()), elapsed), "msg/s", "higher")
	r.Counts["rounds"] = rounds.Load()
	r.Counts["messages"] = messages.Load()
	r.Counts["bytes"] = received.Load()
	return r
}

// bodySetup fills user 0's body mailbox with msgs unless it already holds
// them, and returns their total size.
func bodySetup(ctx context.Context, cfg *Config, msgs [][]byte) (int64, error) {
	c, err := cfg.login(ctx, 0)
	if err != nil {
		return 0, err
	}
	defer c.Logout()
	if err := c.EnsureMailbox(bodyBox); err != nil {
		return 0, err
	}
	exists, err := c.Select(bodyBox)
	if err != nil {
		return 0, err
	}
	if int(exists) != len(msgs) {
		if err := c.Do("UNSELECT", nil); err != nil {
			return 0, err
		}
		if err := c.RecreateMailbox(bodyBox); err != nil {
			return 0, err
		}
		if _, err := c.FillMailbox(bodyBox, msgs, 100); err != nil {
			return 0, err
		}
	}
	return totalSize(msgs), nil
}

// literalBytes is the size of the literal(s) in a FETCH response line
// ("{N}" markers followed by N bytes; readLine keeps the markers).
func literalBytes(line []byte) int64 {
	var total int64
	for i := 0; i < len(line); {
		open := bytes.IndexByte(line[i:], '{')
		if open < 0 {
			break
		}
		open += i
		end := bytes.Index(line[open:], []byte("}\r\n"))
		if end < 0 {
			break
		}
		end += open
		var n int64
		if _, err := fmt.Sscanf(string(bytes.TrimSuffix(line[open+1:end], []byte("+"))), "%d", &n); err != nil {
			i = open + 1
			continue
		}
		total += n
		i = end + 3 + int(n)
	}
	return total
}
