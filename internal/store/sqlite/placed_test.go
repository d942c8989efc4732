package sqlite

import (
	"context"
	"database/sql"
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
	if err := s.placeBlobs(msgs); err != nil {
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
