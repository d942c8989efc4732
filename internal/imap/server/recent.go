package server

import "slices"

// recentSet holds the messages that are \Recent in an IMAP4rev1 session
// (RFC 3501 §2.3.2). A session only ever claims runs of the newest UIDs (at
// SELECT, and when new messages arrive), so the set is kept as UID ranges:
// a few bytes even when a first SELECT finds 100,000 recent messages, and
// a cheap test per message in a FETCH of all of them. Expunged UIDs need
// not be removed: UIDs are never reused, and the count is taken over the
// UIDs the session still has.
type recentSet struct {
	runs []uidRange // ascending, disjoint
}

type uidRange struct{ lo, hi uint32 }

// add marks the UIDs from lo to hi (inclusive) as recent; they are above
// every UID added before.
func (r *recentSet) add(lo, hi uint32) {
	if lo > hi {
		return
	}
	if n := len(r.runs); n > 0 && r.runs[n-1].hi+1 >= lo {
		r.runs[n-1].hi = max(r.runs[n-1].hi, hi)
		return
	}
	r.runs = append(r.runs, uidRange{lo, hi})
}

func (r *recentSet) has(uid uint32) bool {
	i, _ := slices.BinarySearchFunc(r.runs, uid, func(run uidRange, u uint32) int {
		switch {
		case run.hi < u:
			return -1
		case run.lo > u:
			return 1
		}
		return 0
	})
	return i < len(r.runs) && r.runs[i].lo <= uid && uid <= r.runs[i].hi
}

// count returns how many of uids (ascending) are recent.
func (r *recentSet) count(uids []uint32) int {
	n := 0
	for _, run := range r.runs {
		lo, _ := slices.BinarySearch(uids, run.lo)
		hi, found := slices.BinarySearch(uids, run.hi)
		if found {
			hi++
		}
		n += hi - lo
	}
	return n
}
