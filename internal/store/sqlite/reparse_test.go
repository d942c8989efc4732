package sqlite

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roost/internal/imap/golden"
	"roost/internal/mime"
)

// derivedTables are the tables a parse fills for a content, and those
// threads fill from it, which a re-parse must leave as it found them.
var derivedTables = []string{"contents", "content_parsed", "content_search", "content_sortkeys",
	"content_previews", "content_parse_version", "thread_members", "thread_msgids"}

// derivedRows returns the rows of derivedTables (dumpDatabase).
func derivedRows(t *testing.T, dir string) map[string][]string {
	t.Helper()
	all := dumpDatabase(t, dir)
	out := make(map[string][]string, len(derivedTables))
	for _, name := range derivedTables {
		out[name] = all[name]
	}
	return out
}

// makeParsesOld turns every content's stored parse into what an older
// parser might have left: other structure and header fields, other search
// values, sort keys, preview and sent date, some of those rows missing,
// and an older version recorded or none at all.
func makeParsesOld(t *testing.T, dir string) {
	t.Helper()
	old, err := mime.Marshal(mime.ParseBytes([]byte("From: <old@example.org (Old)>\r\nSubject: old\r\n\r\nold\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	execSQL(t, dir,
		"UPDATE contents SET sent_date = 1",
		"UPDATE content_parsed SET parsed = x'"+hex.EncodeToString(old)+"', headers = x'', body_text = 'old'",
		"UPDATE content_search SET hdr_subject = x'6f6c64', hdr_from = NULL",
		"DELETE FROM content_search WHERE content_id % 2 = 0",
		"UPDATE content_sortkeys SET subject = 'old', from_addr = 'old', refs = ''",
		"DELETE FROM content_sortkeys WHERE content_id % 3 = 0",
		"UPDATE content_previews SET preview = 'old'",
		"DELETE FROM content_previews WHERE content_id % 5 = 0",
		"UPDATE content_parse_version SET version = 0",
		"DELETE FROM content_parse_version WHERE content_id % 2 = 1",
	)
}

// TestReparseCorpus stores the corpus, makes every stored parse old, and
// re-parses: every derived row is again exactly what the APPEND wrote.
// It also measures the rate.
func TestReparseCorpus(t *testing.T) {
	names, raws, err := golden.ForTest(t).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := openTest(t, dir)
	f := newHeaderSearchFixture(t, s, raws)
	if len(f.uids) != len(names) || len(names) < 400 {
		t.Fatalf("%d messages appended of %d in the corpus", len(f.uids), len(names))
	}
	s.Close()
	fresh := derivedRows(t, dir)
	if len(fresh["content_parse_version"]) != len(names) {
		t.Fatalf("%d version rows after appending %d messages", len(fresh["content_parse_version"]), len(names))
	}

	makeParsesOld(t, dir)
	made := derivedRows(t, dir)
	for _, table := range derivedTables[:6] {
		if cmp.Equal(fresh[table], made[table]) {
			t.Fatalf("%s not made old", table)
		}
	}
	s = openTest(t, dir)
	defer s.Close()
	ctx := context.Background()
	if n, err := s.AwaitingReparse(ctx); err != nil || n != len(names) {
		t.Fatalf("AwaitingReparse = %d, %v; want %d", n, err, len(names))
	}
	start := time.Now()
	st, err := s.Reparse(ctx, nil)
	took := time.Since(start)
	if err != nil || st != (ReparseStats{Reparsed: len(names)}) {
		t.Fatalf("Reparse = %+v, %v; want %d re-parsed", st, err, len(names))
	}
	t.Logf("%d messages re-parsed in %v: %.0f a second", len(names), took, float64(len(names))/took.Seconds())
	if diff := cmp.Diff(fresh, derivedRows(t, dir)); diff != "" {
		t.Fatalf("derived rows after the re-parse differ from a fresh APPEND's (-fresh +reparsed):\n%s", diff)
	}
	if n, err := s.AwaitingReparse(ctx); err != nil || n != 0 {
		t.Fatalf("AwaitingReparse after = %d, %v; want 0", n, err)
	}
	// Done: another pass has nothing to do and looks at nothing.
	if st, err := s.Reparse(ctx, nil); err != nil || st != (ReparseStats{}) {
		t.Fatalf("second Reparse = %+v, %v; want nothing", st, err)
	}
}

// reparseFixture appends raws to a new store in dir, returns the derived
// rows as the APPEND wrote them and the contents' blob IDs, and leaves the
// store closed with every parse made old.
func reparseFixture(t *testing.T, dir string, raws ...string) (fresh map[string][]string, blobs []string) {
	t.Helper()
	s := openTest(t, dir)
	newHeaderSearchFixture(t, s, func() (b [][]byte) {
		for _, r := range raws {
			b = append(b, []byte(r))
		}
		return b
	}())
	rows, err := s.r.Query("SELECT blob_id FROM contents ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, id)
	}
	rows.Close()
	s.Close()
	fresh = derivedRows(t, dir)
	makeParsesOld(t, dir)
	return fresh, blobs
}

var reparseMessages = []string{
	"From: <alice@example.org (Alice)>\r\nSubject: one\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nfirst\r\n",
	"From: bob@example.org\r\nSubject: Re: one\r\nReferences: <1@example.org>\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n",
	"MIME-Version: 1.0\r\nContent-Type: text/html\r\nSubject: three\r\n\r\n<p>third</p>\r\n",
	"Subject: four\r\nTo: undisclosed-recipients:;\r\n\r\nfourth\r\n",
	"Subject: five\r\n\r\nfifth\r\n",
}

// TestReparseMissingBlob: a content whose file is gone is skipped and
// counted, stays awaiting, and does not stop the others.
func TestReparseMissingBlob(t *testing.T) {
	dir := t.TempDir()
	fresh, blobs := reparseFixture(t, dir, reparseMessages...)
	gone := blobs[1]
	if err := os.Remove(filepath.Join(dir, "blobs", gone[:2], gone[2:])); err != nil {
		t.Fatal(err)
	}
	s := openTest(t, dir)
	defer s.Close()
	ctx := context.Background()
	want := ReparseStats{Reparsed: len(blobs) - 1, Missing: 1}
	if st, err := s.Reparse(ctx, nil); err != nil || st != want {
		t.Fatalf("Reparse = %+v, %v; want %+v", st, err, want)
	}
	if n, err := s.AwaitingReparse(ctx); err != nil || n != 1 {
		t.Fatalf("AwaitingReparse = %d, %v; want 1 (the missing file's)", n, err)
	}
	// Every other content is as appended; the missing file's keeps its
	// old rows.
	got := derivedRows(t, dir)
	missingRow := strings.TrimSuffix(fmt.Sprintf("%q", []any{int64(2)}), "]") + " "
	for _, table := range []string{"contents", "content_parsed", "content_search", "content_sortkeys",
		"content_previews", "content_parse_version"} {
		others := func(rows []string) (keep []string, dropped int) {
			for _, r := range rows {
				if strings.HasPrefix(r, missingRow) {
					dropped++
				} else {
					keep = append(keep, r)
				}
			}
			return keep, dropped
		}
		wantRows, _ := others(fresh[table])
		gotRows, _ := others(got[table])
		if diff := cmp.Diff(wantRows, gotRows); diff != "" {
			t.Errorf("%s: rows of the other contents differ from a fresh APPEND's (-fresh +reparsed):\n%s", table, diff)
		}
	}
	if cmp.Equal(fresh["content_parsed"], got["content_parsed"]) {
		t.Errorf("content_parsed of the missing file's content was restored without its file")
	}
	// Still missing: the next pass counts it again.
	if st, err := s.Reparse(ctx, nil); err != nil || st != (ReparseStats{Missing: 1}) {
		t.Fatalf("second Reparse = %+v, %v; want the missing file again", st, err)
	}
}

// TestReparseResumes: a re-parse stopped after its first batch (as by a
// kill: the batch committed, the rest not done) goes on after the next
// Open, in the background, and ends with every row as appended.
func TestReparseResumes(t *testing.T) {
	dir := t.TempDir()
	fresh, blobs := reparseFixture(t, dir, reparseMessages...)
	s := openTest(t, dir)
	ctx := context.Background()
	todo, err := s.pendingParses(ctx, 0, 2)
	if err != nil || len(todo) != 2 {
		t.Fatalf("pendingParses = %d, %v", len(todo), err)
	}
	var batch []reparsedContent
	for _, c := range todo {
		r, err := s.parseStored(c)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, r)
	}
	if n, err := s.storeReparsed(ctx, batch); err != nil || n != 2 {
		t.Fatalf("storeReparsed = %d, %v", n, err)
	}
	// Stored again (another process got there first): left alone.
	if n, err := s.storeReparsed(ctx, batch); err != nil || n != 0 {
		t.Fatalf("storeReparsed of contents already done = %d, %v; want 0", n, err)
	}
	s.Close()

	s = openTest(t, dir)
	defer s.Close()
	if n, err := s.AwaitingReparse(ctx); err != nil || n != len(blobs)-2 {
		t.Fatalf("AwaitingReparse = %d, %v; want %d", n, err, len(blobs)-2)
	}
	s.StartReparse(nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := s.AwaitingReparse(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d contents still awaiting after 10s", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.stopReparsing()
	if diff := cmp.Diff(fresh, derivedRows(t, dir)); diff != "" {
		t.Fatalf("derived rows differ from a fresh APPEND's (-fresh +reparsed):\n%s", diff)
	}
}
