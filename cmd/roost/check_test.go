package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"roost/internal/auth"
	"roost/internal/store"
	"roost/internal/store/sqlite"
)

// TestCheckFindsCorruption damages a store in five ways and requires
// roost check to report each problem and exit 1; the intact store passes.
func TestCheckFindsCorruption(t *testing.T) {
	t.Cleanup(auth.UseParams(auth.TestParams))
	dir := t.TempDir()
	st, err := sqlite.Open(dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hash, _ := auth.Hash("pw")
	u, err := st.CreateUser(ctx, "carol", hash)
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := st.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	var blobs []string
	for i := range 4 {
		staged, err := st.Stage(ctx, strings.NewReader(fmt.Sprintf("Subject: %d\r\n\r\n%s\r\n", i, strings.Repeat("body ", 100*(i+1)))), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, staged.BlobID)
		if _, _, err := st.Append(ctx, inbox.ID, []store.AppendMessage{{Staged: staged}}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	code, stdout, stderr := runCLI(t, "", nil, "check", "--data", dir, "--full")
	if code != 0 || !strings.Contains(stdout, "4 message file(s) re-read and hashed") || !strings.Contains(stdout, "ok: no problems found") {
		t.Fatalf("check of an intact store: exit %d\n%s%s", code, stdout, stderr)
	}

	blobPath := func(id string) string { return filepath.Join(dir, "blobs", id[:2], id[2:]) }
	// 1. A truncated file.
	if err := os.Truncate(blobPath(blobs[0]), 10); err != nil {
		t.Fatal(err)
	}
	// 2. A file overwritten with other bytes of the same size: only the
	// hash shows it.
	fi, err := os.Stat(blobPath(blobs[1]))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blobPath(blobs[1]), []byte(strings.Repeat("X", int(fi.Size()))), 0o600); err != nil {
		t.Fatal(err)
	}
	// 3. A missing file.
	if err := os.Remove(blobPath(blobs[2])); err != nil {
		t.Fatal(err)
	}
	// 4. A deleted message row (its content is left orphaned), and 5.
	// UIDNEXT and HIGHESTMODSEQ set back.
	db, err := sql.Open("sqlite", filepath.Join(dir, "roost.db"))
	if err != nil {
		t.Fatal(err)
	}
	var contentID int64
	for _, q := range []string{
		"SELECT content_id FROM mailbox_messages WHERE mailbox_id = ? AND uid = 4",
		"DELETE FROM mailbox_messages WHERE mailbox_id = ? AND uid = 4",
		"UPDATE mailboxes SET uidnext = 3, highestmodseq = 1 WHERE id = ?",
	} {
		if strings.HasPrefix(q, "SELECT") {
			err = db.QueryRow(q, inbox.ID).Scan(&contentID)
		} else {
			_, err = db.Exec(q, inbox.ID)
		}
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	code, stdout, stderr = runCLI(t, "", nil, "check", "--data", dir, "--full")
	if code != 1 {
		t.Fatalf("check of a damaged store: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	for _, want := range []string{
		fmt.Sprintf("blob %s has 10 bytes, content says %d", blobs[0], 10+len("Subject: 0\r\n\r\n")+500+2-10),
		fmt.Sprintf("blob %s: contents do not match their SHA-256 (changed on disk)", blobs[1]),
		fmt.Sprintf("blob %s missing", blobs[2]),
		fmt.Sprintf("content no message refers to: content %d", contentID),
		fmt.Sprintf("UID not below UIDNEXT: mailbox %d uid 3 uidnext 3", inbox.ID),
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("roost check does not report %q; it printed:\n%s", want, stdout)
		}
	}
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "MODSEQ above HIGHESTMODSEQ: mailbox ") }) {
		t.Errorf("roost check does not report the HIGHESTMODSEQ set back; it printed:\n%s", stdout)
	}
	if !strings.Contains(stderr, "problem(s) in "+dir) {
		t.Errorf("stderr: %q", stderr)
	}
}

// TestCheckReportsAwaitingReparse: roost check tells how many messages
// still have an older parser's results, without calling that a problem.
func TestCheckReportsAwaitingReparse(t *testing.T) {
	t.Cleanup(auth.UseParams(auth.TestParams))
	dir := t.TempDir()
	st, err := sqlite.Open(dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := st.CreateUser(ctx, "carol", "hash")
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := st.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		staged, err := st.Stage(ctx, strings.NewReader(fmt.Sprintf("Subject: %d\r\n\r\nbody\r\n", i)), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Append(ctx, inbox.ID, []store.AppendMessage{{Staged: staged}}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	const awaiting = "stored message(s) await a parse by the current parser"
	code, stdout, stderr := runCLI(t, "", nil, "check", "--data", dir, "--sample", "0")
	if code != 0 || strings.Contains(stdout, awaiting) {
		t.Fatalf("check of a store parsed by this version: exit %d\n%s%s", code, stdout, stderr)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "roost.db"))
	if err != nil {
		t.Fatal(err)
	}
	// Two contents as stored before versions were recorded.
	if _, err := db.Exec("DELETE FROM content_parse_version WHERE content_id IN (SELECT id FROM contents ORDER BY id LIMIT 2)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, stdout, stderr = runCLI(t, "", nil, "check", "--data", dir, "--sample", "0")
	want := "2 " + awaiting + " (the server does it in the background)\nok: no problems found in " + dir + "\n"
	if code != 0 || stdout != want {
		t.Fatalf("check: exit %d, stdout %q, want exit 0 and %q\n%s", code, stdout, want, stderr)
	}
}
