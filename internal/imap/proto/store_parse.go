package proto

import (
	"strings"

	"roost/internal/imap/wire"
)

// systemFlags are the system flags in canonical spelling (RFC 9051 §2.3.2).
var systemFlags = [...]string{`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`, `\Recent`}

// flag reads a flag: "\" atom for a system flag (canonicalised; unknown ones
// are BAD) or an atom keyword (kept as sent). \Recent is returned as is for
// the server to refuse.
func (p *Parser) flag() (string, error) {
	system := p.d.PeekIs('\\')
	if system {
		_ = p.d.Byte('\\')
	}
	a, err := p.d.Atom()
	if err != nil {
		return "", invalid(err, "Invalid flag")
	}
	if !system {
		return a, nil
	}
	f := `\` + a
	for _, s := range systemFlags {
		if wire.EqualFold(s, f) {
			return s, nil
		}
	}
	return "", badf("Unknown system flag %q", f)
}

// flagList reads "(" [flag *(SP flag)] ")"; never nil.
func (p *Parser) flagList() ([]string, error) {
	flags := []string{}
	err := p.d.List(func() error {
		f, err := p.flag()
		if err == nil {
			flags = appendUnique(flags, f)
		}
		return err
	})
	return flags, invalid(err, "Invalid flag list")
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// readStore reads set [SP "(" UNCHANGEDSINCE n ")"] SP ("FLAGS" / "+FLAGS"
// / "-FLAGS")[".SILENT"] SP (flag-list / flag *(SP flag)) (RFC 9051
// §6.4.6, RFC 7162 §3.1.3).
func (p *Parser) readStore() (*Store, error) {
	if err := p.sp("STORE"); err != nil {
		return nil, err
	}
	set, err := p.set()
	if err != nil {
		return nil, err
	}
	s := &Store{Set: set}
	if err := p.sp("sequence set"); err != nil {
		return nil, err
	}
	if p.d.PeekIs('(') {
		err := p.d.List(func() error {
			name, err := p.keyword("STORE modifier")
			if err != nil {
				return err
			}
			if name != "UNCHANGEDSINCE" {
				return badf("Unknown STORE modifier %q", name)
			}
			if err := p.sp("UNCHANGEDSINCE"); err != nil {
				return err
			}
			n, err := p.d.Number64()
			if err != nil {
				return invalid(err, "Invalid UNCHANGEDSINCE value")
			}
			s.UnchangedSince, s.HasUnchanged = n, true
			return nil
		})
		if err != nil {
			return nil, invalid(err, "Invalid STORE modifiers")
		}
		if err := p.sp("STORE modifiers"); err != nil {
			return nil, err
		}
	}
	item, err := p.d.While(func(c byte) bool { return wire.IsAtomChar(c) }, "FLAGS, +FLAGS or -FLAGS")
	if err != nil {
		return nil, invalid(err, "Invalid STORE data item")
	}
	name := wire.ToUpper(item)
	if rest, ok := strings.CutSuffix(name, ".SILENT"); ok {
		s.Silent, name = true, rest
	}
	switch name {
	case "FLAGS":
		s.Op = StoreSet
	case "+FLAGS":
		s.Op = StoreAdd
	case "-FLAGS":
		s.Op = StoreRemove
	default:
		return nil, badf("Invalid STORE data item %q", item)
	}
	if err := p.sp(item); err != nil {
		return nil, err
	}
	if p.d.PeekIs('(') {
		if s.Flags, err = p.flagList(); err != nil {
			return nil, err
		}
	} else {
		s.Flags = []string{}
		for {
			f, err := p.flag()
			if err != nil {
				return nil, err
			}
			s.Flags = appendUnique(s.Flags, f)
			if !p.d.PeekIs(' ') {
				break
			}
			_ = p.d.SP()
		}
	}
	return s, p.end("STORE")
}

// readCopy reads set SP mailbox for COPY and MOVE.
func (p *Parser) readCopy(cmd string) (*Copy, error) {
	if err := p.sp(cmd); err != nil {
		return nil, err
	}
	set, err := p.set()
	if err != nil {
		return nil, err
	}
	if err := p.sp("sequence set"); err != nil {
		return nil, err
	}
	mbox, err := p.mailbox()
	if err != nil {
		return nil, err
	}
	return &Copy{Set: set, Mailbox: mbox}, p.end(cmd)
}

// readUIDExpunge reads the set of UID EXPUNGE (RFC 4315 §2.1).
func (p *Parser) readUIDExpunge() (*Expunge, error) {
	if err := p.sp("EXPUNGE"); err != nil {
		return nil, err
	}
	set, err := p.set()
	if err != nil {
		return nil, err
	}
	return &Expunge{Set: set}, p.end("EXPUNGE")
}
