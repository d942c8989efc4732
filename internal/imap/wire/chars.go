package wire

// Character classes of RFC 9051 §9.

// IsAtomChar reports whether c is an ATOM-CHAR: any CHAR except
// atom-specials ( "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]" ).
func IsAtomChar(c byte) bool {
	switch c {
	case '(', ')', '{', ' ', '%', '*', '"', '\\', ']':
		return false
	}
	return c > 0x1f && c < 0x7f
}

// IsAStringChar reports whether c is an ASTRING-CHAR: ATOM-CHAR or "]".
func IsAStringChar(c byte) bool { return IsAtomChar(c) || c == ']' }

// IsListChar reports whether c may appear in an unquoted LIST pattern:
// ATOM-CHAR, list-wildcards or resp-specials.
func IsListChar(c byte) bool { return IsAStringChar(c) || c == '%' || c == '*' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func toUpper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if toUpper(a[i]) != toUpper(b[i]) {
			return false
		}
	}
	return true
}

// EqualFold compares ASCII strings case-insensitively.
func EqualFold(a, b string) bool { return equalFold(a, b) }

// ToUpper upper-cases ASCII letters of s.
func ToUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = toUpper(b[j])
			}
			return string(b)
		}
	}
	return s
}
