package proto

import (
	"encoding/base64"
	"slices"

	"roost/internal/imap/wire"
)

// This file reads the arguments of the session and mailbox commands.

func (p *Parser) readLogin() (*Login, error) {
	if err := p.sp("LOGIN"); err != nil {
		return nil, err
	}
	user, err := p.d.AString()
	if err != nil {
		return nil, invalid(err, "Invalid user name")
	}
	if err := p.sp("user name"); err != nil {
		return nil, err
	}
	pass, err := p.d.AString()
	if err != nil {
		return nil, invalid(err, "Invalid password")
	}
	return &Login{Username: user, Password: pass}, p.end("LOGIN")
}

func isBase64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}

// readAuthenticate reads mechanism [SP initial-response] (RFC 4959: "="
// stands for an empty initial response).
func (p *Parser) readAuthenticate() (*Authenticate, error) {
	if err := p.sp("AUTHENTICATE"); err != nil {
		return nil, err
	}
	mech, err := p.keyword("SASL mechanism")
	if err != nil {
		return nil, err
	}
	a := &Authenticate{Mechanism: mech}
	if p.d.PeekIs(' ') {
		_ = p.d.SP()
		s, err := p.d.While(isBase64Char, "initial response")
		if err != nil {
			return nil, invalid(err, "Invalid initial response")
		}
		a.HasInitial = true
		if s != "=" {
			if a.Initial, err = base64.StdEncoding.Strict().DecodeString(s); err != nil {
				return nil, badf("Invalid base64 in initial response")
			}
		}
		if a.Initial == nil {
			a.Initial = []byte{}
		}
	}
	return a, p.end("AUTHENTICATE")
}

// readEnable reads 1*(SP capability) (RFC 5161).
func (p *Parser) readEnable() (*Enable, error) {
	e := &Enable{}
	for len(e.Caps) == 0 || p.d.PeekIs(' ') {
		if err := p.sp("ENABLE"); err != nil {
			return nil, err
		}
		c, err := p.keyword("capability")
		if err != nil {
			return nil, err
		}
		e.Caps = append(e.Caps, c)
	}
	return e, p.end("ENABLE")
}

// readID reads "(" string SP nstring ... ")" or NIL (RFC 2971).
func (p *Parser) readID() (*ID, error) {
	if err := p.sp("ID"); err != nil {
		return nil, err
	}
	id := &ID{}
	if !p.d.PeekIs('(') {
		a, err := p.d.Atom()
		if err != nil || !wire.EqualFold(a, "NIL") {
			return nil, expected(orSyntax(err), "Expected parameter list or NIL after ID")
		}
		return id, p.end("ID")
	}
	id.Params = map[string]string{}
	n := 0
	err := p.d.List(func() error {
		if n++; n > 30 { // RFC 2971 §3.3: at most 30 pairs
			return badf("Too many ID parameters")
		}
		k, err := p.d.String()
		if err != nil {
			return invalid(err, "Invalid ID field name")
		}
		if err := p.sp("ID field name"); err != nil {
			return err
		}
		v, _, err := p.d.NString()
		if err != nil {
			return invalid(err, "Invalid ID field value")
		}
		id.Params[k] = v
		return nil
	})
	if err != nil {
		return nil, invalid(err, "Invalid ID parameters")
	}
	return id, p.end("ID")
}

// orSyntax gives a syntax error for a nil error, so that expected() can
// replace it.
func orSyntax(err error) error {
	if err == nil {
		return &wire.SyntaxError{Msg: "unexpected atom"}
	}
	return err
}

// readSelect reads mailbox [SP "(" select-param *(SP select-param) ")"]
// with CONDSTORE and QRESYNC (RFC 7162 §3.1.8, §3.2.5).
func (p *Parser) readSelect(readOnly bool) (*Select, error) {
	if err := p.sp("command"); err != nil {
		return nil, err
	}
	mbox, err := p.mailbox()
	if err != nil {
		return nil, err
	}
	s := &Select{Mailbox: mbox, ReadOnly: readOnly}
	if p.d.PeekIs(' ') {
		_ = p.d.SP()
		err := p.d.List(func() error {
			name, err := p.keyword("SELECT parameter")
			if err != nil {
				return err
			}
			switch name {
			case "CONDSTORE":
				s.CondStore = true
			case "QRESYNC":
				if err := p.sp("QRESYNC"); err != nil {
					return err
				}
				s.QResync, err = p.readQResync()
				return err
			default:
				return badf("Unknown SELECT parameter %q", name)
			}
			return nil
		})
		if err != nil {
			return nil, invalid(err, "Invalid SELECT parameters")
		}
	}
	return s, p.end("SELECT")
}

