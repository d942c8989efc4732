package main

import (
	"context"
	"testing"
	"time"
)

// BenchmarkBody: one iteration is the body workload (every client
// downloads the corpus mailbox with FETCH 1:* BODY.PEEK[] twice) against
// an in-process Roost:
//
//	go test -run X -bench Body -benchtime 5x -cpuprofile cpu.out ./cmd/imapload
func BenchmarkBody(b *testing.B) {
	addr := startRoost(b)
	dir, err := findCorpus("")
	if err != nil {
		b.Fatal(err)
	}
	corpus, err := loadCorpus(dir)
	if err != nil {
		b.Fatal(err)
	}
	cfg := benchConfig(b, addr)
	cfg.Corpus = corpus
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
