package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"roost/internal/objectid"
	"roost/internal/store"
)

// blobIDOf is the content address (hex SHA-256) of a message.
func blobIDOf(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

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
	execSQL(t, dir, "DROP TABLE thread_members", "DROP TABLE thread_msgids", "DROP TABLE content_previews",
		"DELETE FROM counters WHERE name = 'threadid'", "PRAGMA user_version = 4")
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

// objectIDs returns the EMAILIDs and THREADIDs of uids, as the server
// spells them.
func objectIDs(t *testing.T, s *Store, mailboxID int64, uids ...uint32) (emails, threads []string) {
	t.Helper()
	ms, err := s.Messages(context.Background(), mailboxID, uids, store.FetchOptions{EmailID: true, ThreadID: true})
	if err != nil || len(ms) != len(uids) {
		t.Fatalf("Messages: %v %v", ms, err)
	}
	for _, m := range ms {
		emails = append(emails, objectid.EmailID(m.EmailID, m.BlobID))
		threads = append(threads, objectid.ThreadID(m.ThreadID))
	}
	return emails, threads
}

// TestObjectIDsOfOlderMessagesStay: messages, threads and mailboxes from
// before random object IDs keep the IDs clients already hold (RFC 8474
// §4, §5: an ID never changes), also for copies and for the same content
// appended again; only new contents, threads and mailboxes get random
// ones (§8), and a copy into another account gets that account's own.
func TestObjectIDsOfOlderMessagesStay(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	alice, _ := s.CreateUser(ctx, "alice", "x")
	bob, _ := s.CreateUser(ctx, "bob", "x")
	inbox, _ := s.Mailbox(ctx, alice.ID, "INBOX")
	raws := []string{"Message-ID: <a@x>\r\n\r\na\r\n", "Message-ID: <b@x>\r\n\r\nb\r\n"}
	uids := appendRaw(t, s, inbox.ID, raws...)
	s.Close()

	// As a database from before migration 13 has them: no stored
	// EMAILIDs, thread numbers from the counter.
	execSQL(t, dir, "DROP TABLE email_ids",
		"UPDATE thread_members SET thread_id = 1 WHERE content_id = (SELECT MIN(content_id) FROM thread_members)",
		"UPDATE thread_members SET thread_id = 2 WHERE content_id = (SELECT MAX(content_id) FROM thread_members)",
		"PRAGMA user_version = 12")
	s = openTest(t, dir)
	defer s.Close()
	legacy := []string{"M" + blobIDOf(raws[0])[:32], "M" + blobIDOf(raws[1])[:32]}
	emails, threads := objectIDs(t, s, inbox.ID, uids...)
	if fmt.Sprint(emails, threads) != fmt.Sprint(legacy, []string{"T1", "T2"}) {
		t.Fatalf("after migration: %q %q, want %q [T1 T2]", emails, threads, legacy)
	}
	if again, _ := s.Mailbox(ctx, alice.ID, "INBOX"); objectid.MailboxID(again.ID, again.UIDValidity) != objectid.MailboxID(inbox.ID, inbox.UIDValidity) {
		t.Fatalf("INBOX's MAILBOXID changed")
	}
	// A copy, and the same bytes appended again, share the old IDs.
	archive, _ := s.Mailbox(ctx, alice.ID, "Archive")
	if _, err := s.Copy(ctx, inbox.ID, uids[:1], archive.ID); err != nil {
		t.Fatal(err)
	}
	more := appendRaw(t, s, archive.ID, raws[1], "Message-ID: <new@x>\r\n\r\nnew\r\n")
	emails, threads = objectIDs(t, s, archive.ID, 1, more[0], more[1])
	if emails[0] != legacy[0] || emails[1] != legacy[1] || threads[0] != "T1" || threads[1] != "T2" {
		t.Fatalf("copies of old messages: %q %q", emails, threads)
	}
	// The new content: a random EMAILID and thread number.
	if !strings.HasPrefix(emails[2], "E") || len(emails[2]) != 27 || !objectid.Valid(emails[2]) {
		t.Fatalf("new EMAILID %q", emails[2])
	}
	if n, err := strconv.ParseInt(threads[2][1:], 36, 64); err != nil || n < 1<<32 {
		t.Fatalf("new THREADID %q", threads[2])
	}
	// A copy into bob's account (a shared mailbox) gets bob's own IDs.
	bobInbox, _ := s.Mailbox(ctx, bob.ID, "INBOX")
	res, err := s.Copy(ctx, archive.ID, []uint32{1, more[1]}, bobInbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	bobEmails, bobThreads := objectIDs(t, s, bobInbox.ID, res.DstUIDs...)
	for i, e := range bobEmails {
		if e == emails[0] || e == emails[2] || !strings.HasPrefix(e, "E") || bobThreads[i] == "" || bobThreads[i] == threads[2*i] {
			t.Fatalf("bob's copies: %q %q (alice's %q %q)", bobEmails, bobThreads, emails, threads)
		}
	}
}
