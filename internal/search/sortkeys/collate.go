package sortkeys

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Collate returns the i;unicode-casemap collation key of s (RFC 5051, the
// collation RFC 5256 §7 requires for SORT and THREAD): every character is
// mapped to its titlecase form and the result fully decomposed, so that
// two strings compare equal exactly when their keys are equal and order
// as their keys order bytewise. Invalid UTF-8 bytes are kept as they are.
func Collate(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		// The common case: titlecase of ASCII is upper case, and ASCII
		// has no decompositions.
		return strings.ToUpper(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteByte(s[i])
		} else {
			b.WriteRune(unicode.ToTitle(r))
		}
		i += n
	}
	return norm.NFKD.String(b.String())
}
