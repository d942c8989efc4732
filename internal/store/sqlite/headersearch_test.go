package sqlite

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"roost/internal/imap/golden"
	"roost/internal/imap/proto"
	"roost/internal/mime"
	"roost/internal/search"
	"roost/internal/store"
)

// headerSearchFixture is a mailbox and the two ways of searching it: the
// general path (Messages with the search text, then search.Match, as the
// server does without the index) and SearchHeaderFields.
type headerSearchFixture struct {
	t       *testing.T
	s       *Store
	mailbox int64
	uids    []uint32
	loaded  []store.Message // the general path's messages, loaded once
}

func newHeaderSearchFixture(t *testing.T, s *Store, raws [][]byte) *headerSearchFixture {
	t.Helper()
	ctx := context.Background()
	u, err := s.CreateUser(ctx, "alice", "x")
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := s.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	f := &headerSearchFixture{t: t, s: s, mailbox: inbox.ID}
	const batch = 50
	for start := 0; start < len(raws); start += batch {
		var strs []string
		for _, r := range raws[start:min(start+batch, len(raws))] {
			strs = append(strs, string(r))
		}
		f.uids = append(f.uids, appendRaw(t, s, inbox.ID, strs...)...)
	}
	return f
}

// general returns the UIDs the general path finds for keys.
func (f *headerSearchFixture) general(keys []proto.SearchKey) []uint32 {
	f.t.Helper()
	if f.loaded == nil {
		opts := search.Needs(keys)
		opts.TextOnly = search.TextOnly(keys)
		if !opts.SearchHeaders || !opts.TextOnly {
			f.t.Fatalf("keys %+v do not load the header fields alone: %+v", keys, opts)
		}
		var err error
		if f.loaded, err = f.s.Messages(context.Background(), f.mailbox, f.uids, opts); err != nil {
			f.t.Fatal(err)
		}
		if len(f.loaded) != len(f.uids) {
			f.t.Fatalf("Messages loaded %d of %d messages", len(f.loaded), len(f.uids))
		}
	}
	found := []uint32{}
	for i := range f.loaded {
		if search.Match(keys, &f.loaded[i], &search.Context{}) {
			found = append(found, f.loaded[i].UID)
		}
	}
	return found
}

// indexed returns the UIDs SearchHeaderFields finds for keys, which must
// compile to a HeaderQuery.
func (f *headerSearchFixture) indexed(keys []proto.SearchKey) []uint32 {
	f.t.Helper()
	q, ok := search.CompileHeaderQuery(keys)
	if !ok {
		f.t.Fatalf("CompileHeaderQuery(%+v) refused", keys)
	}
	found, err := f.s.SearchHeaderFields(context.Background(), f.mailbox, f.uids, q)
	if err != nil {
		f.t.Fatalf("SearchHeaderFields(%+v): %v", keys, err)
	}
	if found == nil {
		found = []uint32{}
	}
	return found
}

// check compares both paths on keys and returns what they found.
func (f *headerSearchFixture) check(keys ...proto.SearchKey) []uint32 {
	f.t.Helper()
	want := f.general(keys)
	if diff := cmp.Diff(want, f.indexed(keys)); diff != "" {
		f.t.Fatalf("keys %+v: index differs from the general path (-general +index):\n%s", keys, diff)
	}
	return want
}

func headerKey(op proto.SearchOp, value string) proto.SearchKey {
	return proto.SearchKey{Op: op, Value: value}
}

func fieldKey(field, value string) proto.SearchKey {
	return proto.SearchKey{Op: proto.SearchHeader, Field: field, Value: value}
}

func notKey(k proto.SearchKey) proto.SearchKey {
	return proto.SearchKey{Op: proto.SearchNot, Keys: []proto.SearchKey{k}}
}

func orKey(a, b proto.SearchKey) proto.SearchKey {
	return proto.SearchKey{Op: proto.SearchOr, Keys: []proto.SearchKey{a, b}}
}

