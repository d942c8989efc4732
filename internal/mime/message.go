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
// only if reading fails.
func Parse(r io.ReaderAt, size int64) (*Message, error) {
	return nil, errors.New("mime.Parse: not yet written")
}

// Marshal encodes m compactly for storage; Unmarshal is its inverse.
func Marshal(m *Message) ([]byte, error) { return nil, errors.New("mime.Marshal: not yet written") }

// Unmarshal decodes what Marshal produced.
func Unmarshal(b []byte) (*Message, error) {
	return nil, errors.New("mime.Unmarshal: not yet written")
}
