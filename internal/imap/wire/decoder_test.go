package wire

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

func newTestDecoder(s string, opts DecoderOptions) *Decoder {
	return NewDecoder(strings.NewReader(s), opts)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestDecoderTokens(t *testing.T) {
	tests := []struct {
		name, in string
		read     func(d *Decoder) (string, error)
		want     string
		err      string
	}{
		{"atom", "abc.DEF$ x", (*Decoder).Atom, "abc.DEF$", ""},
		{"atom stops at bracket", "BODY]", (*Decoder).Atom, "BODY", ""},
		{"atom empty", "(x", (*Decoder).Atom, "", `expected atom, found "("`},
		{"atom at SP", " x", (*Decoder).Atom, "", "expected atom, found SP"},
		{"tag stops at plus", "a+b", (*Decoder).Tag, "a", ""},
		{"tag with bracket", "a]1 ", (*Decoder).Tag, "a]1", ""},
		{"quoted", `"a b" `, (*Decoder).Quoted, "a b", ""},
		{"quoted escapes", `"a\"b\\c"`, (*Decoder).Quoted, `a"b\c`, ""},
		{"quoted bad escape", `"a\nb"`, (*Decoder).Quoted, "", `invalid escape "n" in quoted string`},
		{"quoted CR", "\"ab\r\n", (*Decoder).Quoted, "", "unterminated quoted string"},
		{"quoted NUL", "\"a\x00\"", (*Decoder).Quoted, "", "NUL in quoted string"},
		{"quoted EOF", `"abc`, (*Decoder).Quoted, "", "unexpected EOF"},
		{"quoted 8bit kept", "\"é\"", (*Decoder).Quoted, "é", ""},
		{"astring atom", "INBOX]x ", (*Decoder).AString, "INBOX]x", ""},
		{"astring quoted", `"" `, (*Decoder).AString, "", ""},
		{"astring literal", "{3}\r\nabc", (*Decoder).AString, "abc", ""},
		{"astring literal+", "{3+}\r\na\r\n", (*Decoder).AString, "a\r\n", ""},
		{"astring literal8", "~{3}\r\nabc", (*Decoder).AString, "", "literal8 not allowed here"},
		{"astring tilde atom", "~foo ", (*Decoder).AString, "~foo", ""},
		{"astring lone tilde", "~ ", (*Decoder).AString, "~", ""},
		{"astring tilde before literal", "~x{3}\r\n", (*Decoder).AString, "~x", ""},
		{"astring paren", "(", (*Decoder).AString, "", `expected string, found "("`},
		{"string tilde atom", "~foo", (*Decoder).String, "", `expected string, found "~"`},
		{"string literal8", "~{3}\r\nabc", (*Decoder).String, "", "literal8 not allowed here"},
		{"atom tilde", "~foo)", (*Decoder).Atom, "~foo", ""},
		{"nstring tilde atom", "~foo ", func(d *Decoder) (string, error) {
			s, _, err := d.NString()
			return s, err
		}, "", `expected string or NIL, found "~foo"`},
		{"nstring literal8", "~{1}\r\nx", func(d *Decoder) (string, error) {
			s, _, err := d.NString()
			return s, err
		}, "", "literal8 not allowed here"},
		{"string not atom", "abc", (*Decoder).String, "", `expected string, found "a"`},
		{"literal bad size", "{x}\r\n", (*Decoder).String, "", "invalid literal size"},
		{"literal no CRLF", "{3} abc", (*Decoder).String, "", "expected CRLF after literal size"},
		{"expect", "return (", func(d *Decoder) (string, error) { return "ok", d.Expect("RETURN") }, "ok", ""},
		{"expect mismatch", "RETRN", func(d *Decoder) (string, error) { return "", d.Expect("RETURN") }, "", `expected "RETURN"`},
		{"nstring nil", "nil ", func(d *Decoder) (string, error) {
			s, ok, err := d.NString()
			if ok {
				return "not nil: " + s, err
			}
			return "NIL", err
		}, "NIL", ""},
		{"nstring other atom", "nothing ", func(d *Decoder) (string, error) {
			s, _, err := d.NString()
			return s, err
		}, "", `expected string or NIL, found "nothing"`},
		{"list", "(a b c)", func(d *Decoder) (string, error) {
			var got []string
			err := d.List(func() error {
				a, err := d.Atom()
				got = append(got, a)
				return err
			})
			return strings.Join(got, ","), err
		}, "a,b,c", ""},
		{"empty list", "()", func(d *Decoder) (string, error) {
			n := 0
			err := d.List(func() error { n++; _, err := d.Atom(); return err })
			return strings.Repeat("x", n), err
		}, "", ""},
		{"list bad separator", "(a(b))", func(d *Decoder) (string, error) {
			return "", d.List(func() error { _, err := d.Atom(); return err })
		}, "", "expected SP or \")\" in list, found \"(\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDecoder(tt.in, DecoderOptions{})
			got, err := tt.read(d)
			if errText(err) != tt.err || (tt.err == "" && got != tt.want) {
				t.Fatalf("got %q, %q; want %q, %q", got, errText(err), tt.want, tt.err)
			}
		})
	}
}

