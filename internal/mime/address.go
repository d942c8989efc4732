package mime

// Address-list parsing for ENVELOPE (RFC 5322 §3.4, obsolete forms of §4.4
// accepted). Broken input never fails: like Dovecot, missing local parts
// and domains are filled in with MISSING_MAILBOX / MISSING_DOMAIN so that
// clients always get four fields, a comment after a bare addr-spec becomes
// the display name (inside "<...>" it does not), an "<...>" that does not
// parse keeps what was read with the host SYNTAX_ERROR, and parsing stops
// at garbage it cannot skip.

const (
	missingMailbox = "MISSING_MAILBOX"
	missingDomain  = "MISSING_DOMAIN"
	// syntaxError is the host of an address whose "<...>" did not parse.
	syntaxError = "SYNTAX_ERROR"
	// invalidRoute is the route of an address whose source route did not
	// parse.
	invalidRoute = "INVALID_ROUTE"
)

// addrParser holds the state of one address-list parse.
type addrParser struct {
	t tokenizer
	// lastComment is the text of the last comment skipped.
	lastComment []byte
	out         []Address
	cur         addrFields
	invalid     bool // the current addr-spec had a syntax error
	scratch     []byte
}

// addrFields is the address being built; nil slices mean absent.
type addrFields struct {
	name, route, mailbox, domain             []byte
	hasName, hasRoute, hasMailbox, hasDomain bool
}

// skip skips CFWS, remembering comment text. It returns 0 at the end of
// input, 1 when more follows, -1 for an unterminated comment.
func (a *addrParser) skip() int {
	t := &a.t
	for t.pos < len(t.s) {
		switch t.s[t.pos] {
		case ' ', '\t', '\r', '\n':
			t.pos++
		case '(':
			start := t.pos
			c := t.skipComment()
			if !a.commentClosed(start) {
				return -1
			}
			a.lastComment = append(a.lastComment[:0], c...)
		default:
			return 1
		}
	}
	return 0
}

// commentClosed reports whether the comment that started at start ended
// with its closing parenthesis (the tokenizer stops at the end otherwise).
func (a *addrParser) commentClosed(start int) bool {
	t := &a.t
	return t.pos > start && t.s[t.pos-1] == ')' && (t.pos-2 < start || t.s[t.pos-2] != '\\' || t.pos-3 >= start && t.s[t.pos-3] == '\\')
}

// quoted reads a quoted string into dst. It returns the result of the
// following skip, or -1 if the string is unterminated.
func (a *addrParser) quoted(dst []byte) ([]byte, int) {
	t := &a.t
	t.pos++
	for t.pos < len(t.s) {
		c := t.s[t.pos]
		t.pos++
		switch c {
		case '"':
			return dst, a.skip()
		case '\\':
			if t.pos >= len(t.s) {
				return dst, -1
			}
			dst = append(dst, t.s[t.pos])
			t.pos++
		case '\r', '\n':
		default:
			dst = append(dst, c)
		}
	}
	return dst, -1
}

// atomOrDot appends a run of atext and '.' (possibly empty) and skips CFWS.
func (a *addrParser) atomOrDot(dst []byte) ([]byte, int) {
	t := &a.t
	start := t.pos
	for t.pos < len(t.s) && (isAtext(t.s[t.pos]) || t.s[t.pos] == '.') {
		t.pos++
	}
	dst = append(dst, t.s[start:t.pos]...)
	if t.pos >= len(t.s) {
		return dst, 0
	}
	return dst, a.skip()
}

// phrase reads words (atoms, dots, quoted strings) joined by single spaces.
func (a *addrParser) phrase(dst []byte) ([]byte, int) {
	t := &a.t
	if t.eof() {
		return dst, 0
	}
	if t.peek() == '.' {
		return dst, -1
	}
	for {
		var r int
		if t.peek() == '"' {
			dst, r = a.quoted(dst)
		} else {
			dst, r = a.atomOrDot(dst)
		}
		if r <= 0 {
			return dst, r
		}
		c := t.peek()
		if !isAtext(c) && c != '"' && c != '.' {
			break
		}
		dst = append(dst, ' ')
	}
	return dst, a.skip()
}

// dotAtom reads atext runs separated by dots (white space around the dots
// is tolerated, RFC 5322 §4.4) into dst.
func (a *addrParser) dotAtom(dst []byte) ([]byte, int) {
	t := &a.t
	if t.eof() || !isAtext(t.peek()) {
		return dst, -1
	}
	for {
		start := t.pos
		for t.pos < len(t.s) && isAtext(t.s[t.pos]) {
			t.pos++
		}
		dst = append(dst, t.s[start:t.pos]...)
		r := a.skip()
		if r <= 0 || t.peek() != '.' {
			return dst, r
		}
		dst = append(dst, '.')
		t.pos++
		// A dot must be followed by an atom ("a.@b" and "a." are
		// errors), as in Dovecot's dot-atom.
		if r = a.skip(); r <= 0 || !isAtext(t.peek()) {
			return dst, -1
		}
	}
}

