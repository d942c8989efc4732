package mime

import "bytes"

// rawField is one header field as it appears in the message: the name with
// trailing white space removed, and the value from the first non-blank byte
// after the colon to the end of its last line (folds still inside, final
// line break removed).
type rawField struct {
	name  []byte
	value []byte
}

// lineEnd returns the position just past the LF that ends the line starting
// at pos, or len(buf) when the line has no LF.
func lineEnd(buf []byte, pos int) int {
	if i := bytes.IndexByte(buf[pos:], '\n'); i >= 0 {
		return pos + i + 1
	}
	return len(buf)
}

// isBlankLine reports whether the line at pos is empty ("\n" or "\r\n"),
// which ends a header (RFC 5322 §2.1).
func isBlankLine(buf []byte, pos int) (bool, int) {
	if pos < len(buf) && buf[pos] == '\n' {
		return true, pos + 1
	}
	if pos+1 < len(buf) && buf[pos] == '\r' && buf[pos+1] == '\n' {
		return true, pos + 2
	}
	return false, pos
}

// trimLineBreak removes a final "\n" or "\r\n".
func trimLineBreak(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// splitField splits one complete field (all its lines, final line break
// removed) into name and value. ok is false for a line without a colon,
// which is not a field (Dovecot ignores it for MIME and ENVELOPE too).
func splitField(line []byte) (rawField, bool) {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return rawField{}, false
	}
	name := line[:colon]
	for len(name) > 0 && (name[len(name)-1] == ' ' || name[len(name)-1] == '\t') {
		name = name[:len(name)-1]
	}
	v := colon + 1
	for v < len(line) && (line[v] == ' ' || line[v] == '\t') {
		v++
	}
	return rawField{name: name, value: line[v:]}, true
}

// unfold removes the line breaks of folded header lines (RFC 5322 §2.2.3),
// keeping the white space that starts each continuation line. It returns b
// itself when there is nothing to remove.
func unfold(b []byte) []byte {
	if bytes.IndexByte(b, '\n') < 0 && bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\n' {
			continue
		}
		if c == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			continue
		}
		out = append(out, c)
	}
	return out
}

// equalFold reports whether the ASCII header name b equals s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if d >= 'A' && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}
