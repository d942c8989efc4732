package server

import (
	"strconv"

	"roost/internal/search"
)

func itoa[T ~uint32 | ~int | ~int64 | ~uint64](n T) string {
	return strconv.FormatInt(int64(n), 10)
}

// appendUIDSet appends uids (ascending or not) as a compact set in the
// order given: runs of consecutive numbers become "a:b" (RFC 4315
// COPYUID/APPENDUID, RFC 4731 ESEARCH ALL, RFC 5267 §3.2 ordered ranges).
func appendUIDSet(dst []byte, uids []uint32) []byte { return search.Compact(dst, uids) }

// uidSetString is appendUIDSet as a string.
func uidSetString(uids []uint32) string { return string(appendUIDSet(nil, uids)) }
