package store

import "sort"

// UIDRange is the UIDs First through Last, inclusive (First <= Last). Lists
// of them, as taken by Backend.ChangedSince and Backend.Vanished, are
// ascending and do not overlap.
type UIDRange struct{ First, Last uint32 }

// InRanges reports whether uid is in one of rs (ascending, disjoint).
func InRanges(rs []UIDRange, uid uint32) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].Last >= uid })
	return i < len(rs) && rs[i].First <= uid
}

// RangesSize is how many UIDs rs covers.
func RangesSize(rs []UIDRange) uint64 {
	var n uint64
	for _, r := range rs {
		n += uint64(r.Last-r.First) + 1
	}
	return n
}
