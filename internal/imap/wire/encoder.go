// Package wire reads and writes the IMAP wire format (RFC 9051 §9): atoms,
// numbers, quoted strings, literals and lists. It knows the syntax, not the
// commands.
package wire

import (
	"bufio"
	"io"
	"strconv"
	"unicode/utf8"
)

// Encoder writes IMAP responses. Errors are sticky: after the first failed
// write every method is a no-op and Err or Flush reports it.
type Encoder struct {
	w   *bufio.Writer
	dst io.Writer // what w writes to (idlebuf.go)
	err error
	// UTF8 allows 8-bit UTF-8 inside quoted strings (IMAP4rev2, UTF8=ACCEPT).
	UTF8 bool
}

// NewEncoder returns an Encoder that writes to w through a buffer.
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{w: bufio.NewWriterSize(w, writeBufferSize), dst: w}
}

// Reset makes e write to w, dropping any buffered output and error.
func (e *Encoder) Reset(w io.Writer) {
	e.w.Reset(w)
	e.dst = w
	e.err = nil
}

// Err is the first error met.
func (e *Encoder) Err() error { return e.err }

// Flush writes out what is buffered.
func (e *Encoder) Flush() error {
	if e.err == nil {
		e.err = e.w.Flush()
	}
	return e.err
}

// Buffered is the number of bytes waiting to be flushed.
func (e *Encoder) Buffered() int { return e.w.Buffered() }

// Raw writes s as it is: atoms, punctuation, response codes.
func (e *Encoder) Raw(s string) *Encoder {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
	return e
}

// RawBytes writes b as it is.
func (e *Encoder) RawBytes(b []byte) *Encoder {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
	return e
}

// Byte writes one byte.
func (e *Encoder) Byte(c byte) *Encoder {
	if e.err == nil {
		e.err = e.w.WriteByte(c)
	}
	return e
}

// SP writes a space.
func (e *Encoder) SP() *Encoder { return e.Byte(' ') }

// CRLF ends a response line.
func (e *Encoder) CRLF() *Encoder { return e.Raw("\r\n") }

// Number writes an unsigned number.
func (e *Encoder) Number(n uint64) *Encoder {
	if e.err == nil {
		var buf [20]byte
		_, e.err = e.w.Write(strconv.AppendUint(buf[:0], n, 10))
	}
	return e
}

// NIL writes NIL.
func (e *Encoder) NIL() *Encoder { return e.Raw("NIL") }

// String writes s as a quoted string when it can be one, else as a literal.
func (e *Encoder) String(s string) *Encoder {
	if Quotable(s, e.UTF8) {
		return e.Quoted(s)
	}
	e.Raw("{").Number(uint64(len(s))).Raw("}\r\n")
	return e.Raw(s)
}

// Quoted writes s as a quoted string, escaping '"' and '\'. The caller
// makes sure s is Quotable.
func (e *Encoder) Quoted(s string) *Encoder {
	e.Byte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			e.Raw(s[start:i]).Byte('\\')
			start = i
		}
	}
	return e.Raw(s[start:]).Byte('"')
}

// Literal writes a literal of size bytes copied from r ({n} CRLF data), or a
// literal8 (~{n}) when binary is set (RFC 3516).
func (e *Encoder) Literal(r io.Reader, size int64, binary bool) *Encoder {
	if binary {
		e.Byte('~')
	}
	e.Raw("{").Number(uint64(size)).Raw("}\r\n")
	if e.err == nil {
		var n int64
		n, e.err = io.CopyN(e.w, r, size)
		if e.err == nil && n != size {
			e.err = io.ErrUnexpectedEOF
		}
	}
	return e
}

// Quotable reports whether s can be sent as a quoted string: no CR, LF or
// NUL, and no 8-bit bytes unless utf8 is allowed and s is valid UTF-8.
func Quotable(s string, utf8ok bool) bool {
	if len(s) > 1024 {
		return false
	}
	eight := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\r' || c == '\n' || c == 0:
			return false
		case c >= 0x80:
			eight = true
		}
	}
	if eight {
		return utf8ok && utf8.ValidString(s)
	}
	return true
}
