package search

import (
	"strings"

	"golang.org/x/text/cases"
)

// String keys match as case-insensitive substrings of the decoded UTF-8
// text that the MIME parser stored: header values with RFC 2047 words
// decoded, and body text with transfer encodings and charsets undone.
// RFC 9051 §6.4.4 asks for ASCII case-insensitivity at least; Unicode case
// folding on both sides gives it for every script ("STRASSE" finds
// "straße").

// fold returns s case-folded with the evaluator's caser, which is created
// on first use (a Caser keeps state and is not shared between goroutines).
func (e *evaluator) fold(s string) string {
	return foldWith(&e.caser, s)
}

// Fold case-folds s exactly as Match folds header values, body text and
// search strings: the one definition of the folding that a store indexing
// folded text (IndexedHeaders) must share with Match.
func Fold(s string) string {
	var caser *cases.Caser
	return foldWith(&caser, s)
}

// foldWith is Unicode case folding (i;unicode-casemap) with *caser, created
// on first use, and without it for ASCII text.
func foldWith(caser **cases.Caser, s string) string {
	if f, ok := foldASCII(s); ok {
		return f
	}
	if *caser == nil {
		c := cases.Fold()
		*caser = &c
	}
	return (*caser).String(s)
}

// foldASCII is fold for pure ASCII text, where Unicode case folding is
// exactly mapping A-Z to a-z: it allocates only if s has an upper-case
// letter, and never runs the x/text transformer. ok is false if s has a
// non-ASCII byte.
func foldASCII(s string) (string, bool) {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return "", false
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	if !upper {
		return s, true
	}
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return string(b), true
}

// headerValues returns the folded values of the message's header fields,
// parallel to m.Parsed.Headers, computing them once per message.
func (e *evaluator) headerValues() []string {
	p := e.m.Parsed
	if p == nil {
		return nil
	}
	for i := range p.Headers {
		e.headerValue(i)
	}
	return e.foldedHeads
}

// headerValue returns the folded value of header field i, folding it on
// first use only, so that SUBJECT folds the Subject field and no other.
func (e *evaluator) headerValue(i int) string {
	p := e.m.Parsed
	if e.foldedHeads == nil {
		e.foldedHeads = make([]string, len(p.Headers))
		e.headFolded = make([]bool, len(p.Headers))
	}
	if !e.headFolded[i] {
		e.foldedHeads[i] = e.fold(p.Headers[i].Value)
		e.headFolded[i] = true
	}
	return e.foldedHeads[i]
}

// header implements HEADER field value (and SUBJECT, FROM, ... which are
// HEADER on their field): some field of that name (case-insensitive)
// contains value; an empty value only asks for the field to exist.
func (e *evaluator) header(field, value string) bool {
	p := e.m.Parsed
	if p == nil {
		return false
	}
	needle := e.fold(value)
	for i, f := range p.Headers {
		if strings.EqualFold(f.Name, field) && strings.Contains(e.headerValue(i), needle) {
			return true
		}
	}
	return false
}

// body implements BODY: the text of the body parts only.
func (e *evaluator) body(value string) bool {
	p := e.m.Parsed
	if p == nil {
		return false
	}
	if e.foldedBody == nil {
		b := e.fold(p.BodyText)
		e.foldedBody = &b
	}
	return strings.Contains(*e.foldedBody, e.fold(value))
}

// text implements TEXT: any header line ("Name: value") or the body.
func (e *evaluator) text(value string) bool {
	p := e.m.Parsed
	if p == nil {
		return false
	}
	needle := e.fold(value)
	values := e.headerValues()
	for i, f := range p.Headers {
		if strings.Contains(values[i], needle) {
			return true
		}
		if strings.Contains(e.fold(f.Name)+": "+values[i], needle) {
			return true
		}
	}
	return e.body(value)
}
