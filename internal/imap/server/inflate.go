package server

import (
	"errors"
	"io"
)

// inflater decodes the client's half of COMPRESS=DEFLATE: a raw DEFLATE
// stream (RFC 1951) that never ends while the connection lasts.
//
// It exists because an interactive peer flushes in more than one way.
// zlib's Z_PARTIAL_FLUSH (isync/mbsync uses it) ends the data with the
// block's end-of-block code followed by an empty fixed-code block of which
// zlib sends only the whole bytes: up to 7 of its 10 bits stay in the
// client's compressor until its next command. A decoder that reads even
// one bit beyond what a symbol needs then waits for a command the client
// will only send after our answer: a deadlock. klauspost's reader does
// exactly that in non-final dynamic-code blocks (it fetches the 10 bits of
// a following minimal block before decoding any symbol), and Go's reader
// returns data only at a sync flush's stored block (golang/go#31514).
//
// So this decoder consumes bits strictly one symbol at a time and returns
// everything decoded as soon as the received bytes run out, whatever the
// client's flush mode. A step (a block header, the code-length tables, one
// literal or length/distance pair) that needs bits not yet received is
// rolled back and retried once more bytes arrive.
type inflater struct {
	src io.Reader

	in  []byte // received bytes; in[bit>>3:] not yet fully consumed
	bit uint   // position of the next unread bit in in

	hist []byte // decoded bytes: the 32 KiB window plus undelivered output
	rd   int    // hist[rd:] has not been returned by Read yet

	state     inflateState
	final     bool // the current block is the last one
	stored    int  // bytes left in the current stored block
	lit, dist *huffman
	err       error // corrupt stream or end of stream (sticky)
}

type inflateState uint8

const (
	inflateHeader inflateState = iota // next: a block header
	inflateStored                     // inside a stored block
	inflateCodes                      // inside a Huffman-coded block
	inflateDone                       // after the final block
)

const (
	inflateWindow  = 32 << 10 // RFC 1951 §2: distances reach 32 KiB back
	inflatePending = 32 << 10 // decode no further ahead of the reader than this
	inflateReadBuf = 16 << 10
)

var errCorruptDeflate = errors.New("compress: corrupt DEFLATE stream")

func newInflater(src io.Reader) *inflater {
	return &inflater{src: src, in: make([]byte, 0, inflateReadBuf)}
}

// Read returns decoded bytes. It blocks on the source only when nothing
// at all can be decoded from the bytes already received.
func (f *inflater) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if f.rd < len(f.hist) {
			n := copy(p, f.hist[f.rd:])
			f.rd += n
			return n, nil
		}
		if f.err != nil {
			return 0, f.err
		}
		f.slideWindow()
		f.decode()
		if f.rd < len(f.hist) || f.err != nil {
			continue
		}
		if err := f.fill(); err != nil {
			return 0, err // not sticky: a read deadline may be re-armed
		}
	}
}

// slideWindow drops delivered output older than the window.
func (f *inflater) slideWindow() {
	if f.rd == len(f.hist) && len(f.hist) > 2*inflateWindow {
		n := copy(f.hist, f.hist[len(f.hist)-inflateWindow:])
		f.hist = f.hist[:n]
		f.rd = n
	}
}

