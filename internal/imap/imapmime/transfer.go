package imapmime

import (
	"io"

	"roost/internal/mime"
)

// Streaming transfer decoders for BINARY (RFC 3516). They take the encoded
// body in chunks of any size and keep only a few bytes of state between
// chunks, so decoding a part of any size needs constant memory. Their
// output and errors are those of decoding the whole body at once:
//
//   - base64 (RFC 2045 §6.8): white space and line breaks are skipped; a
//     byte outside the alphabet or data after the padding is
//     ErrBadContent; input that ends inside a quantum is
//     ErrTruncatedContent.
//   - quoted-printable (RFC 2045 §6.7): "=XX" escapes (either case), "="
//     at the end of a line (after its trailing white space is dropped) is
//     a soft line break, white space at the end of a line is dropped, line
//     breaks ("\n" or "\r\n") are kept as they are. An "=" followed by
//     anything else is ErrBadContent; input that ends inside an escape is
//     ErrTruncatedContent.

// transferDecoder decodes one transfer encoding incrementally.
type transferDecoder interface {
	// decode appends the decoding of the next chunk of input to dst.
	decode(dst, chunk []byte) ([]byte, error)
	// finish appends what the end of input completes, or reports input
	// that stopped in the middle of an encoded unit.
	finish(dst []byte) ([]byte, error)
}

// newTransferDecoder returns the decoder of a base64 or quoted-printable
// body, nil for any other encoding.
func newTransferDecoder(t mime.TransferEncoding) transferDecoder {
	switch t {
	case mime.TransferBase64:
		return &base64Decoder{}
	case mime.TransferQuotedPrintable:
		return &qpDecoder{}
	}
	return nil
}

// base64Decoder holds the quantum being assembled.
type base64Decoder struct {
	acc uint32
	n   int // digits in acc
	pad int // "=" seen after them
}

func (d *base64Decoder) decode(dst, chunk []byte) ([]byte, error) {
	for _, c := range chunk {
		switch c {
		case '\r', '\n', ' ', '\t':
			continue
		case '=':
			if d.n < 2 || d.n+d.pad >= 4 {
				return dst, ErrBadContent
			}
			d.pad++
			continue
		}
		v := mime.Base64Value(c)
		if v < 0 || d.pad > 0 {
			// Outside the alphabet, or data after the padding.
			return dst, ErrBadContent
		}
		d.acc = d.acc<<6 | uint32(v)
		d.n++
		if d.n == 4 {
			dst = append(dst, byte(d.acc>>16), byte(d.acc>>8), byte(d.acc))
			d.acc, d.n = 0, 0
		}
	}
	return dst, nil
}

func (d *base64Decoder) finish(dst []byte) ([]byte, error) {
	switch {
	case d.n == 0:
		return dst, nil
	case d.n+d.pad != 4:
		return dst, ErrTruncatedContent
	case d.n == 2:
		return append(dst, byte(d.acc>>4)), nil
	default: // 3
		return append(dst, byte(d.acc>>10), byte(d.acc>>2)), nil
	}
}

// qpState is where a quoted-printable decoder stands inside a line.
type qpState uint8

const (
	qpText    qpState = iota // ordinary text
	qpEq                     // after "="
	qpEqCR                   // after "=" CR
	qpEqWS                   // after "=" and white space
	qpEqWSCR                 // after "=", white space, CR
	qpEqHex                  // after "=" and one hex digit
	qpEqHexWS                // after "=", a hex digit and white space
)

// qpDecoder decodes quoted-printable one byte at a time. Whether white
// space is trailing (dropped) or not (kept) is only known when the next
// byte arrives, so a run of spaces and tabs, and a CR that may start the
// line break, wait in ws and cr until then.
type qpDecoder struct {
	state qpState
	hex   byte   // the first digit of an escape (qpEqHex)
	ws    []byte // pending white space in text
	cr    bool   // a CR after ws is pending in text
}

