package main

import (
	"context"
	"testing"
	"time"
)

// BenchmarkBody: one iteration is the body workload (every client
// downloads the mailbox of the built-in message set with FETCH 1:* BODY.PEEK[] twice) against
// an in-process Roost:
//
//	go test -run X -bench Body -benchtime 5x -cpuprofile cpu.out ./cmd/imapload
func BenchmarkBody(b *testing.B) {
	addr := startRoost(b)
	cfg := benchConfig(b, addr) // the built-in message set
	cfg.BodyClients, cfg.BodyRounds, cfg.BodyDuration = 4, 2, time.Minute
	if r := runBody(context.Background(), cfg); r.Error != "" {
		b.Fatal(r.Error)
	}
	for b.Loop() {
		r := runBody(context.Background(), cfg)
		if r.Error != "" {
			b.Fatal(r.Error)
		}
		b.Log(r.Line())
	}
}
