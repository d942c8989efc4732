package proto

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roost/internal/imap/wire"
)

func TestExtensionFetchAndSearch(t *testing.T) {
	one := NumSet{Ranges: []Range{{1, 1}}}
	attr := func(a FetchAttr) FetchItem { return FetchItem{Attr: a} }
	search := func(keys ...SearchKey) *Command {
		return &Command{Tag: "a", Name: "SEARCH", Args: &Search{Keys: keys}}
	}
	day := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	runCmdTests(t, []cmdTest{
		{in: "a FETCH 1 (EMAILID threadid SAVEDATE PREVIEW)", want: fetchCmd(false, one,
			attr(FetchEmailID), attr(FetchThreadID), attr(FetchSaveDate), attr(FetchPreview))},
		{in: "a FETCH 1 (PREVIEW (lazy) UID)", want: fetchCmd(false, one, FetchItem{Attr: FetchPreview, Lazy: true}, attr(FetchUID))},
		{in: "a FETCH 1 PREVIEW (LAZY)", want: fetchCmd(false, one, FetchItem{Attr: FetchPreview, Lazy: true})},
		// A lone PREVIEW followed by FETCH modifiers.
		{in: "a FETCH 1 PREVIEW (CHANGEDSINCE 7)", want: func() *Command {
			c := fetchCmd(false, one, attr(FetchPreview))
			c.Args.(*Fetch).ChangedSince = 7
			return c
		}()},
		{in: "a FETCH 1 (PREVIEW (LAZY FOO))", err: `a BAD Unknown PREVIEW modifier "FOO"`},
		{in: "a SEARCH EMAILID M0123abc_-Z THREADID T1", want: search(
			SearchKey{Op: SearchEmailID, Value: "M0123abc_-Z"}, SearchKey{Op: SearchThreadID, Value: "T1"})},
		{in: "a SEARCH EMAILID a.b", err: `a BAD Invalid EMAILID objectid "a.b"`},
		{in: "a SEARCH SAVEDBEFORE 5-Mar-2024 SAVEDON 5-Mar-2024 SAVEDSINCE \"5-Mar-2024\" SAVEDATESUPPORTED", want: search(
			SearchKey{Op: SearchSavedBefore, Date: day}, SearchKey{Op: SearchSavedOn, Date: day},
			SearchKey{Op: SearchSavedSince, Date: day}, SearchKey{Op: SearchSaveDateSupported})},
		{in: "a SEARCH SAVEDON 5-Foo-2024", err: `a BAD Invalid date "5-Foo-2024"`},
		{in: "a STATUS INBOX (MAILBOXID MESSAGES)", want: &Command{Tag: "a", Name: "STATUS",
			Args: &Status{Mailbox: "INBOX", Items: []string{"MAILBOXID", "MESSAGES"}}}},
	}, false)
}

func TestReplaceAndUTF8Append(t *testing.T) {
	in := "a UID REPLACE 42 Drafts (\\Draft) {3}\r\nabc\r\n" +
		"b APPEND INBOX UTF8 (~{5}\r\ncafé)\r\n" +
		"c APPEND INBOX UTF8 (~{2}\r\nab) ~{1}\r\nx\r\n" +
		"d REPLACE 0 INBOX {1+}\r\nx\r\n" +
		"e APPEND INBOX UTF8 ({1+}\r\nx)\r\n" +
		"f NOOP\r\n"
	p := newTestParser(in, wire.DecoderOptions{Continue: func() error { return nil }})
	cmd, msgs, err := readAppend(t, p)
	if err != nil || !cmp.Equal(cmd, &Command{Tag: "a", Name: "REPLACE", UID: true, Args: &Replace{Num: 42, Mailbox: "Drafts"}}) ||
		!cmp.Equal(msgs, []appended{{AppendMessage{Flags: []string{`\Draft`}, Size: 3}, "abc"}}) {
		t.Fatalf("a: %+v %+v %v", cmd, msgs, err)
	}
	cmd, msgs, err = readAppend(t, p)
	if err != nil || cmd.Tag != "b" || !cmp.Equal(msgs, []appended{{AppendMessage{Binary: true, UTF8: true, Size: 5}, "café"}}) {
		t.Fatalf("b: %+v %+v %v", cmd, msgs, err)
	}
	// MULTIAPPEND with a UTF8 message followed by a plain literal8.
	cmd, msgs, err = readAppend(t, p)
	if err != nil || cmd.Tag != "c" || !cmp.Equal(msgs, []appended{
		{AppendMessage{Binary: true, UTF8: true, Size: 2}, "ab"}, {AppendMessage{Binary: true, Size: 1}, "x"}}) {
		t.Fatalf("c: %+v %+v %v", cmd, msgs, err)
	}
	if _, err := p.ReadCommand(); err == nil || err.Error() != "d BAD Invalid message number: expected a non-zero number" {
		t.Fatalf("d: %v", err)
	}
	_, _, err = readAppend(t, p)
	if err == nil || err.Error() != "e BAD UTF8 data must be a literal8 (~{n})" {
		t.Fatalf("e: %v", err)
	}
	cmd, err = p.ReadCommand()
	if err != nil || cmd.Name != "NOOP" {
		t.Fatalf("f: %+v %v", cmd, err)
	}
}
