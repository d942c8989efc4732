package search

import (
	"testing"
	"time"

	"roost/internal/imap/proto"
	"roost/internal/mime"
	"roost/internal/store"
)

// The mailbox every case runs against: five messages in a view where UID
// 10 is sequence 1, 20 is 2, and so on; UIDs 30 and 40 are \Recent.
func testMessages() []store.Message {
	plus2 := time.FixedZone("+0200", 2*3600)
	minus5 := time.FixedZone("-0500", -5*3600)
	return []store.Message{
		{
			UID: 10, ModSeq: 5, Size: 1000,
			Flags:        []string{store.FlagSeen, store.FlagAnswered, "$Forwarded"},
			InternalDate: time.Date(2024, 3, 1, 23, 30, 0, 0, minus5), // 2 March in UTC
			Parsed: &mime.Message{
				Date: time.Date(2024, 2, 28, 1, 0, 0, 0, plus2), // 27 Feb in UTC
				Headers: []mime.Field{
					{Name: "From", Value: "Jörg Müller <joerg@example.de>"},
					{Name: "To", Value: "alice@example.com"},
					{Name: "Subject", Value: "Grüße aus der Straße"},
					{Name: "X-Empty", Value: ""},
				},
				BodyText: "Hallo Alice,\nwie geht's?\n",
			},
		},
		{
			UID: 20, ModSeq: 9, Size: 2000,
			Flags:        []string{store.FlagDeleted, store.FlagFlagged},
			InternalDate: time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC),
			Parsed: &mime.Message{
				Date: time.Date(2024, 3, 2, 12, 0, 0, 0, time.UTC),
				Headers: []mime.Field{
					{Name: "from", Value: "Bob <bob@example.com>"},
					{Name: "To", Value: "carol@example.com"},
					{Name: "Cc", Value: "dave@example.com"},
					{Name: "Bcc", Value: "eve@example.com"},
					{Name: "Subject", Value: "Quarterly REPORT"},
					{Name: "Message-ID", Value: "<abc@host>"},
				},
				BodyText: "The numbers are in.\nΣΊΣΥΦΟΣ",
			},
		},
		{
			UID: 30, ModSeq: 12, Size: 2001,
			Flags:        []string{store.FlagDraft},
			InternalDate: time.Date(2024, 3, 3, 10, 0, 0, 0, time.UTC),
			// No Date header: sent date is the internal date.
			Parsed: &mime.Message{
				Headers:  []mime.Field{{Name: "Subject", Value: "draft"}},
				BodyText: "",
			},
		},
		{
			UID: 40, ModSeq: 13, Size: 1999,
			Flags:        nil,
			InternalDate: time.Date(2024, 3, 4, 10, 0, 0, 0, time.UTC),
			Parsed: &mime.Message{
				Date:     time.Date(2024, 3, 4, 10, 0, 0, 0, time.UTC),
				Headers:  []mime.Field{{Name: "Subject", Value: "report: q1"}},
				BodyText: "attachment text says hello",
			},
		},
		{
			UID: 50, ModSeq: 14, Size: 50,
			Flags:        []string{store.FlagSeen, "Work"},
			InternalDate: time.Date(2024, 3, 10, 10, 0, 0, 0, time.UTC),
			Parsed:       nil, // loaded without parse data
		},
	}
}

func testContext() *Context {
	seq := map[uint32]uint32{10: 1, 20: 2, 30: 3, 40: 4, 50: 5}
	return &Context{
		Now:       time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC),
		SeqOf:     func(uid uint32) uint32 { return seq[uid] },
		MaxSeq:    5,
		MaxUID:    50,
		Recent:    func(uid uint32) bool { return uid == 30 || uid == 40 },
		SavedUIDs: []uint32{20, 50},
	}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func key(op proto.SearchOp) proto.SearchKey { return proto.SearchKey{Op: op} }
func str(op proto.SearchOp, v string) proto.SearchKey {
	return proto.SearchKey{Op: op, Value: v}
}
func num(op proto.SearchOp, n int64) proto.SearchKey { return proto.SearchKey{Op: op, Number: n} }
func date(op proto.SearchOp, t time.Time) proto.SearchKey {
	return proto.SearchKey{Op: op, Date: t}
}
func set(op proto.SearchOp, rs ...proto.Range) proto.SearchKey {
	return proto.SearchKey{Op: op, Set: proto.NumSet{Ranges: rs}}
}
func dollar(op proto.SearchOp) proto.SearchKey {
	return proto.SearchKey{Op: op, Set: proto.NumSet{Dollar: true}}
}
func not(k proto.SearchKey) proto.SearchKey {
	return proto.SearchKey{Op: proto.SearchNot, Keys: []proto.SearchKey{k}}
}
func or(a, b proto.SearchKey) proto.SearchKey {
	return proto.SearchKey{Op: proto.SearchOr, Keys: []proto.SearchKey{a, b}}
}
func and(ks ...proto.SearchKey) proto.SearchKey {
	return proto.SearchKey{Op: proto.SearchAnd, Keys: ks}
}