func TestDecoderNumbers(t *testing.T) {
	tests := []struct {
		in   string
		kind string
		want uint64
		err  string
	}{
		{"0 ", "32", 0, ""},
		{"4294967295)", "32", 4294967295, ""},
		{"4294967296 ", "32", 0, "number 4294967296 is too large"},
		{"0 ", "nz", 0, "expected a non-zero number"},
		{"007 ", "nz", 7, ""},
		{"9223372036854775807 ", "64", 9223372036854775807, ""},
		{"9223372036854775808 ", "64", 0, "number 9223372036854775808 is too large"},
		{"99999999999999999999999 ", "64", 0, "number 99999999999999999999999 is too large"},
		{"-1", "32", 0, `expected number, found "-"`},
	}
	for _, tt := range tests {
		d := newTestDecoder(tt.in, DecoderOptions{})
		var got uint64
		var err error
		switch tt.kind {
		case "32":
			var n uint32
			n, err = d.Number()
			got = uint64(n)
		case "nz":
			var n uint32
			n, err = d.NZNumber()
			got = uint64(n)
		case "64":
			got, err = d.Number64()
		}
		if got != tt.want || errText(err) != tt.err {
			t.Errorf("%s %q: got %d, %q; want %d, %q", tt.kind, tt.in, got, errText(err), tt.want, tt.err)
		}
	}
}

func TestDecoderStickyAndDiscard(t *testing.T) {
	d := newTestDecoder("a (b c\r\nnext\r\n", DecoderOptions{})
	if _, err := d.Atom(); err != nil {
		t.Fatal(err)
	}
	_ = d.SP()
	_, err := d.Atom()
	if errText(err) != `expected atom, found "("` {
		t.Fatalf("err = %v", err)
	}
	if _, err2 := d.Atom(); err2 != err {
		t.Fatalf("error not sticky: %v", err2)
	}
	if err := d.Discard(); err != nil {
		t.Fatal(err)
	}
	d.Begin()
	a, err := d.Atom()
	if a != "next" || err != nil {
		t.Fatalf("after Discard: %q, %v", a, err)
	}
	if err := d.CRLF(); err != nil {
		t.Fatal(err)
	}
	d.Begin()
	if _, err := d.Atom(); err != io.EOF {
		t.Fatalf("at end: %v, want io.EOF", err)
	}
}

func TestDecoderLiterals(t *testing.T) {
	conts := 0
	opts := DecoderOptions{MaxLiteral: 10, Continue: func() error { conts++; return nil }}
	d := newTestDecoder("{5}\r\nhello ~{3+}\r\n\x00\x01\x02 {4}\r\nabcd\r\n", opts)
	r, info, err := d.Literal(0, false)
	if err != nil || info != (LiteralInfo{Size: 5}) || conts != 1 {
		t.Fatalf("sync literal: %+v %v conts=%d", info, err, conts)
	}
	b, _ := io.ReadAll(r)
	if string(b) != "hello" {
		t.Fatalf("data %q", b)
	}
	_ = d.SP()
	r, info, err = d.Literal(0, true)
	if err != nil || info != (LiteralInfo{Size: 3, Binary: true, NonSync: true}) || conts != 1 {
		t.Fatalf("literal8+: %+v %v conts=%d", info, err, conts)
	}
	b, _ = io.ReadAll(r)
	if string(b) != "\x00\x01\x02" {
		t.Fatalf("data %q", b)
	}
	_ = d.SP()
	// Unread literal data is skipped by the next read.
	if _, _, err = d.Literal(0, false); err != nil || conts != 2 {
		t.Fatalf("third literal: %v conts=%d", err, conts)
	}
	if err := d.CRLF(); err != nil {
		t.Fatalf("CRLF after unread literal: %v", err)
	}
}

