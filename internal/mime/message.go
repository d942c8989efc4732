// Package mime parses a stored message once, on arrival, into what IMAP
// FETCH, SEARCH and SORT need: the part tree with byte offsets, envelopes,
// decoded header fields and decoded body text. It never fails on malformed
// mail: whatever the bytes, the result is a structure a client can use.
package mime

import (
	"errors"
	"io"
	"time"
)

// Message is the parse result of one message.
type Message struct {
	// Root is the top-level part: its header is the message header, and
	// its Envelope is the message's ENVELOPE.
	Root *Part

	// Date is the parsed Date header (zero if absent or unparseable).
	Date time.Time
	// Headers are the top-level header fields, unfolded, with RFC 2047
	// encoded-words decoded and the value converted to UTF-8. Names keep
	// their original spelling. Used by SEARCH HEADER/SUBJECT/FROM/...
	Headers []Field
	// BodyText is the text of every text/* part (and of the headers of
	// nested messages), transfer-decoded and converted to UTF-8, parts
	// separated by "\n". Used by SEARCH BODY/TEXT.
	BodyText string
}

// Field is one header field.
type Field struct {
	Name  string
	Value string
}

// Parse parses the size bytes of a message read from r. It returns an error
// only if reading fails: malformed mail still gives a usable structure.
func Parse(r io.ReaderAt, size int64) (*Message, error) {
	if size < 0 {
		return nil, errors.New("mime.Parse: negative size")
	}
	buf := make([]byte, size)
	if _, err := r.ReadAt(buf, 0); err != nil && !(err == io.EOF && size == 0) {
		if err != io.EOF {
			return nil, err
		}
		return nil, io.ErrUnexpectedEOF
	}
	return ParseBytes(buf), nil
}

// ParseBytes parses a message held in memory. buf is not retained.
func ParseBytes(buf []byte) *Message {
	m := &Message{Root: &Part{}}
	tp := treeParser{buf: buf}
	tp.onHeader = func(p *Part, fields []rawField) {
		if p != m.Root {
			return
		}
		m.Headers = decodeFields(fields)
		for _, f := range fields {
			if equalFold(f.name, "date") {
				m.Date = parseDate(string(unfold(f.value)))
				break
			}
		}
	}
	tp.parsePart(m.Root, 0, 0, false, true)
	m.BodyText = extractBodyText(m.Root, buf)
	return m
}
