package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"roost/internal/store"
)

// TestAppendRefusesVanishedBlob: blobs are placed before the write lock
// (placeBlobs); if the file of a message with new content is gone by the
// time its row is written (an expunge of the last message with the same
// bytes removed it meanwhile), the APPEND fails and stores nothing rather
// than commit a row that points at no file.
func TestAppendRefusesVanishedBlob(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	defer s.Close()
	u, err := s.CreateUser(ctx, "placed", "x")
	if err != nil {
		t.Fatal(err)
	}
	mb, err := s.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Stage(ctx, strings.NewReader("Subject: gone\r\n\r\nbody\r\n"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	msgs := []store.AppendMessage{{Staged: st}}
	if err := s.placeBlobs([]string{st.TempPath}, []string{st.BlobID}); err != nil {
		t.Fatal(err)
	}
	if err := s.blobs.Remove(st.BlobID); err != nil {
		t.Fatal(err)
	}
	enc, err := encodeContent(st.Parsed)
	if err != nil {
		t.Fatal(err)
	}
	err = s.write(ctx, func(tx *sql.Tx, tst *txState) error {
		_, _, err := s.appendTx(ctx, tx, tst, mb.ID, msgs, []encodedContent{enc})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "vanished before its commit") {
		t.Fatalf("append of a vanished blob: %v, want the vanished error", err)
	}
	status, err := s.Status(ctx, mb.ID)
	if err != nil || status.Messages != 0 || status.UIDNext != 1 {
		t.Fatalf("Status = %+v, %v; want no message, UIDNEXT 1", status, err)
	}
	if problems, err := s.Check(ctx); err != nil || len(problems) != 0 {
		t.Fatalf("Check = %q, %v", problems, err)
	}
}

// placedEnv is a store with one user's INBOX.
func placedEnv(t *testing.T) (*Store, *store.Mailbox) {
	t.Helper()
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	t.Cleanup(func() { s.Close() })
	u, err := s.CreateUser(ctx, "placed", "x")
	if err != nil {
		t.Fatal(err)
	}
	mb, err := s.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	return s, mb
}

func appendPlaced(t *testing.T, s *Store, mailboxID int64, raw string) (uint32, error) {
	t.Helper()
	ctx := context.Background()
	st, err := s.Stage(ctx, strings.NewReader(raw), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	_, uids, err := s.Append(ctx, mailboxID, []store.AppendMessage{{Staged: st}})
	if err != nil {
		return 0, err
	}
	return uids[0], nil
}

// checkPlaced checks that the store is consistent, that the content of
// mailbox's messages can be opened, and that no temporary file is left.
func checkPlaced(t *testing.T, s *Store, mailboxID int64, wantMessages uint32) {
	t.Helper()
	ctx := context.Background()
	status, err := s.Status(ctx, mailboxID)
	if err != nil || status.Messages != wantMessages {
		t.Fatalf("Status = %+v, %v; want %d messages", status, err, wantMessages)
	}
	msgs, err := s.Messages(ctx, mailboxID, []uint32{1, 2, 3, 4, 5}, store.FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		b, err := s.OpenBlob(ctx, m.BlobID)
		if err != nil {
			t.Fatalf("OpenBlob of UID %d: %v", m.UID, err)
		}
		b.Close()
	}
	if problems, err := s.Check(ctx); err != nil || len(problems) != 0 {
		t.Fatalf("Check = %q, %v", problems, err)
	}
	tmp, err := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if err != nil || len(tmp) != 0 {
		t.Fatalf("tmp holds %d files (%v), want none", len(tmp), err)
	}
}

// TestAppendRetriesVanishedBlob: when the blob of an APPEND is removed
// after it was placed and before the commit (another process expunged the
// last message with the same bytes: it does not see this process' pins),
// the store places the kept bytes again and the APPEND succeeds.
func TestAppendRetriesVanishedBlob(t *testing.T) {
	s, mb := placedEnv(t)
	const raw = "Subject: gone\r\n\r\nbody\r\n"
	writes := 0
	s.SetAfterPlaceHook(func() {
		writes++
		if writes <= 2 { // gone twice: the third write succeeds
			id := blobIDOf(raw)
			if err := s.blobs.Remove(id); err != nil {
				t.Error(err)
			}
		}
	})
	uid, err := appendPlaced(t, s, mb.ID, raw)
	if err != nil || uid != 1 || writes != 3 {
		t.Fatalf("Append = %d, %v after %d writes; want UID 1 after 3", uid, err, writes)
	}
	checkPlaced(t, s, mb.ID, 1)

	// The bound: a blob that keeps vanishing fails the APPEND, cleanly.
	s.SetAfterPlaceHook(func() {
		if err := s.blobs.Remove(blobIDOf("Subject: third\r\n\r\nx\r\n")); err != nil {
			t.Error(err)
		}
	})
	_, err = appendPlaced(t, s, mb.ID, "Subject: third\r\n\r\nx\r\n")
	if !errors.Is(err, errBlobVanished) {
		t.Fatalf("Append of an always vanishing blob: %v", err)
	}
	checkPlaced(t, s, mb.ID, 1)
}

// TestAppendPinsAgainstExpunge: the same race within this process. The
// APPEND of bytes already stored drops its own copy; an expunge of the
// last message with those bytes then commits before the APPEND does. The
// pin keeps the file, the APPEND succeeds at its first write, and the file
// goes only with the last message that refers to it.
func TestAppendPinsAgainstExpunge(t *testing.T) {
	ctx := context.Background()
	s, mb := placedEnv(t)
	const raw = "Subject: same\r\n\r\nbody\r\n"
	first, err := appendPlaced(t, s, mb.ID, raw)
	if err != nil {
		t.Fatal(err)
	}
	writes := 0
	s.SetAfterPlaceHook(func() {
		writes++
		if _, _, err := s.StoreFlags(ctx, mb.ID, []uint32{first}, store.FlagsAdd, []string{store.FlagDeleted}, 0); err != nil {
			t.Error(err)
		}
		if gone, err := s.Expunge(ctx, mb.ID, []uint32{first}); err != nil || len(gone) != 1 {
			t.Errorf("Expunge = %v, %v", gone, err)
		}
	})
	uid, err := appendPlaced(t, s, mb.ID, raw)
	if err != nil || uid != 2 || writes != 1 {
		t.Fatalf("Append = %d, %v after %d writes; want UID 2 after 1", uid, err, writes)
	}
	s.SetAfterPlaceHook(nil)
	checkPlaced(t, s, mb.ID, 1)

	// Nothing pins it any more: the expunge of the last copy removes it.
	if _, _, err := s.StoreFlags(ctx, mb.ID, []uint32{uid}, store.FlagsAdd, []string{store.FlagDeleted}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Expunge(ctx, mb.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenBlob(ctx, blobIDOf(raw)); !errors.Is(err, store.ErrNoContent) {
		t.Fatalf("blob after the last expunge: %v, want ErrNoContent", err)
	}
}
