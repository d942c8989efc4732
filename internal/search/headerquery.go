package search

import (
	"strings"

	"roost/internal/imap/proto"
	"roost/internal/mime"
)

// A SEARCH on Subject, From, To, Cc and Bcc alone (the fields clients
// search most) need not load and fold every message's header fields: the
// store keeps, per message, the folded values of those five fields
// (IndexedHeaders) and tests them itself (a HeaderQuery), returning only
// the UIDs that match. The results are those of Match by construction:
// the same folding (Fold) on both sides, the same field-name comparison,
// and a substring test that cannot match across two occurrences of a
// field (HeaderSeparator).

// HeaderField is one of the header fields the store indexes for SEARCH.
type HeaderField int

const (
	HeaderSubject HeaderField = iota
	HeaderFrom
	HeaderTo
	HeaderCc
	HeaderBcc
	NumHeaderFields
)

// headerFieldNames are the field names of the HeaderField values, compared
// with strings.EqualFold as header does.
var headerFieldNames = [NumHeaderFields]string{"Subject", "From", "To", "Cc", "Bcc"}

// HeaderSeparator separates the folded values of several occurrences of a
// field in IndexedHeaders. A needle without it (CompileHeaderQuery refuses
// the others) can only match inside one value, as header compares each
// occurrence on its own.
const HeaderSeparator = "\x00"

// IndexedHeaders returns, for each HeaderField, the folded values of the
// message's fields of that name joined by HeaderSeparator, in header
// order, each address field's value followed by its address forms (what
// FROM, TO, CC and BCC match besides the text, address.go), and whether
// the message has such a field at all (a field with an empty value is
// present: SUBJECT "" matches it).
func IndexedHeaders(fields []mime.Field) (values [NumHeaderFields]string, present [NumHeaderFields]bool) {
	var parts [NumHeaderFields][]string
	for _, f := range fields {
		for i, name := range headerFieldNames {
			if strings.EqualFold(f.Name, name) {
				folded := Fold(f.Value)
				parts[i] = append(parts[i], folded)
				if HeaderField(i) != HeaderSubject {
					// FROM, TO, CC and BCC also match the field's
					// addresses (address.go): after its value, in the
					// same list, since a needle matches one piece only.
					parts[i] = append(parts[i], addressForms(Fold, f.Value, folded)...)
				}
			}
		}
	}
	for i := range parts {
		if parts[i] != nil {
			values[i] = strings.Join(parts[i], HeaderSeparator)
			present[i] = true
		}
	}
	return values, present
}

// HeaderOp is the operator of a HeaderQuery node.
type HeaderOp int

const (
	HeaderTrue     HeaderOp = iota // every message (ALL, and top-level UID or sequence sets, already applied)
	HeaderContains                 // Field has an occurrence whose folded value contains Needle
	HeaderNot                      // Kids[0] is false
	HeaderAnd                      // every kid is true
	HeaderOr                       // some kid is true
)

// HeaderQuery is a SEARCH program over the indexed header fields only.
type HeaderQuery struct {
	Op     HeaderOp
	Field  HeaderField // HeaderContains
	Needle string      // HeaderContains: folded; "" asks only for the field to exist
	Kids   []HeaderQuery
}

// CompileHeaderQuery turns keys (the top-level keys of a SEARCH, ANDed)
// into a HeaderQuery, if they test nothing but the indexed header fields,
// combined with NOT, OR, AND and ALL. Top-level UID and sequence-set keys
// are allowed and become HeaderTrue: the caller must have applied them to
// the UIDs it searches (as the server's prefilter does). ok is false for
// anything else, and for a program without a header key.
func CompileHeaderQuery(keys []proto.SearchKey) (q *HeaderQuery, ok bool) {
	c := headerCompiler{}
	root := HeaderQuery{Op: HeaderAnd}
	for i := range keys {
		k := &keys[i]
		if k.Op == proto.SearchUID || k.Op == proto.SearchSeqSet {
			continue
		}
		node, ok := c.compile(k)
		if !ok {
			return nil, false
		}
		root.Kids = append(root.Kids, node)
	}
	if !c.sawHeader {
		return nil, false
	}
	return &root, true
}

