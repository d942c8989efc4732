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
//
// Nothing is held in memory but the rewritten headers: the content is
// decoded once to check it and learn its size, and again, as it is read,
// by the returned reader, which is also an io.Seeker that skips forward
// (decoding and discarding) so that BINARY[part]<offset.count> never
// holds the part either.
func BinarySection(m *mime.Message, blob io.ReaderAt, part []int) (io.Reader, int64, error) {
	r, size, _, err := openBinary(m, blob, part, false)
	if err != nil {
		return nil, 0, err
	}
	return r, size, nil
}

// BinarySize returns the size BINARY[part] would have, decoding the content
// as a stream without keeping it.
func BinarySize(m *mime.Message, blob io.ReaderAt, part []int) (int64, error) {
	_, size, _, err := openBinary(m, blob, part, false)
	return size, err
}

// BinaryLiteral8 reports whether BINARY[part] should be sent as a literal8
// (~{n}, RFC 3516 §4.2) rather than a plain literal: when something in it
// was transfer-decoded from a non-empty encoding (so it may hold any
// octet), or it holds a NUL. It costs a decode; FETCH may instead call
// BinarySectionLiteral8.
func BinaryLiteral8(m *mime.Message, blob io.ReaderAt, part []int) bool {
	_, _, literal8, err := openBinary(m, blob, part, true)
	return err == nil && literal8
}

// BinarySectionLiteral8 is BinarySection that also says whether to use a
// literal8 (see BinaryLiteral8).
func BinarySectionLiteral8(m *mime.Message, blob io.ReaderAt, part []int) (r io.Reader, size int64, literal8 bool, err error) {
	br, size, literal8, err := openBinary(m, blob, part, true)
	if err != nil {
		return nil, 0, false, err
	}
	return br, size, literal8, nil
}

// openBinary plans BINARY[part], checks and measures it, and returns a
// reader of it. wantLiteral8 asks for the literal8 decision, which may
// cost a scan for NUL when nothing was decoded.
func openBinary(m *mime.Message, blob io.ReaderAt, part []int, wantLiteral8 bool) (*binaryReader, int64, bool, error) {
	if m == nil || m.Root == nil {
		return nil, 0, false, ErrNoPart
	}
	pl := planner{blob: blob}
	if len(part) == 0 {
		pl.entity(m.Root, 0)
	} else {
		p, empty := lookupPart(m.Root, part)
		if empty {
			return &binaryReader{blob: blob}, 0, false, nil
		}
		if p == nil {
			return nil, 0, false, ErrNoPart
		}
		pl.body(p, 0)
	}
	if pl.err != nil {
		return nil, 0, false, pl.err
	}
	size, hasNUL, err := measure(blob, pl.segs, wantLiteral8 && !pl.decoded)
	if err != nil {
		return nil, 0, false, err
	}
	return &binaryReader{blob: blob, segs: pl.segs}, size, pl.decoded || hasNUL, nil
}

// segKind says how a segment of BINARY content is produced.
type segKind uint8

const (
	segRaw     segKind = iota // bytes of the blob as they are
	segLit                    // bytes held in the segment (a rewritten header)
	segDecode                 // the transfer decoding of bytes of the blob
	segUnknown                // a body the server cannot decode
)

// segment is one piece of BINARY content.
type segment struct {
	kind     segKind
	off, n   int64 // the blob range (segRaw, segDecode)
	lit      []byte
	transfer mime.TransferEncoding // segDecode
}

// planner lists the segments of the binary form of parts, in order. Only
// headers whose Content-Transfer-Encoding is rewritten are read here.
type planner struct {
	blob io.ReaderAt
	segs []segment
	// decoded: a non-empty base64 or quoted-printable body is part of
	// the content (it is then sent as a literal8).
	decoded bool
	// stopped: a body with an unknown encoding was met; nothing after it
	// matters, since the answer is ErrUnknownCTE unless decoding an
	// earlier body fails first.
	stopped bool
	err     error // reading the blob failed
}

