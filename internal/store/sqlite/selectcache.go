package sqlite

import (
	"context"
	"database/sql"
	"sync"

	"roost/internal/store"
)

// selectCache keeps, per recently used mailbox, the per-message metadata
// that SELECT, flag FETCHes and date/size SORTs read of every message (UID,
// flags, MODSEQ, dates, size: selectEntry), so that those commands on a
// large mailbox do not scan every row through the SQL driver again (about
// 2 µs a row). Each entry is tagged with the mailbox's UIDVALIDITY and
// HIGHESTMODSEQ; since every append, flag change and expunge takes a new
// MODSEQ (and expunges are remembered in expunged), an entry is brought up
// to date inside the caller's own read transaction by reading only the
// rows and expunged UIDs with a higher MODSEQ (the mailbox_messages_modseq
// and expunged_modseq indexes), the same delta QRESYNC serves. The database
// stays the only source of truth: the cache is never written from the write
// path, so nothing can make it disagree with a committed state it has been
// checked against.
//
// Locking: mu guards the map and the accounting; each entry has its own
// lock, held while it catches up (which reads the database), so that users
// of different mailboxes do not wait for each other.
type selectCache struct {
	mu      sync.Mutex
	entries map[int64]*selectEntry
	total   int // messages held over all entries
	clock   uint64
}

// maxSelectCacheMessages bounds the cache: about 50 bytes per message, so
// at most about 50 MiB.
const maxSelectCacheMessages = 1 << 20

func newSelectCache() *selectCache {
	return &selectCache{entries: make(map[int64]*selectEntry)}
}

// current returns the entry of mb, locked and brought up to the state tx
// sees, or nil (nothing locked) if the entry reflects a newer state than
// tx's, which the caller must then read from the database itself. The
// caller unlocks the entry with release.
func (c *selectCache) current(ctx context.Context, tx *sql.Tx, mb *store.Mailbox) (*selectEntry, error) {
	c.mu.Lock()
	c.clock++
	e := c.entries[mb.ID]
	if e == nil || e.uidValidity != mb.UIDValidity {
		if e != nil {
			c.total -= e.held
		}
		e = &selectEntry{uidValidity: mb.UIDValidity}
		c.entries[mb.ID] = e
	}
	e.used = c.clock
	c.mu.Unlock()

	e.mu.Lock()
	if e.loaded && e.modSeq > mb.HighestModSeq {
		e.mu.Unlock()
		return nil, nil
	}
	var err error
	if !e.loaded {
		err = e.load(ctx, tx, mb)
	} else {
		err = e.catchUp(ctx, tx, mb)
	}
	if err != nil {
		e.mu.Unlock()
		c.forget(mb.ID, e)
		return nil, err
	}
	return e, nil
}

// release unlocks e and accounts for its new size, evicting least recently
// used entries while the cache is over budget.
func (c *selectCache) release(id int64, e *selectEntry) {
	n := len(e.uids)
	e.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[id] != e {
		return // replaced or forgotten meanwhile
	}
	c.total += n - e.held
	e.held = n
	c.evict(id)
}

// evict drops least recently used entries (never keep's) while over budget.
// Caller holds c.mu. An evicted entry still in use elsewhere stays valid
// for that user; it is only no longer found.
func (c *selectCache) evict(keep int64) {
	for c.total > maxSelectCacheMessages && len(c.entries) > 1 {
		var oldest int64
		var oldestUsed uint64
		found := false
		for id, e := range c.entries {
			if id != keep && (!found || e.used < oldestUsed) {
				oldest, oldestUsed, found = id, e.used, true
			}
		}
		if !found {
			return
		}
		c.total -= c.entries[oldest].held
		delete(c.entries, oldest)
	}
}

// clear drops every entry, after a change the entries cannot learn of by
// MODSEQ (a re-parse changing sent dates, reparse.go). An entry still in
// use elsewhere stays valid for that user; it is only no longer found.
func (c *selectCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.total = 0
}

// forget drops e, the entry of a mailbox, after an error left it uncertain.
func (c *selectCache) forget(id int64, e *selectEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[id] == e {
		c.total -= e.held
		delete(c.entries, id)
	}
}

// snapshot fills snap (whose Mailbox and Status UID fields are set) from
// the cache, reading through tx only what changed since the cached state.
// recentUID is the mailbox's recent_uid.
func (c *selectCache) snapshot(ctx context.Context, tx *sql.Tx, snap *store.Snapshot, recentUID uint32) error {
	mb := &snap.Mailbox
	e, err := c.current(ctx, tx, mb)
	if err != nil {
		return err
	}
	if e == nil {
		// Our transaction saw an older state than the entry: read it
		// all, leaving the (newer) entry alone.
		tmp := &selectEntry{uidValidity: mb.UIDValidity}
		if err := tmp.load(ctx, tx, mb); err != nil {
			return err
		}
		tmp.fill(snap, recentUID)
		return nil
	}
	e.fill(snap, recentUID)
	c.release(mb.ID, e)
	return nil
}
