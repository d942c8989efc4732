package server

import (
	"slices"
	"strconv"

	"roost/internal/imap/proto"
	"roost/internal/imap/wire"
	"roost/internal/store"
)

// fetchBatch is how many messages are loaded from (or changed in) the
// store at a time: enough to amortise the query, few enough to keep memory
// flat on a 100,000-message FETCH 1:*.
const fetchBatch = 1000

// fetchPlan is a FETCH command made ready to run: the items in the order
// they are answered, and what has to be loaded for them.
type fetchPlan struct {
	items []proto.FetchItem
	// opts says which parse results to load with the message metadata.
	opts store.FetchOptions
	// needBlob: some item reads the message bytes.
	needBlob bool
	// setSeen: some item implicitly sets \Seen (RFC 9051 §6.4.5).
	setSeen bool
	// hasFlags: FLAGS was asked for, so an implicit \Seen change needs no
	// extra FLAGS item.
	hasFlags bool
	// changedSince is the CHANGEDSINCE modifier (RFC 7162 §3.1.4.1), 0 if
	// absent.
	changedSince uint64
}

// planFetch orders and checks the requested items. The answer follows the
// request order, except that UID FETCH always answers UID first (RFC 9051
// §6.4.9 requires UID in every UID FETCH response; putting it first lets a
// client match the response before the literals). Repeated simple items
// are answered once.
func planFetch(f *proto.Fetch, uid bool) (*fetchPlan, error) {
	p := &fetchPlan{changedSince: f.ChangedSince}
	seen := make(map[proto.FetchAttr]bool)
	if uid {
		p.items = append(p.items, proto.FetchItem{Attr: proto.FetchUID})
		seen[proto.FetchUID] = true
	}
	items := f.Items
	if f.ChangedSince > 0 {
		// CHANGEDSINCE implies MODSEQ (RFC 7162 §3.1.4.1).
		items = append(slices.Clip(items), proto.FetchItem{Attr: proto.FetchModSeq})
	}
	for _, it := range items {
		switch it.Attr {
		case proto.FetchBodySection, proto.FetchBinary, proto.FetchBinarySize:
			if it.Section == nil {
				it.Section = &proto.Section{Count: -1}
			}
			if it.Attr != proto.FetchBodySection && it.Section.Specifier != proto.SectionAll {
				return nil, errBad("BINARY takes part numbers only")
			}
			p.needBlob = true
			// Sections of nested parts need the MIME tree, the header
			// and the text the root's; the whole message (BODY[], the
			// common full download) needs neither.
			if !wholeMessage(it.Section) || it.Attr != proto.FetchBodySection {
				p.opts.Structure = true
			}
			if it.Attr != proto.FetchBinarySize && !it.Peek {
				p.setSeen = true
			}
			p.items = append(p.items, it)
			continue
		case proto.FetchRFC822:
			p.setSeen = true
			p.needBlob = true
		case proto.FetchRFC822Text:
			p.setSeen = true
			p.needBlob = true
			p.opts.Structure = true
		case proto.FetchRFC822Header:
			p.needBlob = true
			p.opts.Structure = true
		case proto.FetchEnvelope, proto.FetchBody, proto.FetchBodyStructure:
			p.opts.Structure = true
		case proto.FetchFlags:
			p.hasFlags = true
		case proto.FetchUID, proto.FetchInternalDate, proto.FetchRFC822Size, proto.FetchModSeq:
		default:
			if planFetchExt(p, it) { // fetch_ext.go
				break
			}
			return nil, errBad("Unknown FETCH item " + string(it.Attr))
		}
		if seen[it.Attr] {
			continue
		}
		seen[it.Attr] = true
		p.items = append(p.items, it)
	}
	p.opts.NoBlobID = !itemsNeedBlobID(p.items) // fetch_metaonly.go
	return p, nil
}

// rfc822Section is the body section an RFC822* item stands for
// (RFC 9051 §6.4.5: RFC822 = BODY[], RFC822.HEADER = BODY.PEEK[HEADER],
// RFC822.TEXT = BODY[TEXT]).
func rfc822Section(attr proto.FetchAttr) *proto.Section {
	switch attr {
	case proto.FetchRFC822Header:
		return &proto.Section{Specifier: proto.SectionHeader, Count: -1}
	case proto.FetchRFC822Text:
		return &proto.Section{Specifier: proto.SectionText, Count: -1}
	}
	return &proto.Section{Specifier: proto.SectionAll, Count: -1}
}

// appendItemName appends the name an item is answered with: "BODY[1.2.MIME]",
// "BODY[HEADER.FIELDS (From To)]<100>", "BINARY[2]", "BINARY.SIZE[2]", or
// the attribute itself. .PEEK never appears in responses, and a partial
// shows only its origin octet (RFC 9051 §7.5.2).
func appendItemName(dst []byte, it *proto.FetchItem) []byte {
	var prefix string
	switch it.Attr {
	case proto.FetchBodySection:
		prefix = "BODY["
	case proto.FetchBinary:
		prefix = "BINARY["
	case proto.FetchBinarySize:
		prefix = "BINARY.SIZE["
	default:
		return append(dst, it.Attr...)
	}
	dst = append(dst, prefix...)
	sec := it.Section
	for i, n := range sec.Part {
		if i > 0 {
			dst = append(dst, '.')
		}
		dst = strconv.AppendInt(dst, int64(n), 10)
	}
	if sec.Specifier != proto.SectionAll {
		if len(sec.Part) > 0 {
			dst = append(dst, '.')
		}
		dst = append(dst, sec.Specifier...)
	}
	if sec.Specifier == proto.SectionHeaderFields || sec.Specifier == proto.SectionHeaderFieldsNot {
		// The field names are echoed as the client spelled them, so that
		// it can match the answer to its request.
		dst = append(dst, " ("...)
		for i, f := range sec.Fields {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = appendAString(dst, f)
		}
		dst = append(dst, ')')
	}
	dst = append(dst, ']')
	if it.Attr != proto.FetchBinarySize && sec.Count >= 0 {
		dst = append(dst, '<')
		dst = strconv.AppendInt(dst, sec.Offset, 10)
		dst = append(dst, '>')
	}
	return dst
}

// appendAString appends s as an atom when it is one, else quoted. Header
// field names are printable ASCII without ':' (RFC 5322 §3.6.8), so the
// quoted form always suffices.
func appendAString(dst []byte, s string) []byte {
	if isAtom(s) {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

func isAtom(s string) bool {
	if s == "" || !wire.Quotable(s, false) {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c <= ' ' || c >= 0x7f:
			return false
		case c == '(' || c == ')' || c == '{' || c == '%' || c == '*' || c == '"' || c == '\\' || c == ']':
			return false
		}
	}
	return true
}

// wholeMessage reports whether sec is the whole message, BODY[] (or
// BODY[]<partial>), which is read from the message bytes alone.
func wholeMessage(sec *proto.Section) bool {
	return len(sec.Part) == 0 && sec.Specifier == proto.SectionAll
}