// raw adds the blob range [off, off+n).
func (pl *planner) raw(off, n int64) {
	if n <= 0 {
		return
	}
	if k := len(pl.segs) - 1; k >= 0 && pl.segs[k].kind == segRaw && pl.segs[k].off+pl.segs[k].n == off {
		pl.segs[k].n += n
		return
	}
	pl.segs = append(pl.segs, segment{kind: segRaw, off: off, n: n})
}

// entity adds a part's header and binary body. When the body is decoded,
// the header's Content-Transfer-Encoding fields are replaced by
// "Content-Transfer-Encoding: binary" at the end of the header.
func (pl *planner) entity(p *mime.Part, depth int) {
	if pl.err != nil || pl.stopped {
		return
	}
	if !leafDecodes(p) {
		pl.raw(p.HeaderStart, p.HeaderSize())
		pl.body(p, depth)
		return
	}
	hdr, err := readRange(pl.blob, p.HeaderStart, p.HeaderSize())
	if err != nil {
		pl.err = err
		return
	}
	pl.segs = append(pl.segs, segment{kind: segLit, lit: appendHeaderWithoutCTE(nil, hdr)})
	pl.body(p, depth)
}

// leafDecodes reports whether the part's own body gets transfer-decoded.
func leafDecodes(p *mime.Part) bool {
	if p.IsMultipart() || (p.Message != nil && p.Transfer == mime.TransferIdentity) {
		return false
	}
	return p.Transfer == mime.TransferBase64 || p.Transfer == mime.TransferQuotedPrintable
}

// body adds the binary form of a part's body.
func (pl *planner) body(p *mime.Part, depth int) {
	if pl.err != nil || pl.stopped || depth > maxRenderDepth {
		return
	}
	switch {
	case p.IsMultipart():
		pos := p.BodyStart
		for _, ch := range p.Children {
			pl.raw(pos, ch.HeaderStart-pos)
			pl.entity(ch, depth+1)
			pos = ch.BodyEnd
		}
		pl.raw(pos, p.BodyEnd-pos)
		return
	case p.Message != nil && p.Transfer == mime.TransferIdentity:
		pl.entity(p.Message, depth+1)
		// A line break the encapsulated header gave up to a following
		// delimiter still belongs to this body.
		pl.raw(p.Message.BodyEnd, p.BodyEnd-p.Message.BodyEnd)
		return
	}
	switch p.Transfer {
	case mime.TransferIdentity:
		pl.raw(p.BodyStart, p.BodySize())
	case mime.TransferBase64, mime.TransferQuotedPrintable:
		if n := p.BodySize(); n > 0 {
			pl.decoded = true
			pl.segs = append(pl.segs, segment{kind: segDecode, off: p.BodyStart, n: n, transfer: p.Transfer})
		}
	default:
		pl.segs = append(pl.segs, segment{kind: segUnknown})
		pl.stopped = true
	}
}

// measure returns the size of the content the segments make, checking
// every encoded body on the way (the first failure in content order is
// the answer), and, if findNUL, whether the content holds a NUL.
func measure(blob io.ReaderAt, segs []segment, findNUL bool) (size int64, hasNUL bool, err error) {
	var end int64
	var buf []byte
	for _, s := range segs {
		switch s.kind {
		case segLit:
			size += int64(len(s.lit))
			hasNUL = hasNUL || (findNUL && bytes.IndexByte(s.lit, 0) >= 0)
			continue
		case segUnknown:
			return 0, false, ErrUnknownCTE
		case segRaw:
			size += s.n
			if findNUL && !hasNUL {
				if buf == nil {
					buf = make([]byte, decodeChunk)
				}
				if hasNUL, err = rangeHasNUL(blob, s.off, s.n, buf); err != nil {
					return 0, false, err
				}
			}
		case segDecode:
			n, err := decodedSize(io.NewSectionReader(blob, s.off, s.n), newTransferDecoder(s.transfer))
			if err != nil {
				return 0, false, err
			}
			size += n
		}
		end = max(end, s.off+s.n)
	}
	// The content is read later, once the response has started: a blob
	// shorter than the parse says must fail now, as a clean NO.
	if end > 0 {
		if _, err := readRange(blob, end-1, 1); err != nil {
			return 0, false, err
		}
	}
	return size, hasNUL, nil
}

