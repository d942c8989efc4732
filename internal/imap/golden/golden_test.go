package golden

import (
	"strings"
	"testing"
)

func TestReadWholeCorpus(t *testing.T) {
	c := ForTest(t)
	names, err := c.Messages()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 465 {
		t.Fatalf("corpus has %d messages, want 465", len(names))
	}
	blocks := 0
	for i, n := range names {
		f, err := c.Golden(n)
		if err != nil {
			t.Fatal(err)
		}
		if f.Message != n || f.Seq != i+1 {
			t.Fatalf("%s: header says message=%s seq=%d", n, f.Message, f.Seq)
		}
		for _, b := range f.Blocks {
			if !strings.HasPrefix(b.Status, "OK ") && !strings.HasPrefix(b.Status, "NO ") {
				t.Fatalf("%s %s: status %q", n, b.Item, b.Status)
			}
		}
		blocks += len(f.Blocks)
	}
	// The corpus README: 10,069 recorded responses.
	if blocks != 10069 {
		t.Fatalf("read %d blocks, want 10069", blocks)
	}
}
