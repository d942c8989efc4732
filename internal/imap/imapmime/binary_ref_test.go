package imapmime

import (
	"bytes"
	"io"

	"roost/internal/mime"
)

// The in-memory BINARY implementation that the streaming one replaced,
// kept as the reference the differential tests compare against.

func refBinaryContent(m *mime.Message, blob io.ReaderAt, part []int) ([]byte, bool, error) {
	if m == nil || m.Root == nil {
		return nil, false, ErrNoPart
	}
	buf, err := readRange(blob, 0, m.Root.BodyEnd)
	if err != nil {
		return nil, false, err
	}
	c := refConverter{buf: buf}
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

// refConverter builds the binary form of parts from the message bytes.
type refConverter struct {
	buf     []byte
	decoded bool
	err     error
}

// entity appends a part's header and binary body. When the body is
// decoded, the header's Content-Transfer-Encoding fields are replaced by
// "Content-Transfer-Encoding: binary" at the end of the header.
func (c *refConverter) entity(dst []byte, p *mime.Part, depth int) []byte {
	hdr := c.buf[p.HeaderStart:p.BodyStart]
	if !leafDecodes(p) {
		dst = append(dst, hdr...)
		return c.body(dst, p, depth)
	}
	dst = appendHeaderWithoutCTE(dst, hdr)
	return c.body(dst, p, depth)
}

// body appends the binary form of a part's body.
func (c *refConverter) body(dst []byte, p *mime.Part, depth int) []byte {
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
		dst, err = refBase64Decoded(dst, raw)
		c.err = err
		return dst
	case mime.TransferQuotedPrintable:
		c.decoded = c.decoded || len(raw) > 0
		var err error
		dst, err = refQPDecoded(dst, raw)
		c.err = err
		return dst
	}
	c.err = ErrUnknownCTE
	return dst
}

// refBase64Decoded decodes base64 (RFC 2045 §6.8). White space and line
// breaks are skipped. A byte outside the alphabet or data after the
// padding is ErrBadContent; input that ends inside a quantum is
// ErrTruncatedContent.
func refBase64Decoded(dst, b []byte) ([]byte, error) {
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
		v := mime.Base64Value(c)
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

// refQPDecoded decodes quoted-printable (RFC 2045 §6.7): "=XX" escapes
// (either case), "=" before the line break is a soft break, white space at
// the end of a line is dropped, line breaks are kept as they are. An "="
// followed by anything else is ErrBadContent; input that ends inside an
// escape is ErrTruncatedContent.
func refQPDecoded(dst, b []byte) ([]byte, error) {
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
