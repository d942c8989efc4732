package proto

import (
	"slices"

	"roost/internal/imap/wire"
)

// listMailbox reads a list-mailbox: 1*list-char or a string, decoded like
// a mailbox name (wildcards kept).
func (p *Parser) listMailbox() (string, error) {
	b, err := p.d.Peek()
	if err != nil {
		return "", err
	}
	var s string
	if b == '"' || b == '{' || p.d.Literal8Next() { // "~foo" is a pattern

		s, err = p.d.String()
	} else {
		s, err = p.d.While(wire.IsListChar, "mailbox pattern")
	}
	if err != nil {
		return "", invalid(err, "Invalid mailbox pattern")
	}
	return p.pattern(s)
}

// reference reads the LIST reference name (a mailbox, possibly "").
func (p *Parser) reference() (string, error) {
	s, err := p.d.AString()
	if err != nil {
		return "", invalid(err, "Invalid reference name")
	}
	return p.pattern(s)
}

// readList reads LIST with the LIST-EXTENDED syntax (RFC 5258 §6):
// [SP "(" selection options ")"] SP reference SP (pattern / "(" patterns
// ")") [SP "RETURN" SP "(" return options ")"].
func (p *Parser) readList() (*List, error) {
	if err := p.sp("LIST"); err != nil {
		return nil, err
	}
	l := &List{}
	if p.d.PeekIs('(') {
		l.Extended = true
		l.Select = []string{}
		err := p.d.List(func() error {
			opt, err := p.keyword("selection option")
			if err != nil {
				return err
			}
			switch opt {
			case "SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE":
			default:
				// RFC 5258 §3: unknown options get BAD.
				return badf("Unknown LIST selection option %q", opt)
			}
			if !slices.Contains(l.Select, opt) {
				l.Select = append(l.Select, opt)
			}
			return nil
		})
		if err != nil {
			return nil, invalid(err, "Invalid LIST selection options")
		}
		if slices.Contains(l.Select, "RECURSIVEMATCH") &&
			!slices.ContainsFunc(l.Select, func(s string) bool { return s != "RECURSIVEMATCH" && s != "REMOTE" }) {
			// RFC 5258 §3.1: RECURSIVEMATCH needs another selection option.
			return nil, badf("RECURSIVEMATCH requires another selection option")
		}
		if err := p.sp("selection options"); err != nil {
			return nil, err
		}
	}
	var err error
	if l.Reference, err = p.reference(); err != nil {
		return nil, err
	}
	if err := p.sp("reference name"); err != nil {
		return nil, err
	}
	if p.d.PeekIs('(') {
		l.Extended = true
		err := p.d.List(func() error {
			pat, err := p.listMailbox()
			if err == nil {
				l.Patterns = append(l.Patterns, pat)
			}
			return err
		})
		if err != nil {
			return nil, invalid(err, "Invalid LIST patterns")
		}
		if len(l.Patterns) == 0 {
			return nil, badf("Empty LIST pattern list")
		}
	} else {
		pat, err := p.listMailbox()
		if err != nil {
			return nil, err
		}
		l.Patterns = []string{pat}
	}
	if p.d.PeekIs(' ') {
		_ = p.d.SP()
		if err := p.readListReturn(l); err != nil {
			return nil, err
		}
	}
	return l, p.end("LIST")
}

// readListReturn reads "RETURN" SP "(" [return-option *(SP return-option)] ")".
func (p *Parser) readListReturn(l *List) error {
	if err := expected(p.d.Expect("RETURN"), "Expected RETURN after mailbox pattern"); err != nil {
		return err
	}
	if err := p.sp("RETURN"); err != nil {
		return err
	}
	l.Extended = true
	err := p.d.List(func() error {
		opt, err := p.keyword("return option")
		if err != nil {
			return err
		}
		switch opt {
		case "SUBSCRIBED":
			l.ReturnSubscribed = true
		case "CHILDREN":
			l.ReturnChildren = true
		case "SPECIAL-USE":
			l.ReturnSpecialUse = true
		case "STATUS": // RFC 5819
			if err := p.sp("STATUS"); err != nil {
				return err
			}
			items, err := p.readStatusItems()
			if err != nil {
				return err
			}
			l.ReturnStatus = items
		default:
			return badf("Unknown LIST return option %q", opt)
		}
		return nil
	})
	return invalid(err, "Invalid LIST return options")
}

// readLsub reads LSUB reference SP pattern.
func (p *Parser) readLsub() (*List, error) {
	if err := p.sp("LSUB"); err != nil {
		return nil, err
	}
	l := &List{LSUB: true}
	var err error
	if l.Reference, err = p.reference(); err != nil {
		return nil, err
	}
	if err := p.sp("reference name"); err != nil {
		return nil, err
	}
	pat, err := p.listMailbox()
	if err != nil {
		return nil, err
	}
	l.Patterns = []string{pat}
	return l, p.end("LSUB")
}
