package search

import "roost/internal/imap/proto"

// InSet reports whether n is in the sequence set (of sequence numbers or of
// UIDs), where "*" stands for max, the largest number in use; 4294967295
// is only itself. A range is unordered ("4:2" is 2,3,4) and "n:*" with
// n > max still includes max (RFC 9051 §9, seq-range). A "$" set is not
// resolved here: the caller substitutes the saved result.
func InSet(set proto.NumSet, n, max uint32) bool {
	for _, r := range set.Ranges {
		if lo, hi := r.Bounds(max); lo <= n && n <= hi {
			return true
		}
	}
	return false
}

// Compact renders numbers as a sequence set in the given order, collapsing
// runs of consecutive ascending numbers ("1:3,7,9:10"): the form ESEARCH ALL
// and COPYUID use (RFC 4731 §3.1, RFC 4315 §3). Order matters for COPYUID,
// whose two sets pair up element by element. nums must be non-empty.
func Compact(dst []byte, nums []uint32) []byte {
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendUint(dst, nums[i])
		if j > i {
			dst = append(dst, ':')
			dst = appendUint(dst, nums[j])
		}
		i = j + 1
	}
	return dst
}

func appendUint(dst []byte, n uint32) []byte {
	var buf [10]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}
