package blob

import (
	"sync"
)

// DirSyncs fsyncs directories in the background, so that the renames of
// a transaction become durable while the transaction does its other work.
// Add is called after a rename into a directory; Wait returns once every
// directory added has been fsynced after its last Add. The zero value is
// ready to use. Safe for concurrent use.
type DirSyncs struct {
	mu sync.Mutex
	wg sync.WaitGroup
	// queued holds the directories whose fsync has not begun yet: a
	// rename added while it is queued is covered by it, one added after
	// it began needs another.
	queued map[string]bool
	err    error
	sem    chan struct{}
}

// Add schedules an fsync of dir that begins after this call.
func (d *DirSyncs) Add(dir string) {
	d.mu.Lock()
	if d.queued[dir] {
		d.mu.Unlock()
		return
	}
	if d.queued == nil {
		d.queued = make(map[string]bool)
		d.sem = make(chan struct{}, maxParallelSyncs)
	}
	d.queued[dir] = true
	sem := d.sem
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		// The slot is taken before leaving the queue, so that at most
		// one goroutine per directory waits for a slot.
		sem <- struct{}{}
		defer func() { <-sem }()
		d.mu.Lock()
		delete(d.queued, dir)
		d.mu.Unlock()
		if err := syncDir(dir); err != nil {
			d.mu.Lock()
			if d.err == nil {
				d.err = err
			}
			d.mu.Unlock()
		}
	}()
}

// Wait waits for every fsync scheduled so far and returns the first error.
// After an error the directories' contents are not known to be durable.
func (d *DirSyncs) Wait() error {
	d.wg.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}