func (d *qpDecoder) decode(dst, chunk []byte) ([]byte, error) {
	for _, c := range chunk {
		switch d.state {
		case qpText:
			dst = d.text(dst, c)
		case qpEq:
			switch {
			case c == '\n':
				d.state = qpText // soft line break
			case c == '\r':
				d.state = qpEqCR
			case c == ' ' || c == '\t':
				d.state = qpEqWS
			case isHexDigit(c):
				d.hex, d.state = c, qpEqHex
			default:
				return dst, ErrBadContent
			}
		case qpEqCR, qpEqWSCR:
			if c != '\n' {
				return dst, ErrBadContent
			}
			d.state = qpText // soft line break
		case qpEqWS:
			switch c {
			case ' ', '\t':
			case '\n':
				d.state = qpText // soft line break after dropped white space
			case '\r':
				d.state = qpEqWSCR
			default:
				return dst, ErrBadContent
			}
		case qpEqHex:
			switch {
			case isHexDigit(c):
				dst = append(dst, hexValue(d.hex)<<4|hexValue(c))
				d.state = qpText
			case c == ' ' || c == '\t':
				d.state = qpEqHexWS
			default:
				return dst, ErrBadContent
			}
		case qpEqHexWS:
			if c != ' ' && c != '\t' {
				return dst, ErrBadContent
			}
		}
	}
	return dst, nil
}

// text handles byte c of ordinary text.
func (d *qpDecoder) text(dst []byte, c byte) []byte {
	if d.cr {
		d.cr = false
		if c == '\n' {
			// "\r\n" ends the line: the white space before it is
			// trailing.
			d.ws = d.ws[:0]
			return append(dst, '\r', '\n')
		}
		// The CR was text, and so was the white space before it.
		dst = append(append(dst, d.ws...), '\r')
		d.ws = d.ws[:0]
	}
	switch c {
	case '\n':
		d.ws = d.ws[:0]
		return append(dst, '\n')
	case '\r':
		d.cr = true
		return dst
	case ' ', '\t':
		d.ws = append(d.ws, c)
		return dst
	case '=':
		d.state = qpEq
	}
	dst = append(dst, d.ws...)
	d.ws = d.ws[:0]
	if c == '=' {
		return dst
	}
	return append(dst, c)
}

func (d *qpDecoder) finish(dst []byte) ([]byte, error) {
	switch d.state {
	case qpText:
		if d.cr {
			// A last line without a line break ending in CR: the
			// CR is text and protects the white space before it.
			dst = append(append(dst, d.ws...), '\r')
		}
		d.ws, d.cr = d.ws[:0], false
		return dst, nil
	case qpEq, qpEqWS, qpEqHex, qpEqHexWS:
		// "=" or "=X" (maybe followed by white space) ends the
		// input without a line break.
		return dst, ErrTruncatedContent
	}
	// "=" CR at the very end: the CR is not a hex digit.
	return dst, ErrBadContent
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

// decodeChunk is the input read at a time from the blob: big enough to
// make the per-call overhead vanish, small enough to be nothing next to a
// connection's buffers.
const decodeChunk = 32 << 10

// decodedReader streams the decoding of an encoded body read from src.
type decodedReader struct {
	src  io.Reader
	dec  transferDecoder
	in   []byte
	out  []byte // decoded, not yet returned: out[pos:]
	pos  int
	done bool
	err  error
}

func newDecodedReader(src io.Reader, dec transferDecoder) *decodedReader {
	return &decodedReader{src: src, dec: dec, in: make([]byte, decodeChunk)}
}

func (r *decodedReader) Read(p []byte) (int, error) {
	for r.pos == len(r.out) {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.fill()
	}
	n := copy(p, r.out[r.pos:])
	r.pos += n
	return n, nil
}

// fill decodes the next chunk of input into out.
func (r *decodedReader) fill() {
	r.out, r.pos = r.out[:0], 0
	n, err := r.src.Read(r.in)
	if n > 0 {
		r.out, r.err = r.dec.decode(r.out, r.in[:n])
		if r.err != nil {
			return
		}
	}
	switch {
	case err == io.EOF:
		r.out, r.err = r.dec.finish(r.out)
		r.done = true
	case err != nil:
		r.err = err
	}
}

// decodedSize decodes a whole body only to measure it (and check it).
func decodedSize(src io.Reader, dec transferDecoder) (int64, error) {
	r := newDecodedReader(src, dec)
	var size int64
	for {
		for r.pos == len(r.out) && !r.done && r.err == nil {
			r.fill()
		}
		size += int64(len(r.out) - r.pos)
		r.pos = len(r.out)
		if r.err != nil {
			return size, r.err
		}
		if r.done {
			return size, nil
		}
	}
}