func TestDecoderLiteralTooBig(t *testing.T) {
	conts := 0
	opts := DecoderOptions{MaxLiteral: 10, Continue: func() error { conts++; return nil }}
	// Synchronizing: refused without continuation; the client sends no data.
	d := newTestDecoder("x {11}\r\nnext\r\n", opts)
	_, _ = d.Atom()
	_ = d.SP()
	_, _, err := d.Literal(0, false)
	var le *LimitError
	if !errors.As(err, &le) || !le.Literal || le.Size != 11 || conts != 0 {
		t.Fatalf("err %v, conts %d", err, conts)
	}
	if err := d.Discard(); err != nil {
		t.Fatal(err)
	}
	d.Begin()
	if a, err := d.Atom(); a != "next" || err != nil {
		t.Fatalf("after refused sync literal: %q %v", a, err)
	}
	// Non-synchronizing: skipped, with the rest of the line and further
	// literals on it.
	d = newTestDecoder("x {11+}\r\n01234567890 y {2+}\r\nab\r\nnext\r\n", opts)
	_, _ = d.Atom()
	_ = d.SP()
	if _, _, err = d.Literal(0, false); !errors.As(err, &le) {
		t.Fatalf("err %v", err)
	}
	if err := d.Discard(); err != nil {
		t.Fatal(err)
	}
	d.Begin()
	if a, err := d.Atom(); a != "next" || err != nil {
		t.Fatalf("after refused literal+: %q %v", a, err)
	}
	// Far too big to skip: fatal.
	d = newTestDecoder("{99999999999+}\r\n", opts)
	_, _, err = d.Literal(0, false)
	var fe *FatalError
	if !errors.As(err, &fe) {
		t.Fatalf("huge literal+: %v", err)
	}
	// String literals are bounded by the command budget (16 * MaxLine).
	d = newTestDecoder("{129}\r\n", DecoderOptions{MaxLine: 8})
	if _, err = d.String(); errText(err) != "literal of 129 bytes exceeds the limit of 121" {
		t.Fatalf("string literal: %v", err)
	}
}

// endless yields n bytes of 'a' and then tail, without holding them.
type endless struct {
	n    int64
	tail *strings.Reader
	read int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n > 0 {
		k := min(int64(len(p)), e.n)
		for i := range p[:k] {
			p[i] = 'a'
		}
		e.n -= k
		e.read += k
		return int(k), nil
	}
	n, err := e.tail.Read(p)
	e.read += int64(n)
	return n, err
}

func TestDecoderLongLineNotBuffered(t *testing.T) {
	src := &endless{n: 2 << 20, tail: strings.NewReader("\r\nnext\r\n")}
	d := NewDecoder(src, DecoderOptions{})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := d.Atom()
	var le *LimitError
	if !errors.As(err, &le) || le.Literal || err.Error() != "command line too long" {
		t.Fatalf("err = %v", err)
	}
	if err := d.Discard(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 512<<10 {
		t.Fatalf("allocated %d bytes for a 2 MiB line", grew)
	}
	d.Begin()
	if a, err := d.Atom(); a != "next" || err != nil {
		t.Fatalf("after long line: %q %v", a, err)
	}
}

func TestDecoderLine(t *testing.T) {
	d := newTestDecoder("DONE\r\ndGVzdA==\n"+strings.Repeat("x", 100)+"\r\nok\r\n", DecoderOptions{MaxLine: 50})
	for _, want := range []string{"DONE", "dGVzdA=="} {
		line, err := d.Line()
		if string(line) != want || err != nil {
			t.Fatalf("Line = %q, %v; want %q", line, err, want)
		}
	}
	if _, err := d.Line(); errText(err) != "line too long" {
		t.Fatalf("long line: %v", err)
	}
	if line, err := d.Line(); string(line) != "ok" || err != nil {
		t.Fatalf("after long line: %q %v", line, err)
	}
	if _, err := d.Line(); err != io.EOF {
		t.Fatalf("at end: %v", err)
	}
}

func TestTrailingLiteral(t *testing.T) {
	tests := []struct {
		in      string
		size    int64
		nonSync bool
		ok      bool
	}{
		{"a LOGIN {5}\r\n", 5, false, true},
		{"a LOGIN {5+}\n", 5, true, true},
		{"a APPEND x ~{12+}\r\n", 12, true, true},
		{"a {x}\r\n", 0, false, false},
		{"a {}\r\n", 0, false, false},
		{"a {+}\r\n", 0, false, false},
		{"a {-1}\r\n", 0, false, false},
		{"a b\r\n", 0, false, false},
	}
	for _, tt := range tests {
		size, nonSync, ok := trailingLiteral([]byte(tt.in))
		if size != tt.size || nonSync != tt.nonSync || ok != tt.ok {
			t.Errorf("%q: %d %v %v", tt.in, size, nonSync, ok)
		}
	}
}

func TestDecoderBareLF(t *testing.T) {
	d := newTestDecoder("a\nb\r\n", DecoderOptions{})
	var out bytes.Buffer
	for range 2 {
		d.Begin()
		a, err := d.Atom()
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString(a)
		if err := d.CRLF(); err != nil {
			t.Fatal(err)
		}
	}
	if out.String() != "ab" {
		t.Fatalf("%q", out.String())
	}
}
