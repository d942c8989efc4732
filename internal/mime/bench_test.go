package mime_test

import (
	"bytes"
	"os"
	"testing"

	"roost/internal/mime"
)

// BenchmarkParseCorpus parses every corpus message once per iteration
// (what APPEND pays), reporting messages and megabytes per second.
func BenchmarkParseCorpus(b *testing.B) {
	var msgs [][]byte
	total := 0
	for _, path := range corpusMessages(b) {
		m, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, m)
		total += len(m)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, m := range msgs {
			if _, err := mime.Parse(bytes.NewReader(m), int64(len(m))); err != nil {
				b.Fatal(err)
			}
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*len(msgs))/sec, "msgs/s")
	b.ReportMetric(float64(b.N*total)/sec/1e6, "MB/s")
}

// BenchmarkUnmarshalCorpus decodes the stored form of every corpus message
// (what FETCH pays per message before rendering).
func BenchmarkUnmarshalCorpus(b *testing.B) {
	var encs [][]byte
	for _, path := range corpusMessages(b) {
		m, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		p, _ := mime.Parse(bytes.NewReader(m), int64(len(m)))
		enc, err := mime.Marshal(p)
		if err != nil {
			b.Fatal(err)
		}
		encs = append(encs, enc)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, e := range encs {
			if _, err := mime.Unmarshal(e); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(encs))/b.Elapsed().Seconds(), "msgs/s")
}
