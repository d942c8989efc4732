package imapmime

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"roost/internal/mime"
)

// Errors of BINARY[part] and BINARY.SIZE[part] (RFC 3516 §4.3).
var (
	// ErrUnknownCTE: a Content-Transfer-Encoding the server cannot decode;
	// answer NO [UNKNOWN-CTE].
	ErrUnknownCTE = errors.New("imapmime: unknown Content-Transfer-Encoding")
	// ErrBadContent: the encoded content is invalid (a byte outside the
	// base64 alphabet, data after the padding, "=" not followed by two
	// hex digits in quoted-printable); answer NO [PARSE].
	ErrBadContent = errors.New("imapmime: invalid data in MIME part")
	// ErrTruncatedContent: the encoded content stops in the middle of a
	// base64 quantum or a quoted-printable escape. errors.Is(err,
	// ErrBadContent) holds too. Dovecot answers NO [SERVERBUG] here; a
	// server that wants its exact answers maps this error first.
	ErrTruncatedContent = fmt.Errorf("%w: truncated encoding", ErrBadContent)
	// ErrNoPart: the part number does not exist.
	ErrNoPart = errors.New("imapmime: no such part")
)

// BinarySection returns the transfer-decoded content of BINARY[part] and its
// size (RFC 3516 §4.2). An empty part list means the whole message. A
// message/rfc822 part (and the whole message) is returned with every part
// inside it decoded and its Content-Transfer-Encoding field replaced by
// "binary", as Dovecot does. A part that does not exist in a multipart that
// has none (Dovecot shows an empty text/plain part there) is empty.
// Errors: ErrUnknownCTE, ErrBadContent (or ErrTruncatedContent), ErrNoPart.
func BinarySection(m *mime.Message, blob io.ReaderAt, part []int) (io.Reader, int64, error) {
	b, _, err := binaryContent(m, blob, part)
	if err != nil {
		return nil, 0, err
	}
	return bytes.NewReader(b), int64(len(b)), nil
}

// BinarySize returns the size BINARY[part] would have.
func BinarySize(m *mime.Message, blob io.ReaderAt, part []int) (int64, error) {
	b, _, err := binaryContent(m, blob, part)
	if err != nil {
		return 0, err
	}
	return int64(len(b)), nil
}

// BinaryLiteral8 reports whether BINARY[part] should be sent as a literal8
// (~{n}, RFC 3516 §4.2) rather than a plain literal: when something in it
// was transfer-decoded from a non-empty encoding (so it may hold any
// octet), or it holds a NUL. It
// costs a decode; FETCH may instead call BinarySectionLiteral8.
func BinaryLiteral8(m *mime.Message, blob io.ReaderAt, part []int) bool {
	b, decoded, err := binaryContent(m, blob, part)
	return err == nil && (decoded || bytes.IndexByte(b, 0) >= 0)
}

// BinarySectionLiteral8 is BinarySection that also says whether to use a
// literal8 (see BinaryLiteral8).
func BinarySectionLiteral8(m *mime.Message, blob io.ReaderAt, part []int) (r io.Reader, size int64, literal8 bool, err error) {
	b, decoded, err := binaryContent(m, blob, part)
	if err != nil {
		return nil, 0, false, err
	}
	return bytes.NewReader(b), int64(len(b)), decoded || bytes.IndexByte(b, 0) >= 0, nil
}

func binaryContent(m *mime.Message, blob io.ReaderAt, part []int) ([]byte, bool, error) {
	if m == nil || m.Root == nil {
		return nil, false, ErrNoPart
	}
	buf, err := readRange(blob, 0, m.Root.BodyEnd)
	if err != nil {
		return nil, false, err
	}
	c := converter{buf: buf}
	if len(part) == 0 {
		out := c.entity(nil, m.Root, 0)
		return out, c.decoded, c.err
	}
	p, empty := lookupPart(m.Root, part)
	if empty {
		return nil, false, nil
	}
	if p == nil {
		return nil, false, ErrNoPart
	}
	out := c.body(nil, p, 0)
	return out, c.decoded, c.err
}

// converter builds the binary form of parts from the message bytes.
type converter struct {
	buf     []byte
	decoded bool
	err     error
}

// entity appends a part's header and binary body. When the body is
// decoded, the header's Content-Transfer-Encoding fields are replaced by
// "Content-Transfer-Encoding: binary" at the end of the header.
func (c *converter) entity(dst []byte, p *mime.Part, depth int) []byte {
	hdr := c.buf[p.HeaderStart:p.BodyStart]
	if !leafDecodes(p) {
		dst = append(dst, hdr...)
		return c.body(dst, p, depth)
	}
	dst = appendHeaderWithoutCTE(dst, hdr)
	return c.body(dst, p, depth)
}

// leafDecodes reports whether the part's own body gets transfer-decoded.
func leafDecodes(p *mime.Part) bool {
	if p.IsMultipart() || (p.Message != nil && p.Transfer == mime.TransferIdentity) {
		return false
	}
	return p.Transfer == mime.TransferBase64 || p.Transfer == mime.TransferQuotedPrintable
}

