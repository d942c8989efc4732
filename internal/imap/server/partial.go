package server

// PARTIAL (RFC 9394): paged SEARCH results and paged UID FETCH. RFC 9394
// redefines the PARTIAL return option of RFC 5267 §4.4 (CONTEXT=SEARCH,
// CONTEXT=SORT), adding ranges counted from the end ("-1:-100" is the
// last hundred); one implementation serves SEARCH, SORT (ESORT) and the
// PARTIAL modifier of UID FETCH.

import (
	"slices"
	"strconv"

	"roost/internal/imap/proto"
)

// partialWindow returns the half-open index range [lo, hi) of the results
// that p selects among n (RFC 9394 §3.1: 1 is the first result, -1 the
// last); lo >= hi when none are selected.
func partialWindow(p *proto.PartialRange, n int) (lo, hi int) {
	if p.FromEnd {
		// -Low:-High, Low <= High: positions n-High+1 .. n-Low+1.
		return max(n-int(p.High), 0), n - int(p.Low) + 1
	}
	return int(p.Low) - 1, min(int(p.High), n)
}

// partialSlice is the part of items that p selects (nil if none).
func partialSlice[T any](p *proto.PartialRange, items []T) []T {
	lo, hi := partialWindow(p, len(items))
	if lo >= hi {
		return nil
	}
	return items[lo:hi]
}

// appendPartialRange writes the range as the client sent it, normalised
// ("400:500", "-1:-100").
func appendPartialRange(dst []byte, p *proto.PartialRange) []byte {
	if p.FromEnd {
		dst = append(dst, '-')
	}
	dst = strconv.AppendUint(dst, uint64(p.Low), 10)
	dst = append(dst, ':')
	if p.FromEnd {
		dst = append(dst, '-')
	}
	return strconv.AppendUint(dst, uint64(p.High), 10)
}

// appendPartialResult writes the ESEARCH return data
// " PARTIAL (range set)" for the results nums (in the requested order),
// "NIL" in place of the set when the range selects nothing (RFC 9394
// §3.1, §4 ret-data-partial).
func appendPartialResult(dst []byte, p *proto.PartialRange, nums []uint32) []byte {
	dst = append(dst, " PARTIAL ("...)
	dst = appendPartialRange(dst, p)
	dst = append(dst, ' ')
	if part := partialSlice(p, nums); len(part) > 0 {
		dst = appendUIDSet(dst, part)
	} else {
		dst = append(dst, "NIL"...)
	}
	return append(dst, ')')
}

// savedSearchResult is what SAVE keeps in "$" for a SEARCH result found
// (ascending UIDs) with return options want and PARTIAL p (RFC 9394 §3.2,
// Table 1): with COUNT every found message; otherwise the messages PARTIAL
// returned, plus MIN and/or MAX when asked. Without PARTIAL, RFC 5182 §2.4
// applies (savedResult).
func savedSearchResult(found []uint32, want map[proto.SearchReturn]bool, p *proto.PartialRange) []uint32 {
	if p == nil {
		return savedResult(found, want)
	}
	if len(found) == 0 {
		return nil
	}
	if want[proto.ReturnCount] {
		return slices.Clone(found)
	}
	out := slices.Clone(partialSlice(p, found))
	if want[proto.ReturnMin] {
		out = append(out, found[0])
	}
	if want[proto.ReturnMax] {
		out = append(out, found[len(found)-1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}