// fill reads once from the source, after discarding consumed bytes.
func (f *inflater) fill() error {
	if used := int(f.bit >> 3); used > 0 {
		n := copy(f.in, f.in[used:])
		f.in = f.in[:n]
		f.bit &= 7
	}
	if len(f.in) == cap(f.in) {
		grown := make([]byte, len(f.in), 2*cap(f.in))
		copy(grown, f.in)
		f.in = grown
	}
	n, err := f.src.Read(f.in[len(f.in):cap(f.in)])
	f.in = f.in[:len(f.in)+n]
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// decode runs whole steps until the input runs out mid-step, the output
// is far enough ahead of the reader, the stream ends or is corrupt.
func (f *inflater) decode() {
	for f.err == nil && len(f.hist)-f.rd < inflatePending {
		start := f.bit
		var ok bool
		switch f.state {
		case inflateHeader:
			ok = f.blockHeader()
		case inflateStored:
			ok = f.storedData()
		case inflateCodes:
			ok = f.symbol()
		case inflateDone:
			f.err = io.EOF
			return
		}
		if !ok {
			if f.err == nil {
				f.bit = start // incomplete step: retry with more input
			}
			return
		}
	}
}

// bits reads n (≤ 16) bits, least significant first (RFC 1951 §3.1.1);
// ok is false when they have not all been received.
func (f *inflater) bits(n uint) (v uint32, ok bool) {
	if f.bit+n > uint(len(f.in))*8 {
		return 0, false
	}
	for i := range n {
		v |= uint32(f.in[f.bit>>3]>>(f.bit&7)&1) << i
		f.bit++
	}
	return v, true
}

// blockHeader reads BFINAL and BTYPE and what follows them up to the
// block's data (RFC 1951 §3.2.3).
func (f *inflater) blockHeader() bool {
	h, ok := f.bits(3)
	if !ok {
		return false
	}
	f.final = h&1 == 1
	switch h >> 1 {
	case 0: // stored (§3.2.4): skip to a byte boundary, then LEN, NLEN
		f.bit = (f.bit + 7) &^ 7
		at := f.bit >> 3
		if at+4 > uint(len(f.in)) {
			return false
		}
		n := uint16(f.in[at]) | uint16(f.in[at+1])<<8
		nn := uint16(f.in[at+2]) | uint16(f.in[at+3])<<8
		if n != ^nn {
			f.err = errCorruptDeflate
			return false
		}
		f.bit += 32
		f.stored = int(n)
		f.state = inflateStored
	case 1: // fixed codes (§3.2.6)
		f.lit, f.dist = &fixedLitCode, &fixedDistCode
		f.state = inflateCodes
	case 2: // dynamic codes (§3.2.7)
		if !f.dynamicTables() {
			return false
		}
		f.state = inflateCodes
	default:
		f.err = errCorruptDeflate
		return false
	}
	return true
}

// endBlock moves on after a block's last byte.
func (f *inflater) endBlock() {
	if f.final {
		f.state = inflateDone
	} else {
		f.state = inflateHeader
	}
}

// storedData copies what has arrived of a stored block.
func (f *inflater) storedData() bool {
	if f.stored == 0 {
		f.endBlock()
		return true
	}
	at := int(f.bit >> 3) // byte aligned inside a stored block
	n := min(f.stored, len(f.in)-at, inflatePending)
	if n == 0 {
		return false
	}
	f.hist = append(f.hist, f.in[at:at+n]...)
	f.bit += uint(n) * 8
	f.stored -= n
	return true
}

// Lengths and distances: base values and extra bits (RFC 1951 §3.2.5).
var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// symbol decodes one literal, end of block, or length/distance copy.
func (f *inflater) symbol() bool {
	sym, ok := f.decodeSym(f.lit)
	if !ok {
		return false
	}
	switch {
	case sym < 256:
		f.hist = append(f.hist, byte(sym))
		return true
	case sym == 256:
		f.endBlock()
		return true
	case sym > 285:
		f.err = errCorruptDeflate
		return false
	}
	i := sym - 257
	extra, ok := f.bits(uint(lengthExtra[i]))
	if !ok {
		return false
	}
	length := int(lengthBase[i]) + int(extra)
	d, ok := f.decodeSym(f.dist)
	if !ok {
		return false
	}
	if d >= 30 {
		f.err = errCorruptDeflate
		return false
	}
	extra, ok = f.bits(uint(distExtra[d]))
	if !ok {
		return false
	}
	dist := int(distBase[d]) + int(extra)
	if dist > len(f.hist) {
		f.err = errCorruptDeflate
		return false
	}
	from := len(f.hist) - dist
	for k := range length { // byte by byte: the copy may overlap itself
		f.hist = append(f.hist, f.hist[from+k])
	}
	return true
}