// body appends the binary form of a part's body.
func (c *converter) body(dst []byte, p *mime.Part, depth int) []byte {
	if c.err != nil || depth > maxRenderDepth {
		return dst
	}
	raw := c.buf[p.BodyStart:p.BodyEnd]
	switch {
	case p.IsMultipart():
		pos := p.BodyStart
		for _, ch := range p.Children {
			dst = append(dst, c.buf[pos:ch.HeaderStart]...)
			dst = c.entity(dst, ch, depth+1)
			pos = ch.BodyEnd
		}
		return append(dst, c.buf[pos:p.BodyEnd]...)
	case p.Message != nil && p.Transfer == mime.TransferIdentity:
		dst = c.entity(dst, p.Message, depth+1)
		// A line break the encapsulated header gave up to a following
		// delimiter still belongs to this body.
		return append(dst, c.buf[p.Message.BodyEnd:p.BodyEnd]...)
	}
	switch p.Transfer {
	case mime.TransferIdentity:
		return append(dst, raw...)
	case mime.TransferBase64:
		c.decoded = c.decoded || len(raw) > 0
		var err error
		dst, err = appendBase64Decoded(dst, raw)
		c.err = err
		return dst
	case mime.TransferQuotedPrintable:
		c.decoded = c.decoded || len(raw) > 0
		var err error
		dst, err = appendQPDecoded(dst, raw)
		c.err = err
		return dst
	}
	c.err = ErrUnknownCTE
	return dst
}

// appendHeaderWithoutCTE copies a header, dropping Content-Transfer-Encoding
// fields (with their continuation lines) and adding
// "Content-Transfer-Encoding: binary" before the blank line.
func appendHeaderWithoutCTE(dst, hdr []byte) []byte {
	const cte = "content-transfer-encoding"
	pos := 0
	for pos < len(hdr) {
		if hdr[pos] == '\n' || (hdr[pos] == '\r' && pos+1 < len(hdr) && hdr[pos+1] == '\n') {
			break
		}
		end := fieldEnd(hdr, pos)
		f := hdr[pos:end]
		drop := false
		if c := bytes.IndexByte(f, ':'); c >= 0 {
			drop = bytes.EqualFold(bytes.TrimRight(f[:c], " \t"), []byte(cte))
		}
		if !drop {
			dst = append(dst, f...)
			if f[len(f)-1] != '\n' {
				dst = append(dst, '\r', '\n')
			}
		}
		pos = end
	}
	dst = append(dst, "Content-Transfer-Encoding: binary\r\n"...)
	return append(dst, hdr[pos:]...)
}

// fieldEnd returns the end of the header field starting at pos: after the
// line break of its last continuation line.
func fieldEnd(hdr []byte, pos int) int {
	end := pos
	for {
		i := bytes.IndexByte(hdr[end:], '\n')
		if i < 0 {
			return len(hdr)
		}
		end += i + 1
		if end >= len(hdr) || (hdr[end] != ' ' && hdr[end] != '\t') {
			return end
		}
	}
}

func readRange(blob io.ReaderAt, off, size int64) ([]byte, error) {
	if size <= 0 {
		return nil, nil
	}
	b := make([]byte, size)
	n, err := blob.ReadAt(b, off)
	if int64(n) == size {
		return b, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}

// appendBase64Decoded decodes base64 (RFC 2045 §6.8). White space and line
// breaks are skipped. A byte outside the alphabet or data after the
// padding is ErrBadContent; input that ends inside a quantum is
// ErrTruncatedContent.
func appendBase64Decoded(dst, b []byte) ([]byte, error) {
	var acc uint32
	n := 0
	pad := 0
	for _, c := range b {
		switch c {
		case '\r', '\n', ' ', '\t':
			continue
		case '=':
			if n < 2 || n+pad >= 4 {
				return dst, ErrBadContent
			}
			pad++
			continue
		}
		v := base64Digit(c)
		if v < 0 {
			return dst, ErrBadContent
		}
		if pad > 0 {
			if n+pad != 4 {
				return dst, ErrBadContent
			}
			return dst, ErrBadContent // data after the padding
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			dst = append(dst, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	switch {
	case n == 0:
		return dst, nil
	case n+pad != 4:
		return dst, ErrTruncatedContent
	case n == 2:
		return append(dst, byte(acc>>4)), nil
	default: // 3
		return append(dst, byte(acc>>10), byte(acc>>2)), nil
	}
}

func base64Digit(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}

// appendQPDecoded decodes quoted-printable (RFC 2045 §6.7): "=XX" escapes
// (either case), "=" before the line break is a soft break, white space at
// the end of a line is dropped, line breaks are kept as they are. An "="
// followed by anything else is ErrBadContent; input that ends inside an
// escape is ErrTruncatedContent.
func appendQPDecoded(dst, b []byte) ([]byte, error) {
	for len(b) > 0 {
		line, brk, next := b, []byte(nil), []byte(nil)
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, brk, next = b[:i], b[i:i+1], b[i+1:]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line, brk = line[:len(line)-1], b[i-1:i+1]
			}
		}
		line = bytes.TrimRight(line, " \t")
		soft := false
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c != '=' {
				dst = append(dst, c)
				continue
			}
			if i == len(line)-1 {
				if brk == nil {
					return dst, ErrTruncatedContent
				}
				soft = true
				break
			}
			if i+2 >= len(line) {
				if brk == nil && isHexDigit(line[i+1]) {
					return dst, ErrTruncatedContent
				}
				return dst, ErrBadContent
			}
			if !isHexDigit(line[i+1]) || !isHexDigit(line[i+2]) {
				return dst, ErrBadContent
			}
			dst = append(dst, hexValue(line[i+1])<<4|hexValue(line[i+2]))
			i += 2
		}
		if !soft {
			dst = append(dst, brk...)
		}
		b = next
	}
	return dst, nil
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexValue(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
