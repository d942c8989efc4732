package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Default limits of DecoderOptions.
const (
	DefaultMaxLine    = 64 << 10
	DefaultMaxLiteral = 64 << 20
)

// DecoderOptions bounds what a Decoder accepts.
type DecoderOptions struct {
	MaxLine    int   // max bytes of command text outside literals; 0 = 64 KiB
	MaxLiteral int64 // max literal size; 0 = 64 MiB
	// Continue is called when a synchronizing literal {n} has been accepted
	// (size within limit), before its bytes are read; it must write
	// "+ Ready for literal data\r\n" and flush.
	Continue func() error
}

// SyntaxError means the client's bytes do not follow the grammar. Msg is a
// lower-case phrase meant to be embedded in a BAD response.
type SyntaxError struct{ Msg string }

func (e *SyntaxError) Error() string { return e.Msg }

// LimitError means a line or literal exceeded the configured limits. The
// excess was not buffered.
type LimitError struct {
	Msg     string
	Literal bool  // a literal was too big (TOOBIG); else the line was too long
	Size    int64 // the literal's announced size
}

func (e *LimitError) Error() string { return e.Msg }

// FatalError means the stream cannot be resynchronised; the connection must
// be closed.
type FatalError struct{ Msg string }

func (e *FatalError) Error() string { return e.Msg }

// IsProtocolError reports whether err is a SyntaxError, LimitError or
// FatalError, that is the client's fault rather than the connection's.
func IsProtocolError(err error) bool {
	var se *SyntaxError
	var le *LimitError
	var fe *FatalError
	return errors.As(err, &se) || errors.As(err, &le) || errors.As(err, &fe)
}

// Decoder reads client commands (RFC 9051 §9) from a stream. Its methods are
// named after the ABNF rules they read. Errors are sticky: after the first
// one every read returns it, until Discard (for protocol errors) clears it.
//
// Text outside literals is limited to MaxLine bytes per line, and every
// command to maxCommandLines times that, literals read into memory included;
// literals streamed with Literal are limited by the caller.
type Decoder struct {
	r          *bufio.Reader
	src        io.Reader // what r reads from (idlebuf.go)
	maxLine    int
	maxLiteral int64
	cont       func() error

	err      error
	lineLen  int   // text bytes read on the current line
	cmdBytes int   // text plus in-memory literal bytes of the current command
	lit      int64 // bytes left in the literal being streamed
	skip     int64 // bytes of a refused non-synchronizing literal to discard
	started  bool  // a byte of the current command has been read
	done     bool  // the command's final line has been consumed
}

// maxCommandLines bounds a whole command (all its lines and in-memory
// literals) to this many times MaxLine.
const maxCommandLines = 16

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader, opts DecoderOptions) *Decoder {
	d := &Decoder{
		r:          bufio.NewReaderSize(r, readBufferSize),
		src:        r,
		maxLine:    opts.MaxLine,
		maxLiteral: opts.MaxLiteral,
		cont:       opts.Continue,
	}
	if d.maxLine <= 0 {
		d.maxLine = DefaultMaxLine
	}
	if d.maxLiteral <= 0 {
		d.maxLiteral = DefaultMaxLiteral
	}
	return d
}

// MaxLiteral is the configured literal limit.
func (d *Decoder) MaxLiteral() int64 { return d.maxLiteral }

// Err is the sticky error, if any.
func (d *Decoder) Err() error { return d.err }

// Begin starts a new command: it resets the per-command limits. Call it
// after Discard or after the previous command's CRLF.
func (d *Decoder) Begin() {
	d.lineLen, d.cmdBytes = 0, 0
	d.started, d.done = false, false
}

// Started reports whether any byte of the current command was read.
func (d *Decoder) Started() bool { return d.started }

func (d *Decoder) fail(err error) error {
	if d.err == nil {
		d.err = err
	}
	return d.err
}

func (d *Decoder) syntaxf(format string, args ...any) error {
	return d.fail(&SyntaxError{Msg: fmt.Sprintf(format, args...)})
}

// resyntax replaces a syntax error with a clearer one; other errors stay.
func (d *Decoder) resyntax(msg string) error {
	if _, ok := d.err.(*SyntaxError); ok {
		d.err = &SyntaxError{Msg: msg}
	}
	return d.err
}

// ioFail records a read error; EOF inside a command is unexpected.
func (d *Decoder) ioFail(err error) error {
	if err == io.EOF && (d.started || d.lit > 0 || d.skip > 0) {
		err = io.ErrUnexpectedEOF
	}
	return d.fail(err)
}

// drain discards what is left of a streamed literal the caller did not read.
func (d *Decoder) drain() error {
	if d.lit > 0 {
		n, err := d.r.Discard(int(min(d.lit, 1<<30)))
		d.lit -= int64(n)
		if err != nil {
			return d.ioFail(err)
		}
	}
	return nil
}

