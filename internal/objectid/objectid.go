// Package objectid spells the object identifiers of RFC 8474 (OBJECTID):
// MAILBOXID, EMAILID and THREADID. They are derived from what the store
// already keeps, so that no identifier needs a table of its own:
//
//   - MAILBOXID from the mailbox row ID and its UIDVALIDITY. Row IDs are
//     never reused (AUTOINCREMENT) and RENAME keeps both, so the ID stays
//     the same across a rename and changes when a name is recreated
//     (RFC 8474 §4).
//   - EMAILID from the content address of the message bytes: copies and
//     moves share the content, so they share the EMAILID (RFC 8474 §5.1),
//     and identical APPENDs may share it too, which §5.1 allows.
//   - THREADID from the store's per-user thread number (RFC 8474 §5.2).
//
// The prefixes keep the three kinds apart: an EMAILID never equals a
// THREADID (RFC 8474 §5.2, last paragraph).
package objectid

import "strconv"

// emailIDHexLen is how many hex digits of the SHA-256 content address make
// the EMAILID: 128 bits leave collisions out of reach (RFC 8474 §8 asks
// for a collision-resistant digest) while keeping the ID short.
const emailIDHexLen = 32

// MailboxID is the MAILBOXID of the mailbox with row ID id and UIDVALIDITY
// uidValidity.
func MailboxID(id int64, uidValidity uint32) string {
	b := make([]byte, 0, 24)
	b = append(b, 'F')
	b = strconv.AppendInt(b, id, 36)
	b = append(b, '-')
	b = strconv.AppendUint(b, uint64(uidValidity), 36)
	return string(b)
}

// EmailID is the EMAILID of a message whose content address (hex
// SHA-256) is blobID.
func EmailID(blobID string) string {
	if len(blobID) > emailIDHexLen {
		blobID = blobID[:emailIDHexLen]
	}
	return "M" + blobID
}

// ThreadID is the THREADID of store thread number n; "" for 0 (no thread
// known: the server answers NIL).
func ThreadID(n int64) string {
	if n <= 0 {
		return ""
	}
	return "T" + strconv.FormatInt(n, 36)
}

// Valid reports whether s has the objectid syntax of RFC 8474 §7:
// 1*255(ALPHA / DIGIT / "_" / "-").
func Valid(s string) bool {
	if len(s) == 0 || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
