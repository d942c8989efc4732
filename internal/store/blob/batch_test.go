package blob

import (
	"errors"
	"io"
	"os"
	"path/filepath"
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

// TestPlaceSharesDirSyncs places two batches on one DirSyncs, the second
// holding a copy of a blob of the first: the files are in place when Place
// returns, the copy is dropped, and Wait reports the fsyncs done.
func TestPlaceSharesDirSyncs(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stage := func(text string) *Temp {
		tmp, err := s.WriteUnsynced(strings.NewReader(text), 0)
		if err != nil {
			t.Fatal(err)
		}
		return tmp
	}
	a, b, again := stage("message a\r\n"), stage("message b\r\n"), stage("message a\r\n")
	var dirs DirSyncs
	if err := s.Place([]string{a.Path, b.Path}, []string{a.ID, b.ID}, &dirs); err != nil {
		t.Fatal(err)
	}
	if err := s.Place([]string{again.Path}, []string{again.ID}, &dirs); err != nil {
		t.Fatal(err)
	}
	if err := dirs.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, tmp := range []*Temp{a, b, again} {
		if _, err := os.Stat(tmp.Path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("temporary file %s left: %v", tmp.Path, err)
		}
		if n, err := s.Size(tmp.ID); err != nil || n != tmp.Size {
			t.Errorf("blob %s: size %d, %v; want %d", tmp.ID, n, err, tmp.Size)
		}
	}
	if n := len(s.unsynced.paths); n != 0 {
		t.Errorf("%d files still pending fsync, want 0", n)
	}
}

// TestDirSyncsReportsFailure: an fsync that fails is Wait's error.
func TestDirSyncsReportsFailure(t *testing.T) {
	var dirs DirSyncs
	dirs.Add(t.TempDir())
	dirs.Add(filepath.Join(t.TempDir(), "missing"))
	if err := dirs.Wait(); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Wait = %v, want ErrNotExist", err)
	}
	var none DirSyncs
	if err := none.Wait(); err != nil {
		t.Fatalf("Wait with nothing added = %v", err)
	}
}

// TestSyncMoreThanRunInBackground writes more unsynced files than may be
// fsynced in the background at once: Sync covers those started in the
// background and the others alike.
func TestSyncMoreThanRunInBackground(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const n = 2*maxParallelSyncs + 3
	paths := make([]string, n)
	for i := range paths {
		tmp, err := s.WriteUnsynced(strings.NewReader(strings.Repeat("x", i+1)), 0)
		if err != nil {
			t.Fatal(err)
		}
		paths[i] = tmp.Path
	}
	if got := len(s.unsynced.paths); got != n {
		t.Fatalf("%d files pending fsync, want %d", got, n)
	}
	if err := s.Sync(paths); err != nil {
		t.Fatal(err)
	}
	if got := len(s.unsynced.paths); got != 0 {
		t.Fatalf("%d files pending fsync after Sync, want 0", got)
	}
	for i, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || fi.Size() != int64(i+1) {
			t.Fatalf("%s: %v, %v; want %d bytes", p, fi, err, i+1)
		}
	}
}
