package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"roost/internal/store"
)

// servedByCache reports whether Messages with opts reads nothing but what
// the select cache holds: flags, MODSEQ, dates, size and, for a sort by
// dates or size, the Date header. That is what clients ask of every
// message of a mailbox when they synchronise it (UID FETCH 1:* (UID FLAGS))
// and what SORT (DATE), SORT (ARRIVAL) and flag SEARCHes read.
func servedByCache(opts store.FetchOptions) bool {
	return opts.NoBlobID && !opts.Structure && !opts.SearchText && !opts.SearchHeaders &&
		!opts.ThreadID && !opts.EmailID && !opts.Preview && (!opts.SortKeys || opts.SortDatesOnly)
}

// cachedMessages is Messages served from the select cache, as tx sees the
// mailbox mb. ok is false when the cache cannot answer for tx's state
// (it already holds a newer one); then nothing was read.
func (s *Store) cachedMessages(ctx context.Context, tx *sql.Tx, mb *store.Mailbox, uids []uint32, opts store.FetchOptions) (msgs []store.Message, ok bool, err error) {
	e, err := s.sel.current(ctx, tx, mb)
	if err != nil || e == nil {
		return nil, false, err
	}
	defer s.sel.release(mb.ID, e)
	if opts.SortKeys && e.sent == nil {
		if err := e.loadSent(ctx, tx, mb.ID); err != nil {
			return nil, false, err
		}
	}
	return e.messages(sortedUIDs(uids), opts.SortKeys), true, nil
}

// messages returns the cached messages among uids (ascending), each with
// its own Flags slice (callers may change it) but carved from one backing
// array, so that a FETCH of 100,000 flag lists costs a few allocations.
func (e *selectEntry) messages(uids []uint32, withSent bool) []store.Message {
	idx := make([]int, 0, len(uids))
	nflags := 0
	i := 0
	for _, u := range uids {
		if i < len(e.uids) && e.uids[i] != u {
			i, _ = slices.BinarySearch(e.uids, u)
		}
		if i == len(e.uids) {
			break
		}
		if e.uids[i] != u {
			continue
		}
		idx = append(idx, i)
		nflags += flagCount(e.bits[i])
		if kw := e.keywords[u]; kw != "" {
			nflags += keywordCount(kw)
		}
		i++
	}
	out := make([]store.Message, len(idx))
	flags := make([]string, 0, nflags)
	var sorts []store.SortKeys
	if withSent {
		sorts = make([]store.SortKeys, len(idx))
	}
	z := zones{}
	for n, i := range idx {
		m := &out[n]
		m.UID, m.ModSeq, m.Size = e.uids[i], e.modSeqs[i], e.sizes[i]
		m.InternalDate = z.at(e.internal[i], int(e.zones[i]))
		m.SaveDate = time.Unix(e.saved[i], 0).UTC()
		start := len(flags)
		flags = appendFlags(flags, e.bits[i], e.keywords[m.UID])
		m.Flags = flags[start:len(flags):len(flags)]
		if withSent {
			if e.sent[i] != noSentDate {
				sorts[n].SentDate = time.Unix(e.sent[i], 0).UTC()
			}
			m.Sort = &sorts[n]
		}
	}
	return out
}