// domain reads "@" domain (dot-atom or domain-literal) into dst.
func (a *addrParser) domain(dst []byte) ([]byte, int) {
	t := &a.t
	t.pos++ // '@'
	if a.skip() <= 0 {
		return dst, -1
	}
	if t.peek() != '[' {
		return a.dotAtom(dst)
	}
	for t.pos < len(t.s) {
		c := t.s[t.pos]
		t.pos++
		switch c {
		case '\\':
			if t.pos < len(t.s) {
				dst = append(dst, c, t.s[t.pos])
				t.pos++
			}
			continue
		case '\r', '\n':
			continue
		}
		dst = append(dst, c)
		if c == ']' {
			return dst, a.skip()
		}
	}
	return dst, -1
}

// addrSpec reads local-part ["@" domain]. Without "@", a single word is the
// local part, and more words make it a display name.
func (a *addrParser) addrSpec() int {
	t := &a.t
	a.lastComment = a.lastComment[:0]
	quotedLocal := t.peek() == '"'
	var r int
	local := a.scratch[:0]
	if quotedLocal {
		local, r = a.quoted(local)
	} else {
		local, r = a.dotAtom(local)
	}
	if r <= 0 {
		a.invalid = true
	}
	if r >= 0 {
		a.cur.mailbox, a.cur.hasMailbox = append([]byte(nil), local...), true
	}
	r2 := -2
	if r != 0 && t.peek() == '@' {
		var d []byte
		d, r2 = a.domain(nil)
		if r2 >= 0 {
			a.cur.domain, a.cur.hasDomain = d, true
		}
		if r2 <= 0 {
			r = r2
		}
	}
	if len(a.lastComment) > 0 {
		a.cur.name, a.cur.hasName = append([]byte(nil), a.lastComment...), true
	} else if r2 == -2 {
		words := append(local, ' ')
		n := len(words)
		words, _ = a.phrase(words)
		if len(words) != n {
			a.cur.mailbox, a.cur.hasMailbox = nil, false
			a.cur.name, a.cur.hasName = append([]byte(nil), words...), true
		} else if !quotedLocal {
			a.cur.domain, a.cur.hasDomain = []byte{}, true
		}
		a.scratch = words[:0]
		a.invalid = true
		return -1
	}
	a.scratch = local[:0]
	return r
}

// route reads an obsolete source route "@a,@b" (RFC 5322 §4.4
// obs-domain-list: commas and CFWS between the domains, several commas
// allowed) up to the ':'. It returns 0 at the end of input, -1 for a
// domain that does not parse, 1 otherwise; the route is recorded only then.
func (a *addrParser) route() int {
	t := &a.t
	var rt []byte
	for {
		if t.eof() {
			return 0
		}
		if t.peek() != '@' {
			break
		}
		if len(rt) > 0 {
			rt = append(rt, ',')
		}
		rt = append(rt, '@')
		var r int
		if rt, r = a.domain(rt); r <= 0 {
			return r
		}
		for a.skip() > 0 && t.peek() == ',' {
			t.pos++
		}
	}
	a.cur.route, a.cur.hasRoute = rt, true
	return 1
}

// localPart reads a quoted-string or dot-atom local part into the current
// address's mailbox; it returns the result of the following skip, or -1
// (mailbox unset) if there is none.
func (a *addrParser) localPart() int {
	t := &a.t
	var local []byte
	var r int
	if t.peek() == '"' {
		local, r = a.quoted(a.scratch[:0])
	} else {
		local, r = a.dotAtom(a.scratch[:0])
	}
	a.scratch = local[:0]
	if r < 0 {
		return -1
	}
	a.cur.mailbox, a.cur.hasMailbox = append([]byte(nil), local...), true
	return r
}

// angleAddr reads "<" [route ":"] local-part ["@" domain] ">". Inside the
// brackets there is no display name: a comment there is only a comment,
// and words without "@" are not a name either. It returns -1 on a syntax
// error, leaving what it read in the current address (the caller marks
// the host SYNTAX_ERROR); "<>" gives an address with neither part.
func (a *addrParser) angleAddr() int {
	t := &a.t
	t.pos++
	if a.skip() <= 0 {
		return -1
	}
	if t.peek() == '@' {
		if a.route() > 0 && t.peek() == ':' {
			t.pos++
		} else {
			// Keep going after a broken route, as Dovecot does.
			a.cur.route, a.cur.hasRoute = []byte(invalidRoute), true
			if t.eof() {
				return -1
			}
		}
		if a.skip() <= 0 {
			return -1
		}
	}
	if t.peek() != '>' {
		if a.localPart() <= 0 {
			return -1
		}
		if t.peek() == '@' {
			d, r := a.domain(nil)
			if r >= 0 {
				a.cur.domain, a.cur.hasDomain = d, true
			}
			if r <= 0 {
				return -1
			}
		}
	}
	if t.peek() != '>' {
		return -1
	}
	t.pos++
	return a.skip()
}

