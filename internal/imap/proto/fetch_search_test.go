package proto

import (
	"strings"
	"testing"
	"time"
)

func fetchCmd(uid bool, set NumSet, items ...FetchItem) *Command {
	return &Command{Tag: "a", Name: "FETCH", UID: uid, Args: &Fetch{Set: set, Items: items}}
}

func TestFetch(t *testing.T) {
	one := NumSet{Ranges: []Range{{1, 1}}}
	all := NumSet{Ranges: []Range{{1, Star}}}
	attr := func(a FetchAttr) FetchItem { return FetchItem{Attr: a} }
	body := func(peek bool, sec Section) FetchItem {
		return FetchItem{Attr: FetchBodySection, Peek: peek, Section: &sec}
	}
	withMods := func(c *Command, since uint64, vanished bool) *Command {
		c.Args.(*Fetch).ChangedSince, c.Args.(*Fetch).Vanished = since, vanished
		return c
	}
	runCmdTests(t, []cmdTest{
		{in: "a FETCH 1 ALL", want: fetchCmd(false, one, attr(FetchFlags), attr(FetchInternalDate), attr(FetchRFC822Size), attr(FetchEnvelope))},
		{in: "a FETCH 1 fast", want: fetchCmd(false, one, attr(FetchFlags), attr(FetchInternalDate), attr(FetchRFC822Size))},
		{in: "a FETCH 1 FULL", want: fetchCmd(false, one, attr(FetchFlags), attr(FetchInternalDate), attr(FetchRFC822Size), attr(FetchEnvelope), attr(FetchBody))},
		{in: "a FETCH 1 (FLAGS ALL)", err: "a BAD Fetch macro ALL cannot be in a list"},
		{in: "a UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])",
			want: fetchCmd(true, all, attr(FetchUID), attr(FetchRFC822Size), attr(FetchFlags), body(true, Section{Specifier: SectionHeaderFields,
				Fields: strings.Fields("From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To"), Count: -1}))},
		{in: "a FETCH 1 (envelope internaldate rfc822 rfc822.header rfc822.text bodystructure body uid modseq)",
			want: fetchCmd(false, one, attr(FetchEnvelope), attr(FetchInternalDate), attr(FetchRFC822), attr(FetchRFC822Header),
				attr(FetchRFC822Text), attr(FetchBodyStructure), attr(FetchBody), attr(FetchUID), attr(FetchModSeq))},
		{in: "a FETCH 1 BODY[]", want: fetchCmd(false, one, body(false, Section{Count: -1}))},
		{in: "a FETCH 1 body.peek[]<0.2048>", want: fetchCmd(false, one, body(true, Section{Offset: 0, Count: 2048}))},
		{in: "a FETCH 1 BODY[1.2.3]<10.5>", want: fetchCmd(false, one, body(false, Section{Part: []int{1, 2, 3}, Offset: 10, Count: 5}))},
		{in: "a FETCH 1 BODY[1.mime]", want: fetchCmd(false, one, body(false, Section{Part: []int{1}, Specifier: SectionMIME, Count: -1}))},
		{in: "a FETCH 1 BODY[2.HEADER]", want: fetchCmd(false, one, body(false, Section{Part: []int{2}, Specifier: SectionHeader, Count: -1}))},
		{in: "a FETCH 1 BODY[3.1.TEXT]", want: fetchCmd(false, one, body(false, Section{Part: []int{3, 1}, Specifier: SectionText, Count: -1}))},
		{in: "a FETCH 1 BODY[TEXT]", want: fetchCmd(false, one, body(false, Section{Specifier: SectionText, Count: -1}))},
		{in: `a FETCH 1 BODY[1.HEADER.FIELDS.NOT ("X-A" {3}` + "\r\nX-B)]", want: fetchCmd(false, one,
			body(false, Section{Part: []int{1}, Specifier: SectionHeaderFieldsNot, Fields: []string{"X-A", "X-B"}, Count: -1}))},
		{in: "a FETCH 1 (BINARY[1.2] BINARY.PEEK[]<0.100> BINARY.SIZE[3])", want: fetchCmd(false, one,
			FetchItem{Attr: FetchBinary, Section: &Section{Part: []int{1, 2}, Count: -1}},
			FetchItem{Attr: FetchBinary, Peek: true, Section: &Section{Count: 100}},
			FetchItem{Attr: FetchBinarySize, Section: &Section{Part: []int{3}, Count: -1}})},
		{in: "a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)", want: withMods(fetchCmd(true, all, attr(FetchFlags)), 12345, true)},
		{in: "a FETCH 1 FLAGS (CHANGEDSINCE 7)", want: withMods(fetchCmd(false, one, attr(FetchFlags)), 7, false)},
		{in: "a FETCH 1 FLAGS (CHANGEDSINCE 7 VANISHED)", err: "a BAD VANISHED requires UID FETCH and CHANGEDSINCE"},
		{in: "a UID FETCH 1 FLAGS (VANISHED)", err: "a BAD VANISHED requires UID FETCH and CHANGEDSINCE"},
		{in: "a FETCH 1 FLAGS (CHANGEDSINCE 0)", err: "a BAD CHANGEDSINCE must be a positive mod-sequence"},
		{in: "a FETCH 1 FLAGS (FOO)", err: `a BAD Unknown FETCH modifier "FOO"`},
		{in: "a FETCH 1 BODY[MIME]", err: `a BAD Invalid section "MIME"`},
		{in: "a FETCH 1 BODY[0]", err: `a BAD Invalid section part number "0"`},
		{in: "a FETCH 1 BODY[1.]", err: `a BAD Invalid section "1."`},
		{in: "a FETCH 1 BODY[FOO]", err: `a BAD Invalid section "FOO"`},
		{in: "a FETCH 1 BODY[HEADER.FIELDS ()]", err: "a BAD Empty header field list"},
		{in: "a FETCH 1 BODY[HEADER.FIELDS]", err: "a BAD Expected SP after HEADER.FIELDS"},
		{in: "a FETCH 1 BINARY[HEADER]", err: `a BAD Invalid binary section "HEADER"`},
		{in: "a FETCH 1 BINARY[1.MIME]", err: `a BAD Invalid section "1.MIME"`},
		{in: "a FETCH 1 BINARY.SIZE[1]<0.10>", err: "a BAD BINARY.SIZE takes no partial"},
		{in: "a FETCH 1 BODY.PEEK", err: `a BAD Expected "[" after BODY.PEEK`},
		{in: "a FETCH 1 BODY[]<0.0>", err: "a BAD Partial count must not be zero"},
		{in: "a FETCH 1 BODY[]<5>", err: `a BAD Expected "." in partial`},
		{in: "a FETCH 1 BODY[TEXT", err: `a BAD Expected "]" to end section`},
		{in: "a FETCH 1 FOO", err: `a BAD Unknown fetch attribute "FOO"`},
		{in: "a FETCH 1 ()", err: "a BAD Empty fetch attribute list"},
		{in: "a FETCH 1 (FLAGS", err: `a BAD Invalid fetch attribute list: expected SP or ")" in list, found end of line`},
	}, false)
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestSearch(t *testing.T) {
	search := func(uid bool, s *Search) *Command { return &Command{Tag: "a", Name: "SEARCH", UID: uid, Args: s} }
	k := func(op SearchOp) SearchKey { return SearchKey{Op: op} }
	runCmdTests(t, []cmdTest{
		{in: "a SEARCH ALL", want: search(false, &Search{Keys: []SearchKey{k(SearchAll)}})},
		{in: "a UID SEARCH RETURN () UNSEEN", want: search(true, &Search{Return: []SearchReturn{}, Keys: []SearchKey{k(SearchUnseen)}})},
		{in: "a SEARCH RETURN (MIN MAX count all SAVE min) charset utf-8 DELETED", want: search(false, &Search{
			Return: []SearchReturn{ReturnMin, ReturnMax, ReturnCount, ReturnAll, ReturnSave}, Charset: "UTF-8", Keys: []SearchKey{k(SearchDeleted)}})},
		{in: "a SEARCH CHARSET ISO-8859-1 SUBJECT {3}\r\n\xe9t\xe9", want: search(false, &Search{Charset: "ISO-8859-1",
			Keys: []SearchKey{{Op: SearchSubject, Value: "\xe9t\xe9"}}})},
		{in: `a SEARCH answered deleted draft flagged new old recent seen unanswered undeleted undraft unflagged unseen`,
			want: search(false, &Search{Keys: []SearchKey{k(SearchAnswered), k(SearchDeleted), k(SearchDraft), k(SearchFlagged),
				k(SearchNew), k(SearchOld), k(SearchRecent), k(SearchSeen), k(SearchUnanswered), k(SearchUndeleted), k(SearchUndraft),
				k(SearchUnflagged), k(SearchUnseen)}})},
		{in: `a SEARCH KEYWORD $Junk UNKEYWORD foo BCC a CC "b c" FROM x@y TO t SUBJECT "" BODY hello TEXT {2+}` + "\r\nhi HEADER Message-ID <a@b>",
			want: search(false, &Search{Keys: []SearchKey{{Op: SearchKeyword, Value: "$Junk"}, {Op: SearchUnkeyword, Value: "foo"},
				{Op: SearchBcc, Value: "a"}, {Op: SearchCc, Value: "b c"}, {Op: SearchFrom, Value: "x@y"}, {Op: SearchTo, Value: "t"},
				{Op: SearchSubject, Value: ""}, {Op: SearchBody, Value: "hello"}, {Op: SearchText, Value: "hi"},
				{Op: SearchHeader, Field: "Message-ID", Value: "<a@b>"}}})},
		{in: `a SEARCH BEFORE 1-Feb-1994 ON "15-mar-2020" SINCE 01-JAN-2000 SENTBEFORE 2-Feb-2002 SENTON 3-Mar-2003 SENTSINCE 31-Dec-1999`,
			want: search(false, &Search{Keys: []SearchKey{{Op: SearchBefore, Date: day(1994, 2, 1)}, {Op: SearchOn, Date: day(2020, 3, 15)},
				{Op: SearchSince, Date: day(2000, 1, 1)}, {Op: SearchSentBefore, Date: day(2002, 2, 2)},
				{Op: SearchSentOn, Date: day(2003, 3, 3)}, {Op: SearchSentSince, Date: day(1999, 12, 31)}}})},
		{in: `a SEARCH LARGER 1000 SMALLER 9223372036854775807 OLDER 3600 YOUNGER 60 MODSEQ 5 MODSEQ "/flags/\\draft" all 620162338`,
			want: search(false, &Search{Keys: []SearchKey{{Op: SearchLarger, Number: 1000}, {Op: SearchSmaller, Number: 9223372036854775807},
				{Op: SearchOlder, Number: 3600}, {Op: SearchYounger, Number: 60}, {Op: SearchModSeq, Number: 5}, {Op: SearchModSeq, Number: 620162338}}})},
		{in: `a SEARCH 1:5,* UID $ NOT (SEEN FLAGGED) OR ANSWERED (OR DRAFT 3)`,
			want: search(false, &Search{Keys: []SearchKey{
				{Op: SearchSeqSet, Set: NumSet{Ranges: []Range{{1, 5}, {Star, Star}}}},
				{Op: SearchUID, Set: NumSet{Dollar: true}},
				{Op: SearchNot, Keys: []SearchKey{{Op: SearchAnd, Keys: []SearchKey{k(SearchSeen), k(SearchFlagged)}}}},
				{Op: SearchOr, Keys: []SearchKey{k(SearchAnswered), {Op: SearchAnd, Keys: []SearchKey{
					{Op: SearchOr, Keys: []SearchKey{k(SearchDraft), {Op: SearchSeqSet, Set: NumSet{Ranges: []Range{{3, 3}}}}}}}}}}}})},
		{in: "a SEARCH", err: "a BAD Expected SP after SEARCH"},
		{in: "a SEARCH FOO", err: `a BAD Unknown search key "FOO"`},
		{in: "a SEARCH RETURN (FOO) ALL", err: `a BAD Unknown SEARCH RETURN option "FOO"`},
		{in: "a SEARCH RETURN (MIN)", err: `a BAD Expected SP after RETURN options`},
		{in: "a SEARCH CHARSET", err: `a BAD Expected SP after CHARSET`},
		{in: "a SEARCH OR SEEN", err: `a BAD Expected SP after first OR key`},
		{in: "a SEARCH NOT", err: `a BAD Expected SP after NOT`},
		{in: "a SEARCH ()", err: `a BAD Expected search key: expected atom, found ")"`},
		{in: "a SEARCH (SEEN", err: `a BAD Expected SP or ")" after search key`},
		{in: "a SEARCH SINCE 32-Jan-2020", err: `a BAD Invalid date "32-Jan-2020"`},
		{in: "a SEARCH SINCE 1-Foo-2020", err: `a BAD Invalid date "1-Foo-2020"`},
		{in: "a SEARCH LARGER x", err: `a BAD Invalid LARGER number: expected number, found "x"`},
		{in: "a SEARCH OLDER 0", err: `a BAD Invalid OLDER interval: expected a non-zero number`},
		{in: "a SEARCH UID 0", err: `a BAD Invalid sequence set: "0"`},
		{in: `a SEARCH MODSEQ "/flags/x" bogus 1`, err: `a BAD Invalid MODSEQ entry type "BOGUS"`},
		{in: `a SEARCH KEYWORD \Seen`, err: `a BAD Invalid keyword: expected atom, found "\\"`},
		{in: "a SEARCH " + strings.Repeat("NOT ", 101) + "ALL", err: "a BAD Search keys nested too deeply (limit 100)"},
		{in: "a SEARCH " + strings.Repeat("(", 101) + "ALL" + strings.Repeat(")", 101), err: "a BAD Search keys nested too deeply (limit 100)"},
		{in: "a SEARCH " + strings.Repeat("SEEN ", 10001), err: "a BAD Too many search keys (limit 10000)"},
	}, false)
	// 100 levels are fine.
	cmd, err := parseOne(t, "a SEARCH "+strings.Repeat("NOT ", 100)+"ALL", false)
	if err != nil || cmd.Name != "SEARCH" {
		t.Fatalf("depth 100: %v", err)
	}
}