// TestHeaderSearchFields checks the index on the cases that could tell it
// from the general path: repeated fields, empty and missing fields,
// encoded words, Unicode folding, and NOT over absent fields.
func TestHeaderSearchFields(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	f := newHeaderSearchFixture(t, s, [][]byte{
		[]byte("Subject: abc\r\nSubject: DEF\r\nFrom: Ann <ann@example.org>\r\n\r\nbody\r\n"),
		[]byte("Subject:\r\nTo: bob@example.org\r\nCc: Carol <carol@example.org>\r\n\r\nbody\r\n"),
		[]byte("Subject: =?UTF-8?Q?Gro=C3=9Fe_Stra=C3=9Fe?=\r\nBcc: dave@example.org\r\n\r\nbody\r\n"),
		[]byte("\r\nno header at all\r\n"),
	})
	if diff := cmp.Diff([]uint32{1, 2, 3, 4}, f.uids); diff != "" {
		t.Fatalf("UIDs (-want +got):\n%s", diff)
	}
	tests := []struct {
		keys []proto.SearchKey
		want []uint32
	}{
		{[]proto.SearchKey{headerKey(proto.SearchSubject, "abc")}, []uint32{1}},
		{[]proto.SearchKey{headerKey(proto.SearchSubject, "def")}, []uint32{1}},
		// Each occurrence is searched on its own.
		{[]proto.SearchKey{headerKey(proto.SearchSubject, "abcdef")}, []uint32{}},
		{[]proto.SearchKey{headerKey(proto.SearchSubject, "c d")}, []uint32{}},
		// "" asks for the field to exist, even empty.
		{[]proto.SearchKey{headerKey(proto.SearchSubject, "")}, []uint32{1, 2, 3}},
		{[]proto.SearchKey{notKey(headerKey(proto.SearchSubject, ""))}, []uint32{4}},
		{[]proto.SearchKey{headerKey(proto.SearchSubject, "STRASSE")}, []uint32{3}},
		{[]proto.SearchKey{headerKey(proto.SearchSubject, "große straße")}, []uint32{3}},
		{[]proto.SearchKey{headerKey(proto.SearchSubject, "=?UTF-8")}, []uint32{}},
		{[]proto.SearchKey{headerKey(proto.SearchFrom, "ANN@")}, []uint32{1}},
		{[]proto.SearchKey{headerKey(proto.SearchTo, "bob")}, []uint32{2}},
		{[]proto.SearchKey{fieldKey("subject", "ABC")}, []uint32{1}},
		{[]proto.SearchKey{headerKey(proto.SearchCc, "CAROL")}, []uint32{2}},
		{[]proto.SearchKey{headerKey(proto.SearchBcc, "")}, []uint32{3}},
		{[]proto.SearchKey{headerKey(proto.SearchBcc, "dave")}, []uint32{3}},
		{[]proto.SearchKey{orKey(headerKey(proto.SearchTo, "bob"), headerKey(proto.SearchBcc, "dave"))}, []uint32{2, 3}},
		{[]proto.SearchKey{notKey(headerKey(proto.SearchFrom, "ann"))}, []uint32{2, 3, 4}},
		{[]proto.SearchKey{headerKey(proto.SearchSubject, ""), notKey(headerKey(proto.SearchSubject, "abc"))}, []uint32{2, 3}},
		{[]proto.SearchKey{{Op: proto.SearchAll}, {Op: proto.SearchAnd, Keys: []proto.SearchKey{
			headerKey(proto.SearchSubject, "b"), headerKey(proto.SearchFrom, "example")}}}, []uint32{1}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, f.check(tc.keys...)); diff != "" {
			t.Errorf("keys %+v (-want +got):\n%s", tc.keys, diff)
		}
	}
	// Only the UIDs asked for, ascending; missing ones skipped.
	q, _ := search.CompileHeaderQuery([]proto.SearchKey{headerKey(proto.SearchSubject, "")})
	got, err := s.SearchHeaderFields(context.Background(), f.mailbox, []uint32{3, 1, 9}, q)
	if err != nil || !cmp.Equal(got, []uint32{1, 3}) {
		t.Errorf("SearchHeaderFields(3,1,9) = %v, %v; want [1 3]", got, err)
	}
	if _, err := s.SearchHeaderFields(context.Background(), 999, f.uids, q); err == nil {
		t.Errorf("SearchHeaderFields on a missing mailbox: no error")
	}
}

