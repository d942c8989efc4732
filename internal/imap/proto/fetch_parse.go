package proto

import (
	"slices"
	"strconv"
	"strings"

	"roost/internal/imap/wire"
)

// fetchMacro expands the fetch macros (RFC 9051 §6.4.5); nil if name is
// not one.
func fetchMacro(name string) []FetchAttr {
	switch name {
	case "FAST":
		return []FetchAttr{FetchFlags, FetchInternalDate, FetchRFC822Size}
	case "ALL":
		return []FetchAttr{FetchFlags, FetchInternalDate, FetchRFC822Size, FetchEnvelope}
	case "FULL":
		return []FetchAttr{FetchFlags, FetchInternalDate, FetchRFC822Size, FetchEnvelope, FetchBody}
	}
	return nil
}

func isFetchNameChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// readFetch reads set SP (macro / fetch-att / "(" fetch-att *(SP fetch-att)
// ")") [SP "(" fetch-modifier *(SP fetch-modifier) ")"].
func (p *Parser) readFetch(uid bool) (*Fetch, error) {
	if err := p.sp("FETCH"); err != nil {
		return nil, err
	}
	set, err := p.set()
	if err != nil {
		return nil, err
	}
	f := &Fetch{Set: set}
	if err := p.sp("sequence set"); err != nil {
		return nil, err
	}
	if p.d.PeekIs('(') {
		err := p.d.List(func() error {
			name, err := p.d.While(isFetchNameChar, "fetch attribute")
			if err != nil {
				return invalid(err, "Invalid fetch attribute")
			}
			it, err := p.fetchAtt(wire.ToUpper(name))
			if err == nil {
				f.Items = append(f.Items, it)
			}
			return err
		})
		if err != nil {
			return nil, invalid(err, "Invalid fetch attribute list")
		}
		if len(f.Items) == 0 {
			return nil, badf("Empty fetch attribute list")
		}
	} else {
		name, err := p.d.While(isFetchNameChar, "fetch attribute")
		if err != nil {
			return nil, invalid(err, "Invalid fetch attribute")
		}
		n := wire.ToUpper(name)
		if macro := fetchMacro(n); macro != nil {
			for _, a := range macro {
				f.Items = append(f.Items, FetchItem{Attr: a})
			}
		} else {
			it, err := p.fetchAtt(n)
			if err != nil {
				return nil, err
			}
			f.Items = []FetchItem{it}
		}
	}
	if p.d.PeekIs(' ') {
		_ = p.d.SP()
		if err := p.readFetchModifiers(f, uid); err != nil {
			return nil, err
		}
	}
	return f, p.end("FETCH")
}

// fetchAtt reads what follows the name of one fetch-att.
func (p *Parser) fetchAtt(name string) (FetchItem, error) {
	switch FetchAttr(name) {
	case FetchFlags, FetchInternalDate, FetchRFC822Size, FetchEnvelope, FetchBodyStructure,
		FetchUID, FetchModSeq, FetchRFC822, FetchRFC822Header, FetchRFC822Text:
		return FetchItem{Attr: FetchAttr(name)}, nil
	}
	if it, ok, err := p.fetchAttExt(name); ok { // extensions_parse.go
		return it, err
	}
	var it FetchItem
	binary := false
	switch name {
	case "BODY":
		if !p.d.PeekIs('[') {
			return FetchItem{Attr: FetchBody}, nil
		}
		it.Attr = FetchBodySection
	case "BODY.PEEK":
		it.Attr, it.Peek = FetchBodySection, true
	case "BINARY":
		it.Attr, binary = FetchBinary, true
	case "BINARY.PEEK":
		it.Attr, it.Peek, binary = FetchBinary, true, true
	case "BINARY.SIZE":
		it.Attr, binary = FetchBinarySize, true
	case "ALL", "FAST", "FULL":
		return it, badf("Fetch macro %s cannot be in a list", name)
	default:
		return it, badf("Unknown fetch attribute %q", name)
	}
	if !p.d.PeekIs('[') {
		return it, badf("Expected \"[\" after %s", name)
	}
	sec, err := p.section(binary)
	if err != nil {
		return it, err
	}
	it.Section = sec
	if p.d.PeekIs('<') {
		if it.Attr == FetchBinarySize {
			return it, badf("BINARY.SIZE takes no partial")
		}
		if err := p.partial(sec); err != nil {
			return it, err
		}
	}
	return it, nil
}

