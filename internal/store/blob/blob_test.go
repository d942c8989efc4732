package blob

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roost/internal/store"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func openStore(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func TestWriteCommitOpen(t *testing.T) {
	s, dir := openStore(t)
	const msg = "Subject: hi\r\n\r\nhello\r\n"
	tmp, err := s.Write(strings.NewReader(msg), 0)
	if err != nil {
		t.Fatal(err)
	}
	if tmp.ID != sum(msg) || tmp.Size != int64(len(msg)) {
		t.Fatalf("Write = id %s size %d; want %s %d", tmp.ID, tmp.Size, sum(msg), len(msg))
	}
	if filepath.Dir(tmp.Path) != filepath.Join(dir, "tmp") {
		t.Fatalf("temp file %s not under DIR/tmp", tmp.Path)
	}
	if err := s.Commit(tmp.Path, tmp.ID); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "blobs", tmp.ID[:2], tmp.ID[2:])
	if _, err := os.Stat(want); err != nil {
		t.Fatalf("blob not at %s: %v", want, err)
	}
	if _, err := os.Stat(tmp.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temp file still there after Commit: %v", err)
	}
	b, err := s.Open(tmp.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Size() != int64(len(msg)) {
		t.Fatalf("Size = %d, want %d", b.Size(), len(msg))
	}
	p := make([]byte, 5)
	if _, err := b.ReadAt(p, 15); err != nil || string(p) != "hello" {
		t.Fatalf("ReadAt(15) = %q, %v; want hello", p, err)
	}
	all, _ := io.ReadAll(io.NewSectionReader(b, 0, b.Size()))
	if string(all) != msg {
		t.Fatalf("content %q, want %q", all, msg)
	}
	// io.ReaderAt at the end: what there is, and io.EOF.
	p = make([]byte, 10)
	if n, err := b.ReadAt(p, int64(len(msg))-3); n != 3 || err != io.EOF || string(p[:n]) != "o\r\n" {
		t.Fatalf("ReadAt past the end = %d %q, %v; want 3 \"o\\r\\n\", EOF", n, p[:n], err)
	}
	if n, err := b.ReadAt(p, int64(len(msg))); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt at the end = %d, %v; want 0, EOF", n, err)
	}
	// Closed once; a second Close does nothing, reads fail.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
	if _, err := b.ReadAt(p, 0); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("ReadAt after Close = %v, want os.ErrClosed", err)
	}
}

func TestCommitDuplicateDropsTemp(t *testing.T) {
	s, dir := openStore(t)
	a, _ := s.Write(strings.NewReader("same"), 0)
	b, _ := s.Write(strings.NewReader("same"), 0)
	if err := s.Commit(a.Path, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(b.Path, b.ID); err != nil {
		t.Fatal(err)
	}
	// Committing the same Temp again is harmless.
	if err := s.Commit(b.Path, b.ID); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	if len(left) != 0 {
		t.Fatalf("%d temp files left, want 0", len(left))
	}
	if n, err := s.Size(a.ID); err != nil || n != 4 {
		t.Fatalf("Size = %d, %v; want 4", n, err)
	}
}

func TestWriteLimit(t *testing.T) {
	s, dir := openStore(t)
	if _, err := s.Write(strings.NewReader("12345"), 5); err != nil {
		t.Fatalf("exactly at limit: %v", err)
	}
	_, err := s.Write(strings.NewReader("123456"), 5)
	if !errors.Is(err, store.ErrTooLarge) {
		t.Fatalf("over limit: err = %v, want ErrTooLarge", err)
	}
	left, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	if len(left) != 1 {
		t.Fatalf("%d temp files, want 1 (only the accepted one)", len(left))
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestWriteReaderErrorLeavesNothing(t *testing.T) {
	s, dir := openStore(t)
	if _, err := s.Write(io.MultiReader(strings.NewReader("abc"), failingReader{}), 0); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("err = %v, want the reader's error", err)
	}
	left, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	if len(left) != 0 {
		t.Fatalf("%d temp files left, want 0", len(left))
	}
}

func TestRemoveAndInvalidID(t *testing.T) {
	s, _ := openStore(t)
	tmp, _ := s.Write(strings.NewReader("x"), 0)
	s.Commit(tmp.Path, tmp.ID)
	if err := s.Remove(tmp.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(tmp.ID); err != nil {
		t.Fatalf("second Remove: %v, want nil", err)
	}
	if _, err := s.Open(tmp.ID); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open removed blob: %v, want ErrNotExist", err)
	}
	if _, err := s.Open("../../etc/passwd"); err == nil {
		t.Fatal("Open accepted a path as id")
	}
}

func TestGC(t *testing.T) {
	s, _ := openStore(t)
	keep, _ := s.Write(strings.NewReader("keep"), 0)
	drop, _ := s.Write(strings.NewReader("drop"), 0)
	s.Commit(keep.Path, keep.ID)
	s.Commit(drop.Path, drop.ID)
	stale, _ := s.Write(strings.NewReader("stale temp"), 0)
	referenced := func(id string) (bool, error) { return id == keep.ID, nil }

	// Everything is younger than minAge: nothing goes.
	st, err := s.GC(referenced, time.Hour, time.Now())
	if err != nil || st != (GCStats{}) {
		t.Fatalf("GC(young) = %+v, %v; want nothing removed", st, err)
	}
	st, err = s.GC(referenced, time.Hour, time.Now().Add(2*time.Hour))
	if err != nil || st != (GCStats{Blobs: 1, Temps: 1}) {
		t.Fatalf("GC = %+v, %v; want 1 blob and 1 temp removed", st, err)
	}
	if _, err := s.Size(keep.ID); err != nil {
		t.Fatalf("referenced blob removed: %v", err)
	}
	if _, err := s.Size(drop.ID); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("unreferenced blob kept: %v", err)
	}
	if _, err := os.Stat(stale.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale temp kept: %v", err)
	}
}

func TestPartialReadOfLargeBlob(t *testing.T) {
	s, _ := openStore(t)
	big := bytes.Repeat([]byte("0123456789"), 1<<20) // 10 MiB
	tmp, err := s.Write(bytes.NewReader(big), 0)
	if err != nil {
		t.Fatal(err)
	}
	s.Commit(tmp.Path, tmp.ID)
	b, _ := s.Open(tmp.ID)
	defer b.Close()
	p := make([]byte, 10)
	if _, err := b.ReadAt(p, 5<<20+3); err != nil || string(p) != "3456789012" {
		t.Fatalf("ReadAt = %q, %v", p, err)
	}
}
