package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roost/internal/store"
)

// TestMigrationsRerun rewinds a populated database's user_version to each
// earlier schema version, keeping every table and row, and reopens it:
// each later migration runs again over its own result. Every one must
// succeed and leave the database exactly as it was (schema and rows:
// sort keys, threads, previews, SCRAM verifiers, quota usage, counters).
func TestMigrationsRerun(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	u, err := s.CreateUser(ctx, "alice", "hash-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetSCRAM(ctx, "alice", "hash-1", "scram-verifier-1"); err != nil {
		t.Fatal(err)
	}
	inbox, err := s.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []store.AppendMessage
	for _, raw := range []string{
		"Subject: hello\r\nMessage-ID: <1@example.org>\r\n\r\nfirst body\r\n",
		"Subject: Re: hello\r\nIn-Reply-To: <1@example.org>\r\nReferences: <1@example.org>\r\n\r\nreply\r\n",
		"Subject: other\r\n\r\nunrelated\r\n",
	} {
		st, err := s.Stage(ctx, strings.NewReader(raw), 0)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, store.AppendMessage{Staged: st})
	}
	if _, _, err := s.Append(ctx, inbox.ID, msgs); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := dumpDatabase(t, dir)
	if len(want["content_sortkeys"]) != 3 || len(want["thread_members"]) != 3 || len(want["user_scram"]) != 1 {
		t.Fatalf("test data not in place: %d sort keys, %d thread members, %d verifiers",
			len(want["content_sortkeys"]), len(want["thread_members"]), len(want["user_scram"]))
	}

	for version := 1; version < len(migrations); version++ {
		setUserVersion(t, dir, version)
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("reopening at user_version %d: %v", version, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		got := dumpDatabase(t, dir)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("after re-running migrations %d..%d (-before +after):\n%s", version+1, len(migrations), diff)
		}
	}
}

func setUserVersion(t *testing.T, dir string, version int) {
	t.Helper()
	execSQL(t, dir, fmt.Sprintf("PRAGMA user_version = %d", version))
}

// dumpDatabase returns the schema (under "sqlite_master") and the rows of
// every table, each row rendered as text, rows sorted.
func dumpDatabase(t *testing.T, dir string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "roost.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	query := func(q string) [][]any {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		var out [][]any
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, vals)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	render := func(rows [][]any) []string {
		var out []string
		for _, r := range rows {
			out = append(out, fmt.Sprintf("%q", r))
		}
		slices.Sort(out)
		return out
	}
	dump := map[string][]string{
		"sqlite_master": render(query("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")),
	}
	for _, r := range query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
		name := fmt.Sprint(r[0])
		dump[name] = render(query(`SELECT * FROM "` + name + `"`))
	}
	return dump
}

// TestDefaultSubscriptionsMigration: an account from a store made before
// new accounts were subscribed to their default mailboxes gets those
// subscriptions once, at the first open by this version; a mailbox its
// user unsubscribes afterwards stays unsubscribed when the migration runs
// again.
func TestDefaultSubscriptionsMigration(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	u, err := s.CreateUser(ctx, "alice", "hash")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateMailbox(ctx, u.ID, "Work", ""); err != nil {
		t.Fatal(err)
	}
	all := []string{"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"}
	subs, err := s.Subscriptions(ctx, u.ID)
	if err != nil || !slices.Equal(subs, all) {
		t.Fatalf("a new account's subscriptions = %q, %v; want %q", subs, err, all)
	}
	s.Close()

	// Make it look like an older store: no subscriptions, no mark.
	execSQL(t, dir, "DELETE FROM subscriptions", "DELETE FROM counters WHERE name = 'default_subscriptions'")
	setUserVersion(t, dir, migrationBefore(t, defaultSubscriptionsSchema))
	s = openTest(t, dir)
	if subs, err := s.Subscriptions(ctx, u.ID); err != nil || !slices.Equal(subs, all) {
		t.Fatalf("after the migration: %q, %v; want %q (Work was never subscribed)", subs, err, all)
	}
	if err := s.Unsubscribe(ctx, u.ID, "Junk"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	setUserVersion(t, dir, migrationBefore(t, defaultSubscriptionsSchema))
	s = openTest(t, dir)
	defer s.Close()
	want := []string{"Archive", "Drafts", "INBOX", "Sent", "Trash"}
	if subs, err := s.Subscriptions(ctx, u.ID); err != nil || !slices.Equal(subs, want) {
		t.Fatalf("after a rerun: %q, %v; want %q (Junk stays unsubscribed)", subs, err, want)
	}
}

func execSQL(t *testing.T, dir string, statements ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "roost.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range statements {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// migrationBefore returns the user_version at which migration m is the
// next to run.
func migrationBefore(t *testing.T, m string) int {
	t.Helper()
	i := slices.Index(migrations, m)
	if i < 0 {
		t.Fatal("no such migration")
	}
	return i
}