// readQResync reads "(" uidvalidity SP modseq [SP known-uids]
// [SP "(" known-seqs SP known-uids ")"] ")".
func (p *Parser) readQResync() (*QResyncParam, error) {
	if err := expected(p.d.Byte('('), "Expected \"(\" after QRESYNC"); err != nil {
		return nil, err
	}
	q := &QResyncParam{}
	v, err := p.d.NZNumber()
	if err != nil {
		return nil, invalid(err, "Invalid QRESYNC UIDVALIDITY")
	}
	q.UIDValidity = v
	if err := p.sp("QRESYNC UIDVALIDITY"); err != nil {
		return nil, err
	}
	if q.ModSeq, err = p.d.Number64(); err != nil {
		return nil, invalid(err, "Invalid QRESYNC mod-sequence")
	}
	if p.d.PeekIs(' ') {
		_ = p.d.SP()
		if !p.d.PeekIs('(') {
			if q.KnownUIDs, err = p.set(); err != nil {
				return nil, err
			}
			if p.d.PeekIs(' ') {
				_ = p.d.SP()
			}
		}
		if p.d.PeekIs('(') {
			_ = p.d.Byte('(')
			var m [2]NumSet
			if m[0], err = p.set(); err != nil {
				return nil, err
			}
			if err := p.sp("known sequence set"); err != nil {
				return nil, err
			}
			if m[1], err = p.set(); err != nil {
				return nil, err
			}
			if err := expected(p.d.Byte(')'), "Expected \")\" after known UID set"); err != nil {
				return nil, err
			}
			q.SeqMatch = &m
		}
	}
	return q, expected(p.d.Byte(')'), "Expected \")\" to end QRESYNC parameters")
}

// specialUses are the RFC 6154 attributes, in canonical spelling.
var specialUses = [...]string{`\All`, `\Archive`, `\Drafts`, `\Flagged`, `\Junk`, `\Sent`, `\Trash`}

// readCreate reads mailbox [SP "(" "USE" SP "(" use-attr... ")" ")"]
// (RFC 6154 §5.2). Unknown use-attrs are kept as sent for the server to
// reject with NO [USEATTR].
func (p *Parser) readCreate() (*Create, error) {
	if err := p.sp("CREATE"); err != nil {
		return nil, err
	}
	mbox, err := p.mailbox()
	if err != nil {
		return nil, err
	}
	c := &Create{Mailbox: mbox}
	if p.d.PeekIs(' ') {
		_ = p.d.SP()
		err := p.d.List(func() error {
			name, err := p.keyword("CREATE parameter")
			if err != nil {
				return err
			}
			if name != "USE" {
				return badf("Unknown CREATE parameter %q", name)
			}
			if err := p.sp("USE"); err != nil {
				return err
			}
			return p.d.List(func() error {
				if err := expected(p.d.Byte('\\'), "Expected special-use attribute"); err != nil {
					return err
				}
				a, err := p.d.Atom()
				if err != nil {
					return invalid(err, "Invalid special-use attribute")
				}
				attr := `\` + a
				for _, u := range specialUses {
					if wire.EqualFold(u, attr) {
						attr = u
					}
				}
				if !slices.Contains(c.SpecialUse, attr) {
					c.SpecialUse = append(c.SpecialUse, attr)
				}
				return nil
			})
		})
		if err != nil {
			return nil, invalid(err, "Invalid CREATE parameters")
		}
	}
	return c, p.end("CREATE")
}

func (p *Parser) readMailboxArg(cmd string) (*Mailbox, error) {
	if err := p.sp(cmd); err != nil {
		return nil, err
	}
	mbox, err := p.mailbox()
	if err != nil {
		return nil, err
	}
	return &Mailbox{Name: mbox}, p.end(cmd)
}

func (p *Parser) readRename() (*Rename, error) {
	if err := p.sp("RENAME"); err != nil {
		return nil, err
	}
	from, err := p.mailbox()
	if err != nil {
		return nil, err
	}
	if err := p.sp("mailbox"); err != nil {
		return nil, err
	}
	to, err := p.mailbox()
	if err != nil {
		return nil, err
	}
	return &Rename{From: from, To: to}, p.end("RENAME")
}

// statusItems are the STATUS data items we know (RFC 9051 §6.3.11, RFC 7162,
// RFC 7889).
var statusItems = [...]string{"MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "DELETED", "SIZE",
	"RECENT", "HIGHESTMODSEQ", "APPENDLIMIT", "MAILBOXID",
	"DELETED-STORAGE"} // RFC 9208 §4.1.4

// readStatusItems reads "(" status-att *(SP status-att) ")".
func (p *Parser) readStatusItems() ([]string, error) {
	items := []string{}
	err := p.d.List(func() error {
		it, err := p.keyword("status item")
		if err != nil {
			return err
		}
		if !slices.Contains(statusItems[:], it) {
			return badf("Unknown status item %q", it)
		}
		if !slices.Contains(items, it) {
			items = append(items, it)
		}
		return nil
	})
	if err != nil {
		return nil, invalid(err, "Invalid status items")
	}
	if len(items) == 0 {
		return nil, badf("Empty status item list")
	}
	return items, nil
}

func (p *Parser) readStatus() (*Status, error) {
	if err := p.sp("STATUS"); err != nil {
		return nil, err
	}
	mbox, err := p.mailbox()
	if err != nil {
		return nil, err
	}
	if err := p.sp("mailbox"); err != nil {
		return nil, err
	}
	items, err := p.readStatusItems()
	if err != nil {
		return nil, err
	}
	return &Status{Mailbox: mbox, Items: items}, p.end("STATUS")
}