// Peek returns the next byte without consuming it.
func (d *Decoder) Peek() (byte, error) {
	if d.err != nil {
		return 0, d.err
	}
	for d.lit > 0 {
		if err := d.drain(); err != nil {
			return 0, err
		}
	}
	b, err := d.r.Peek(1)
	if err != nil {
		return 0, d.ioFail(err)
	}
	return b[0], nil
}

// next consumes one byte of command text, enforcing the line limits.
func (d *Decoder) next() (byte, error) {
	c, err := d.Peek()
	if err != nil {
		return 0, err
	}
	if d.lineLen >= d.maxLine || d.cmdBytes >= d.maxLine*maxCommandLines {
		return 0, d.fail(&LimitError{Msg: "command line too long"})
	}
	d.lineLen++
	d.cmdBytes++
	d.started = true
	_, _ = d.r.ReadByte() // cannot fail after a successful Peek
	return c, nil
}

// Literal8Next reports whether a literal8 ("~{", RFC 3516 §4.2) comes
// next. Only the pair starts one: "~" alone is an ATOM-CHAR, so "~foo" is
// an atom (a mailbox name, LIST pattern, flag, search string).
func (d *Decoder) Literal8Next() bool {
	if d.err != nil || d.lit > 0 {
		return false
	}
	b, err := d.r.Peek(2)
	return err == nil && b[0] == '~' && b[1] == '{'
}

// PeekIs reports whether the next byte is c (false on any error).
func (d *Decoder) PeekIs(c byte) bool {
	b, err := d.Peek()
	return err == nil && b == c
}

// EOL reports whether the next byte ends the line (false on any error).
func (d *Decoder) EOL() bool {
	b, err := d.Peek()
	return err == nil && (b == '\r' || b == '\n')
}

// Byte consumes the byte c or fails.
func (d *Decoder) Byte(c byte) error {
	b, err := d.Peek()
	if err != nil {
		return err
	}
	if b != c {
		return d.syntaxf("expected %s, found %s", quoteByte(c), quoteByte(b))
	}
	_, err = d.next()
	return err
}

// SP consumes one space.
func (d *Decoder) SP() error { return d.Byte(' ') }

// CRLF consumes the end of the command line. A bare LF is accepted too.
func (d *Decoder) CRLF() error {
	b, err := d.Peek()
	if err != nil {
		return err
	}
	if b == '\r' {
		if _, err := d.next(); err != nil {
			return err
		}
	}
	if err := d.Byte('\n'); err != nil {
		return err
	}
	d.lineLen = 0
	d.done = true
	return nil
}

// Expect consumes s, compared case-insensitively for letters.
func (d *Decoder) Expect(s string) error {
	for i := 0; i < len(s); i++ {
		b, err := d.Peek()
		if err != nil {
			return err
		}
		if toUpper(b) != toUpper(s[i]) {
			return d.syntaxf("expected %q", s)
		}
		if _, err := d.next(); err != nil {
			return err
		}
	}
	return nil
}

// While reads 1*c where ok(c); what names the token in errors.
func (d *Decoder) While(ok func(byte) bool, what string) (string, error) {
	var buf []byte
	for {
		b, err := d.Peek()
		if err != nil {
			return "", err
		}
		if !ok(b) {
			break
		}
		if _, err := d.next(); err != nil {
			return "", err
		}
		buf = append(buf, b)
	}
	if len(buf) == 0 {
		b, _ := d.Peek()
		return "", d.syntaxf("expected %s, found %s", what, quoteByte(b))
	}
	return string(buf), nil
}

// Atom reads 1*ATOM-CHAR.
func (d *Decoder) Atom() (string, error) { return d.While(IsAtomChar, "atom") }

// Tag reads a command tag: 1*<any ASTRING-CHAR except "+">.
func (d *Decoder) Tag() (string, error) {
	return d.While(func(c byte) bool { return IsAStringChar(c) && c != '+' }, "tag")
}

// Number reads a 32-bit unsigned number.
func (d *Decoder) Number() (uint32, error) {
	n, err := d.number(1<<32 - 1)
	return uint32(n), err
}

// NZNumber reads a non-zero 32-bit number.
func (d *Decoder) NZNumber() (uint32, error) {
	n, err := d.Number()
	if err == nil && n == 0 {
		return 0, d.syntaxf("expected a non-zero number")
	}
	return n, err
}

// Number64 reads a number64 (0 to 2^63-1, RFC 9051 §9).
func (d *Decoder) Number64() (uint64, error) { return d.number(1<<63 - 1) }

