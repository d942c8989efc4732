package mime

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// lookupCharset finds a decoder for a MIME charset name. The WHATWG index
// (htmlindex) comes first because it knows the aliases mail software
// actually writes (ks_c_5601-1987, x-sjis, gb2312 as GBK, latin1 as
// windows-1252); IANA names are the fallback. UTF-16 without a BOM is big
// endian (RFC 2781 §4.3). nil means unknown (or UTF-8/ASCII, which need no
// conversion).
func lookupCharset(name string) encoding.Encoding {
	name = strings.TrimSpace(name)
	if i := strings.IndexByte(name, '*'); i >= 0 { // RFC 2231 §5 language suffix
		name = name[:i]
	}
	switch strings.ToLower(name) {
	case "", "us-ascii", "ascii", "utf-8", "utf8", "x-unknown", "unknown-8bit":
		return nil
	case "utf-16":
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	case "utf-16be":
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case "utf-16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	}
	if e, err := htmlindex.Get(name); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.MIME.Encoding(name); err == nil && e != nil {
		return e
	}
	return nil
}

// toUTF8 converts b from charset to UTF-8. Unknown charsets are read as
// UTF-8; invalid bytes become U+FFFD either way.
func toUTF8(charset string, b []byte) string {
	if isUTF7(charset) {
		return decodeUTF7(b)
	}
	if strings.EqualFold(strings.TrimSpace(charset), "utf-16") && !hasBOM(b) && looksLittleEndian(b) {
		// RFC 2781 §4.3 says big endian without a BOM, but Windows
		// mailers send little endian; the NUL bytes tell which.
		charset = "utf-16le"
	}
	if e := lookupCharset(charset); e != nil {
		if out, err := e.NewDecoder().Bytes(b); err == nil {
			return validUTF8(out)
		}
	}
	return validUTF8(b)
}

// validUTF8 returns b as a string with invalid sequences replaced by U+FFFD.
func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func isUTF7(charset string) bool {
	return strings.EqualFold(strings.TrimSpace(charset), "utf-7") ||
		strings.EqualFold(strings.TrimSpace(charset), "unicode-1-1-utf-7")
}

// decodeUTF7 decodes RFC 2152 UTF-7 (golang.org/x/text has no UTF-7; this
// is the algorithm, not a table): "+" starts modified base64 of UTF-16
// code units, "-" or any non-base64 byte ends it, "+-" is a plus sign.
func decodeUTF7(b []byte) string {
	var out strings.Builder
	out.Grow(len(b))
	for i := 0; i < len(b); {
		c := b[i]
		if c != '+' {
			if c >= 0x80 {
				out.WriteRune(utf8.RuneError)
			} else {
				out.WriteByte(c)
			}
			i++
			continue
		}
		i++
		if i < len(b) && b[i] == '-' {
			out.WriteByte('+')
			i++
			continue
		}
		var bits uint32
		nbits := 0
		var high rune // pending high surrogate
		for i < len(b) {
			v := Base64Value(b[i])
			if v < 0 {
				break
			}
			i++
			bits = bits<<6 | uint32(v)
			nbits += 6
			if nbits >= 16 {
				nbits -= 16
				u := rune(bits>>uint(nbits)) & 0xffff
				switch {
				case u >= 0xd800 && u < 0xdc00:
					high = u
				case u >= 0xdc00 && u < 0xe000 && high != 0:
					out.WriteRune((high-0xd800)<<10 + (u - 0xdc00) + 0x10000)
					high = 0
				default:
					out.WriteRune(u)
					high = 0
				}
			}
		}
		if i < len(b) && b[i] == '-' {
			i++
		}
	}
	return out.String()
}

// Base64Value is the value of a standard base64 digit (RFC 4648 §4), or
// -1. The streaming decoders here and in imap/imapmime share it.
func Base64Value(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}

func hasBOM(b []byte) bool {
	return len(b) >= 2 && (b[0] == 0xfe && b[1] == 0xff || b[0] == 0xff && b[1] == 0xfe)
}

// looksLittleEndian reports whether UTF-16 text has more zero bytes at odd
// offsets (ASCII text in little endian) than at even ones.
func looksLittleEndian(b []byte) bool {
	even, odd := 0, 0
	for i := 0; i+1 < len(b) && i < 4096; i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	return odd > even
}
