package auth

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"
)

// BenchmarkStormVerify verifies stormSize default-strength passwords at
// once, at most `slots` at a time, as a storm of first logins after a
// restart does: ms/verification is the wall time of the storm divided by
// its size, the number that decides how long the last login waits.
func BenchmarkStormVerify(b *testing.B) {
	const stormSize = 8
	hash, err := HashWith("correct horse battery staple", DefaultParams)
	if err != nil {
		b.Fatal(err)
	}
	for _, gc := range []int{100, 400} {
		for _, slots := range []int{1, 2, 3, 4} {
			b.Run(fmt.Sprintf("gogc=%d/slots=%d", gc, slots), func(b *testing.B) {
				defer debug.SetGCPercent(debug.SetGCPercent(gc))
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				start := time.Now()
				for b.Loop() {
					sem := make(chan struct{}, slots)
					var wg sync.WaitGroup
					for range stormSize {
						wg.Go(func() {
							sem <- struct{}{}
							defer func() { <-sem }()
							if ok, _, err := Verify(hash, "correct horse battery staple"); !ok || err != nil {
								b.Error("verification failed", err)
							}
						})
					}
					wg.Wait()
				}
				elapsed := time.Since(start)
				runtime.ReadMemStats(&after)
				n := float64(b.N * stormSize)
				b.ReportMetric(float64(elapsed.Milliseconds())/n, "ms/verification")
				b.ReportMetric(float64(after.NumGC-before.NumGC)/n, "GCs/verification")
				b.ReportMetric(float64(after.HeapSys)/(1<<20), "MiB-heap-sys")
			})
		}
	}
}
