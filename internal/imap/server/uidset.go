package server

import "strconv"

func itoa[T ~uint32 | ~int | ~int64 | ~uint64](n T) string {
	return strconv.FormatInt(int64(n), 10)
}

// appendUIDSet appends uids (ascending or not) as a compact set in the
// order given: runs of consecutive numbers become "a:b" (RFC 4315
// COPYUID/APPENDUID, RFC 4731 ESEARCH ALL).
func appendUIDSet(dst []byte, uids []uint32) []byte {
	for i := 0; i < len(uids); {
		j := i
		for j+1 < len(uids) && uids[j+1] == uids[j]+1 {
			j++
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, uint64(uids[i]), 10)
		if j > i {
			dst = append(dst, ':')
			dst = strconv.AppendUint(dst, uint64(uids[j]), 10)
		}
		i = j + 1
	}
	return dst
}

// uidSetString is appendUIDSet as a string.
func uidSetString(uids []uint32) string { return string(appendUIDSet(nil, uids)) }
