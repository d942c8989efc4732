package server

// Canonical Huffman codes for the inflater (RFC 1951 §3.2.2). Decoding
// walks the code one bit at a time, so it never needs a bit beyond the
// symbol's own: what lets the inflater stop exactly where the client's
// flushed data stops.

const maxCodeBits = 15

// huffman is a canonical code: how many codes of each length, and the
// symbols ordered by code.
type huffman struct {
	count  [maxCodeBits + 1]uint16
	symbol []uint16
}

// newHuffman builds the code from each symbol's code length (0: unused).
// An over-subscribed set of lengths is corrupt; an incomplete one is
// accepted (RFC 1951 allows a single distance code), its unused codes
// failing when met.
func newHuffman(lengths []uint8) (*huffman, bool) {
	h := &huffman{symbol: make([]uint16, 0, len(lengths))}
	for _, l := range lengths {
		h.count[l]++
	}
	h.count[0] = 0
	left := 1
	for l := 1; l <= maxCodeBits; l++ {
		left = left<<1 - int(h.count[l])
		if left < 0 {
			return nil, false
		}
	}
	var offs [maxCodeBits + 2]int
	for l := 1; l <= maxCodeBits; l++ {
		offs[l+1] = offs[l] + int(h.count[l])
	}
	h.symbol = h.symbol[:offs[maxCodeBits+1]]
	for sym, l := range lengths {
		if l != 0 {
			h.symbol[offs[l]] = uint16(sym)
			offs[l]++
		}
	}
	return h, true
}

// decodeSym reads one symbol of h. ok is false when its bits have not all
// arrived (or the code is unused: then f.err is set).
func (f *inflater) decodeSym(h *huffman) (int, bool) {
	code, first, index := 0, 0, 0
	end := uint(len(f.in)) * 8
	for l := 1; l <= maxCodeBits; l++ {
		if f.bit >= end {
			return 0, false
		}
		code |= int(f.in[f.bit>>3] >> (f.bit & 7) & 1) // codes are packed MSB first
		f.bit++
		n := int(h.count[l])
		if code-first < n {
			return int(h.symbol[index+code-first]), true
		}
		index += n
		first = (first + n) << 1
		code <<= 1
	}
	f.err = errCorruptDeflate
	return 0, false
}

// Fixed codes (RFC 1951 §3.2.6).
var fixedLitCode, fixedDistCode = fixedCodes()

func fixedCodes() (huffman, huffman) {
	var lit [288]uint8
	for i := range lit {
		switch {
		case i < 144:
			lit[i] = 8
		case i < 256:
			lit[i] = 9
		case i < 280:
			lit[i] = 7
		default:
			lit[i] = 8
		}
	}
	var dist [30]uint8
	for i := range dist {
		dist[i] = 5
	}
	l, _ := newHuffman(lit[:])
	d, _ := newHuffman(dist[:])
	return *l, *d
}

// codeLengthOrder is the order of the code length code lengths (§3.2.7).
var codeLengthOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// dynamicTables reads a dynamic block's code definitions (RFC 1951
// §3.2.7). Incomplete input returns false with f.err nil: the caller
// rolls back and retries the whole header later.
func (f *inflater) dynamicTables() bool {
	head, ok := f.bits(14)
	if !ok {
		return false
	}
	nlit := int(head&0x1f) + 257
	ndist := int(head>>5&0x1f) + 1
	nclen := int(head>>10) + 4
	if nlit > 286 || ndist > 30 {
		f.err = errCorruptDeflate
		return false
	}
	var clen [19]uint8
	for i := range nclen {
		v, ok := f.bits(3)
		if !ok {
			return false
		}
		clen[codeLengthOrder[i]] = uint8(v)
	}
	lencode, ok := newHuffman(clen[:])
	if !ok {
		f.err = errCorruptDeflate
		return false
	}
	lengths := make([]uint8, nlit+ndist)
	for i := 0; i < len(lengths); {
		sym, ok := f.decodeSym(lencode)
		if !ok {
			return false
		}
		if sym < 16 {
			lengths[i] = uint8(sym)
			i++
			continue
		}
		var repeat uint32
		var value uint8
		switch sym {
		case 16: // copy the previous length 3-6 times
			if i == 0 {
				f.err = errCorruptDeflate
				return false
			}
			value = lengths[i-1]
			r, ok := f.bits(2)
			if !ok {
				return false
			}
			repeat = 3 + r
		case 17: // 3-10 zeros
			r, ok := f.bits(3)
			if !ok {
				return false
			}
			repeat = 3 + r
		default: // 18: 11-138 zeros
			r, ok := f.bits(7)
			if !ok {
				return false
			}
			repeat = 11 + r
		}
		if i+int(repeat) > len(lengths) {
			f.err = errCorruptDeflate
			return false
		}
		for range repeat {
			lengths[i] = value
			i++
		}
	}
	if lengths[256] == 0 { // no end-of-block code
		f.err = errCorruptDeflate
		return false
	}
	lit, ok1 := newHuffman(lengths[:nlit])
	dist, ok2 := newHuffman(lengths[nlit:])
	if !ok1 || !ok2 {
		f.err = errCorruptDeflate
		return false
	}
	f.lit, f.dist = lit, dist
	return true
}
