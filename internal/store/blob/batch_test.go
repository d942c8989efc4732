package blob

import (
	"io"
	"os"
	"strings"
	"testing"
)

// TestCommitBatch stages unsynced files (two of them identical) and
// commits them together: every blob reads back, the duplicate is stored
// once, and nothing is left in the temporary directory.
func TestCommitBatch(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"first message\r\n", "second message\r\n", "first message\r\n"}
	var paths, ids []string
	for _, text := range texts {
		tmp, err := s.WriteUnsynced(strings.NewReader(text), 0)
		if err != nil {
			t.Fatal(err)
		}
		if !s.unsynced.has(tmp.Path) {
			t.Fatalf("%s not pending fsync after WriteUnsynced", tmp.Path)
		}
		paths, ids = append(paths, tmp.Path), append(ids, tmp.ID)
	}
	if ids[0] != ids[2] || ids[0] == ids[1] {
		t.Fatalf("ids = %v, want the first and last equal and the middle different", ids)
	}
	if err := s.CommitBatch(paths, ids); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		f, err := s.Open(id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != texts[i] {
			t.Errorf("blob %d = %q, want %q", i, got, texts[i])
		}
	}
	left, err := os.ReadDir(s.tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("temporary directory holds %d files after CommitBatch, want 0", len(left))
	}
	if n := len(s.unsynced.paths); n != 0 {
		t.Errorf("%d files still pending fsync, want 0", n)
	}
}
