package proto

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roost/internal/imap/wire"
)

type appended struct {
	Msg  AppendMessage
	Data string
}

// readAppend reads one APPEND command with all its messages.
func readAppend(t *testing.T, p *Parser) (*Command, []appended, error) {
	t.Helper()
	cmd, err := p.ReadCommand()
	if err != nil {
		return nil, nil, err
	}
	var msgs []appended
	for range 100 {
		m, r, err := p.ReadAppendMessage()
		if err != nil {
			return cmd, msgs, err
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return cmd, msgs, err
		}
		msgs = append(msgs, appended{*m, string(data)})
		more, err := p.AppendEnd()
		if err != nil || !more {
			return cmd, msgs, err
		}
	}
	t.Fatal("too many messages")
	return nil, nil, nil
}

func TestAppend(t *testing.T) {
	conts := 0
	in := "a APPEND inbox {5}\r\nhello\r\n" +
		"b APPEND Entw&APw-rfe (\\Seen $x) \" 7-Feb-1994 21:52:25 -0800\" {3+}\r\nabc ~{2}\r\n\x00\x01 () {0}\r\n\r\n" +
		"c NOOP\r\n"
	p := newTestParser(in, wire.DecoderOptions{Continue: func() error { conts++; return nil }})
	cmd, msgs, err := readAppend(t, p)
	if err != nil || cmd.Tag != "a" || !cmp.Equal(cmd.Args, &Append{Mailbox: "INBOX"}) ||
		!cmp.Equal(msgs, []appended{{AppendMessage{Size: 5}, "hello"}}) || conts != 1 {
		t.Fatalf("a: %+v %+v %v conts=%d", cmd, msgs, err, conts)
	}
	cmd, msgs, err = readAppend(t, p)
	date := time.Date(1994, 2, 7, 21, 52, 25, 0, time.FixedZone("", -8*3600))
	want := []appended{
		{AppendMessage{Flags: []string{`\Seen`, "$x"}, Date: date, Size: 3}, "abc"},
		{AppendMessage{Binary: true, Size: 2}, "\x00\x01"},
		{AppendMessage{Flags: []string{}, Size: 0}, ""},
	}
	if err != nil || !cmp.Equal(cmd.Args, &Append{Mailbox: "Entwürfe"}) || conts != 3 {
		t.Fatalf("b: %+v %v conts=%d", cmd, err, conts)
	}
	if d := cmp.Diff(want, msgs); d != "" {
		t.Fatalf("b messages (-want +got):\n%s", d)
	}
	if cmd, err := p.ReadCommand(); err != nil || cmd.Name != "NOOP" {
		t.Fatalf("after APPEND: %+v %v", cmd, err)
	}
}

func TestAppendErrors(t *testing.T) {
	tests := []struct{ in, err string }{
		{"a APPEND INBOX", "a BAD Expected SP after mailbox"},
		{"a APPEND INBOX hello", "a BAD Expected message literal"},
		{"a APPEND INBOX ~hello", "a BAD Expected message literal"}, // "~" alone starts no literal8
		{"a APPEND INBOX UTF8 (~x{1+}\r\nx)", "a BAD UTF8 data must be a literal8 (~{n})"},
		{"a APPEND INBOX (\\Foo) {5+}\r\nhello", `a BAD Unknown system flag "\\Foo"`},
		{"a APPEND INBOX \"31-Feb-2020 00:00:00 +0000\" {1+}\r\nx", `a BAD Invalid date-time "31-Feb-2020 00:00:00 +0000"`},
		{"a APPEND INBOX {20}", "a NO [TOOBIG] Message too large: literal of 20 bytes exceeds the limit of 10"},
		{"a APPEND INBOX {20+}\r\n01234567890123456789 {3+}\r\nabc", "a NO [TOOBIG] Message too large: literal of 20 bytes exceeds the limit of 10"},
		{"a APPEND INBOX {1+}\r\nxjunk", `a BAD Expected SP or end of line after message literal`},
	}
	for _, tt := range tests {
		conts := 0
		p := newTestParser(tt.in+"\r\nz NOOP\r\n", wire.DecoderOptions{MaxLiteral: 10, Continue: func() error { conts++; return nil }})
		_, _, err := readAppend(t, p)
		var perr *Error
		if !errors.As(err, &perr) || perr.Error() != tt.err {
			t.Errorf("%q: %v, want %q", tt.in, err, tt.err)
		}
		if strings.Contains(tt.in, "{20}") && conts != 0 {
			t.Errorf("%q: continuation sent for a refused literal", tt.in)
		}
		if cmd, err := p.ReadCommand(); err != nil || cmd.Tag != "z" {
			t.Errorf("%q: next command %+v, %v", tt.in, cmd, err)
		}
	}
}

