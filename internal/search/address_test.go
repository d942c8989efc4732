package search

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"roost/internal/imap/proto"
	"roost/internal/mime"
	"roost/internal/store"
)

// FROM, TO, CC and BCC match the field's text and each of its addresses
// (addr-spec and display name), as Dovecot does; HEADER From matches the
// text only. The index (IndexedHeaders and Eval) must agree with Match.
func TestAddressKeys(t *testing.T) {
	msgs := []store.Message{
		{UID: 1, Parsed: &mime.Message{Headers: []mime.Field{
			{Name: "From", Value: "<user-from (comment)@ (comment) domain.org>"},
		}}},
		{UID: 2, Parsed: &mime.Message{Headers: []mime.Field{
			{Name: "To", Value: "John (middle) Doe <jd @ Example.net>, team: a@b.example, c@d.example;"},
		}}},
		{UID: 3, Parsed: &mime.Message{Headers: []mime.Field{
			{Name: "Cc", Value: "<Undisclosed Recipients>"},
			{Name: "Bcc", Value: "plain@example.org"},
		}}},
	}
	tests := []struct {
		keys []proto.SearchKey
		want []uint32
	}{
		{[]proto.SearchKey{str(proto.SearchFrom, "user-from@domain.org")}, []uint32{1}},
		{[]proto.SearchKey{str(proto.SearchFrom, "USER-FROM@DOMAIN")}, []uint32{1}},
		// The text still matches, comments and all.
		{[]proto.SearchKey{str(proto.SearchFrom, "(comment)@")}, []uint32{1}},
		{[]proto.SearchKey{str(proto.SearchTo, "john doe")}, []uint32{2}},
		{[]proto.SearchKey{str(proto.SearchTo, "jd@example.net")}, []uint32{2}},
		{[]proto.SearchKey{str(proto.SearchTo, "c@d.example")}, []uint32{2}},
		// Nothing matches across two addresses or their forms.
		{[]proto.SearchKey{str(proto.SearchTo, "example.netjohn")}, nil},
		// A placeholder host is not an address.
		{[]proto.SearchKey{str(proto.SearchCc, "syntax_error")}, nil},
		{[]proto.SearchKey{str(proto.SearchCc, "undisclosed recipients")}, []uint32{3}},
		{[]proto.SearchKey{str(proto.SearchBcc, "plain@")}, []uint32{3}},
		{[]proto.SearchKey{not(str(proto.SearchFrom, "user-from@domain.org"))}, []uint32{2, 3}},
	}
	for _, tc := range tests {
		var viaMatch, viaEval []uint32
		q, ok := CompileHeaderQuery(tc.keys)
		if !ok {
			t.Fatalf("%+v refused", tc.keys)
		}
		for i := range msgs {
			m := &msgs[i]
			if Match(tc.keys, m, testContext()) {
				viaMatch = append(viaMatch, m.UID)
			}
			values, present := IndexedHeaders(m.Parsed.Headers)
			if q.Eval(&values, &present) {
				viaEval = append(viaEval, m.UID)
			}
		}
		if diff := cmp.Diff(tc.want, viaMatch); diff != "" {
			t.Errorf("Match %+v (-want +got):\n%s", tc.keys, diff)
		}
		if diff := cmp.Diff(viaMatch, viaEval); diff != "" {
			t.Errorf("%+v (-Match +Eval):\n%s", tc.keys, diff)
		}
	}
	// HEADER From is the text alone (Dovecot: SEARCH_HEADER, not
	// SEARCH_HEADER_ADDRESS).
	header := []proto.SearchKey{{Op: proto.SearchHeader, Field: "From", Value: "user-from@domain.org"}}
	if Match(header, &msgs[0], testContext()) {
		t.Errorf("HEADER From matched an address form")
	}
	if !Match([]proto.SearchKey{{Op: proto.SearchHeader, Field: "From", Value: "(comment)"}}, &msgs[0], testContext()) {
		t.Errorf("HEADER From missed the text")
	}
}