func (d *Decoder) number(max uint64) (uint64, error) {
	s, err := d.While(isDigit, "number")
	if err != nil {
		return 0, err
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		n = n*10 + uint64(s[i]-'0')
		if n > max {
			return 0, d.syntaxf("number %s is too large", s)
		}
	}
	return n, nil
}

// Quoted reads a quoted string. Only \\ and \" escapes are allowed; CR, LF
// and NUL are not. 8-bit bytes are kept; the caller validates them.
func (d *Decoder) Quoted() (string, error) {
	if err := d.Byte('"'); err != nil {
		return "", err
	}
	var buf []byte
	for {
		c, err := d.Peek()
		if err != nil {
			return "", err
		}
		switch c {
		case '\r', '\n':
			return "", d.syntaxf("unterminated quoted string")
		case 0:
			return "", d.syntaxf("NUL in quoted string")
		}
		if _, err := d.next(); err != nil {
			return "", err
		}
		switch c {
		case '"':
			return string(buf), nil
		case '\\':
			e, err := d.Peek()
			if err != nil {
				return "", err
			}
			if e != '"' && e != '\\' {
				return "", d.syntaxf("invalid escape %s in quoted string", quoteByte(e))
			}
			_, _ = d.next()
			c = e
		}
		buf = append(buf, c)
	}
}

// String reads a quoted string or a literal, held in memory.
func (d *Decoder) String() (string, error) {
	b, err := d.Peek()
	if err != nil {
		return "", err
	}
	switch b {
	case '"':
		return d.Quoted()
	case '{':
		return d.memLiteral()
	}
	if d.Literal8Next() {
		return "", d.syntaxf("literal8 not allowed here")
	}
	return "", d.syntaxf("expected string, found %s", quoteByte(b))
}

// AString reads an astring: 1*ASTRING-CHAR or a string.
func (d *Decoder) AString() (string, error) {
	b, err := d.Peek()
	if err != nil {
		return "", err
	}
	if b == '"' || b == '{' || d.Literal8Next() {
		return d.String()
	}
	return d.While(IsAStringChar, "string")
}

// NString reads NIL or a string; ok is false for NIL.
func (d *Decoder) NString() (s string, ok bool, err error) {
	b, err := d.Peek()
	if err != nil {
		return "", false, err
	}
	if b == '"' || b == '{' || d.Literal8Next() {
		s, err = d.String()
		return s, err == nil, err
	}
	a, err := d.Atom()
	if err != nil {
		return "", false, err
	}
	if !equalFold(a, "NIL") {
		return "", false, d.syntaxf("expected string or NIL, found %q", a)
	}
	return "", false, nil
}

// List reads "(" [item *(SP item)] ")", calling item for each element.
func (d *Decoder) List(item func() error) error {
	if err := d.Byte('('); err != nil {
		return err
	}
	if d.PeekIs(')') {
		_, err := d.next()
		return err
	}
	for {
		if err := item(); err != nil {
			return err
		}
		b, err := d.Peek()
		if err != nil {
			return err
		}
		switch b {
		case ')':
			_, err := d.next()
			return err
		case ' ':
			_, _ = d.next()
		default:
			return d.syntaxf("expected SP or \")\" in list, found %s", quoteByte(b))
		}
	}
}

// Line reads one raw line without its CR LF (AUTHENTICATE responses, DONE),
// at most MaxLine bytes; a longer line is discarded and a LimitError
// returned.
func (d *Decoder) Line() ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	var line []byte
	for {
		chunk, err := d.r.ReadSlice('\n')
		if len(line)+len(chunk) > d.maxLine+2 {
			if err == bufio.ErrBufferFull {
				if err := d.discardLine(); err != nil {
					return nil, err
				}
			}
			return nil, &LimitError{Msg: "line too long"}
		}
		line = append(line, chunk...)
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			if err == io.EOF && len(line) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, d.fail(err)
		}
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// discardLine drops bytes up to and including the next LF, at most the
// discard bound.
func (d *Decoder) discardLine() error {
	var total int64
	for {
		chunk, err := d.r.ReadSlice('\n')
		total += int64(len(chunk))
		if total > d.discardBound() {
			return d.fail(&FatalError{Msg: "line too long"})
		}
		if err == nil {
			return nil
		}
		if err != bufio.ErrBufferFull {
			return d.ioFail(err)
		}
	}
}

func (d *Decoder) discardBound() int64 { return 2*d.maxLiteral + int64(maxCommandLines*d.maxLine) }

func quoteByte(c byte) string {
	switch {
	case c == ' ':
		return "SP"
	case c == '\r' || c == '\n':
		return "end of line"
	case c > ' ' && c < 0x7f:
		return fmt.Sprintf("%q", string(rune(c)))
	}
	return fmt.Sprintf("0x%02x", c)
}
