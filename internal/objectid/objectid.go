// Package objectid spells the object identifiers of RFC 8474 (OBJECTID):
// MAILBOXID, EMAILID and THREADID. RFC 8474 §8 (security considerations)
// asks that they be hard to guess and reveal nothing about other
// accounts, so every new identifier is drawn at random; identifiers that
// clients may already hold keep their old spelling, since an ID must
// never change (§4, §5):
//
//   - MAILBOXID from the mailbox row ID and its UIDVALIDITY. New mailboxes
//     get a random row ID (RandomRowID; older ones kept the store-wide
//     counter's), RENAME keeps both, so the ID stays the same across a
//     rename and changes when a name is recreated (RFC 8474 §4).
//   - EMAILID: new messages get a random one per account and content
//     (NewEmailID), kept by the store; copies and moves within the account
//     share the content, so they share it (RFC 8474 §5.1). Messages stored
//     before carry none and keep the ID derived from their content address.
//   - THREADID from the store's per-account thread number, random for new
//     threads (RandomRowID), a counter for older ones (RFC 8474 §5.2).
//
// The prefixes keep the kinds apart: an EMAILID never equals a THREADID
// (RFC 8474 §5.2, last paragraph), and random EMAILIDs ("E") never equal
// content-derived ones ("M").
package objectid

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strconv"
	"strings"
)

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

// randomRowIDMin: random row and thread numbers start above every counter
// value handed out before.
const randomRowIDMin = 1 << 32

// RandomRowID is a random number in [2^32, 2^62) for a new mailbox row or
// thread: in no order, telling nothing about how many others exist, and
// with 62 bits a repeat or a guess that hits is out of reach. The top
// stays free so that SQLite's AUTOINCREMENT (max+1) can never overflow.
func RandomRowID() int64 {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	n := int64(binary.BigEndian.Uint64(b[:]) >> 2)
	if n < randomRowIDMin {
		n += randomRowIDMin
	}
	return n
}

// emailIDEncoding spells random EMAILIDs in lower-case base32: letters
// and digits only, within the objectid grammar.
var emailIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewEmailID is a random EMAILID: "E" and 128 random bits (27 characters).
func NewEmailID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return "E" + strings.ToLower(emailIDEncoding.EncodeToString(b[:]))
}

// EmailID is the EMAILID of a message: stored, the one the store keeps for
// it, or for a message stored before those were kept ("") the ID derived
// from its content address (hex SHA-256) blobID.
func EmailID(stored, blobID string) string {
	if stored != "" {
		return stored
	}
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