// TestHeaderSearchAddresses checks that the index finds what FROM, TO, CC
// and BCC find in the parsed addresses, not only in the text.
func TestHeaderSearchAddresses(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	f := newHeaderSearchFixture(t, s, [][]byte{
		[]byte("From: <user-from (comment)@ (comment) domain.org>\r\n\r\nbody\r\n"),
		[]byte("To: =?UTF-8?Q?J=C3=B6rg?= (x) =?UTF-8?Q?M=C3=BCller?= <j @ example.de>\r\nCc: team: a@b.example, c@d.example;\r\n\r\nbody\r\n"),
	})
	tests := []struct {
		keys []proto.SearchKey
		want []uint32
	}{
		{[]proto.SearchKey{headerKey(proto.SearchFrom, "user-from@domain.org")}, []uint32{1}},
		{[]proto.SearchKey{headerKey(proto.SearchFrom, "(comment)")}, []uint32{1}},
		{[]proto.SearchKey{headerKey(proto.SearchTo, "jörg müller")}, []uint32{2}},
		{[]proto.SearchKey{headerKey(proto.SearchTo, "J@EXAMPLE.DE")}, []uint32{2}},
		{[]proto.SearchKey{headerKey(proto.SearchCc, "c@d.example")}, []uint32{2}},
		{[]proto.SearchKey{notKey(headerKey(proto.SearchFrom, "user-from@domain.org"))}, []uint32{2}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, f.check(tc.keys...)); diff != "" {
			t.Errorf("keys %+v (-want +got):\n%s", tc.keys, diff)
		}
	}
	// HEADER From is the text: the general path, and no address match.
	if got := f.general([]proto.SearchKey{fieldKey("From", "user-from@domain.org")}); len(got) != 0 {
		t.Errorf("HEADER From matched an address form: %v", got)
	}
}

// TestHeaderSearchCorpus compares the index with the general path on the
// real corpus, with needles cut from the messages' own decoded fields (in
// changed case, across non-ASCII text, across two occurrences of a field),
// alone and combined: exact UID sets.
func TestHeaderSearchCorpus(t *testing.T) {
	names, raws, err := golden.ForTest(t).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	s := openTest(t, t.TempDir())
	defer s.Close()
	f := newHeaderSearchFixture(t, s, raws)
	if len(f.uids) != len(names) || len(names) < 400 {
		t.Fatalf("%d messages appended of %d in the corpus", len(f.uids), len(names))
	}
	ops := []proto.SearchOp{proto.SearchSubject, proto.SearchFrom, proto.SearchTo, proto.SearchCc, proto.SearchBcc}
	fieldNames := []string{"Subject", "From", "To", "Cc", "Bcc"}
	var keys []proto.SearchKey
	for i := range ops {
		keys = append(keys, headerKey(ops[i], ""))
	}
	// The general path's messages carry the decoded fields to cut from.
	f.general(keys[:1])
	nonASCII, spanning, addrSpecs := 0, 0, 0
	for mi, m := range f.loaded {
		if mi%5 != 0 {
			continue
		}
		for fi, name := range fieldNames {
			var values []string
			for _, h := range m.Parsed.Headers {
				if strings.EqualFold(h.Name, name) {
					values = append(values, h.Value)
				}
			}
			for vi, v := range values {
				needle := cutNeedle(v, mi)
				if needle == "" || strings.Contains(needle, search.HeaderSeparator) {
					continue
				}
				if utf8.ValidString(needle) && needle != strings.ToValidUTF8(needle, "") {
					continue
				}
				for _, r := range needle {
					if r >= utf8.RuneSelf {
						nonASCII++
						break
					}
				}
				if mi%2 == 0 || fi != 0 {
					// HEADER on an address field is not indexed
					// (it matches the text without the addresses).
					keys = append(keys, headerKey(ops[fi], needle))
				} else {
					keys = append(keys, fieldKey(strings.ToUpper(name), needle))
				}
				if fi != 0 {
					// The addr-spec of the field's first address, which
					// the text may not contain as written.
					for _, a := range mime.ParseAddressList([]byte(v)) {
						if a.Has&mime.AddrHost != 0 && !mime.IsPlaceholder(a.Host) && !mime.IsPlaceholder(a.Mailbox) {
							keys = append(keys, headerKey(ops[fi], a.Mailbox+"@"+a.Host))
							addrSpecs++
							break
						}
					}
				}
				if vi > 0 && len(values[vi-1]) > 0 && len(v) > 0 {
					// The end of one occurrence and the start of the next.
					keys = append(keys, headerKey(ops[fi], values[vi-1][len(values[vi-1])-1:]+v[:1]))
					spanning++
				}
			}
		}
	}
	if len(keys) < 150 || nonASCII < 5 || addrSpecs < 50 {
		t.Fatalf("only %d needles (%d non-ASCII, %d addr-specs) cut from the corpus", len(keys), nonASCII, addrSpecs)
	}
	matched := 0
	for i, k := range keys {
		if len(f.check(k)) > 0 {
			matched++
		}
		if i%3 == 0 {
			// Combined with the next key: AND NOT, and OR.
			next := keys[(i+1)%len(keys)]
			f.check(k, notKey(next))
			f.check(orKey(k, notKey(next)))
		}
	}
	if matched < len(keys)*3/4 {
		t.Errorf("only %d of %d corpus needles matched anything", matched, len(keys))
	}
	t.Logf("%d needles (%d non-ASCII, %d across occurrences, %d addr-specs), %d matched", len(keys), nonASCII, spanning, addrSpecs, matched)
}

