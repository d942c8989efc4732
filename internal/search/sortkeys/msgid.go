package sortkeys

import "strings"

// maxReferences bounds the references kept per message: the last ones are
// kept, since the last reference is the parent and MUAs truncate
// References from the front anyway (RFC 5256 §3, step 1.A).
const maxReferences = 100

// MessageIDs returns the normalized msg-ids (RFC 5322 §3.6.4) found in a
// header value, in order. RFC 5256 REFERENCES requires normalizing them so
// that quoting differences do not prevent matches: <"a.b"@host> and
// <a.b@host> are the same ID. Normalization removes quotes, backslash
// escapes, comments and white space; what remains must be non-empty,
// contain "@" and no white space or control characters, or the ID is
// invalid and skipped (as is text between IDs).
func MessageIDs(value string) []string {
	var ids []string
	for i := 0; i < len(value); {
		c := value[i]
		switch c {
		case '(':
			i = skipComment(value, i)
			continue
		case '<':
			id, end, ok := parseMsgID(value, i+1)
			i = end
			if ok {
				ids = append(ids, id)
			}
			continue
		}
		i++
	}
	return ids
}

// FirstMessageID returns the first valid msg-id of value, or "".
func FirstMessageID(value string) string {
	ids := MessageIDs(value)
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// parseMsgID reads a msg-id body starting after "<" at i; it returns the
// normalized ID, the index after ">" (or where it gave up) and whether the
// ID is valid.
func parseMsgID(s string, i int) (string, int, bool) {
	var b strings.Builder
	for i < len(s) {
		c := s[i]
		switch {
		case c == '>':
			id := b.String()
			return id, i + 1, validID(id)
		case c == '<':
			// A new "<" starts another ID: this one was not closed.
			return "", i, false
		case c == '"':
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
				i++
			}
			i++ // closing quote
		case c == '\\' && i+1 < len(s):
			b.WriteByte(s[i+1])
			i += 2
		case c == '(':
			i = skipComment(s, i)
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", i, false
}

// skipComment returns the index after the (possibly nested) comment that
// starts at s[i] == '('.
func skipComment(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return i
}

func validID(id string) bool {
	if id == "" || !strings.Contains(id, "@") {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] == 0x7f {
			return false
		}
	}
	return true
}
