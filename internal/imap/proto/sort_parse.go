package proto

import (
	"slices"

	"roost/internal/imap/wire"
)

// SortKey is a SORT criterion (RFC 5256 §3; DISPLAYFROM and DISPLAYTO of
// RFC 5957), upper case.
type SortKey string

const (
	SortArrival     SortKey = "ARRIVAL"
	SortCc          SortKey = "CC"
	SortDate        SortKey = "DATE"
	SortFrom        SortKey = "FROM"
	SortSize        SortKey = "SIZE"
	SortSubject     SortKey = "SUBJECT"
	SortTo          SortKey = "TO"
	SortDisplayFrom SortKey = "DISPLAYFROM"
	SortDisplayTo   SortKey = "DISPLAYTO"
)

// SortCriterion is [REVERSE] sort-key.
type SortCriterion struct {
	Key     SortKey
	Reverse bool
}

// Return options of RFC 5267 (CONTEXT=SEARCH, CONTEXT=SORT), accepted by
// SEARCH and SORT next to those of RFC 4731.
const (
	ReturnUpdate  SearchReturn = "UPDATE"
	ReturnContext SearchReturn = "CONTEXT"
	ReturnPartial SearchReturn = "PARTIAL" // the range is in Partial
)

// PartialRange is the range of PARTIAL low:high (RFC 5267 §4.4), 1-based
// positions in the result; Low <= High ("500:400" is 400:500). FromEnd is
// the "-low:-high" form of RFC 9394 §3.1: positions counted from the last
// result (-1 is the last one); Low and High are then their magnitudes.
type PartialRange struct {
	Low, High uint32
	FromEnd   bool
}

// Sort is SORT/UID SORT (RFC 5256), with the RETURN options of ESORT and
// CONTEXT=SORT (RFC 5267).
type Sort struct {
	// Return is nil without RETURN (a plain "* SORT" response); non-nil
	// but empty for "RETURN ()", meaning ALL.
	Return   []SearchReturn
	Partial  *PartialRange // set when Return has PARTIAL
	Criteria []SortCriterion
	Charset  string // upper-cased; mandatory
	Keys     []SearchKey
}

// CancelUpdate is CANCELUPDATE tag... (RFC 5267 §4.3.5).
type CancelUpdate struct{ Tags []string }

// readSort reads [SP "RETURN" SP "(" return-opts ")"] SP sort-criteria SP
// charset 1*(SP search-key) (RFC 5256 §5, RFC 5267 §5).
func (p *Parser) readSort() (*Sort, error) {
	if err := p.sp("SORT"); err != nil {
		return nil, err
	}
	s := &Sort{}
	if !p.d.PeekIs('(') {
		name, err := p.keyword("RETURN or sort criteria")
		if err != nil {
			return nil, err
		}
		if name != "RETURN" {
			return nil, badf("Expected sort criteria, found %q", name)
		}
		if err := p.sp("RETURN"); err != nil {
			return nil, err
		}
		if s.Return, s.Partial, err = p.readReturnOptions("SORT"); err != nil {
			return nil, err
		}
		if err := p.sp("RETURN options"); err != nil {
			return nil, err
		}
	}
	err := p.d.List(func() error {
		c, err := p.readSortCriterion()
		s.Criteria = append(s.Criteria, c)
		return err
	})
	if err != nil {
		return nil, invalid(err, "Invalid sort criteria")
	}
	if len(s.Criteria) == 0 {
		return nil, badf("Empty sort criteria")
	}
	if err := p.sp("sort criteria"); err != nil {
		return nil, err
	}
	if s.Charset, err = p.readCharset(); err != nil {
		return nil, err
	}
	if s.Keys, err = p.readSearchKeys("charset"); err != nil {
		return nil, err
	}
	return s, p.end("SORT")
}

// readSortCriterion reads ["REVERSE" SP] sort-key.
func (p *Parser) readSortCriterion() (SortCriterion, error) {
	var c SortCriterion
	name, err := p.keyword("sort criterion")
	if err != nil {
		return c, err
	}
	if name == "REVERSE" {
		c.Reverse = true
		if err := p.sp("REVERSE"); err != nil {
			return c, err
		}
		if name, err = p.keyword("sort criterion"); err != nil {
			return c, err
		}
	}
	switch k := SortKey(name); k {
	case SortArrival, SortCc, SortDate, SortFrom, SortSize, SortSubject, SortTo, SortDisplayFrom, SortDisplayTo:
		c.Key = k
		return c, nil
	}
	return c, badf("Unknown sort criterion %q", name)
}

