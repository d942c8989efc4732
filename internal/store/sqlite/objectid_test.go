package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"roost/internal/store"
)

// appendRaw stages and appends messages, returning their UIDs.
func appendRaw(t *testing.T, s *Store, mailboxID int64, raws ...string) []uint32 {
	t.Helper()
	ctx := context.Background()
	var msgs []store.AppendMessage
	for _, raw := range raws {
		st, err := s.Stage(ctx, strings.NewReader(raw), 0)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, store.AppendMessage{Staged: st})
	}
	_, uids, err := s.Append(ctx, mailboxID, msgs)
	if err != nil {
		t.Fatal(err)
	}
	return uids
}

func threadsAndPreviews(t *testing.T, s *Store, mailboxID int64, uids []uint32) (threads []int64, previews []string) {
	t.Helper()
	ms, err := s.Messages(context.Background(), mailboxID, uids, store.FetchOptions{ThreadID: true, Preview: true})
	if err != nil || len(ms) != len(uids) {
		t.Fatalf("Messages: %v %v", ms, err)
	}
	for _, m := range ms {
		threads = append(threads, m.ThreadID)
		p := m.Preview
		if !m.HasPreview {
			p = "<none>"
		}
		previews = append(previews, p)
	}
	return threads, previews
}

// TestThreadsAndPreviews: threads per user from Message-ID/References in
// either arrival order, previews stored at Append, and the migration that
// threads a database made before threads existed.
func TestThreadsAndPreviews(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	alice, _ := s.CreateUser(ctx, "alice", "x")
	bob, _ := s.CreateUser(ctx, "bob", "x")
	ai, _ := s.Mailbox(ctx, alice.ID, "INBOX")
	bi, _ := s.Mailbox(ctx, bob.ID, "INBOX")
	raws := []string{
		"Message-ID: <c@x>\r\nReferences: <p@x>\r\n\r\nchild first\r\n",
		"Message-ID: <p@x>\r\n\r\nparent\r\n",
		"Message-ID: <q@x>\r\n\r\nunrelated\r\n",
		"In-Reply-To: <q@x>\r\n\r\nreply without own id\r\n",
	}
	uids := appendRaw(t, s, ai.ID, raws...)
	threads, previews := threadsAndPreviews(t, s, ai.ID, uids)
	if threads[0] == 0 || threads[0] != threads[1] || threads[2] == threads[0] || threads[3] != threads[2] {
		t.Fatalf("threads %v", threads)
	}
	if strings.Join(previews, "|") != "child first|parent|unrelated|reply without own id" {
		t.Fatalf("previews %q", previews)
	}
	// Another user's copy of the same content is in a thread of its own.
	bu := appendRaw(t, s, bi.ID, raws[1])
	if bt, _ := threadsAndPreviews(t, s, bi.ID, bu); bt[0] == 0 || bt[0] == threads[1] {
		t.Fatalf("bob's thread %v, alice's %v", bt, threads)
	}
	s.Close()

	// A database from before migration 5: no threads, no previews.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "roost.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TABLE thread_members", "DROP TABLE thread_msgids", "DROP TABLE content_previews",
		"DELETE FROM counters WHERE name = 'threadid'", "PRAGMA user_version = 4"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	db.Close()
	s = openTest(t, dir)
	defer s.Close()
	threads, previews = threadsAndPreviews(t, s, ai.ID, uids)
	if threads[0] == 0 || threads[0] != threads[1] || threads[2] == threads[0] || threads[3] != threads[2] {
		t.Fatalf("threads after migration %v", threads)
	}
	if strings.Join(previews, "|") != "<none>|<none>|<none>|<none>" {
		t.Fatalf("previews after migration %q", previews)
	}
}

// TestReplace: the new message appears and the old one is expunged in one
// transaction; a missing old message changes nothing.
func TestReplace(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	defer s.Close()
	u, _ := s.CreateUser(ctx, "alice", "x")
	inbox, _ := s.Mailbox(ctx, u.ID, "INBOX")
	uids := appendRaw(t, s, inbox.ID, "Subject: v1\r\n\r\none\r\n")
	stage := func(raw string) store.AppendMessage {
		st, err := s.Stage(ctx, strings.NewReader(raw), 0)
		if err != nil {
			t.Fatal(err)
		}
		return store.AppendMessage{Staged: st, Flags: []string{store.FlagDraft}}
	}
	v, newUID, err := s.Replace(ctx, inbox.ID, uids[0], inbox.ID, stage("Subject: v2\r\n\r\ntwo\r\n"))
	if err != nil || v != inbox.UIDValidity || newUID != 2 {
		t.Fatalf("Replace = %d %d %v", v, newUID, err)
	}
	snap, err := s.Select(ctx, inbox.ID)
	if err != nil || len(snap.UIDs) != 1 || snap.UIDs[0] != 2 {
		t.Fatalf("after Replace: %+v %v", snap, err)
	}
	m := stage("Subject: v3\r\n\r\nthree\r\n")
	if _, _, err := s.Replace(ctx, inbox.ID, 1, inbox.ID, m); !errors.Is(err, store.ErrNoMessage) {
		t.Fatalf("Replace of an expunged UID: %v", err)
	}
	s.Discard(m.Staged)
	if snap, _ := s.Select(ctx, inbox.ID); len(snap.UIDs) != 1 || snap.Mailbox.UIDNext != 3 {
		t.Fatalf("failed Replace changed the mailbox: %+v", snap)
	}
}
