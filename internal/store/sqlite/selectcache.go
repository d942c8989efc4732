package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"sync"

	"roost/internal/store"
)

// selectCache keeps, per recently selected mailbox, what Select needs of
// every message (UID, \Seen and \Deleted, size), so that SELECT of a large
// mailbox does not read every row again. Each entry is tagged with the
// mailbox's UIDVALIDITY and HIGHESTMODSEQ; since every append, flag change
// and expunge takes a new MODSEQ (and expunges are remembered in
// expunged), an entry is brought up to date inside Select's own read
// transaction by reading only the rows and expunged UIDs with a higher
// MODSEQ (the mailbox_messages_modseq and expunged_modseq indexes), the
// same delta QRESYNC serves. The database stays the only source of truth:
// the cache is never written from the write path, so nothing can make it
// disagree with a committed state it has been checked against.
type selectCache struct {
	mu      sync.Mutex
	entries map[int64]*selectEntry
	total   int // messages held over all entries
	clock   uint64
}

// maxSelectCacheMessages bounds the cache (about 13 bytes per message).
const maxSelectCacheMessages = 4 << 20

type selectEntry struct {
	uidValidity uint32
	modSeq      uint64 // the mailbox's HIGHESTMODSEQ the entry reflects
	uids        []uint32
	bits        []uint8 // bitSeen|bitDeleted of the message at the same index
	sizes       []int64
	used        uint64 // selectCache.clock at the last use, for eviction
}

func newSelectCache() *selectCache {
	return &selectCache{entries: make(map[int64]*selectEntry)}
}

// snapshot fills snap (whose Mailbox and Status UID fields are set) from
// the cache, reading through tx only what changed since the cached state.
// recentUID is the mailbox's recent_uid.
func (c *selectCache) snapshot(ctx context.Context, tx *sql.Tx, snap *store.Snapshot, recentUID uint32) error {
	mb := &snap.Mailbox
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clock++
	e := c.entries[mb.ID]
	switch {
	case e != nil && e.uidValidity == mb.UIDValidity && e.modSeq <= mb.HighestModSeq:
		if err := e.catchUp(ctx, tx, mb); err != nil {
			return err
		}
	case e != nil && e.uidValidity == mb.UIDValidity:
		// Our transaction saw an older state than the entry: read it
		// all, leaving the (newer) entry alone.
		tmp := &selectEntry{uidValidity: mb.UIDValidity, modSeq: mb.HighestModSeq}
		if err := tmp.load(ctx, tx, mb.ID); err != nil {
			return err
		}
		tmp.fill(snap, recentUID)
		return nil
	default:
		if e != nil {
			c.total -= len(e.uids)
		}
		e = &selectEntry{uidValidity: mb.UIDValidity, modSeq: mb.HighestModSeq}
		if err := e.load(ctx, tx, mb.ID); err != nil {
			delete(c.entries, mb.ID)
			return err
		}
		c.entries[mb.ID] = e
		c.total += len(e.uids)
	}
	e.used = c.clock
	e.fill(snap, recentUID)
	c.recount()
	c.evict(mb.ID)
	return nil
}

func (c *selectCache) recount() {
	c.total = 0
	for _, e := range c.entries {
		c.total += len(e.uids)
	}
}

// evict drops least recently used entries (never keep's) while over budget.
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
		c.total -= len(c.entries[oldest].uids)
		delete(c.entries, oldest)
	}
}

// forget drops the entry of a mailbox (after an error left it uncertain).
func (c *selectCache) forget(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[id]; e != nil {
		c.total -= len(e.uids)
		delete(c.entries, id)
	}
}

