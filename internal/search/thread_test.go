package search

import (
	"fmt"
	"testing"
	"time"
)

// threadMsg builds a header for the thread tests: Message-ID id (none if
// ""), References refs, the subject, and a Date hour hours after a fixed
// time.
func threadMsg(uid uint32, id, refs, subject string, hour int) sortMsg {
	h := fmt.Sprintf("Date: %s\nSubject: %s", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(hour)*time.Hour).Format(time.RFC1123Z), subject)
	if id != "" {
		h += "\nMessage-ID: <" + id + "@x>"
	}
	if refs != "" {
		h += "\nReferences: " + refs
	}
	return sortMsg{uid: uid, header: h, arrival: at(20, 0), size: 1}
}

func threadString(threads []*Thread, num func(uint32) uint32) string {
	return string(AppendThreads(nil, threads, num))
}

func byUID(u uint32) uint32 { return u }

func TestThreadOrderedSubject(t *testing.T) {
	msgs := loadSorted([]sortMsg{
		threadMsg(1, "", "", "Hello", 3),
		threadMsg(2, "", "", "Re: hello", 4),
		threadMsg(3, "", "", "Other", 1),
		threadMsg(4, "", "", "Re: Hello", 5),
		threadMsg(5, "", "", "other (fwd)", 2),
		threadMsg(6, "", "", "Single", 0),
		threadMsg(7, "", "", "[fwd: HELLO]", 3), // same date as 1: mailbox order
	})
	got := threadString(ThreadOrderedSubject(msgs), byUID)
	if want := "(6)(3 5)(1 (7)(2)(4))"; got != want {
		t.Errorf("ORDEREDSUBJECT = %s, want %s", got, want)
	}
	// Sequence numbers instead of UIDs.
	got = threadString(ThreadOrderedSubject(msgs[:2]), func(u uint32) uint32 { return u + 100 })
	if want := "(101 102)"; got != want {
		t.Errorf("ORDEREDSUBJECT of two = %s, want %s", got, want)
	}
	if got := threadString(ThreadOrderedSubject(nil), byUID); got != "" {
		t.Errorf("ORDEREDSUBJECT of nothing = %q", got)
	}
}

func TestThreadReferences(t *testing.T) {
	msgs := loadSorted([]sortMsg{
		threadMsg(1, "a", "", "topic", 1),
		threadMsg(2, "b", "<a@x>", "Re: topic", 2),
		threadMsg(3, "c", "<a@x> <b@x>", "Re: topic", 3),
		threadMsg(4, "d", "<x@x>", "lonely", 4), // parent x is missing: a dummy
		threadMsg(5, "e", "<x@x>", "Re: lonely", 5),
		threadMsg(6, "f", "", "Re: topic", 6), // joins "topic" by subject (step 5)
		threadMsg(7, "g", "", "new", 0),
		threadMsg(8, "h", "", "new", 7),              // neither is a reply: a dummy holds both
		threadMsg(9, "a", "", "dup", 8),              // duplicate Message-ID: gets a unique one
		threadMsg(10, "i", "<j@x> <k@x>", "deep", 9), // two dummies pruned away
		threadMsg(11, "m", "<n@x>", "Re: loop", 10),
		threadMsg(12, "n", "<m@x>", "loop", 11), // would close a loop: stays the root
		threadMsg(13, "", "", "", 12),           // empty subject: never merged
		threadMsg(14, "", "", "", 13),
	})
	got := threadString(ThreadReferences(msgs), byUID)
	want := "((7)(8))(1 (2 3)(6))((4)(5))(9)(10)(12 11)(13)(14)"
	if got != want {
		t.Errorf("REFERENCES =\n %s\nwant\n %s", got, want)
	}
}

func TestThreadReferencesTruncated(t *testing.T) {
	// 3 claims b as its parent through a truncated References; 2 (b) says
	// its parent is a. In-Reply-To alone is used without References.
	msgs := loadSorted([]sortMsg{
		threadMsg(1, "a", "", "s", 1),
		threadMsg(2, "b", "<a@x>", "Re: s", 2),
		threadMsg(3, "c", "<b@x>", "Re: s", 3),
		{uid: 4, header: "Date: Mon, 01 Jan 2024 04:00:00 +0000\nSubject: Re: s\nIn-Reply-To: <c@x> (sent by c)", arrival: at(20, 0)},
		threadMsg(5, "e", "<zz@x> <a@x>", "other", 0), // a gets the dummy parent zz, pruned away
	})
	got := threadString(ThreadReferences(msgs), byUID)
	if want := "(1 (5)(2 3 4))"; got != want {
		t.Errorf("REFERENCES = %s, want %s", got, want)
	}
}

func TestAppendThreadsRFCExamples(t *testing.T) {
	n := func(uid uint32, children ...*Thread) *Thread { return &Thread{UID: uid, Children: children} }
	// RFC 5256 §4: "(2)(3 6 (4 23)(44 7 96))" and "((3)(5))".
	threads := []*Thread{n(2), n(3, n(6, n(4, n(23)), n(44, n(7, n(96)))))}
	if got := threadString(threads, byUID); got != "(2)(3 6 (4 23)(44 7 96))" {
		t.Errorf("got %s", got)
	}
	if got := threadString([]*Thread{n(0, n(3), n(5))}, byUID); got != "((3)(5))" {
		t.Errorf("got %s", got)
	}
}