// cutNeedle returns a piece of v, up to six characters from about its
// middle, with its case changed (upper-cased for even n, else
// lower-cased) so that folding has work to do.
func cutNeedle(v string, n int) string {
	runes := []rune(v)
	if len(runes) == 0 {
		return ""
	}
	start := len(runes) / 3
	end := min(start+6, len(runes))
	piece := string(runes[start:end])
	if n%2 == 0 {
		return strings.ToUpper(piece)
	}
	return strings.ToLower(piece)
}

// TestHeaderSearchMigration opens a database whose content_search rows are
// missing (as before the migration that added them) and checks that Open
// computes rows equal to those written at Append.
func TestHeaderSearchMigration(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	newHeaderSearchFixture(t, s, [][]byte{
		[]byte("Subject: one\r\nSubject: Two\r\nFrom: Ann <ann@example.org>\r\n\r\nbody\r\n"),
		[]byte("Subject:\r\nTo: bob@example.org\r\nCc: Carol <carol@example.org>\r\nBcc: x\r\n\r\nbody\r\n"),
		[]byte("Subject: =?UTF-8?Q?Gro=C3=9Fe_Stra=C3=9Fe?=\r\n\r\nbody\r\n"),
		[]byte("\r\nno header at all\r\n"),
		[]byte("From: <user-from (comment)@ (comment) domain.org>\r\n\r\nbody\r\n"),
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := dumpDatabase(t, dir)
	// Rows as dumpDatabase renders them: ß folds to "ss"; x'' for the
	// empty Subject, NULL for absent fields.
	// An address field lists the addr-specs and names that its text does
	// not contain as it stands after it (only message 5 has one).
	wantRows := []string{
		`['\x01' "one\x00two" "ann <ann@example.org>" <nil> <nil> <nil>]`,
		`['\x02' "" <nil> "bob@example.org" "carol <carol@example.org>" "x"]`,
		`['\x03' "grosse strasse" <nil> <nil> <nil> <nil>]`,
		`['\x04' <nil> <nil> <nil> <nil> <nil>]`,
		`['\x05' <nil> "<user-from (comment)@ (comment) domain.org>\x00user-from@domain.org" <nil> <nil> <nil>]`,
	}
	if diff := cmp.Diff(wantRows, want["content_search"]); diff != "" {
		t.Fatalf("content_search at Append (-want +got):\n%s", diff)
	}

	execSQL(t, dir, "DELETE FROM content_search WHERE content_id IN (1, 3, 4)", "PRAGMA user_version = 8")
	s = openTest(t, dir)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, dumpDatabase(t, dir)); diff != "" {
		t.Errorf("database after the backfill (-at Append +migrated):\n%s", diff)
	}

	// Rows written before the address fields listed their addresses (as
	// migration 9 left them) are recomputed by the migration after it.
	execSQL(t, dir, "UPDATE content_search SET hdr_from = CAST('<user-from (comment)@ (comment) domain.org>' AS BLOB) WHERE content_id = 5",
		"UPDATE content_search SET hdr_to = NULL WHERE content_id = 2",
		"PRAGMA user_version = 9")
	s = openTest(t, dir)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, dumpDatabase(t, dir)); diff != "" {
		t.Errorf("database after recomputing the address fields (-at Append +migrated):\n%s", diff)
	}
}
