package sqlite

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"roost/internal/store"
)

// BenchmarkAppendConcurrent is the benchmark's APPEND workload at the store:
// four writers, each appending one ~11 KiB message per call into its own
// mailbox, all durable. Concurrent single-message APPENDs share commits
// (group commit, write.go).
func BenchmarkAppendConcurrent(b *testing.B) {
	const writers = 4
	s, _ := benchStore(b, Options{})
	ctx := context.Background()
	boxes := make([]int64, writers)
	for w := range boxes {
		u, err := s.CreateUser(ctx, fmt.Sprintf("w%d", w), "x")
		if err != nil {
			b.Fatal(err)
		}
		mb, err := s.Mailbox(ctx, u.ID, "INBOX")
		if err != nil {
			b.Fatal(err)
		}
		boxes[w] = mb.ID
	}
	body := benchMessage(11 << 10)
	var next atomic.Int64
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				st, err := s.Stage(ctx, strings.NewReader(fmt.Sprintf("X-N: %d\r\n", i)+body), 0)
				if err != nil {
					errs <- err
					return
				}
				if _, _, err := s.Append(ctx, boxes[w], []store.AppendMessage{{Staged: st}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}