// TestAppendAbandoned: a caller that gives up on APPEND after the mailbox
// does not desynchronise the stream.
func TestAppendAbandoned(t *testing.T) {
	p := newTestParser("a APPEND x {3+}\r\nabc\r\nb NOOP\r\n", wire.DecoderOptions{})
	if cmd, err := p.ReadCommand(); err != nil || cmd.Name != "APPEND" {
		t.Fatal(cmd, err)
	}
	if cmd, err := p.ReadCommand(); err != nil || cmd.Tag != "b" {
		t.Fatalf("%+v %v", cmd, err)
	}
}

func TestLiteralContinuations(t *testing.T) {
	conts := 0
	in := "a LOGIN {4}\r\nfred {2}\r\npw\r\nb LOGIN {4+}\r\nfred {2+}\r\npw\r\nc SEARCH SUBJECT {1000}\r\nd NOOP\r\n"
	p := newTestParser(in, wire.DecoderOptions{MaxLine: 50, Continue: func() error { conts++; return nil }})
	if _, err := p.ReadCommand(); err != nil || conts != 2 {
		t.Fatalf("sync literals: %v, %d continuations", err, conts)
	}
	if _, err := p.ReadCommand(); err != nil || conts != 2 {
		t.Fatalf("non-sync literals: %v, %d continuations", err, conts)
	}
	// Over the in-memory budget (16 * MaxLine): BAD, no continuation.
	_, err := p.ReadCommand()
	var perr *Error
	if !errors.As(err, &perr) || perr.Error() != "c BAD Literal too big: literal of 1000 bytes exceeds the limit of 775" || conts != 2 {
		t.Fatalf("big literal: %v, %d continuations", err, conts)
	}
	if cmd, err := p.ReadCommand(); err != nil || cmd.Tag != "d" {
		t.Fatalf("after: %+v %v", cmd, err)
	}
}

func TestLongLine(t *testing.T) {
	in := "a SEARCH SUBJECT " + strings.Repeat("x", 2<<20) + " {5+}\r\nhello\r\nb NOOP\r\n"
	p := newTestParser(in, wire.DecoderOptions{})
	_, err := p.ReadCommand()
	var perr *Error
	if !errors.As(err, &perr) || perr.Error() != "a BAD Command line too long" {
		t.Fatalf("long line: %v", err)
	}
	if cmd, err := p.ReadCommand(); err != nil || cmd.Tag != "b" {
		t.Fatalf("after: %+v %v", cmd, err)
	}
	if _, err := p.ReadCommand(); err != io.EOF {
		t.Fatalf("at end: %v", err)
	}
}

func TestTruncatedStream(t *testing.T) {
	for _, in := range []string{"a LOGIN {5}\r\nab", "a NOOP", "a LOGIN \"x", "a APPEND x {5}\r\nab"} {
		p := newTestParser(in, wire.DecoderOptions{})
		var err error
		if strings.Contains(in, "APPEND") {
			_, _, err = readAppend(t, p)
			if err == nil {
				t.Errorf("%q: no error", in)
			}
			continue
		}
		if _, err = p.ReadCommand(); err != io.ErrUnexpectedEOF {
			t.Errorf("%q: %v, want unexpected EOF", in, err)
		}
	}
}

func TestReadLine(t *testing.T) {
	p := newTestParser("DONE\r\n"+strings.Repeat("x", 100)+"\r\na NOOP\r\n", wire.DecoderOptions{MaxLine: 64})
	if line, err := p.ReadLine(); string(line) != "DONE" || err != nil {
		t.Fatalf("%q %v", line, err)
	}
	_, err := p.ReadLine()
	var perr *Error
	if !errors.As(err, &perr) || perr.Error() != "* BAD Line too long" {
		t.Fatalf("long: %v", err)
	}
	if cmd, err := p.ReadCommand(); err != nil || cmd.Tag != "a" {
		t.Fatalf("after: %+v %v", cmd, err)
	}
}
