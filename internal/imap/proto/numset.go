// Package proto holds IMAP commands as Go values: the parser in this package
// turns what wire decodes into them, and imap/server acts on them. Nothing
// here knows about storage.
package proto

// Star stands for "*" in a sequence set: the largest number in use.
const Star = ^uint32(0)

// Range is start:stop of a sequence set. Either end may be Star; Start may be
// greater than Stop (RFC 9051 §9: "4:2" is 2,3,4).
type Range struct {
	Start, Stop uint32
}

// NumSet is a sequence set of message sequence numbers or UIDs.
// Dollar is "$", the saved search result (RFC 5182); then Ranges is empty.
type NumSet struct {
	Ranges []Range
	Dollar bool
}