func TestMatch(t *testing.T) {
	const star = proto.Star
	tests := []struct {
		name string
		keys []proto.SearchKey
		want []uint32
	}{
		{"empty program", nil, []uint32{10, 20, 30, 40, 50}},
		{"ALL", []proto.SearchKey{key(proto.SearchAll)}, []uint32{10, 20, 30, 40, 50}},
		{"ANSWERED", []proto.SearchKey{key(proto.SearchAnswered)}, []uint32{10}},
		{"UNANSWERED", []proto.SearchKey{key(proto.SearchUnanswered)}, []uint32{20, 30, 40, 50}},
		{"DELETED", []proto.SearchKey{key(proto.SearchDeleted)}, []uint32{20}},
		{"UNDELETED", []proto.SearchKey{key(proto.SearchUndeleted)}, []uint32{10, 30, 40, 50}},
		{"DRAFT", []proto.SearchKey{key(proto.SearchDraft)}, []uint32{30}},
		{"UNDRAFT", []proto.SearchKey{key(proto.SearchUndraft)}, []uint32{10, 20, 40, 50}},
		{"FLAGGED", []proto.SearchKey{key(proto.SearchFlagged)}, []uint32{20}},
		{"UNFLAGGED", []proto.SearchKey{key(proto.SearchUnflagged)}, []uint32{10, 30, 40, 50}},
		{"SEEN", []proto.SearchKey{key(proto.SearchSeen)}, []uint32{10, 50}},
		{"UNSEEN", []proto.SearchKey{key(proto.SearchUnseen)}, []uint32{20, 30, 40}},
		{"KEYWORD any case", []proto.SearchKey{str(proto.SearchKeyword, "$forwarded")}, []uint32{10}},
		{"KEYWORD work", []proto.SearchKey{str(proto.SearchKeyword, "WORK")}, []uint32{50}},
		{"UNKEYWORD", []proto.SearchKey{str(proto.SearchUnkeyword, "work")}, []uint32{10, 20, 30, 40}},
		{"RECENT", []proto.SearchKey{key(proto.SearchRecent)}, []uint32{30, 40}},
		{"NEW", []proto.SearchKey{key(proto.SearchNew)}, []uint32{30, 40}},
		{"OLD", []proto.SearchKey{key(proto.SearchOld)}, []uint32{10, 20, 50}},

		// Internal dates: UID 10 is 1 March in its own zone (-0500).
		{"BEFORE", []proto.SearchKey{date(proto.SearchBefore, day(2024, 3, 2))}, []uint32{10}},
		{"ON own zone", []proto.SearchKey{date(proto.SearchOn, day(2024, 3, 1))}, []uint32{10}},
		{"ON", []proto.SearchKey{date(proto.SearchOn, day(2024, 3, 2))}, []uint32{20}},
		{"SINCE", []proto.SearchKey{date(proto.SearchSince, day(2024, 3, 3))}, []uint32{30, 40, 50}},
		// Sent dates: UID 10 was sent 28 Feb (+0200); 30 has no Date and
		// uses its internal date (3 March); 50 has no parse data at all.
		{"SENTBEFORE", []proto.SearchKey{date(proto.SearchSentBefore, day(2024, 3, 1))}, []uint32{10}},
		{"SENTON own zone", []proto.SearchKey{date(proto.SearchSentOn, day(2024, 2, 28))}, []uint32{10}},
		{"SENTON no Date", []proto.SearchKey{date(proto.SearchSentOn, day(2024, 3, 3))}, []uint32{30}},
		{"SENTSINCE", []proto.SearchKey{date(proto.SearchSentSince, day(2024, 3, 4))}, []uint32{40, 50}},
		{"OLDER", []proto.SearchKey{num(proto.SearchOlder, 6*86400+2*3600)}, []uint32{10, 20, 30, 40}},
		{"YOUNGER", []proto.SearchKey{num(proto.SearchYounger, 6*86400+2*3600)}, []uint32{40, 50}},

		{"LARGER", []proto.SearchKey{num(proto.SearchLarger, 2000)}, []uint32{30}},
		{"SMALLER", []proto.SearchKey{num(proto.SearchSmaller, 2000)}, []uint32{10, 40, 50}},
		{"MODSEQ", []proto.SearchKey{num(proto.SearchModSeq, 12)}, []uint32{30, 40, 50}},

		{"FROM decoded, folded", []proto.SearchKey{str(proto.SearchFrom, "JÖRG")}, []uint32{10}},
		{"FROM field name any case", []proto.SearchKey{str(proto.SearchFrom, "bob@")}, []uint32{20}},
		{"TO", []proto.SearchKey{str(proto.SearchTo, "example.com")}, []uint32{10, 20}},
		{"CC", []proto.SearchKey{str(proto.SearchCc, "DAVE")}, []uint32{20}},
		{"BCC", []proto.SearchKey{str(proto.SearchBcc, "eve")}, []uint32{20}},
		{"SUBJECT full folding", []proto.SearchKey{str(proto.SearchSubject, "STRASSE")}, []uint32{10}},
		{"SUBJECT", []proto.SearchKey{str(proto.SearchSubject, "report")}, []uint32{20, 40}},
		{"SUBJECT empty", []proto.SearchKey{str(proto.SearchSubject, "")}, []uint32{10, 20, 30, 40}},
		{"HEADER present", []proto.SearchKey{{Op: proto.SearchHeader, Field: "x-empty"}}, []uint32{10}},
		{"HEADER value", []proto.SearchKey{{Op: proto.SearchHeader, Field: "MESSAGE-ID", Value: "<ABC@"}}, []uint32{20}},
		{"HEADER absent", []proto.SearchKey{{Op: proto.SearchHeader, Field: "X-None"}}, nil},
		{"BODY", []proto.SearchKey{str(proto.SearchBody, "HELLO")}, []uint32{40}},
		{"BODY not headers", []proto.SearchKey{str(proto.SearchBody, "report")}, nil},
		{"BODY greek final sigma", []proto.SearchKey{str(proto.SearchBody, "σίσυφος")}, []uint32{20}},
		{"TEXT header and body", []proto.SearchKey{str(proto.SearchText, "report")}, []uint32{20, 40}},
		{"TEXT header name", []proto.SearchKey{str(proto.SearchText, "message-id: <abc")}, []uint32{20}},
		{"TEXT body", []proto.SearchKey{str(proto.SearchText, "geht's")}, []uint32{10}},

		{"seqset", []proto.SearchKey{set(proto.SearchSeqSet, proto.Range{Start: 2, Stop: 3})}, []uint32{20, 30}},
		{"seqset reversed star", []proto.SearchKey{set(proto.SearchSeqSet, proto.Range{Start: star, Stop: 4})}, []uint32{40, 50}},
		{"seqset beyond", []proto.SearchKey{set(proto.SearchSeqSet, proto.Range{Start: 9, Stop: 9})}, nil},
		{"seqset beyond star", []proto.SearchKey{set(proto.SearchSeqSet, proto.Range{Start: 9, Stop: star})}, []uint32{50}},
		{"UID", []proto.SearchKey{set(proto.SearchUID, proto.Range{Start: 15, Stop: 30}, proto.Range{Start: 50, Stop: 50})}, []uint32{20, 30, 50}},
		{"UID star", []proto.SearchKey{set(proto.SearchUID, proto.Range{Start: star, Stop: star})}, []uint32{50}},
		{"UID $", []proto.SearchKey{dollar(proto.SearchUID)}, []uint32{20, 50}},
		{"seqset $", []proto.SearchKey{dollar(proto.SearchSeqSet)}, []uint32{20, 50}},

		{"NOT", []proto.SearchKey{not(key(proto.SearchSeen))}, []uint32{20, 30, 40}},
		{"OR", []proto.SearchKey{or(key(proto.SearchDraft), key(proto.SearchFlagged))}, []uint32{20, 30}},
		{"AND implicit", []proto.SearchKey{key(proto.SearchUnseen), num(proto.SearchLarger, 1999)}, []uint32{20, 30}},
		{"group", []proto.SearchKey{not(and(key(proto.SearchUnseen), num(proto.SearchLarger, 1999)))}, []uint32{10, 40, 50}},
		{"nested", []proto.SearchKey{or(not(key(proto.SearchOld)), and(key(proto.SearchSeen), str(proto.SearchKeyword, "work")))}, []uint32{30, 40, 50}},
		{"unknown op", []proto.SearchKey{key("FUZZY")}, nil},
	}
	msgs := testMessages()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext()
			var got []uint32
			for i := range msgs {
				if Match(tc.keys, &msgs[i], ctx) {
					got = append(got, msgs[i].UID)
				}
			}
			if !equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMatchWithoutSessionHooks(t *testing.T) {
	msgs := testMessages()
	ctx := &Context{MaxSeq: 5, MaxUID: 50} // no SeqOf, Recent, saved result
	for _, k := range []proto.SearchKey{
		key(proto.SearchRecent), key(proto.SearchNew), dollar(proto.SearchUID),
		set(proto.SearchSeqSet, proto.Range{Start: 1, Stop: proto.Star}),
	} {
		for i := range msgs {
			if Match([]proto.SearchKey{k}, &msgs[i], ctx) {
				t.Errorf("%s matched UID %d", k.Op, msgs[i].UID)
			}
		}
	}
	if !Match([]proto.SearchKey{key(proto.SearchOld)}, &msgs[0], ctx) {
		t.Errorf("OLD without Recent hook should match")
	}
}

func TestNeeds(t *testing.T) {
	tests := []struct {
		keys []proto.SearchKey
		want store.FetchOptions
	}{
		{nil, store.FetchOptions{NoBlobID: true}},
		{[]proto.SearchKey{key(proto.SearchSeen), num(proto.SearchLarger, 3), date(proto.SearchSince, day(2024, 1, 1))}, store.FetchOptions{NoBlobID: true}},
		{[]proto.SearchKey{not(str(proto.SearchSubject, "x"))}, store.FetchOptions{NoBlobID: true, SearchHeaders: true}},
		{[]proto.SearchKey{or(key(proto.SearchAll), and(str(proto.SearchBody, "x")))}, store.FetchOptions{NoBlobID: true, SearchText: true}},
		{[]proto.SearchKey{{Op: proto.SearchHeader, Field: "X"}}, store.FetchOptions{NoBlobID: true, SearchHeaders: true}},
		{[]proto.SearchKey{date(proto.SearchSentOn, day(2024, 1, 1))}, store.FetchOptions{NoBlobID: true, Structure: true}},
		{[]proto.SearchKey{str(proto.SearchText, "x"), date(proto.SearchSentBefore, day(2024, 1, 1))}, store.FetchOptions{NoBlobID: true, Structure: true, SearchText: true}},
		// Only EMAILID needs the content address.
		{[]proto.SearchKey{key(proto.SearchSeen), str(proto.SearchEmailID, "Mabc")}, store.FetchOptions{EmailID: true}},
	}
	for i, tc := range tests {
		if got := Needs(tc.keys); got != tc.want {
			t.Errorf("case %d: got %+v, want %+v", i, got, tc.want)
		}
	}
}

func TestUsesSequenceNumbers(t *testing.T) {
	if UsesSequenceNumbers([]proto.SearchKey{set(proto.SearchUID, proto.Range{Start: 1, Stop: 2}), dollar(proto.SearchSeqSet)}) {
		t.Errorf("UID set and $ need no sequence numbers")
	}
	if !UsesSequenceNumbers([]proto.SearchKey{not(set(proto.SearchSeqSet, proto.Range{Start: 1, Stop: 2}))}) {
		t.Errorf("nested sequence set not found")
	}
}

func TestInSet(t *testing.T) {
	s := proto.NumSet{Ranges: []proto.Range{{Start: 5, Stop: 3}, {Start: 10, Stop: proto.Star}}}
	want := map[uint32]bool{1: false, 2: false, 3: true, 4: true, 5: true, 6: false, 9: false, 10: true, 12: true, 13: false}
	for n, w := range want {
		if got := InSet(s, n, 12); got != w {
			t.Errorf("InSet(%d) = %v, want %v", n, got, w)
		}
	}
	// "20:*" with max 12 is 12:20.
	s = proto.NumSet{Ranges: []proto.Range{{Start: 20, Stop: proto.Star}}}
	if !InSet(s, 12, 12) || InSet(s, 11, 12) {
		t.Errorf("20:* with max 12 should be exactly 12")
	}
	// 4294967295 is a number, not "*": "20:4294967295" with max 12 holds
	// nothing up to 12, and "*:4294967295" is 12:4294967295.
	s = proto.NumSet{Ranges: []proto.Range{{Start: 20, Stop: 4294967295}}}
	if InSet(s, 12, 12) || !InSet(s, 20, 12) || !InSet(s, 4294967295, 12) {
		t.Errorf("20:4294967295 with max 12 should be 20 and above")
	}
	s = proto.NumSet{Ranges: []proto.Range{{Start: proto.Star, Stop: 4294967295}}}
	if InSet(s, 11, 12) || !InSet(s, 12, 12) || !InSet(s, 4294967295, 12) {
		t.Errorf("*:4294967295 with max 12 should be 12 and above")
	}
	if InSet(proto.NumSet{Dollar: true}, 1, 12) {
		t.Errorf("$ must be resolved by the caller")
	}
}

func TestCompact(t *testing.T) {
	tests := []struct {
		in   []uint32
		want string
	}{
		{[]uint32{7}, "7"},
		{[]uint32{1, 2, 3}, "1:3"},
		{[]uint32{1, 2, 3, 7, 9, 10}, "1:3,7,9:10"},
		{[]uint32{4294967294, 4294967295}, "4294967294:4294967295"},
		{[]uint32{5, 3, 4}, "5,3:4"},
		{[]uint32{0, 1}, "0:1"},
	}
	for _, tc := range tests {
		if got := string(Compact(nil, tc.in)); got != tc.want {
			t.Errorf("Compact(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func equal(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