// mailbox reads name-addr or addr-spec and records it.
func (a *addrParser) mailbox() int {
	t := &a.t
	start := t.pos
	words, r := a.phrase(a.scratch[:0])
	if r <= 0 || t.peek() != '<' {
		t.pos = start
		a.invalid = false
		r = a.addrSpec()
		if a.invalid && a.cur.hasMailbox && !a.cur.hasName && !a.cur.hasDomain {
			a.cur.name, a.cur.hasName = a.cur.mailbox, true
			a.cur.mailbox, a.cur.hasMailbox = nil, false
		}
	} else {
		if len(words) > 0 {
			a.cur.name, a.cur.hasName = append([]byte(nil), words...), true
		}
		a.scratch = words[:0]
		if a.angleAddr() < 0 {
			// Keep what was read; the host says why it is incomplete.
			a.cur.domain, a.cur.hasDomain = []byte(syntaxError), true
		}
		r = 0
		if !t.eof() {
			r = 1
		}
	}
	a.addFilled()
	return r
}

// addFilled appends the current address with its missing parts filled in.
// An absent local part is filled in; an empty quoted one ("") is kept, as
// Dovecot keeps it.
func (a *addrParser) addFilled() {
	if !a.cur.hasMailbox {
		a.cur.mailbox, a.cur.hasMailbox = []byte(missingMailbox), true
	}
	if len(a.cur.domain) == 0 {
		a.cur.domain, a.cur.hasDomain = []byte(missingDomain), true
	}
	a.add()
}

// add appends the current address and clears it.
func (a *addrParser) add() {
	c := &a.cur
	var ad Address
	if c.hasName {
		ad.Name, ad.Has = string(c.name), ad.Has|AddrName
	}
	if c.hasRoute {
		ad.Route, ad.Has = string(c.route), ad.Has|AddrRoute
	}
	if c.hasMailbox {
		ad.Mailbox, ad.Has = string(c.mailbox), ad.Has|AddrMailbox
	}
	if c.hasDomain {
		ad.Host, ad.Has = string(c.domain), ad.Has|AddrHost
	}
	a.out = append(a.out, ad)
	*c = addrFields{}
}

// group reads display-name ":" [mailbox-list] ";" after the name.
func (a *addrParser) group(name []byte) int {
	t := &a.t
	t.pos++ // ':'
	a.cur.mailbox, a.cur.hasMailbox = append([]byte(nil), name...), true
	a.add()
	r := a.skip()
	if r > 0 && t.peek() != ';' {
		for {
			// A broken mailbox does not end the group: the next
			// one after a comma still belongs to it (Dovecot).
			a.mailbox()
			if t.eof() || t.peek() != ',' {
				break
			}
			t.pos++
			if a.skip() <= 0 {
				r = -1
				break
			}
		}
	}
	if r >= 0 {
		if t.eof() || t.peek() != ';' {
			r = -1
		} else {
			t.pos++
			r = a.skip()
		}
	}
	a.add() // group end: all NIL
	if r == 0 {
		return 0
	}
	return 1
}

// address reads one mailbox or group.
func (a *addrParser) address() int {
	t := &a.t
	start := t.pos
	words, r := a.phrase(a.scratch[:0])
	if r <= 0 || t.peek() != ':' {
		t.pos = start
		return a.mailbox()
	}
	name := append([]byte(nil), words...)
	a.scratch = words[:0]
	return a.group(name)
}

// ParseAddressList parses an address-list header value exactly as ENVELOPE
// does, placeholders included (see IsPlaceholder). It returns nil when the
// value holds nothing (IMAP NIL).
func ParseAddressList(value []byte) []Address { return parseAddressList(value) }

// IsPlaceholder reports whether s is one of the strings the address parser
// puts where a message had no usable local part, domain or route.
func IsPlaceholder(s string) bool {
	switch s {
	case missingMailbox, missingDomain, syntaxError, invalidRoute:
		return true
	}
	return false
}

// parseAddressList parses an address-list header value. It returns nil when
// the value holds nothing (IMAP NIL).
func parseAddressList(value []byte) []Address {
	a := addrParser{t: tokenizer{s: value}}
	if a.skip() <= 0 {
		return nil
	}
	for limit := 0; limit < 10000; limit++ {
		if a.address() == 0 {
			break
		}
		if a.t.eof() || a.t.peek() != ',' {
			break
		}
		a.t.pos++
		if r := a.skip(); r <= 0 {
			if r < 0 {
				// An unterminated comment after the comma: an
				// address with nothing in it, as in Dovecot.
				a.addFilled()
			}
			break
		}
	}
	return a.out
}