// section reads "[" section-spec "]" (RFC 9051 §9 section), or for binary
// "[" [section-part] "]" (RFC 3516).
func (p *Parser) section(binary bool) (*Section, error) {
	sec := &Section{Count: -1}
	_ = p.d.Byte('[')
	if p.d.PeekIs(']') {
		_ = p.d.Byte(']')
		return sec, nil
	}
	spec, err := p.d.While(isFetchNameChar, "section")
	if err != nil {
		return nil, invalid(err, "Invalid section")
	}
	parts := strings.Split(spec, ".")
	if slices.Contains(parts, "") {
		return nil, badf("Invalid section %q", spec)
	}
	i := 0
	for ; i < len(parts); i++ {
		if parts[i] == "" || parts[i][0] < '0' || parts[i][0] > '9' {
			break
		}
		n, err := strconv.ParseUint(parts[i], 10, 32)
		if err != nil || n == 0 {
			return nil, badf("Invalid section part number %q", parts[i])
		}
		sec.Part = append(sec.Part, int(n))
	}
	text := wire.ToUpper(strings.Join(parts[i:], "."))
	switch SectionSpecifier(text) {
	case SectionAll:
	case SectionHeader, SectionText, SectionHeaderFields, SectionHeaderFieldsNot:
		if binary {
			return nil, badf("Invalid binary section %q", spec)
		}
	case SectionMIME:
		if binary || len(sec.Part) == 0 {
			return nil, badf("Invalid section %q", spec)
		}
	default:
		return nil, badf("Invalid section %q", spec)
	}
	sec.Specifier = SectionSpecifier(text)
	if sec.Specifier == SectionHeaderFields || sec.Specifier == SectionHeaderFieldsNot {
		if err := p.sp(text); err != nil {
			return nil, err
		}
		err := p.d.List(func() error {
			name, err := p.d.AString()
			if err == nil {
				sec.Fields = append(sec.Fields, name)
			}
			return invalid(err, "Invalid header field name")
		})
		if err != nil {
			return nil, invalid(err, "Invalid header field list")
		}
		if len(sec.Fields) == 0 {
			return nil, badf("Empty header field list")
		}
	}
	if err := p.d.Byte(']'); err != nil {
		return nil, expected(err, "Expected \"]\" to end section")
	}
	return sec, nil
}

// partial reads "<" number64 "." nz-number64 ">".
func (p *Parser) partial(sec *Section) error {
	_ = p.d.Byte('<')
	off, err := p.d.Number64()
	if err != nil {
		return invalid(err, "Invalid partial offset")
	}
	if err := p.d.Byte('.'); err != nil {
		return expected(err, "Expected \".\" in partial")
	}
	count, err := p.d.Number64()
	if err != nil {
		return invalid(err, "Invalid partial count")
	}
	if count == 0 {
		return badf("Partial count must not be zero")
	}
	if err := p.d.Byte('>'); err != nil {
		return expected(err, "Expected \">\" to end partial")
	}
	sec.Offset, sec.Count = int64(off), int64(count)
	return nil
}

// readFetchModifiers reads "(" fetch-modifier *(SP fetch-modifier) ")"
// (RFC 4466): CHANGEDSINCE (RFC 7162 §3.1.4) and VANISHED (§3.2.6).
func (p *Parser) readFetchModifiers(f *Fetch, uid bool) error {
	err := p.d.List(func() error {
		name, err := p.keyword("FETCH modifier")
		if err != nil {
			return err
		}
		switch name {
		case "CHANGEDSINCE":
			if err := p.sp("CHANGEDSINCE"); err != nil {
				return err
			}
			n, err := p.d.Number64()
			if err != nil {
				return invalid(err, "Invalid CHANGEDSINCE value")
			}
			if n == 0 {
				return badf("CHANGEDSINCE must be a positive mod-sequence")
			}
			f.ChangedSince = n
		case "VANISHED":
			f.Vanished = true
		case "PARTIAL": // RFC 9394 §3.3
			if f.Partial != nil {
				return badf("PARTIAL given twice")
			}
			if err := p.sp("PARTIAL"); err != nil {
				return err
			}
			if f.Partial, err = p.readPartialRange(); err != nil {
				return err
			}
		default:
			return badf("Unknown FETCH modifier %q", name)
		}
		return nil
	})
	if err != nil {
		return invalid(err, "Invalid FETCH modifiers")
	}
	if f.Partial != nil && !uid {
		// RFC 9394 §3.3 extends UID FETCH only.
		return badf("PARTIAL requires UID FETCH")
	}
	if f.Vanished && (!uid || f.ChangedSince == 0) {
		// RFC 7162 §3.2.6: only in UID FETCH, and only with CHANGEDSINCE.
		return badf("VANISHED requires UID FETCH and CHANGEDSINCE")
	}
	return nil
}