// readCharset reads the mandatory charset (atom or quoted) of SORT and
// THREAD, upper-cased.
func (p *Parser) readCharset() (string, error) {
	cs, err := p.d.AString()
	if err != nil {
		return "", invalid(err, "Invalid charset")
	}
	return wire.ToUpper(cs), nil
}

// readSearchKeys reads SP search-key *(SP search-key), the searching
// criteria that end SORT and THREAD.
func (p *Parser) readSearchKeys(after string) ([]SearchKey, error) {
	var keys []SearchKey
	for {
		if err := p.sp(after); err != nil {
			return nil, err
		}
		name, err := p.searchWord()
		if err != nil {
			return nil, err
		}
		k, err := p.searchKey(name, 0)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
		if !p.d.PeekIs(' ') {
			return keys, nil
		}
		after = "search key"
	}
}

// readReturnOptions reads "(" [return-opt *(SP return-opt)] ")" of SEARCH
// or SORT: MIN, MAX, ALL, COUNT (RFC 4731), SAVE (RFC 5182, SEARCH only),
// CONTEXT, UPDATE and PARTIAL low:high (RFC 5267). The result is never nil.
func (p *Parser) readReturnOptions(cmd string) ([]SearchReturn, *PartialRange, error) {
	opts := []SearchReturn{}
	var partial *PartialRange
	err := p.d.List(func() error {
		name, err := p.keyword("RETURN option")
		if err != nil {
			return err
		}
		r := SearchReturn(name)
		switch r {
		case ReturnMin, ReturnMax, ReturnAll, ReturnCount, ReturnContext, ReturnUpdate:
		case ReturnSave:
			if cmd != "SEARCH" {
				return badf("SAVE is not a %s RETURN option", cmd)
			}
		case ReturnPartial:
			if partial != nil {
				return badf("PARTIAL given twice")
			}
			if err := p.sp("PARTIAL"); err != nil {
				return err
			}
			if partial, err = p.readPartialRange(); err != nil {
				return err
			}
		default:
			return badf("Unknown %s RETURN option %q", cmd, name)
		}
		if !slices.Contains(opts, r) {
			opts = append(opts, r)
		}
		return nil
	})
	if err != nil {
		return nil, nil, invalid(err, "Invalid "+cmd+" RETURN options")
	}
	// RFC 5267 §4.4: one PARTIAL or one ALL, not both.
	if partial != nil && slices.Contains(opts, ReturnAll) {
		return nil, nil, badf("PARTIAL and ALL cannot be combined")
	}
	return opts, partial, nil
}

// readPartialRange reads partial-range = partial-range-first /
// partial-range-last (RFC 9394 §4): nz-number ":" nz-number, or the same
// with both numbers negated ("-1:-100", counted from the end).
func (p *Parser) readPartialRange() (*PartialRange, error) {
	fromEnd := p.d.PeekIs('-')
	lo, err := p.partialBound(fromEnd)
	if err != nil {
		return nil, err
	}
	if err := p.d.Byte(':'); err != nil {
		return nil, expected(err, "Expected \":\" in PARTIAL range")
	}
	hi, err := p.partialBound(fromEnd)
	if err != nil {
		return nil, err
	}
	return &PartialRange{Low: min(lo, hi), High: max(lo, hi), FromEnd: fromEnd}, nil
}

// partialBound reads one end of a PARTIAL range: ["-"] nz-number, the
// minus present exactly when negative (both ends share the sign).
func (p *Parser) partialBound(negative bool) (uint32, error) {
	if p.d.PeekIs('-') != negative {
		return 0, badf("Invalid PARTIAL range: both ends must be negative or both positive")
	}
	if negative {
		if err := p.d.Byte('-'); err != nil {
			return 0, err
		}
	}
	n, err := p.d.NZNumber()
	if err != nil {
		return 0, invalid(err, "Invalid PARTIAL range")
	}
	return n, nil
}

// readCancelUpdate reads 1*(SP quoted) (RFC 5267 §5).
func (p *Parser) readCancelUpdate() (*CancelUpdate, error) {
	c := &CancelUpdate{}
	for {
		if err := p.sp("CANCELUPDATE"); err != nil {
			return nil, err
		}
		tag, err := p.d.Quoted()
		if err != nil {
			return nil, expected(err, "Expected quoted tag")
		}
		c.Tags = append(c.Tags, tag)
		if !p.d.PeekIs(' ') {
			return c, p.end("CANCELUPDATE")
		}
	}
}
