package imapmime

import (
	"bytes"
	"testing"

	"roost/internal/mime"
)

// BenchmarkRenderCorpus renders ENVELOPE and BODYSTRUCTURE for every corpus
// message (the per-message cost of a large FETCH), reporting messages/s.
func BenchmarkRenderCorpus(b *testing.B) {
	corpus, files := findCorpus(b)
	var msgs []*mime.Message
	for _, file := range files {
		raw, err := corpus.Message(file)
		if err != nil {
			b.Fatal(err)
		}
		m, _ := mime.Parse(bytes.NewReader(raw), int64(len(raw)))
		msgs = append(msgs, m)
	}
	buf := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, m := range msgs {
			buf = AppendEnvelope(buf[:0], m, false)
			buf = AppendBodyStructure(buf, m, true, false)
		}
	}
	b.ReportMetric(float64(b.N*len(msgs))/b.Elapsed().Seconds(), "msgs/s")
}
