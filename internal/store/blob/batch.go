package blob

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Batches: a MULTIAPPEND of hundreds of messages would otherwise pay one
// fsync per file and one directory fsync per file, one after the other.
// WriteUnsynced leaves the fsync for later; Sync then fsyncs many files at
// once (concurrent fsyncs share the file system's journal commits), and
// CommitBatch renames them into place and fsyncs each directory once. The
// promise is unchanged: when CommitBatch returns, every blob is durable.

// maxParallelSyncs bounds the fsyncs (and open files) in flight.
const maxParallelSyncs = 32

// pendingSyncs is the set of temporary files not yet fsynced.
type pendingSyncs struct {
	mu    sync.Mutex
	paths map[string]bool
}

func (p *pendingSyncs) add(path string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paths == nil {
		p.paths = make(map[string]bool)
	}
	p.paths[path] = true
}

func (p *pendingSyncs) has(path string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paths[path]
}

func (p *pendingSyncs) done(path string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.paths, path)
}

// WriteUnsynced is Write without the fsync: the file must go through Sync
// (or Commit/CommitBatch, which call it) before anything refers to it.
func (s *Store) WriteUnsynced(r io.Reader, limit int64) (*Temp, error) {
	return s.write(r, limit, false)
}

// Sync fsyncs those of the temporary files at paths that were written by
// WriteUnsynced and not fsynced yet, several at a time.
func (s *Store) Sync(paths []string) error {
	var todo []string
	for _, p := range paths {
		if s.unsynced.has(p) {
			todo = append(todo, p)
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
	if len(tmpPaths) != len(ids) {
		return errors.New("blob: CommitBatch: paths and ids differ in number")
	}
	if err := s.Sync(tmpPaths); err != nil {
		return err
	}
	dirs := make(map[string]bool)
	newDir := false
	for i, tmp := range tmpPaths {
		final, err := s.path(ids[i])
		if err != nil {
			return err
		}
		if _, err := os.Stat(final); err == nil {
			// Already stored (or an identical message earlier in the
			// batch): drop the copy.
			if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("blob: %w", err)
			}
			continue
		}
		dir := filepath.Dir(final)
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
				return fmt.Errorf("blob: %w", wrapIO(err))
			}
			newDir = true
		}
		if err := os.Rename(tmp, final); err != nil {
			return fmt.Errorf("blob: committing %s: %w", ids[i], wrapIO(err))
		}
		dirs[dir] = true
	}
	if newDir {
		if err := syncDir(s.blobs); err != nil {
			return err
		}
	}
	list := make([]string, 0, len(dirs))
	for d := range dirs {
		list = append(list, d)
	}
	return parallel(list, syncDir)
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
