// Package imapmime renders the parsed MIME structure of a message as IMAP
// FETCH data: ENVELOPE, BODY, BODYSTRUCTURE (RFC 9051 §7.5.2), BODY[section]
// and BINARY[part] (RFC 3516). The output follows Dovecot 2.3 byte for
// byte where the RFCs leave room, so clients see what they are used to.
package imapmime

import (
	"strconv"
	"unicode/utf8"
)

// appendNString appends s as an IMAP nstring: NIL when absent, a quoted
// string when it can be one, otherwise a literal. Like Dovecot, strings
// with CR, LF, NUL or 8-bit bytes (unless utf8 is on and s is valid UTF-8),
// or with more than four characters needing an escape, go as literals.
func appendNString(dst []byte, s string, present bool, utf8ok bool) []byte {
	if !present {
		return append(dst, "NIL"...)
	}
	return appendString(dst, s, utf8ok)
}

// appendString appends s as a quoted string or literal (see appendNString).
func appendString(dst []byte, s string, utf8ok bool) []byte {
	escapes := 0
	eight := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			escapes++
			if escapes > 4 {
				return appendLiteral(dst, s)
			}
		case c == '\r' || c == '\n' || c == 0:
			return appendLiteral(dst, s)
		case c >= 0x80:
			eight = true
		}
	}
	if eight && !(utf8ok && utf8.ValidString(s)) {
		return appendLiteral(dst, s)
	}
	dst = append(dst, '"')
	if escapes == 0 {
		dst = append(dst, s...)
	} else {
		for i := 0; i < len(s); i++ {
			if s[i] == '"' || s[i] == '\\' {
				dst = append(dst, '\\')
			}
			dst = append(dst, s[i])
		}
	}
	return append(dst, '"')
}

// appendLiteral appends s as a synchronising literal {n}CRLF s.
func appendLiteral(dst []byte, s string) []byte {
	dst = append(dst, '{')
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	dst = append(dst, "}\r\n"...)
	return append(dst, s...)
}

// appendHumanString appends text meant for people (ENVELOPE subject and
// display names) the way Dovecot does: white space runs (including line
// breaks and tabs) become one space, leading and trailing white space goes,
// NUL becomes 0x80. Text that this leaves unchanged and that needs no
// escaping is sent quoted; anything changed, escaped or 8-bit is sent as a
// literal (RFC 9051 allows either form).
func appendHumanString(dst []byte, s string, present bool, utf8ok bool) []byte {
	if !present {
		return append(dst, "NIL"...)
	}
	if humanQuotable(s, utf8ok) {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	start := len(dst)
	dst = append(dst, "{0000000000}\r\n"...)
	body := len(dst)
	lastSpace := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\r', '\n':
			if !lastSpace {
				dst = append(dst, ' ')
			}
			lastSpace = true
		case 0:
			dst = append(dst, 0x80)
			lastSpace = false
		default:
			dst = append(dst, c)
			lastSpace = false
		}
	}
	if len(dst) > body && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	n := len(dst) - body
	if n == 0 {
		return append(dst[:start], `""`...)
	}
	// Rewrite the placeholder header with the real length.
	var hdr [24]byte
	h := append(hdr[:0], '{')
	h = strconv.AppendInt(h, int64(n), 10)
	h = append(h, "}\r\n"...)
	copy(dst[start:], h)
	return append(dst[:start+len(h)], dst[body:]...)
}

// humanQuotable reports whether s is already in collapsed form (no leading,
// trailing or repeated white space, no tabs or line breaks) and can be
// quoted without escapes.
func humanQuotable(s string, utf8ok bool) bool {
	if len(s) == 0 || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	eight := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			if s[i-1] == ' ' {
				return false
			}
		case c == '\t' || c == '\r' || c == '\n' || c == 0 || c == '"' || c == '\\':
			return false
		case c >= 0x80:
			eight = true
		}
	}
	return !eight || utf8ok && utf8.ValidString(s)
}
