package proto

// Threading algorithms of RFC 5256 §3.
const (
	ThreadOrderedSubject = "ORDEREDSUBJECT"
	ThreadReferences     = "REFERENCES"
)

// Thread is THREAD/UID THREAD (RFC 5256).
type Thread struct {
	// Algorithm is upper case. Unknown algorithms parse (thread-alg-ext is
	// any atom); the server answers them with BAD.
	Algorithm string
	Charset   string // upper-cased; mandatory
	Keys      []SearchKey
}

// readThread reads SP thread-alg SP charset 1*(SP search-key)
// (RFC 5256 §5).
func (p *Parser) readThread() (*Thread, error) {
	if err := p.sp("THREAD"); err != nil {
		return nil, err
	}
	t := &Thread{}
	var err error
	if t.Algorithm, err = p.keyword("threading algorithm"); err != nil {
		return nil, err
	}
	if err := p.sp("threading algorithm"); err != nil {
		return nil, err
	}
	if t.Charset, err = p.readCharset(); err != nil {
		return nil, err
	}
	if t.Keys, err = p.readSearchKeys("charset"); err != nil {
		return nil, err
	}
	return t, p.end("THREAD")
}