// rangeHasNUL reports whether blob[off:off+n] holds a NUL byte, reading it
// through buf.
func rangeHasNUL(blob io.ReaderAt, off, n int64, buf []byte) (bool, error) {
	for n > 0 {
		b := buf[:min(n, int64(len(buf)))]
		if _, err := readFull(blob, b, off); err != nil {
			return false, err
		}
		if bytes.IndexByte(b, 0) >= 0 {
			return true, nil
		}
		off += int64(len(b))
		n -= int64(len(b))
	}
	return false, nil
}

// binaryReader reads the content of planned segments, decoding encoded
// bodies as it goes.
type binaryReader struct {
	blob io.ReaderAt
	segs []segment
	i    int            // the segment being read
	off  int64          // bytes of segs[i] read (segRaw, segLit)
	dec  *decodedReader // the decoder of segs[i] (segDecode), once opened
	pos  int64          // bytes read in all
	skip []byte         // scratch space for skipping decoded bytes
}

func (r *binaryReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for r.i < len(r.segs) {
		n, err := r.readSegment(p)
		r.pos += int64(n)
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, io.EOF
}

// readSegment reads from segs[i], moving to the next segment (returning
// 0, nil) when it is exhausted.
func (r *binaryReader) readSegment(p []byte) (int, error) {
	s := &r.segs[r.i]
	switch s.kind {
	case segRaw:
		if r.off >= s.n {
			r.next()
			return 0, nil
		}
		b := p[:min(int64(len(p)), s.n-r.off)]
		n, err := readFull(r.blob, b, s.off+r.off)
		r.off += int64(n)
		return n, err
	case segLit:
		if r.off >= int64(len(s.lit)) {
			r.next()
			return 0, nil
		}
		n := copy(p, s.lit[r.off:])
		r.off += int64(n)
		return n, nil
	case segDecode:
		if r.dec == nil {
			r.dec = newDecodedReader(io.NewSectionReader(r.blob, s.off, s.n), newTransferDecoder(s.transfer))
		}
		n, err := r.dec.Read(p)
		if err == io.EOF {
			r.next()
			err = nil
		}
		return n, err
	}
	return 0, ErrUnknownCTE
}

func (r *binaryReader) next() {
	r.i++
	r.off = 0
	r.dec = nil
}

// Seek moves forward to offset (io.SeekStart or io.SeekCurrent): copied
// ranges are skipped without reading, encoded bodies are decoded and
// discarded, since where an offset falls in the encoded text is only known
// by decoding up to it. Seeking backwards is an error.
func (r *binaryReader) Seek(offset int64, whence int) (int64, error) {
	target := offset
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		target += r.pos
	default:
		return r.pos, errors.New("imapmime: binary content seeks only from the start or the current position")
	}
	if target < r.pos {
		return r.pos, errors.New("imapmime: binary content cannot seek backwards")
	}
	for r.pos < target && r.i < len(r.segs) {
		s := &r.segs[r.i]
		want := target - r.pos
		var left int64
		switch s.kind {
		case segRaw:
			left = s.n - r.off
		case segLit:
			left = int64(len(s.lit)) - r.off
		default:
			if r.skip == nil {
				r.skip = make([]byte, decodeChunk)
			}
			n, err := r.Read(r.skip[:min(want, int64(len(r.skip)))])
			if err != nil && err != io.EOF {
				return r.pos, err
			}
			if n == 0 && err == io.EOF {
				return r.pos, nil
			}
			continue
		}
		if want < left {
			r.off += want
			r.pos += want
			break
		}
		r.pos += left
		r.next()
	}
	return r.pos, nil
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

// readFull reads len(b) bytes at off, failing on a short read.
func readFull(blob io.ReaderAt, b []byte, off int64) (int, error) {
	n, err := blob.ReadAt(b, off)
	if n == len(b) {
		return n, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
