package main

import (
	"context"
	"os"
	"testing"
)

// BenchmarkBigboxCommand: one iteration is one command on the filled
// bigbox mailbox, on one selected session, so that a profile shows that
// command alone:
//
//	ROOST_PROFILE_COMMAND='UID SEARCH SUBJECT lorem' go test -run X \
//	    -bench BigboxCommand$ -benchtime 20x -cpuprofile cpu.out ./cmd/imapload
//
// Without ROOST_PROFILE_COMMAND it runs UID FETCH 1:* (UID FLAGS).
func BenchmarkBigboxCommand(b *testing.B) {
	command := os.Getenv("ROOST_PROFILE_COMMAND")
	if command == "" {
		command = "UID FETCH 1:* (UID FLAGS)"
	}
	cfg := benchConfig(b, startRoost(b))
	ctx := context.Background()
	if err := bigboxFill(ctx, cfg, newResult("bigbox")); err != nil {
		b.Fatal(err)
	}
	c, err := cfg.login(ctx, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Logout()
	if _, err := c.Select(bigboxName); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := c.Do(command, func([]byte) {}); err != nil {
			b.Fatal(err)
		}
	}
}
