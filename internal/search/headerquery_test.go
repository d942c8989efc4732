package search

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"roost/internal/imap/proto"
	"roost/internal/mime"
)

func TestCompileHeaderQuery(t *testing.T) {
	contains := func(f HeaderField, needle string) HeaderQuery {
		return HeaderQuery{Op: HeaderContains, Field: f, Needle: needle}
	}
	root := func(kids ...HeaderQuery) *HeaderQuery { return &HeaderQuery{Op: HeaderAnd, Kids: kids} }
	tests := []struct {
		name string
		keys []proto.SearchKey
		want *HeaderQuery // nil: refused
	}{
		{"subject folded", []proto.SearchKey{str(proto.SearchSubject, "Grüße STRASSE")},
			root(contains(HeaderSubject, "grüsse strasse"))},
		{"each field", []proto.SearchKey{str(proto.SearchFrom, "A"), str(proto.SearchTo, "b"),
			str(proto.SearchCc, "C"), str(proto.SearchBcc, "")},
			root(contains(HeaderFrom, "a"), contains(HeaderTo, "b"), contains(HeaderCc, "c"), contains(HeaderBcc, ""))},
		{"HEADER on an indexed field", []proto.SearchKey{{Op: proto.SearchHeader, Field: "sUBJECT", Value: "X"}},
			root(contains(HeaderSubject, "x"))},
		{"HEADER on another field", []proto.SearchKey{{Op: proto.SearchHeader, Field: "Message-ID", Value: "x"}}, nil},
		// HEADER From matches the text alone, which the index does not
		// keep apart from the addresses FROM also matches.
		{"HEADER on an address field", []proto.SearchKey{{Op: proto.SearchHeader, Field: "From", Value: "x"}}, nil},
		{"top-level sets are the caller's", []proto.SearchKey{set(proto.SearchUID, proto.Range{Start: 1, Stop: 5}),
			set(proto.SearchSeqSet, proto.Range{Start: 2, Stop: 2}), dollar(proto.SearchUID), str(proto.SearchFrom, "x")},
			root(contains(HeaderFrom, "x"))},
		{"nested set", []proto.SearchKey{or(set(proto.SearchUID, proto.Range{Start: 1, Stop: 1}), str(proto.SearchFrom, "x"))}, nil},
		{"not, or, and, all", []proto.SearchKey{key(proto.SearchAll), not(str(proto.SearchTo, "t")),
			or(str(proto.SearchCc, "c"), and(str(proto.SearchBcc, "b"), key(proto.SearchAll)))},
			root(HeaderQuery{Op: HeaderTrue},
				HeaderQuery{Op: HeaderNot, Kids: []HeaderQuery{contains(HeaderTo, "t")}},
				HeaderQuery{Op: HeaderOr, Kids: []HeaderQuery{contains(HeaderCc, "c"),
					{Op: HeaderAnd, Kids: []HeaderQuery{contains(HeaderBcc, "b"), {Op: HeaderTrue}}}}})},
		{"flag key", []proto.SearchKey{str(proto.SearchSubject, "x"), key(proto.SearchSeen)}, nil},
		{"body key", []proto.SearchKey{str(proto.SearchSubject, "x"), str(proto.SearchBody, "x")}, nil},
		{"no header key", []proto.SearchKey{key(proto.SearchAll)}, nil},
		{"only sets", []proto.SearchKey{set(proto.SearchUID, proto.Range{Start: 1, Stop: 5})}, nil},
		{"needle with the separator", []proto.SearchKey{str(proto.SearchSubject, "a\x00b")}, nil},
		{"malformed NOT", []proto.SearchKey{{Op: proto.SearchNot, Keys: []proto.SearchKey{str(proto.SearchTo, "a"), str(proto.SearchTo, "b")}}}, nil},
	}
	for _, tc := range tests {
		got, ok := CompileHeaderQuery(tc.keys)
		if ok != (tc.want != nil) {
			t.Errorf("%s: ok = %v", tc.name, ok)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}

	// A program too large for one SQL expression is refused.
	var many []proto.SearchKey
	for range maxHeaderQueryNodes {
		many = append(many, str(proto.SearchSubject, "x"))
	}
	if _, ok := CompileHeaderQuery(many); !ok {
		t.Errorf("%d keys refused", len(many))
	}
	if _, ok := CompileHeaderQuery(append(many, str(proto.SearchSubject, "x"))); ok {
		t.Errorf("%d keys accepted", len(many)+1)
	}
}

func TestIndexedHeaders(t *testing.T) {
	values, present := IndexedHeaders([]mime.Field{
		{Name: "Subject", Value: "One"},
		{Name: "X-Other", Value: "zzz"},
		{Name: "SUBJECT", Value: "Straße"},
		{Name: "cc", Value: ""},
		{Name: "From", Value: "ΣΊΣΥΦΟΣ <s@example.org>"},
		{Name: "Bcc", Value: "<B (c) @ Example.ORG>, (only a comment)"},
	})
	// Address fields: the value, then each address's addr-spec and name
	// that the value does not contain as it stands.
	wantValues := [NumHeaderFields]string{"one\x00strasse", "σίσυφοσ <s@example.org>", "", "",
		"<b (c) @ example.org>, (only a comment)\x00b@example.org"}
	wantPresent := [NumHeaderFields]bool{true, true, false, true, true}
	if values != wantValues || present != wantPresent {
		t.Errorf("IndexedHeaders = %q %v; want %q %v", values, present, wantValues, wantPresent)
	}
}

// TestHeaderQueryEvalMatchesMatch evaluates header programs both ways on
// the test messages: Eval over IndexedHeaders must find what Match finds.
func TestHeaderQueryEvalMatchesMatch(t *testing.T) {
	msgs := testMessages()
	programs := [][]proto.SearchKey{
		{str(proto.SearchSubject, "GRÜSSE")},
		{str(proto.SearchSubject, "straße")},
		{str(proto.SearchSubject, "")},
		{not(str(proto.SearchSubject, ""))},
		{str(proto.SearchFrom, "bob")},
		{{Op: proto.SearchHeader, Field: "SUBJECT", Value: "GRÜSSE"}},
		{str(proto.SearchCc, ""), str(proto.SearchBcc, "EVE")},
		{or(str(proto.SearchTo, "alice"), not(str(proto.SearchCc, "dave")))},
		{str(proto.SearchTo, "example.com"), not(str(proto.SearchSubject, "report"))},
	}
	for _, keys := range programs {
		q, ok := CompileHeaderQuery(keys)
		if !ok {
			t.Fatalf("%+v refused", keys)
		}
		var viaMatch, viaEval []uint32
		for i := range msgs {
			m := &msgs[i]
			if Match(keys, m, testContext()) {
				viaMatch = append(viaMatch, m.UID)
			}
			var fields []mime.Field
			if m.Parsed != nil {
				fields = m.Parsed.Headers
			}
			values, present := IndexedHeaders(fields)
			if q.Eval(&values, &present) {
				viaEval = append(viaEval, m.UID)
			}
		}
		if diff := cmp.Diff(viaMatch, viaEval); diff != "" {
			t.Errorf("%+v (-Match +Eval):\n%s", keys, diff)
		}
	}
}
