package wire

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
)

// LiteralInfo describes a literal's header.
type LiteralInfo struct {
	Size    int64
	Binary  bool // literal8, ~{n} (RFC 3516)
	NonSync bool // {n+} (RFC 7888 LITERAL+)
}

// literalHeader reads "{" number64 ["+"] "}" CRLF, with an optional leading
// "~" when binary is allowed. It leaves the decoder at the literal's data.
func (d *Decoder) literalHeader(binaryOK bool) (LiteralInfo, error) {
	var info LiteralInfo
	if d.PeekIs('~') {
		if !binaryOK {
			return info, d.syntaxf("literal8 not allowed here")
		}
		_, _ = d.next()
		info.Binary = true
	}
	if err := d.Byte('{'); err != nil {
		return info, err
	}
	n, err := d.Number64()
	if err != nil {
		return info, d.resyntax("invalid literal size")
	}
	info.Size = int64(n)
	if d.PeekIs('+') {
		_, _ = d.next()
		info.NonSync = true
	}
	if err := d.Byte('}'); err != nil {
		return info, err
	}
	if err := d.CRLF(); err != nil {
		return info, d.resyntax("expected CRLF after literal size")
	}
	d.done = false
	return info, nil
}

// refuse records a literal over max: a non-synchronizing one is still sent
// by the client and will be skipped by Discard; after a synchronizing one
// the client sends nothing more, since no continuation request goes out.
func (d *Decoder) refuse(info LiteralInfo, max int64) error {
	if info.NonSync {
		if info.Size > d.discardBound() {
			return d.fail(&FatalError{Msg: "literal too big to skip"})
		}
		d.skip = info.Size
	} else {
		d.done = true
	}
	return d.fail(&LimitError{
		Msg:     "literal of " + strconv.FormatInt(info.Size, 10) + " bytes exceeds the limit of " + strconv.FormatInt(max, 10),
		Literal: true,
		Size:    info.Size,
	})
}

// accept asks for the data of a synchronizing literal.
func (d *Decoder) accept(info LiteralInfo) error {
	if !info.NonSync && d.cont != nil {
		if err := d.cont(); err != nil {
			return d.fail(err)
		}
	}
	return nil
}

// Literal reads a literal header and returns a reader of its data, which
// the caller should consume before reading on (whatever is left is skipped).
// Literals larger than max (or MaxLiteral when max <= 0) are refused with a
// LimitError without reading them. binaryOK allows literal8.
func (d *Decoder) Literal(max int64, binaryOK bool) (io.Reader, LiteralInfo, error) {
	if max <= 0 || max > d.maxLiteral {
		max = d.maxLiteral
	}
	info, err := d.literalHeader(binaryOK)
	if err != nil {
		return nil, info, err
	}
	if info.Size > max {
		return nil, info, d.refuse(info, max)
	}
	if err := d.accept(info); err != nil {
		return nil, info, err
	}
	d.lit = info.Size
	return &literalReader{d: d}, info, nil
}

// memLiteral reads a literal into memory, bounded by what is left of the
// command's budget.
func (d *Decoder) memLiteral() (string, error) {
	info, err := d.literalHeader(false)
	if err != nil {
		return "", err
	}
	max := int64(d.maxLine*maxCommandLines - d.cmdBytes)
	if max < 0 {
		max = 0
	}
	if info.Size > max {
		return "", d.refuse(info, max)
	}
	if err := d.accept(info); err != nil {
		return "", err
	}
	buf := make([]byte, info.Size)
	if _, err := io.ReadFull(d.r, buf); err != nil {
		return "", d.ioFail(err)
	}
	d.cmdBytes += len(buf)
	return string(buf), nil
}

// literalReader streams a literal's data from the decoder.
type literalReader struct{ d *Decoder }

func (r *literalReader) Read(p []byte) (int, error) {
	d := r.d
	if d.lit <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > d.lit {
		p = p[:d.lit]
	}
	n, err := d.r.Read(p)
	d.lit -= int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		d.fail(err)
	}
	return n, err
}

// Discard consumes the rest of the current command after a protocol error,
// so that the next command starts fresh, and clears the sticky error. It
// skips streamed and refused non-synchronizing literals, and literals
// announced at the end of discarded lines: non-synchronizing ones are
// skipped, synchronizing ones end the command (the client waits for a
// continuation that will not come). It returns a FatalError when the
// command is too long to skip, or the read error.
func (d *Decoder) Discard() error {
	if d.err != nil && !IsProtocolError(d.err) {
		return d.err
	}
	if _, fatal := d.err.(*FatalError); fatal {
		return d.err
	}
	d.err = nil
	if err := d.drain(); err != nil {
		return err
	}
	if d.done {
		d.skip = 0
		return nil
	}
	var total int64
	bound := d.discardBound()
	for {
		if d.skip > 0 {
			total += d.skip
			if total > bound {
				return d.fail(&FatalError{Msg: "command too long to skip"})
			}
			for d.skip > 0 {
				n, err := d.r.Discard(int(min(d.skip, 1<<30)))
				d.skip -= int64(n)
				if err != nil {
					return d.ioFail(err)
				}
			}
		}
		var tail []byte // the last bytes of the line, to spot a literal
		for {
			chunk, err := d.r.ReadSlice('\n')
			total += int64(len(chunk))
			if total > bound {
				return d.fail(&FatalError{Msg: "command too long to skip"})
			}
			tail = append(tail, chunk...)
			if len(tail) > 64 {
				tail = append(tail[:0], tail[len(tail)-64:]...)
			}
			if err == nil {
				break
			}
			if err != bufio.ErrBufferFull {
				return d.ioFail(err)
			}
		}
		size, nonSync, ok := trailingLiteral(tail)
		if !ok || !nonSync {
			d.done = true
			d.lineLen = 0
			return nil
		}
		d.skip = size
	}
}

// trailingLiteral parses "{n}" or "{n+}" at the end of line (which still
// has its LF and maybe CR).
func trailingLiteral(line []byte) (size int64, nonSync, ok bool) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) < 3 || line[len(line)-1] != '}' {
		return 0, false, false
	}
	open := bytes.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false, false
	}
	num := line[open+1 : len(line)-1]
	if bytes.HasSuffix(num, []byte("+")) {
		num = num[:len(num)-1]
		nonSync = true
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil || n < 0 || len(num) == 0 || num[0] == '+' || num[0] == '-' {
		return 0, false, false
	}
	return n, nonSync, true
}
