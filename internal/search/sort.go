package search

import (
	"cmp"
	"slices"
	"strings"
	"time"

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
	if len(criteria) == 1 && numericKey(criteria[0].Key) {
		return sortNumeric(msgs, criteria[0])
	}
	return sortGeneral(msgs, criteria)
}

// sortGeneral is Sort comparing whole entries, for any criteria.
func sortGeneral(msgs []store.Message, criteria []proto.SortCriterion) []uint32 {
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

func numericKey(k proto.SortKey) bool {
	return k == proto.SortArrival || k == proto.SortDate || k == proto.SortSize
}

// sortNumeric is Sort by one date or size criterion, the common SORT of a
// large mailbox. When the keys span less than 2^34 (dates: whole seconds
// over 500 years; sizes up to 16 GiB), each message becomes one uint64,
// key above position, and a plain integer sort orders them: about ten
// times faster on 100,000 messages than comparing entries.
func sortNumeric(msgs []store.Message, c proto.SortCriterion) []uint32 {
	const posBits = 30
	keys := make([]int64, len(msgs))
	lo, hi := int64(0), int64(0)
	whole := true // every key is a whole number of seconds (dates)
	for i := range msgs {
		e := entryOf(&msgs[i], i)
		switch c.Key {
		case proto.SortArrival:
			keys[i] = e.arrival
		case proto.SortDate:
			keys[i] = e.date
		default:
			keys[i] = e.size
		}
		if c.Key != proto.SortSize {
			whole = whole && keys[i]%int64(time.Second) == 0
		}
		if i == 0 || keys[i] < lo {
			lo = keys[i]
		}
		if i == 0 || keys[i] > hi {
			hi = keys[i]
		}
	}
	unit := int64(1)
	if c.Key != proto.SortSize && whole {
		unit = int64(time.Second)
	}
	span := uint64(hi-lo) / uint64(unit)
	if len(msgs) >= 1<<posBits || span >= 1<<(64-posBits) {
		return sortGeneral(msgs, []proto.SortCriterion{c})
	}
	packed := make([]uint64, len(msgs))
	for i, k := range keys {
		v := uint64(k-lo) / uint64(unit)
		if c.Reverse {
			v = span - v
		}
		// Ties keep mailbox order, which REVERSE does not invert.
		packed[i] = v<<posBits | uint64(i)
	}
	slices.Sort(packed)
	uids := make([]uint32, len(packed))
	for i, p := range packed {
		uids[i] = msgs[p&(1<<posBits-1)].UID
	}
	return uids
}
