package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roost/internal/store"
)

// TestSelectCacheMatchesColdSelect changes a mailbox in every way that
// affects SELECT and checks, after each change, that Select of a store
// whose cache has seen every earlier state returns exactly what a second
// store opened on the same directory (empty cache) reads from scratch.
func TestSelectCacheMatchesColdSelect(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	defer s.Close()
	u, err := s.CreateUser(ctx, "cache", "x")
	if err != nil {
		t.Fatal(err)
	}
	mb, err := s.CreateMailbox(ctx, u.ID, "Box", "")
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateMailbox(ctx, u.ID, "Other", "")
	if err != nil {
		t.Fatal(err)
	}
	appendN := func(mailbox int64, n int, flags []string) {
		t.Helper()
		var msgs []store.AppendMessage
		for i := 0; i < n; i++ {
			body := fmt.Sprintf("Subject: m%d\r\n\r\n%s\r\n", i, strings.Repeat("x", i))
			if i%3 == 1 {
				body = fmt.Sprintf("Date: %d Jan 2024 10:00:00 +0200\r\n", 1+i) + body
			}
			st, err := s.Stage(ctx, strings.NewReader(body), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, store.AppendMessage{Staged: st, Flags: flags})
		}
		if _, _, err := s.Append(ctx, mailbox, msgs); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string) {
		t.Helper()
		warm, err := s.Select(ctx, mb.ID)
		if err != nil {
			t.Fatalf("%s: warm Select: %v", step, err)
		}
		fresh := openTest(t, dir)
		cold, err := fresh.Select(ctx, mb.ID)
		fresh.Close()
		if err != nil {
			t.Fatalf("%s: cold Select: %v", step, err)
		}
		if d := cmp.Diff(cold, warm); d != "" {
			t.Fatalf("%s: cached Select differs from a cold one (-cold +cached):\n%s", step, d)
		}
		checkCachedMessages(t, step, s, dir, mb.ID)
	}
	check("empty")
	appendN(mb.ID, 10, nil)
	check("appended")
	if _, _, err := s.StoreFlags(ctx, mb.ID, []uint32{1, 2, 5}, store.FlagsAdd, []string{`\Seen`}, 0); err != nil {
		t.Fatal(err)
	}
	check("seen")
	if _, _, err := s.StoreFlags(ctx, mb.ID, []uint32{3, 4}, store.FlagsAdd, []string{`\Deleted`, "$Junk"}, 0); err != nil {
		t.Fatal(err)
	}
	check("deleted")
	if _, err := s.ClaimRecent(ctx, mb.ID, 10); err != nil {
		t.Fatal(err)
	}
	appendN(mb.ID, 3, []string{`\Seen`})
	check("recent claimed, more appended")
	if _, err := s.Expunge(ctx, mb.ID, []uint32{1, 3, 4, 12}); err != nil {
		t.Fatal(err)
	}
	check("expunged")
	if _, _, err := s.StoreFlags(ctx, mb.ID, []uint32{2}, store.FlagsRemove, []string{`\Seen`}, 0); err != nil {
		t.Fatal(err)
	}
	appendN(other.ID, 2, nil)
	if _, err := s.Copy(ctx, other.ID, []uint32{1, 2}, mb.ID); err != nil {
		t.Fatal(err)
	}
	check("unseen again, copied in")
	if _, err := s.Move(ctx, mb.ID, []uint32{2, 5}, other.ID); err != nil {
		t.Fatal(err)
	}
	check("moved out")
	if _, err := s.Expunge(ctx, mb.ID, nil); err != nil {
		t.Fatal(err)
	}
	check("expunge of nothing")
}

// checkCachedMessages compares what Messages serves from the select cache
// of s (flags, MODSEQ, dates, sizes; SORT's Date header) with what a store
// with an empty cache reads from the rows, for every UID up to UIDNEXT.
func checkCachedMessages(t *testing.T, step string, s *Store, dir string, mailboxID int64) {
	t.Helper()
	ctx := context.Background()
	all := make([]uint32, 0, 40)
	for u := uint32(1); u <= 40; u++ {
		all = append(all, u)
	}
	some := []uint32{2, 3, 7, 12, 13, 14, 30}
	fresh := openTest(t, dir)
	defer fresh.Close()
	for _, uids := range [][]uint32{all, some} {
		warm, err := s.Messages(ctx, mailboxID, uids, store.FetchOptions{NoBlobID: true, SortKeys: true, SortDatesOnly: true})
		if err != nil {
			t.Fatalf("%s: cached Messages: %v", step, err)
		}
		// Asking for the blob ID and the string sort keys bypasses the cache.
		cold, err := fresh.Messages(ctx, mailboxID, uids, store.FetchOptions{SortKeys: true})
		if err != nil {
			t.Fatalf("%s: Messages: %v", step, err)
		}
		for i := range cold {
			cold[i].BlobID = ""
			cold[i].Sort = &store.SortKeys{SentDate: cold[i].Sort.SentDate}
		}
		if d := cmp.Diff(cold, warm); d != "" {
			t.Fatalf("%s: cached Messages differ from the rows (-rows +cached):\n%s", step, d)
		}
		// Content loads take flags and dates from the cache and the
		// rest from the rows: the same as reading everything from rows.
		full := store.FetchOptions{Structure: true, SearchText: true, SortKeys: true, ThreadID: true, Preview: true}
		mixed, err := s.Messages(ctx, mailboxID, uids, full)
		if err != nil {
			t.Fatalf("%s: Messages: %v", step, err)
		}
		tx, err := fresh.r.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := loadRows(ctx, tx, mailboxID, uids, full)
		tx.Rollback()
		if err != nil {
			t.Fatalf("%s: loadRows: %v", step, err)
		}
		if d := cmp.Diff(rows, mixed); d != "" {
			t.Fatalf("%s: Messages with content differ from the rows (-rows +cache and rows):\n%s", step, d)
		}
	}
}
