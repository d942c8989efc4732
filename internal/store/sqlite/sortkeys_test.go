package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roost/internal/store"
)

// TestSortKeysMigration opens a database as it was before content_sortkeys
// existed (schema version 1, made by dropping the table from a new one) and
// checks that Open computes every message's keys from the stored parse
// results, equal to those computed at Append.
func TestSortKeysMigration(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	u, err := s.CreateUser(ctx, "alice", "x")
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := s.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	raws := []string{
		"Date: Mon, 01 Jan 2024 10:00:00 +0100\r\nFrom: Ann <ann@example.org>\r\nTo: bob@example.org\r\n" +
			"Subject: Re: [x] hello\r\nMessage-ID: <1@example.org>\r\nReferences: <0@example.org>\r\n\r\nbody\r\n",
		"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= (fwd)\r\nIn-Reply-To: <1@example.org>\r\n\r\nbody\r\n",
		"no header at all\r\n",
		"Cc: team: a@b.example, c@d.example;\r\nTo: empty:;\r\n\r\nbody\r\n",
	}
	var msgs []store.AppendMessage
	for _, raw := range raws {
		st, err := s.Stage(ctx, strings.NewReader(raw), 0)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, store.AppendMessage{Staged: st})
	}
	_, uids, err := s.Append(ctx, inbox.ID, msgs)
	if err != nil {
		t.Fatal(err)
	}
	load := func(s *Store) []*store.SortKeys {
		got, err := s.Messages(ctx, inbox.ID, uids, store.FetchOptions{SortKeys: true})
		if err != nil || len(got) != len(uids) {
			t.Fatalf("Messages = %v, %v", got, err)
		}
		var keys []*store.SortKeys
		for _, m := range got {
			keys = append(keys, m.Sort)
		}
		return keys
	}
	want := load(s)
	if want[0].Subject != "HELLO" || want[1].References[0] != "1@example.org" {
		t.Fatalf("keys at Append: %+v %+v", want[0], want[1])
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	execSQL(t, dir, "DROP TABLE content_sortkeys", "PRAGMA user_version = 1")

	s = openTest(t, dir)
	if diff := cmp.Diff(want, load(s)); diff != "" {
		t.Errorf("keys after migration (-at Append +migrated):\n%s", diff)
	}
	if k := want[3]; k.Cc != "TEAM" || k.To != "EMPTY" || k.DisplayTo != "EMPTY" {
		t.Errorf("keys of a message with groups: %+v", k)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Keys computed when a group was skipped (the first mailbox inside
	// it) are recomputed by the migration after the header search one.
	execSQL(t, dir, "UPDATE content_sortkeys SET cc_addr = 'A', to_addr = '', display_to = ''",
		"PRAGMA user_version = 10")
	s = openTest(t, dir)
	defer s.Close()
	if diff := cmp.Diff(want, load(s)); diff != "" {
		t.Errorf("keys after recomputing (-at Append +migrated):\n%s", diff)
	}
	var version int
	if err := s.r.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != len(migrations) {
		t.Errorf("user_version = %d, %v; want %d", version, err, len(migrations))
	}
}