// maxHeaderQueryNodes bounds the size of a HeaderQuery, and so the depth
// of the expression a store builds from it (SQLite refuses expressions
// deeper than 1000): a larger program takes the general path.
const maxHeaderQueryNodes = 200

type headerCompiler struct {
	sawHeader bool
	nodes     int
}

func (c *headerCompiler) compile(k *proto.SearchKey) (HeaderQuery, bool) {
	c.nodes++
	if c.nodes > maxHeaderQueryNodes {
		return HeaderQuery{}, false
	}
	switch k.Op {
	case proto.SearchAll:
		return HeaderQuery{Op: HeaderTrue}, true
	case proto.SearchSubject:
		return c.contains(HeaderSubject, k.Value)
	case proto.SearchFrom:
		return c.contains(HeaderFrom, k.Value)
	case proto.SearchTo:
		return c.contains(HeaderTo, k.Value)
	case proto.SearchCc:
		return c.contains(HeaderCc, k.Value)
	case proto.SearchBcc:
		return c.contains(HeaderBcc, k.Value)
	case proto.SearchHeader:
		// HEADER Subject "x" is SUBJECT "x"; EqualFold is an equivalence,
		// so the fields it finds are the same. HEADER From "x" is not
		// FROM "x": it matches the text only, which the index does not
		// keep apart from the address forms, so it takes the general path.
		if strings.EqualFold(k.Field, headerFieldNames[HeaderSubject]) {
			return c.contains(HeaderSubject, k.Value)
		}
	case proto.SearchNot:
		if len(k.Keys) == 1 {
			kid, ok := c.compile(&k.Keys[0])
			return HeaderQuery{Op: HeaderNot, Kids: []HeaderQuery{kid}}, ok
		}
	case proto.SearchOr:
		if len(k.Keys) == 2 {
			return c.group(HeaderOr, k.Keys)
		}
	case proto.SearchAnd:
		return c.group(HeaderAnd, k.Keys)
	}
	return HeaderQuery{}, false
}

func (c *headerCompiler) group(op HeaderOp, keys []proto.SearchKey) (HeaderQuery, bool) {
	q := HeaderQuery{Op: op, Kids: make([]HeaderQuery, 0, len(keys))}
	for i := range keys {
		kid, ok := c.compile(&keys[i])
		if !ok {
			return q, false
		}
		q.Kids = append(q.Kids, kid)
	}
	return q, true
}

func (c *headerCompiler) contains(f HeaderField, value string) (HeaderQuery, bool) {
	needle := Fold(value)
	if strings.Contains(needle, HeaderSeparator) {
		return HeaderQuery{}, false
	}
	c.sawHeader = true
	return HeaderQuery{Op: HeaderContains, Field: f, Needle: needle}, true
}

// Eval evaluates q over the folded fields of one message as IndexedHeaders
// returns them: the meaning a store's own evaluation must have, and what
// tests compare Match with.
func (q *HeaderQuery) Eval(values *[NumHeaderFields]string, present *[NumHeaderFields]bool) bool {
	switch q.Op {
	case HeaderTrue:
		return true
	case HeaderContains:
		return present[q.Field] && strings.Contains(values[q.Field], q.Needle)
	case HeaderNot:
		return !q.Kids[0].Eval(values, present)
	case HeaderAnd:
		for i := range q.Kids {
			if !q.Kids[i].Eval(values, present) {
				return false
			}
		}
		return true
	case HeaderOr:
		for i := range q.Kids {
			if q.Kids[i].Eval(values, present) {
				return true
			}
		}
		return false
	}
	return false
}
