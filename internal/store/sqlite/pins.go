package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"roost/internal/store"
)

// An APPEND places its blobs before it takes the write lock (placeBlobs).
// If the bytes are already stored, the new copy is dropped and the APPEND
// will refer to the file that is there; an expunge of the last message
// with those bytes, committed in between, would remove that file, and the
// APPEND could only fail ("vanished before its commit"). Two defences:
//
//   - In this process, placed blobs are pinned until their write is done:
//     removeUnreferenced leaves a pinned blob alone and notes it, and the
//     last unpin removes it then if nothing refers to it.
//   - Another process (the CLI) does not see the pins. For that the
//     staged bytes keep a second name until the write is done
//     (blob.Store.Keep), and a write that finds its blob gone places the
//     bytes again and runs once more, a bounded number of times.

// maxPlaceAttempts bounds the writes of one APPEND whose blob vanished.
const maxPlaceAttempts = 3

// errBlobVanished: a content row would point at no file.
var errBlobVanished = errors.New("vanished before its commit")

// blobPins counts the writes in flight that placed each blob.
type blobPins struct {
	mu       sync.Mutex
	n        map[string]int
	deferred map[string]bool // removal asked for while pinned
}

func (p *blobPins) pin(ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == nil {
		p.n = make(map[string]int)
	}
	for _, id := range ids {
		p.n[id]++
	}
}

// unpin drops one pin of each id and returns those whose removal was
// deferred and that nothing pins any more.
func (p *blobPins) unpin(ids []string) (release []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		if p.n[id]--; p.n[id] > 0 {
			continue
		}
		delete(p.n, id)
		if p.deferred[id] {
			delete(p.deferred, id)
			release = append(release, id)
		}
	}
	return release
}

// deferRemoval reports whether id is pinned, and if so records that its removal
// is wanted once it is not.
func (p *blobPins) deferRemoval(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n[id] == 0 {
		return false
	}
	if p.deferred == nil {
		p.deferred = make(map[string]bool)
	}
	p.deferred[id] = true
	return true
}

// placeAndWrite places the staged blobs of msgs and runs fn, which refers
// to them, in a write (write.go), placing them again and retrying if a
// blob was removed meanwhile (see above). After an error, the placed
// blobs nothing refers to are removed.
func (s *Store) placeAndWrite(ctx context.Context, msgs []store.AppendMessage, fn func(tx *sql.Tx, st *txState) error) error {
	ids, tmps := make([]string, len(msgs)), make([]string, len(msgs))
	for i, m := range msgs {
		ids[i], tmps[i] = m.Staged.BlobID, m.Staged.TempPath
	}
	s.pins.pin(ids)
	kept, err := s.blobs.Keep(tmps)
	if err != nil {
		s.releasePins(ctx, ids, false)
		return err
	}
	defer func() {
		for _, k := range kept {
			s.blobs.Discard(k)
		}
	}()
	err = s.placeBlobs(tmps, ids)
	// From here on the work may share a transaction with other writers
	// (group commit, write.go): a cancelled ctx must not interrupt a
	// statement, which would make SQLite roll back their work too.
	ctx = context.WithoutCancel(ctx)
	for attempt := 1; err == nil; attempt++ {
		if hook := s.afterPlace.Load(); hook != nil {
			(*hook)()
		}
		err = s.write(ctx, fn)
		if !errors.Is(err, errBlobVanished) || attempt == maxPlaceAttempts {
			break
		}
		again, kerr := s.blobs.Keep(kept)
		if kerr != nil {
			err = kerr
			break
		}
		err = s.placeBlobs(again, ids)
	}
	s.releasePins(ctx, ids, err != nil)
	return err
}

// SetAfterPlaceHook makes fn run (nil: nothing) after an APPEND placed its
// blobs and before each of its writes. It exists for tests that must
// make something happen in that window, such as the removal of the same
// content; nothing else calls it.
func (s *Store) SetAfterPlaceHook(fn func()) {
	if fn == nil {
		s.afterPlace.Store(nil)
		return
	}
	s.afterPlace.Store(&fn)
}

// releasePins unpins ids and removes those blobs nothing refers to whose
// removal was deferred meanwhile, or, after a failed write (failed), all
// of ids that nothing refers to.
func (s *Store) releasePins(ctx context.Context, ids []string, failed bool) {
	release := s.pins.unpin(ids)
	if failed {
		release = ids
	}
	if len(release) == 0 {
		return
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.removeUnreferenced(context.WithoutCancel(ctx), release) // failure leaves garbage for GC
}
