package proto

import (
	"roost/internal/imap/wire"
)

// Parsing of the smaller extensions: OBJECTID (RFC 8474), SAVEDATE
// (RFC 8514), PREVIEW (RFC 8970), REPLACE (RFC 8508) and the UTF8 append
// data of UTF8=ACCEPT (RFC 6855).

// FETCH data items of the extensions.
const (
	FetchEmailID  FetchAttr = "EMAILID"  // RFC 8474 §5.3
	FetchThreadID FetchAttr = "THREADID" // RFC 8474 §5.3
	FetchSaveDate FetchAttr = "SAVEDATE" // RFC 8514 §4.2
	FetchPreview  FetchAttr = "PREVIEW"  // RFC 8970 §3; FetchItem.Lazy for (LAZY)
)

// SEARCH keys of the extensions.
const (
	SearchEmailID           SearchOp = "EMAILID"     // Value: objectid (RFC 8474 §5.4)
	SearchThreadID          SearchOp = "THREADID"    // Value: objectid
	SearchSavedBefore       SearchOp = "SAVEDBEFORE" // Date (RFC 8514 §4.3)
	SearchSavedOn           SearchOp = "SAVEDON"
	SearchSavedSince        SearchOp = "SAVEDSINCE"
	SearchSaveDateSupported SearchOp = "SAVEDATESUPPORTED"
)

// Replace is REPLACE/UID REPLACE number mailbox (RFC 8508 §3.2); the
// message follows on the wire like an APPEND's and is read with
// ReadAppendMessage and AppendEnd (which must report no further message).
type Replace struct {
	Num     uint32 // sequence number, or UID for UID REPLACE
	Mailbox string
}

// fetchAttExt reads the fetch-att names of the extensions; ok is false for
// other names.
func (p *Parser) fetchAttExt(name string) (it FetchItem, ok bool, err error) {
	switch FetchAttr(name) {
	case FetchEmailID, FetchThreadID, FetchSaveDate:
		return FetchItem{Attr: FetchAttr(name)}, true, nil
	case FetchPreview:
	default:
		return it, false, nil
	}
	it.Attr = FetchPreview
	// "PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"] (RFC 8970 §7).
	// The SP is also what separates fetch attributes, and "(" also starts
	// the FETCH modifiers after a lone attribute, so the modifier list is
	// recognised by its only modifier, looking only at bytes already
	// received (a line arrives whole in practice; if it has not, " (" is
	// taken as the modifier list, which inside a fetch-att list it must
	// be).
	next := p.d.PeekN(6)
	if len(next) < 2 || next[0] != ' ' || next[1] != '(' {
		return it, true, nil
	}
	if len(next) == 6 && wire.ToUpper(string(next)) != " (LAZY" {
		return it, true, nil // FETCH modifiers after a lone PREVIEW
	}
	_ = p.d.SP()
	err = p.d.List(func() error {
		mod, err := p.keyword("PREVIEW modifier")
		if err != nil {
			return err
		}
		if mod != "LAZY" {
			return badf("Unknown PREVIEW modifier %q", mod)
		}
		it.Lazy = true
		return nil
	})
	return it, true, invalid(err, "Invalid PREVIEW modifiers")
}

// searchKeyExt reads the search keys of the extensions into k; ok is false
// for other names.
func (p *Parser) searchKeyExt(name string, k *SearchKey) (ok bool, err error) {
	switch SearchOp(name) {
	case SearchEmailID, SearchThreadID:
		if err = p.sp(name); err != nil {
			return true, err
		}
		// objectid = 1*255(ALPHA / DIGIT / "_" / "-") (RFC 8474 §7):
		// all atom characters.
		v, err := p.d.Atom()
		if err != nil {
			return true, invalid(err, "Invalid "+name+" objectid")
		}
		if !validObjectID(v) {
			return true, badf("Invalid %s objectid %q", name, v)
		}
		k.Value = v
		return true, nil
	case SearchSavedBefore, SearchSavedOn, SearchSavedSince:
		if err = p.sp(name); err == nil {
			k.Date, err = p.searchDate()
		}
		return true, err
	case SearchSaveDateSupported:
		return true, nil
	}
	return false, nil
}

func validObjectID(s string) bool {
	if len(s) == 0 || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// readReplace reads SP number SP mailbox of REPLACE (RFC 8508 §5: the
// append-message follows and is read like an APPEND's).
func (p *Parser) readReplace() (*Replace, error) {
	if err := p.sp("REPLACE"); err != nil {
		return nil, err
	}
	n, err := p.d.NZNumber()
	if err != nil {
		return nil, invalid(err, "Invalid message number")
	}
	if err := p.sp("message number"); err != nil {
		return nil, err
	}
	mbox, err := p.mailbox()
	if err != nil {
		return nil, err
	}
	if !p.d.PeekIs(' ') {
		return nil, expected(orSyntax(p.d.SP()), "Expected SP after mailbox")
	}
	return &Replace{Num: n, Mailbox: mbox}, nil
}

// appendUTF8Open reads the "UTF8 (" that opens the UTF8 append data of
// RFC 6855 §4 ("UTF8" SP "(" literal8 ")"), if it is there. The closing
// ")" is read by AppendEnd.
func (p *Parser) appendUTF8Open() (bool, error) {
	if !p.d.PeekIs('U') && !p.d.PeekIs('u') {
		return false, nil
	}
	w, err := p.d.Atom()
	if err != nil {
		return false, invalid(err, "Expected message literal")
	}
	if wire.ToUpper(w) != "UTF8" {
		return false, badf("Expected message literal or UTF8, got %q", w)
	}
	if err := p.sp("UTF8"); err != nil {
		return false, err
	}
	if err := p.d.Byte('('); err != nil {
		return false, expected(err, "Expected \"(\" after UTF8")
	}
	if !p.d.Literal8Next() {
		return false, badf("UTF8 data must be a literal8 (~{n})")
	}
	return true, nil
}
