// Package proto holds IMAP commands as Go values: the parser in this package
// turns what wire decodes into them, and imap/server acts on them. Nothing
// here knows about storage.
package proto

import "slices"

// SeqNum is one end of a sequence-set range: a number from 1 to
// 4294967295, or Star. It is wider than the numbers it holds so that "*"
// and 4294967295 stay apart: "*" is the largest number in use (RFC 9051
// §9, seq-number), 4294967295 is only itself, and "3:4294967295" holds no
// message whose number is below 3.
type SeqNum uint64

// Star stands for "*" in a sequence set; no number is equal to it.
const Star SeqNum = 1 << 32

// Resolve returns the number n stands for, where largest is what "*"
// stands for: the number of messages or the highest UID of the view.
func (n SeqNum) Resolve(largest uint32) uint32 {
	if n == Star {
		return largest
	}
	return uint32(n)
}

// Range is start:stop of a sequence set. Either end may be Star; Start may be
// greater than Stop (RFC 9051 §9: "4:2" is 2,3,4).
type Range struct {
	Start, Stop SeqNum
}

// Span is the range lo:hi of plain numbers.
func Span(lo, hi uint32) Range { return Range{Start: SeqNum(lo), Stop: SeqNum(hi)} }

// Bounds returns the lowest and highest number of r, "*" standing for
// largest. "n:*" with n above largest is largest:n, so it holds the last
// message (RFC 9051 §9, seq-range).
func (r Range) Bounds(largest uint32) (lo, hi uint32) {
	a, b := r.Start.Resolve(largest), r.Stop.Resolve(largest)
	return min(a, b), max(a, b)
}

// HasStar reports whether either end of r is "*".
func (r Range) HasStar() bool { return r.Start == Star || r.Stop == Star }

// NumSet is a sequence set of message sequence numbers or UIDs.
// Dollar is "$", the saved search result (RFC 5182); then Ranges is empty.
type NumSet struct {
	Ranges []Range
	Dollar bool
}

// HasStar reports whether any range of s uses "*".
func (s NumSet) HasStar() bool { return slices.ContainsFunc(s.Ranges, Range.HasStar) }
