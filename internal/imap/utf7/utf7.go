// Package utf7 converts mailbox names between UTF-8 and the modified UTF-7
// of RFC 3501 §5.1.3, which IMAP4rev1 clients use on the wire.
package utf7

import (
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The modified BASE64 alphabet: RFC 2045 base64 with ',' in place of '/'.
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"

// decodeTable maps a byte to its 6-bit value, or 0xff when it is not in the
// alphabet. It is built once and only read afterwards.
var decodeTable = buildDecodeTable()

func buildDecodeTable() [256]byte {
	var t [256]byte
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}

// Errors returned by Decode.
var (
	ErrBadByte      = errors.New("utf7: byte outside printable US-ASCII")
	ErrUnterminated = errors.New("utf7: unterminated base64 shift")
	ErrBadBase64    = errors.New("utf7: invalid modified base64")
	ErrNonCanonical = errors.New("utf7: non-canonical encoding")
	ErrBadUTF16     = errors.New("utf7: invalid UTF-16 in base64 shift")
)

// isDirect reports whether c stands for itself in modified UTF-7: the
// printable US-ASCII characters except '&' (RFC 3501 §5.1.3).
func isDirect(c rune) bool { return c >= 0x20 && c <= 0x7e && c != '&' }

// Encode converts UTF-8 s to modified UTF-7. Invalid UTF-8 sequences are
// encoded as U+FFFD.
func Encode(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '&':
			b.WriteString("&-")
			i++
		case isDirect(rune(c)):
			b.WriteByte(c)
			i++
		default:
			// Collect the maximal run of characters that need encoding, so
			// that one shift covers them (two adjacent shifts would not be
			// canonical).
			j := i
			var units []uint16
			for j < len(s) {
				r, size := utf8.DecodeRuneInString(s[j:])
				if r < utf8.RuneSelf && (isDirect(r) || r == '&') {
					break
				}
				units = utf16.AppendRune(units, r)
				j += size
			}
			b.WriteByte('&')
			writeBase64(&b, units)
			b.WriteByte('-')
			i = j
		}
	}
	return b.String()
}

// writeBase64 writes the big-endian bytes of units in modified base64
// without padding.
func writeBase64(b *strings.Builder, units []uint16) {
	var acc uint32
	bits := 0
	for _, u := range units {
		acc = acc<<16 | uint32(u)
		bits += 16
		for bits >= 6 {
			bits -= 6
			b.WriteByte(alphabet[(acc>>uint(bits))&0x3f])
		}
	}
	if bits > 0 {
		b.WriteByte(alphabet[(acc<<uint(6-bits))&0x3f])
	}
}

// Decode converts modified UTF-7 s to UTF-8. It rejects every input that
// Encode would not produce: raw bytes outside 0x20-0x7e, bad base64,
// unterminated shifts, shifts holding characters that must be sent directly,
// adjacent shifts ("&AGE-&AGI-"), non-zero padding bits, broken surrogates.
func Decode(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	afterShift := false // the previous token was a base64 shift
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "", ErrBadByte
		}
		if c != '&' {
			b.WriteByte(c)
			i++
			afterShift = false
			continue
		}
		end := strings.IndexByte(s[i+1:], '-')
		if end < 0 {
			return "", ErrUnterminated
		}
		enc := s[i+1 : i+1+end]
		i += end + 2
		if enc == "" {
			b.WriteByte('&')
			afterShift = false
			continue
		}
		if afterShift {
			return "", ErrNonCanonical
		}
		if err := decodeShift(&b, enc); err != nil {
			return "", err
		}
		afterShift = true
	}
	return b.String(), nil
}

// decodeShift decodes the base64 between '&' and '-' and appends it as UTF-8.
func decodeShift(b *strings.Builder, enc string) error {
	var acc uint32
	bits := 0
	var high uint16 // pending high surrogate, 0 if none
	for i := 0; i < len(enc); i++ {
		v := decodeTable[enc[i]]
		if v == 0xff {
			return ErrBadBase64
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits < 16 {
			continue
		}
		bits -= 16
		u := uint16(acc >> uint(bits))
		acc &= 1<<uint(bits) - 1
		switch {
		case high != 0:
			if !utf16.IsSurrogate(rune(u)) || u < 0xdc00 {
				return ErrBadUTF16
			}
			b.WriteRune(utf16.DecodeRune(rune(high), rune(u)))
			high = 0
		case u >= 0xd800 && u < 0xdc00:
			high = u
		case u >= 0xdc00 && u < 0xe000:
			return ErrBadUTF16
		case isDirect(rune(u)) || u == '&':
			// RFC 3501 §5.1.3: printable US-ASCII is never base64 encoded.
			return ErrNonCanonical
		default:
			b.WriteRune(rune(u))
		}
	}
	if high != 0 {
		return ErrBadUTF16
	}
	// Leftover bits: fewer than 6 (a partial sextet) and all zero. A full
	// spare sextet or more means the encoder added needless characters.
	if bits >= 6 || acc != 0 {
		return ErrBadBase64
	}
	return nil
}