// load reads every message of the mailbox.
func (e *selectEntry) load(ctx context.Context, tx *sql.Tx, mailboxID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM mailbox_messages WHERE mailbox_id = ?", mailboxID).Scan(&n); err != nil {
		return err
	}
	e.uids = make([]uint32, 0, n)
	e.bits = make([]uint8, 0, n)
	e.sizes = make([]int64, 0, n)
	rows, err := tx.QueryContext(ctx, "SELECT uid, flags, size FROM mailbox_messages WHERE mailbox_id = ? ORDER BY uid", mailboxID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var uid uint32
		var flags, size int64
		if err := rows.Scan(&uid, &flags, &size); err != nil {
			return err
		}
		e.uids = append(e.uids, uid)
		e.bits = append(e.bits, uint8(flags&(bitSeen|bitDeleted)))
		e.sizes = append(e.sizes, size)
	}
	return rows.Err()
}

// catchUp applies the rows and expunges with a MODSEQ above e.modSeq.
func (e *selectEntry) catchUp(ctx context.Context, tx *sql.Tx, mb *store.Mailbox) error {
	if e.modSeq == mb.HighestModSeq {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT uid, flags, size FROM mailbox_messages INDEXED BY mailbox_messages_modseq
		WHERE mailbox_id = ? AND modseq > ? ORDER BY uid`, mb.ID, e.modSeq)
	if err != nil {
		return err
	}
	for rows.Next() {
		var uid uint32
		var flags, size int64
		if err := rows.Scan(&uid, &flags, &size); err != nil {
			rows.Close()
			return err
		}
		e.put(uid, uint8(flags&(bitSeen|bitDeleted)), size)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	gone, err := tx.QueryContext(ctx, `SELECT uid FROM expunged INDEXED BY expunged_modseq
		WHERE mailbox_id = ? AND modseq > ?`, mb.ID, e.modSeq)
	if err != nil {
		return err
	}
	var expunged []uint32
	for gone.Next() {
		var uid uint32
		if err := gone.Scan(&uid); err != nil {
			gone.Close()
			return err
		}
		expunged = append(expunged, uid)
	}
	gone.Close()
	if err := gone.Err(); err != nil {
		return err
	}
	e.remove(expunged)
	e.modSeq = mb.HighestModSeq
	return nil
}

// put records a message's current state: new UIDs are above every cached
// one in practice (UIDs only grow), so they are appended.
func (e *selectEntry) put(uid uint32, bits uint8, size int64) {
	if n := len(e.uids); n == 0 || uid > e.uids[n-1] {
		e.uids = append(e.uids, uid)
		e.bits = append(e.bits, bits)
		e.sizes = append(e.sizes, size)
		return
	}
	i, found := slices.BinarySearch(e.uids, uid)
	if found {
		e.bits[i], e.sizes[i] = bits, size
		return
	}
	e.uids = slices.Insert(e.uids, i, uid)
	e.bits = slices.Insert(e.bits, i, bits)
	e.sizes = slices.Insert(e.sizes, i, size)
}

// remove drops the given UIDs (those not cached are ignored).
func (e *selectEntry) remove(uids []uint32) {
	if len(uids) == 0 {
		return
	}
	drop := make(map[uint32]bool, len(uids))
	for _, u := range uids {
		drop[u] = true
	}
	j := 0
	for i, u := range e.uids {
		if drop[u] {
			continue
		}
		e.uids[j], e.bits[j], e.sizes[j] = u, e.bits[i], e.sizes[i]
		j++
	}
	e.uids, e.bits, e.sizes = e.uids[:j], e.bits[:j], e.sizes[:j]
}

// fill sets snap's UIDs (a copy the caller owns) and counts.
func (e *selectEntry) fill(snap *store.Snapshot, recentUID uint32) {
	if len(e.uids) > 0 {
		snap.UIDs = slices.Clone(e.uids)
	}
	st := &snap.Status
	for i, b := range e.bits {
		if b&bitSeen == 0 {
			st.Unseen++
			if snap.FirstUnseen == 0 {
				snap.FirstUnseen = e.uids[i]
			}
		}
		if b&bitDeleted != 0 {
			st.Deleted++
		}
		st.Size += e.sizes[i]
	}
	first, _ := slices.BinarySearch(e.uids, recentUID)
	st.Recent = uint32(len(e.uids) - first)
	st.Messages = uint32(len(e.uids))
}
