package search

import (
	"cmp"
	"slices"
	"strings"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// SortNeeds is what Sort and the threading functions need loaded besides
// what the search itself needs: only the stored sort keys, never the parse
// results.
var SortNeeds = store.FetchOptions{SortKeys: true}

// sortEntry is one message reduced to what comparisons read, so that the
// sort moves small values and compares without following pointers twice.
type sortEntry struct {
	uid     uint32
	pos     int   // position in mailbox order: the implicit last criterion
	arrival int64 // INTERNALDATE, unix nanoseconds
	date    int64 // sent date, INTERNALDATE if none (RFC 5256 §2.2)
	size    int64
	keys    *store.SortKeys
}

var noKeys = &store.SortKeys{}

// entries turns msgs, which must be in mailbox (ascending UID) order and
// loaded with SortNeeds, into sort entries.
func entries(msgs []store.Message) []sortEntry {
	out := make([]sortEntry, len(msgs))
	for i := range msgs {
		out[i] = entryOf(&msgs[i], i)
	}
	return out
}

// entryOf is the sort entry of m at position pos in mailbox order.
func entryOf(m *store.Message, pos int) sortEntry {
	k := m.Sort
	if k == nil {
		k = noKeys
	}
	e := sortEntry{uid: m.UID, pos: pos, arrival: m.InternalDate.UnixNano(), size: m.Size, keys: k}
	e.date = e.arrival
	if !k.SentDate.IsZero() {
		e.date = k.SentDate.UnixNano()
	}
	return e
}

// Sort orders msgs, which must be in mailbox order and loaded with
// SortNeeds, by criteria (RFC 5256 §3; DISPLAYFROM/DISPLAYTO of RFC 5957)
// and returns their UIDs in that order. Strings compare by their stored
// i;unicode-casemap keys, the empty string first; messages equal on every
// criterion keep mailbox order, which REVERSE does not invert.
func Sort(msgs []store.Message, criteria []proto.SortCriterion) []uint32 {
	es := entries(msgs)
	slices.SortFunc(es, func(a, b sortEntry) int {
		for _, c := range criteria {
			r := compareBy(c.Key, &a, &b)
			if r != 0 {
				if c.Reverse {
					return -r
				}
				return r
			}
		}
		return cmp.Compare(a.pos, b.pos)
	})
	uids := make([]uint32, len(es))
	for i := range es {
		uids[i] = es[i].uid
	}
	return uids
}

// compareBy compares two messages on one sort key.
func compareBy(key proto.SortKey, a, b *sortEntry) int {
	switch key {
	case proto.SortArrival:
		return cmp.Compare(a.arrival, b.arrival)
	case proto.SortDate:
		return cmp.Compare(a.date, b.date)
	case proto.SortSize:
		return cmp.Compare(a.size, b.size)
	case proto.SortSubject:
		return strings.Compare(a.keys.Subject, b.keys.Subject)
	case proto.SortFrom:
		return strings.Compare(a.keys.From, b.keys.From)
	case proto.SortTo:
		return strings.Compare(a.keys.To, b.keys.To)
	case proto.SortCc:
		return strings.Compare(a.keys.Cc, b.keys.Cc)
	case proto.SortDisplayFrom:
		return strings.Compare(a.keys.DisplayFrom, b.keys.DisplayFrom)
	case proto.SortDisplayTo:
		return strings.Compare(a.keys.DisplayTo, b.keys.DisplayTo)
	}
	return 0
}

// SortCompare returns a comparison of two messages (loaded with SortNeeds)
// in the order criteria give, mailbox order last; a and b's positions in
// mailbox order are their UIDs. Used to keep a sorted result up to date
// (RFC 5267 ADDTO positions).
func SortCompare(criteria []proto.SortCriterion) func(a, b *store.Message) int {
	return func(a, b *store.Message) int {
		ea, eb := entryOf(a, 0), entryOf(b, 0)
		for _, c := range criteria {
			if r := compareBy(c.Key, &ea, &eb); r != 0 {
				if c.Reverse {
					return -r
				}
				return r
			}
		}
		return cmp.Compare(a.UID, b.UID)
	}
}
