package blob

import (
	"os"
	"sync"
)

// pendingSyncs is the set of temporary files written by WriteUnsynced and
// not yet known to be fsynced. The fsync of each starts in the background
// as soon as the file is written, on the descriptor that wrote it, so that
// it overlaps the parsing of the message and the wait for the write lock;
// Sync then waits for it rather than opening the file again to fsync it.
// At most maxParallelSyncs run at once (each holds an open file); a file
// written while that many run is closed unsynced and fsynced by Sync.
type pendingSyncs struct {
	mu         sync.Mutex
	paths      map[string]*pendingFile
	background int // background fsyncs running
}

// pendingFile is one temporary file waiting for its fsync.
type pendingFile struct {
	// done is closed when the background fsync is over, with its
	// error (or the Close's) in err; nil if none was started.
	done chan struct{}
	err  error
}

// add records the file f, just written at path, and starts its fsync in
// the background, or closes it if too many run. f is closed either way;
// the error is the Close's, and then path is not recorded.
func (p *pendingSyncs) add(path string, f *os.File) error {
	p.mu.Lock()
	if p.background >= maxParallelSyncs {
		p.mu.Unlock()
		if err := f.Close(); err != nil {
			return err
		}
		p.mu.Lock()
		p.record(path, &pendingFile{})
		p.mu.Unlock()
		return nil
	}
	pf := &pendingFile{done: make(chan struct{})}
	p.record(path, pf)
	p.background++
	p.mu.Unlock()
	go func() {
		err := f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		pf.err = err
		close(pf.done)
		p.mu.Lock()
		p.background--
		p.mu.Unlock()
	}()
	return nil
}

// record adds path; caller holds mu.
func (p *pendingSyncs) record(path string, pf *pendingFile) {
	if p.paths == nil {
		p.paths = make(map[string]*pendingFile)
	}
	p.paths[path] = pf
}

// get returns the entry of path, or nil if path is not waiting for an fsync.
func (p *pendingSyncs) get(path string) *pendingFile {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paths[path]
}

func (p *pendingSyncs) has(path string) bool { return p.get(path) != nil }

// done forgets path: fsynced, or discarded.
func (p *pendingSyncs) done(path string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.paths, path)
}
