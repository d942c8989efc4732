package mime

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
)

// parseContentType reads "type/subtype *(; param)" (RFC 2045 §5.1). Broken
// values are handled as Dovecot handles them: a lone type ("text") gives
// that type with an empty subtype; anything else that does not parse
// (no type, no subtype, junk after the subtype) gives empty type and
// subtype and no parameters.
func parseContentType(p *Part, value []byte) {
	t := tokenizer{s: value}
	t.skipCFWS()
	p.Type, p.Subtype, p.Params = "", "", nil
	typ := t.mimeToken()
	if len(typ) == 0 {
		return
	}
	if t.eof() {
		p.Type = string(typ)
		return
	}
	if t.peek() != '/' {
		return
	}
	t.pos++
	t.skipCFWS()
	sub := t.mimeToken()
	if len(sub) == 0 || (!t.eof() && t.peek() != ';') {
		return
	}
	p.Type = string(typ)
	p.Subtype = string(sub)
	p.Params = parseParams(&t)
}

// parseDisposition reads "disposition-type *(; param)" (RFC 2183).
func parseDisposition(p *Part, value []byte) {
	t := tokenizer{s: value}
	t.skipCFWS()
	typ := t.mimeToken()
	p.Disposition = string(typ)
	p.DispositionParams = nil
	if len(typ) == 0 {
		return
	}
	p.DispositionParams = parseParams(&t)
}

// rawParam is one parameter before RFC 2231 continuations are joined.
type rawParam struct {
	name     string // without the "*n" / "*" suffix for RFC 2231 ones
	value    string
	index    int  // continuation index, -1 for a plain parameter
	extended bool // value is charset'lang'%XX encoded (trailing "*")
	order    int
}

// parseParams reads ";" separated parameters. A parameter that does not
// parse is skipped the way Dovecot skips it: one byte further the parser
// tries again, so "; ;; name=v" still finds name, while after ";;" at a
// line end the rest is usually lost; clients see what Dovecot shows.
// RFC 2231 parameters (names with '*') are joined per name, in index order,
// and put after the plain ones, sorted by name; their values stay encoded
// (RFC 3501 does not ask BODYSTRUCTURE to decode them).
func parseParams(t *tokenizer) []Param {
	var plain []Param
	var ext []rawParam
	for !t.eof() {
		name, val, ok := nextParam(t)
		if !ok {
			if t.eof() {
				break
			}
			t.pos++
			continue
		}
		star := bytes.IndexByte(name, '*')
		if star < 0 {
			plain = append(plain, Param{Name: string(name), Value: string(val)})
			continue
		}
		rp := rawParam{name: string(name[:star]), value: string(val), index: 0, order: len(ext)}
		suffix := name[star+1:]
		if len(suffix) == 0 {
			rp.extended = true
		} else {
			if suffix[len(suffix)-1] == '*' {
				rp.extended = true
				suffix = suffix[:len(suffix)-1]
			}
			n, err := strconv.Atoi(string(suffix))
			if err != nil || n < 0 {
				// Not RFC 2231 syntax: keep as a plain parameter.
				plain = append(plain, Param{Name: string(name), Value: string(val)})
				continue
			}
			rp.index = n
		}
		ext = append(ext, rp)
	}
	if len(ext) == 0 {
		return plain
	}
	return append(plain, joinRFC2231(ext)...)
}

// nextParam reads one ";" attribute "=" value at the current position.
func nextParam(t *tokenizer) (name, val []byte, ok bool) {
	if t.peek() != ';' {
		return nil, nil, false
	}
	t.pos++
	t.skipCFWS()
	if t.eof() {
		return nil, nil, false
	}
	name = t.mimeToken()
	if len(name) == 0 || t.peek() != '=' {
		return nil, nil, false
	}
	t.pos++
	t.skipCFWS()
	switch {
	case t.eof():
		val = nil
	case t.peek() == '"':
		var closed bool
		if val, closed = t.quotedString(nil); !closed {
			return nil, nil, false
		}
	case t.peek() == '=':
		// name==?utf-8?b?...?= : take up to white space or ';'
		start := t.pos
		for t.pos < len(t.s) {
			c := t.s[t.pos]
			if c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				break
			}
			t.pos++
		}
		val = t.s[start:t.pos]
		t.skipCFWS()
	default:
		val = t.mimeToken()
	}
	return name, val, true
}

// joinRFC2231 joins continuations (RFC 2231 §3): segments of one name are
// concatenated in index order, stopping at a gap; the name gets a "*" when
// its first segment is extended.
func joinRFC2231(ext []rawParam) []Param {
	sort.SliceStable(ext, func(i, j int) bool {
		if c := strings.Compare(strings.ToLower(ext[i].name), strings.ToLower(ext[j].name)); c != 0 {
			return c < 0
		}
		return ext[i].index < ext[j].index
	})
	var out []Param
	for i := 0; i < len(ext); {
		j := i + 1
		for j < len(ext) && strings.EqualFold(ext[j].name, ext[i].name) {
			j++
		}
		var b strings.Builder
		want := ext[i].index
		for k := i; k < j; k++ {
			if ext[k].index != want {
				break
			}
			b.WriteString(ext[k].value)
			want++
		}
		name := ext[i].name
		if ext[i].extended {
			name += "*"
		}
		out = append(out, Param{Name: name, Value: b.String()})
		i = j
	}
	return out
}

// parseLanguage reads a Content-Language list (RFC 3282): atoms separated
// by commas, comments dropped.
func parseLanguage(value []byte) []string {
	t := tokenizer{s: value}
	var out []string
	for {
		t.skipCFWS()
		if t.eof() {
			return out
		}
		if t.peek() == ',' {
			t.pos++
			continue
		}
		a := t.atom()
		if len(a) == 0 {
			t.pos++ // not an atom character: skip it
			continue
		}
		out = append(out, string(a))
	}
}

// ParamValue returns the value of the first parameter named name (ASCII
// case-insensitive) and whether there was one.
func ParamValue(params []Param, name string) (string, bool) {
	for _, p := range params {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return "", false
}
