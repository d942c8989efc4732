package blob

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Batches: a MULTIAPPEND of hundreds of messages would otherwise pay one
// fsync per file and one directory fsync per file, one after the other.
// WriteUnsynced leaves the fsync for later; Sync then fsyncs many files at
// once (concurrent fsyncs share the file system's journal commits), and
// CommitBatch renames them into place and fsyncs each directory once. The
// promise is unchanged: when CommitBatch returns, every blob is durable.

// maxParallelSyncs bounds the fsyncs (and open files) in flight.
const maxParallelSyncs = 32

// WriteUnsynced is Write that does not wait for the fsync: it starts it
// in the background (pending.go), and the file must go through Sync (or
// Commit/CommitBatch/Place, which call it) before anything refers to it.
func (s *Store) WriteUnsynced(r io.Reader, limit int64) (*Temp, error) {
	return s.write(r, limit, false)
}

// Sync waits until those of the temporary files at paths that were written
// by WriteUnsynced are fsynced: it waits for the fsyncs started in the
// background and does the others, several at a time.
func (s *Store) Sync(paths []string) error {
	var todo []string
	for _, p := range paths {
		pf := s.unsynced.get(p)
		switch {
		case pf == nil:
		case pf.done == nil:
			todo = append(todo, p)
		default:
			<-pf.done
			if pf.err != nil {
				// Not retried: after a failed fsync the kernel may have
				// dropped the dirty pages, so that a second fsync
				// succeeds without the data being on disk.
				return fmt.Errorf("blob: fsync %s: %w", p, wrapIO(pf.err))
			}
			s.unsynced.done(p)
		}
	}
	err := parallel(todo, func(p string) error {
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("blob: %w", wrapIO(err))
		}
		// fsync acts on the file, whichever descriptor names it.
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("blob: fsync %s: %w", p, wrapIO(err))
		}
		s.unsynced.done(p)
		return nil
	})
	return err
}

// CommitBatch is Commit of many temporary files (tmpPaths[i] becomes blob
// ids[i]): the files are fsynced, renamed into place, and every directory
// that gained an entry is fsynced once.
func (s *Store) CommitBatch(tmpPaths, ids []string) error {
	var dirs DirSyncs
	err := s.Place(tmpPaths, ids, &dirs)
	return errors.Join(err, dirs.Wait())
}

// Place is CommitBatch without the wait for the directory fsyncs: the
// files are fsynced and renamed into place, and the fsync of every
// directory involved is started on dirs. The blobs are durable once
// dirs.Wait returns nil; nothing may refer to them durably before that. A
// group commit places the blobs of several writers on one DirSyncs, so
// that a directory they share is fsynced once and the fsyncs overlap the
// rest of the transaction.
func (s *Store) Place(tmpPaths, ids []string, dirs *DirSyncs) error {
	if len(tmpPaths) != len(ids) {
		return errors.New("blob: Place: paths and ids differ in number")
	}
	if err := s.Sync(tmpPaths); err != nil {
		return err
	}
	// The fsyncs start once every file is in place: a MULTIAPPEND
	// renames many files into each directory, and one fsync covers them.
	touched := make(map[string]bool)
	defer func() {
		for d := range touched {
			dirs.Add(d)
		}
	}()
	for i, tmp := range tmpPaths {
		final, err := s.path(ids[i])
		if err != nil {
			return err
		}
		dir := filepath.Dir(final)
		if _, err := os.Stat(final); err == nil {
			// Already stored (or an identical message earlier in the
			// batch): drop the copy. Whoever renamed it may not have
			// fsynced its directory yet (another writer of the same group,
			// or another process), so that fsync is ours too.
			if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("blob: %w", err)
			}
			touched[dir] = true
			continue
		}
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
				return fmt.Errorf("blob: %w", wrapIO(err))
			}
			touched[s.blobs] = true
		}
		if err := os.Rename(tmp, final); err != nil {
			return fmt.Errorf("blob: committing %s: %w", ids[i], wrapIO(err))
		}
		touched[dir] = true
	}
	return nil
}

// parallel runs fn on every item, at most maxParallelSyncs at a time, and
// returns the first error.
func parallel(items []string, fn func(string) error) error {
	if len(items) == 1 {
		return fn(items[0])
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, maxParallelSyncs)
	for _, it := range items {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(it); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// Keep makes a second name in the temporary directory for each of the
// temporary files at paths (a hard link: no copy, no fsync needed beyond
// the file's own), so that the bytes survive the Place that consumes the
// first name. A caller that must place the same bytes again (their blob
// was removed before its metadata could refer to it) places a Keep of
// the kept names. Every kept name is Discarded by the caller; a crash
// leaves them to CleanTemps. A file already gone (a Temp placed before)
// gets "" as its kept name: there is nothing to keep.
func (s *Store) Keep(paths []string) ([]string, error) {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if p == "" {
			out = append(out, "")
			continue
		}
		k, err := s.link(p)
		if errors.Is(err, os.ErrNotExist) {
			out = append(out, "")
			continue
		}
		if err != nil {
			for _, done := range out {
				os.Remove(done)
			}
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func (s *Store) link(p string) (string, error) {
	for attempt := 0; ; attempt++ {
		k := filepath.Join(s.tmp, fmt.Sprintf("keep-%d-%d", time.Now().UnixNano(), attempt))
		err := os.Link(p, k)
		if err == nil {
			return k, nil
		}
		if errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		if !errors.Is(err, os.ErrExist) || attempt == 100 {
			return "", fmt.Errorf("blob: keeping %s: %w", p, wrapIO(err))
		}
	}
}
