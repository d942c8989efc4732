package mime

// tokenizer walks a structured header value (RFC 5322 §3.2, RFC 2045 §5.1):
// white space, folding and comments are skipped between tokens.
type tokenizer struct {
	s   []byte
	pos int
}

func (t *tokenizer) eof() bool { return t.pos >= len(t.s) }

func (t *tokenizer) peek() byte {
	if t.pos < len(t.s) {
		return t.s[t.pos]
	}
	return 0
}

// skipCFWS skips white space, line breaks and (nested) comments. An
// unterminated comment runs to the end of the value.
func (t *tokenizer) skipCFWS() {
	for t.pos < len(t.s) {
		switch t.s[t.pos] {
		case ' ', '\t', '\r', '\n':
			t.pos++
		case '(':
			t.skipComment()
		default:
			return
		}
	}
}

// skipComment skips a comment starting at '(' and returns its text
// (without the outer parentheses, escapes removed).
func (t *tokenizer) skipComment() []byte {
	var text []byte
	depth := 0
	start := t.pos
	for t.pos < len(t.s) {
		c := t.s[t.pos]
		t.pos++
		switch {
		case c == '\\' && t.pos < len(t.s):
			text = append(text, t.s[t.pos])
			t.pos++
			continue
		case c == '(':
			depth++
			if depth == 1 {
				continue
			}
		case c == ')':
			depth--
			if depth == 0 {
				return text
			}
		case c == '\r' || c == '\n':
			continue
		}
		text = append(text, c)
	}
	_ = start
	return text
}

// isTSpecial reports RFC 2045 tspecials.
func isTSpecial(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=':
		return true
	}
	return false
}

// mimeToken reads an RFC 2045 token (any CHAR except SPACE, CTLs and
// tspecials; 8-bit bytes are accepted as Dovecot does) and skips CFWS after.
func (t *tokenizer) mimeToken() []byte {
	start := t.pos
	for t.pos < len(t.s) {
		c := t.s[t.pos]
		if c <= ' ' || c == 0x7f || isTSpecial(c) {
			break
		}
		t.pos++
	}
	tok := t.s[start:t.pos]
	t.skipCFWS()
	return tok
}

// quotedString reads a quoted string starting at '"' and returns its
// content with escapes removed and line breaks dropped; it skips CFWS after.
// An unterminated string runs to the end and closed is false.
func (t *tokenizer) quotedString(dst []byte) (_ []byte, closed bool) {
	t.pos++ // opening quote
	for t.pos < len(t.s) {
		c := t.s[t.pos]
		t.pos++
		switch c {
		case '"':
			t.skipCFWS()
			return dst, true
		case '\\':
			if t.pos < len(t.s) {
				dst = append(dst, t.s[t.pos])
				t.pos++
			}
		case '\r', '\n':
		default:
			dst = append(dst, c)
		}
	}
	return dst, false
}

// isAtext reports RFC 5322 atext, plus 8-bit bytes (RFC 6532).
func isAtext(c byte) bool {
	if c >= 0x80 {
		return true
	}
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~':
		return true
	}
	return false
}

// atom reads an atom and skips CFWS after it.
func (t *tokenizer) atom() []byte {
	start := t.pos
	for t.pos < len(t.s) && isAtext(t.s[t.pos]) {
		t.pos++
	}
	tok := t.s[start:t.pos]
	t.skipCFWS()
	return tok
}
