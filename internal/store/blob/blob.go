// Package blob keeps message bytes as content-addressed files:
// DIR/blobs/ab/cdef… where abcdef… is the hex SHA-256 of the content.
//
// A message is first written to DIR/tmp while it is hashed and fsynced
// (Write), then moved into place (Commit) by a rename followed by an fsync of
// the directory, so that once Commit returns, the blob survives a crash. The
// metadata that refers to a blob must be committed only after that; the
// metadata that drops the last reference must be committed before Remove.
// Identical messages share one file: committing bytes that are already
// stored just drops the temporary copy.
package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"roost/internal/store"
)

// Store is a directory of blobs. Its methods are safe for concurrent use;
// callers serialise Commit against Remove of the same ID (the sqlite backend
// does both under its write lock).
type Store struct {
	blobs string // DIR/blobs
	tmp   string // DIR/tmp

	// unsynced holds temporary files written by WriteUnsynced and not
	// yet fsynced (batch.go).
	unsynced pendingSyncs
}

// Open creates (if needed) and opens the blob directories under dir.
func Open(dir string) (*Store, error) {
	s := &Store{blobs: filepath.Join(dir, "blobs"), tmp: filepath.Join(dir, "tmp")}
	for _, d := range []string{s.blobs, s.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("blob: %w", wrapIO(err))
		}
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	return s, nil
}

// Temp is a written, fsynced blob waiting in the temporary directory.
type Temp struct {
	Path string
	ID   string // hex SHA-256
	Size int64
}

// Write streams r into a new temporary file while hashing it, and fsyncs
// it. With limit > 0, more than limit bytes is store.ErrTooLarge. A full
// disk is store.ErrNoSpace. On error nothing is left behind.
func (s *Store) Write(r io.Reader, limit int64) (t *Temp, err error) {
	return s.write(r, limit, true)
}

func (s *Store) write(r io.Reader, limit int64, sync bool) (t *Temp, err error) {
	f, err := os.CreateTemp(s.tmp, "stage-*")
	if err != nil {
		return nil, fmt.Errorf("blob: %w", wrapIO(err))
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	src := r
	if limit > 0 {
		src = io.LimitReader(r, limit+1)
	}
	buf := make([]byte, 64<<10)
	n, err := io.CopyBuffer(io.MultiWriter(f, h), src, buf)
	if err != nil {
		return nil, fmt.Errorf("blob: writing %s: %w", f.Name(), wrapIO(err))
	}
	if limit > 0 && n > limit {
		return nil, fmt.Errorf("blob: %w (over %d bytes)", store.ErrTooLarge, limit)
	}
	if !sync {
		// The fsync goes on in the background while the caller parses
		// the message; the file is closed when it is done.
		if err := s.unsynced.add(f.Name(), f); err != nil {
			return nil, fmt.Errorf("blob: %w", wrapIO(err))
		}
		return &Temp{Path: f.Name(), ID: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("blob: fsync %s: %w", f.Name(), wrapIO(err))
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("blob: %w", wrapIO(err))
	}
	return &Temp{Path: f.Name(), ID: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// Commit moves the temporary file at tmpPath into place as blob id and makes
// the rename durable. If the blob already exists the temporary file is
// dropped instead (it may already be gone if the same Temp is committed
// twice).
func (s *Store) Commit(tmpPath, id string) error {
	return s.CommitBatch([]string{tmpPath}, []string{id})
}

// Discard removes a temporary file that will not be committed.
func (s *Store) Discard(tmpPath string) {
	s.unsynced.done(tmpPath)
	if tmpPath != "" && filepath.Dir(tmpPath) == s.tmp {
		os.Remove(tmpPath)
	}
}

// File is an open blob. Reads go to the file, so reading part of a huge
// message reads only that part.
type File struct {
	h    *fileHandle // file_unix.go
	size int64
}

var _ store.Blob = (*File)(nil)

// ReadAt implements io.ReaderAt.
func (b *File) ReadAt(p []byte, off int64) (int, error) { return b.h.readAt(p, off) }

// Size is the blob's length in bytes.
func (b *File) Size() int64 { return b.size }

// Close closes the file.
func (b *File) Close() error { return b.h.close() }

// Open opens blob id for reading. A missing blob is os.ErrNotExist.
func (s *Store) Open(id string) (*File, error) {
	p, err := s.path(id)
	if err != nil {
		return nil, err
	}
	return OpenFile(p)
}

// OpenFile opens any file (such as a Temp's) as a blob.
func OpenFile(path string) (*File, error) {
	h, size, err := openHandle(path)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &File{h: h, size: size}, nil
}

// Path returns the file name of blob id, for readers that map the file
// rather than read it (a re-parse of a stored message); whether it exists
// is not checked.
func (s *Store) Path(id string) (string, error) { return s.path(id) }

// Size returns the size of blob id; a missing blob is os.ErrNotExist.
func (s *Store) Size(id string) (int64, error) {
	p, err := s.path(id)
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return 0, fmt.Errorf("blob: %w", err)
	}
	return fi.Size(), nil
}

// Remove deletes blob id. Removing a missing blob is not an error (a crash
// may have interrupted an earlier removal). The directory is not fsynced: a
// removal lost in a crash leaves an unreferenced blob, which GC collects.
func (s *Store) Remove(id string) error {
	p, err := s.path(id)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// ValidID reports whether id is a lowercase hex SHA-256.
func ValidID(id string) bool {
	if len(id) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *Store) path(id string) (string, error) {
	if !ValidID(id) {
		return "", fmt.Errorf("blob: invalid id %q", id)
	}
	return filepath.Join(s.blobs, id[:2], id[2:]), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blob: fsync %s: %w", dir, wrapIO(err))
	}
	return nil
}

// wrapIO marks out-of-space errors as store.ErrNoSpace.
func wrapIO(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", store.ErrNoSpace, err)
	}
	return err
}
