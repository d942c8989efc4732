package main

// Benchmarks that run workloads against an in-process Roost, for
// profiling the server where the comparison shows it losing:
//
//	go test -run X -bench BigboxCommands -benchtime 5x -cpuprofile cpu.out ./cmd/imapload
//	go tool pprof -top cmd/imapload.test cpu.out
//
// Sizes: ROOST_PROFILE_BIGBOX (default 20000 messages).

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"roost/internal/auth"
)

func profileBigboxSize() int {
	if n, err := strconv.Atoi(os.Getenv("ROOST_PROFILE_BIGBOX")); err == nil && n > 0 {
		return n
	}
	return 20000
}

func benchConfig(b *testing.B, addr string) *Config {
	return &Config{
		Dial:        DialOptions{Addr: addr, TLS: "none", Timeout: 120 * time.Second},
		UserPattern: "load%d", Password: testPass, Users: testUsers,
		BigboxCount: profileBigboxSize(), BigboxDuration: 10 * time.Minute,
		MixedClients: 8, MixedSessions: 4, MixedBoxSize: 200, MixedDuration: time.Minute,
	}
}

// BenchmarkBigboxCommands: one iteration is SELECT, UID FETCH flags,
// FETCH envelopes and the two SEARCHes on the filled mailbox.
func BenchmarkBigboxCommands(b *testing.B) {
	cfg := benchConfig(b, startRoost(b))
	if r := runBigbox(context.Background(), cfg); r.Error != "" {
		b.Fatal(r.Error)
	}
	for b.Loop() {
		if r := runBigbox(context.Background(), cfg); r.Error != "" {
			b.Fatal(r.Error)
		}
	}
}

// BenchmarkBigboxFill: one iteration fills a mailbox from empty.
func BenchmarkBigboxFill(b *testing.B) {
	cfg := benchConfig(b, startRoost(b))
	c, err := cfg.login(context.Background(), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Logout()
	msgs := generatedMessages(1, cfg.BigboxCount)
	for b.Loop() {
		if err := c.RecreateMailbox(bigboxName); err != nil {
			b.Fatal(err)
		}
		if _, err := c.FillMailbox(bigboxName, msgs, 500); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMixedProductionHash runs the mixed workload with the real
// argon2id cost, to see where a loaded server spends its time.
func BenchmarkMixedProductionHash(b *testing.B) {
	restore := auth.UseParams(auth.DefaultParams)
	defer restore()
	cfg := benchConfig(b, startRoost(b))
	for b.Loop() {
		r := runMixed(context.Background(), cfg)
		if r.Error != "" {
			b.Fatal(r.Error)
		}
		b.Log(r.Line())
	}
}
