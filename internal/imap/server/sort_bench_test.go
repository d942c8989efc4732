package server

// SORT and THREAD on a 100,000-message mailbox over a loopback socket,
// filled as BenchmarkMailbox100k fills its own, plus one reply chain per
// template so that REFERENCES has threads to build. Run with
//
//	go test -run '^$' -bench SortThread100k -benchtime 3x ./internal/imap/server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"roost/internal/store"
)

// replyMessage is a reply to template k's message, i-th in its thread.
func replyMessage(k, i int) string {
	return fmt.Sprintf("Date: Wed, 04 Mar 2026 %02d:%02d:00 +0000\r\n"+
		"From: Replier %d <r%d@example.org>\r\n"+
		"To: sender%d@example.org\r\n"+
		"Subject: Re: report number %d\r\n"+
		"Message-ID: <reply-%d-%d@example.org>\r\n"+
		"In-Reply-To: <msg-%d@example.org>\r\n"+
		"References: <msg-%d@example.org>\r\n"+
		"\r\nreply\r\n", i%24, k%60, i, i, k, k, k, i, k, k)
}

func BenchmarkSortThread100k(b *testing.B) {
	const n = 100_000
	const replies = 1000 // of the n messages, the last ones are distinct replies
	srv := startBenchServer(b, b.TempDir())
	start := time.Now()
	fillMailbox(b, srv.store, srv.mbox, n-replies)
	ctx := context.Background()
	msgs := make([]store.AppendMessage, 0, replies)
	for i := range replies {
		st, err := srv.store.Stage(ctx, strings.NewReader(replyMessage(i%mailTemplates, i)), 0)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, store.AppendMessage{Staged: st, InternalDate: fillBase.Add(time.Duration(n-replies+i) * time.Second)})
	}
	if _, _, err := srv.store.Append(ctx, srv.mbox, msgs); err != nil {
		b.Fatal(err)
	}
	b.Logf("filled %d messages in %v", n, time.Since(start))
	c := srv.login(b)
	c.run("SELECT INBOX")

	for _, bc := range []struct{ name, cmd string }{
		{"SortArrival", "SORT (ARRIVAL) UTF-8 ALL"},
		{"SortDate", "SORT (DATE) UTF-8 ALL"},
		{"SortSubject", "SORT (SUBJECT) UTF-8 ALL"},
		{"SortFrom", "SORT (FROM) UTF-8 ALL"},
		{"SortReverseDateUnseen", "UID SORT (REVERSE DATE) UTF-8 UNSEEN"},
		{"ESortPartial", "UID SORT RETURN (PARTIAL 1:100 COUNT) (SUBJECT DATE) UTF-8 ALL"},
		{"ThreadReferences", "THREAD REFERENCES UTF-8 ALL"},
		{"ThreadOrderedSubject", "THREAD ORDEREDSUBJECT UTF-8 ALL"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c.b = b
			for b.Loop() {
				if got, _ := c.run(bc.cmd); got != 1 {
					b.Fatalf("%s: %d untagged responses, want 1", bc.cmd, got)
				}
			}
		})
	}
}
