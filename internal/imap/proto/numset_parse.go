package proto

import (
	"errors"
	"strconv"
	"strings"
)

// errBadSet is returned by ParseNumSet; the parser reports the set itself.
var errBadSet = errors.New("invalid sequence set")

func isSeqSetChar(c byte) bool {
	return c >= '0' && c <= '9' || c == '*' || c == ':' || c == ',' || c == '$'
}

// ParseNumSet parses a sequence-set (RFC 9051 §9): comma-separated numbers,
// "*" and ranges in either order, or "$" alone (RFC 5182). Zero is invalid.
func ParseNumSet(s string) (NumSet, error) {
	if s == "$" {
		return NumSet{Dollar: true}, nil
	}
	if s == "" {
		return NumSet{}, errBadSet
	}
	var set NumSet
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		start, err := parseSeqNumber(lo)
		if err != nil {
			return NumSet{}, err
		}
		stop := start
		if isRange {
			if stop, err = parseSeqNumber(hi); err != nil {
				return NumSet{}, err
			}
		}
		set.Ranges = append(set.Ranges, Range{Start: start, Stop: stop})
	}
	return set, nil
}

// parseSeqNumber parses seq-number: nz-number or "*". 4294967295 is a
// number like any other, not "*".
func parseSeqNumber(s string) (SeqNum, error) {
	if s == "*" {
		return Star, nil
	}
	if s == "" || s[0] == '+' {
		return 0, errBadSet
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return 0, errBadSet
	}
	return SeqNum(n), nil
}

// String formats the set as IMAP sends it.
func (s NumSet) String() string {
	if s.Dollar {
		return "$"
	}
	var b strings.Builder
	for i, r := range s.Ranges {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(seqNumberString(r.Start))
		if r.Stop != r.Start {
			b.WriteByte(':')
			b.WriteString(seqNumberString(r.Stop))
		}
	}
	return b.String()
}

func seqNumberString(n SeqNum) string {
	if n == Star {
		return "*"
	}
	return strconv.FormatUint(uint64(n), 10)
}
