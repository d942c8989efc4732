package proto

import (
	"time"

	"roost/internal/imap/wire"
)

// readSearch reads [SP "RETURN" SP "(" return-opts ")"] SP ["CHARSET" SP
// astring SP] search-key *(SP search-key) (RFC 9051 §6.4.4, RFC 4731,
// RFC 5182).
func (p *Parser) readSearch() (*Search, error) {
	if err := p.sp("SEARCH"); err != nil {
		return nil, err
	}
	s := &Search{}
	name, err := p.searchWord()
	if err != nil {
		return nil, err
	}
	if name == "RETURN" {
		if err := p.sp("RETURN"); err != nil {
			return nil, err
		}
		if s.Return, s.Partial, err = p.readReturnOptions("SEARCH"); err != nil {
			return nil, err
		}
		if err := p.sp("RETURN options"); err != nil {
			return nil, err
		}
		if name, err = p.searchWord(); err != nil {
			return nil, err
		}
	}
	if name == "CHARSET" {
		if err := p.sp("CHARSET"); err != nil {
			return nil, err
		}
		cs, err := p.d.AString()
		if err != nil {
			return nil, invalid(err, "Invalid charset")
		}
		s.Charset = wire.ToUpper(cs)
		if err := p.sp("charset"); err != nil {
			return nil, err
		}
		if name, err = p.searchWord(); err != nil {
			return nil, err
		}
	}
	for {
		k, err := p.searchKey(name, 0)
		if err != nil {
			return nil, err
		}
		s.Keys = append(s.Keys, k)
		if !p.d.PeekIs(' ') {
			break
		}
		_ = p.d.SP()
		if name, err = p.searchWord(); err != nil {
			return nil, err
		}
	}
	return s, p.end("SEARCH")
}

// searchWord reads what starts a search key: "(" (returned as "("), a
// sequence set (returned as "" with the decoder still at it), or an atom
// (upper-cased).
func (p *Parser) searchWord() (string, error) {
	b, err := p.d.Peek()
	if err != nil {
		return "", err
	}
	switch {
	case b == '(':
		_ = p.d.Byte('(')
		return "(", nil
	case b >= '0' && b <= '9' || b == '*' || b == '$':
		return "", nil
	}
	a, err := p.d.Atom()
	if err != nil {
		return "", invalid(err, "Expected search key")
	}
	return wire.ToUpper(a), nil
}

// nextKey reads SP and the next search key at depth.
func (p *Parser) nextKey(after string, depth int) (SearchKey, error) {
	if err := p.sp(after); err != nil {
		return SearchKey{}, err
	}
	name, err := p.searchWord()
	if err != nil {
		return SearchKey{}, err
	}
	return p.searchKey(name, depth)
}

// searchKey reads the rest of the search key that started with name.
func (p *Parser) searchKey(name string, depth int) (SearchKey, error) {
	if p.keys++; p.keys > maxSearchKeys {
		return SearchKey{}, badf("Too many search keys (limit %d)", maxSearchKeys)
	}
	if depth > maxSearchDepth {
		return SearchKey{}, badf("Search keys nested too deeply (limit %d)", maxSearchDepth)
	}
	k := SearchKey{Op: SearchOp(name)}
	var err error
	switch name {
	case "":
		k.Op = SearchSeqSet
		k.Set, err = p.set()
	case "(":
		k.Op = SearchAnd
		for {
			var w string
			if w, err = p.searchWord(); err != nil {
				return k, err
			}
			var sub SearchKey
			if sub, err = p.searchKey(w, depth+1); err != nil {
				return k, err
			}
			k.Keys = append(k.Keys, sub)
			if p.d.PeekIs(')') {
				_ = p.d.Byte(')')
				break
			}
			if err := p.d.SP(); err != nil {
				return k, expected(err, "Expected SP or \")\" after search key")
			}
		}
	case "ALL", "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "NEW", "OLD", "RECENT", "SEEN",
		"UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN":
	case "KEYWORD", "UNKEYWORD":
		if err = p.sp(name); err == nil {
			k.Value, err = p.d.Atom()
			err = invalid(err, "Invalid keyword")
		}
	case "BCC", "CC", "FROM", "TO", "SUBJECT", "BODY", "TEXT":
		if err = p.sp(name); err == nil {
			k.Value, err = p.d.AString()
			err = invalid(err, "Invalid "+name+" string")
		}
	case "HEADER":
		if err = p.sp(name); err != nil {
			break
		}
		if k.Field, err = p.d.AString(); err != nil {
			err = invalid(err, "Invalid header field name")
			break
		}
		if err = p.sp("header field name"); err == nil {
			k.Value, err = p.d.AString()
			err = invalid(err, "Invalid HEADER string")
		}
	case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE":
		if err = p.sp(name); err == nil {
			k.Date, err = p.searchDate()
		}
	case "LARGER", "SMALLER", "MODSEQ":
		if err = p.sp(name); err != nil {
			break
		}
		if name == "MODSEQ" && p.d.PeekIs('"') {
			err = p.skipModSeqEntry()
			if err != nil {
				break
			}
		}
		var n uint64
		n, err = p.d.Number64()
		k.Number = int64(n)
		err = invalid(err, "Invalid "+name+" number")
	case "OLDER", "YOUNGER": // RFC 5032
		if err = p.sp(name); err == nil {
			var n uint32
			n, err = p.d.NZNumber()
			k.Number = int64(n)
			err = invalid(err, "Invalid "+name+" interval")
		}
	case "UID":
		if err = p.sp(name); err == nil {
			k.Set, err = p.set()
		}
	case "NOT":
		var sub SearchKey
		sub, err = p.nextKey("NOT", depth+1)
		k.Keys = []SearchKey{sub}
	case "OR":
		var a, b SearchKey
		if a, err = p.nextKey("OR", depth+1); err != nil {
			break
		}
		b, err = p.nextKey("first OR key", depth+1)
		k.Keys = []SearchKey{a, b}
	default:
		if ok, err := p.searchKeyExt(name, &k); ok { // extensions_parse.go
			return k, err
		}
		return k, badf("Unknown search key %q", name)
	}
	return k, err
}

// skipModSeqEntry skips entry-name SP entry-type-req SP of MODSEQ
// (RFC 7162 §3.1.5): we keep one mod-sequence per message, so they do not
// change the answer.
func (p *Parser) skipModSeqEntry() error {
	if _, err := p.d.Quoted(); err != nil {
		return invalid(err, "Invalid MODSEQ entry name")
	}
	if err := p.sp("MODSEQ entry name"); err != nil {
		return err
	}
	t, err := p.keyword("MODSEQ entry type")
	if err != nil {
		return err
	}
	if t != "PRIV" && t != "SHARED" && t != "ALL" {
		return badf("Invalid MODSEQ entry type %q", t)
	}
	return p.sp("MODSEQ entry type")
}

// searchDate reads date: date-text or DQUOTE date-text DQUOTE.
func (p *Parser) searchDate() (t time.Time, err error) {
	s, err := p.d.AString()
	if err != nil {
		return t, invalid(err, "Invalid date")
	}
	d, perr := parseDate(s)
	if perr != nil {
		return t, badf("Invalid date %q", s)
	}
	return d, nil
}
