package server

import (
	"context"
	"errors"
	"sync"
	"testing"

	"roost/internal/store"
	"roost/internal/store/sqlite"
)

// A FETCH of a message that another session expunged, while this session
// still has it in its view, leaves the message out and ends with
// OK [EXPUNGEISSUED] (RFC 9051 §7.1, as Dovecot answers): never
// NO [SERVERBUG] because the unique content's file went with it.
func TestFetchOfMessageExpungedElsewhere(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "INBOX", "Subject: keep\r\n\r\nkeep\r\n")
	uid := ts.appendMsg(t, "INBOX", "Subject: unique\r\n\r\nonly copy\r\n")
	a := ts.login(t)
	a.ok("ENABLE IMAP4rev2")
	a.ok("SELECT INBOX")
	a.want("FETCH 2 (UID RFC822.SIZE)", "OK Fetch completed.", "* 2 FETCH (UID 2 RFC822.SIZE 30)")
	blobID := messageBlobID(t, ts, uid)

	b := ts.login(t)
	b.ok("ENABLE IMAP4rev2")
	b.ok("SELECT INBOX")
	b.want(`STORE 2 +FLAGS.SILENT (\Deleted)`, "OK Store completed.")
	b.want("EXPUNGE", "OK Expunge completed.", "* 2 EXPUNGE")
	if _, err := ts.store.OpenBlob(context.Background(), blobID); !errors.Is(err, store.ErrNoContent) {
		t.Fatalf("blob of the expunged message: %v, want it removed (ErrNoContent)", err)
	}

	// Message 2 is still in A's view (no EXPUNGE during FETCH, RFC 9051
	// §7.5.1): its data is gone, the others are served.
	a.want("FETCH 1:2 (BODY[])", "OK [EXPUNGEISSUED] Some messages were already expunged.",
		"* 1 FETCH (FLAGS (\\Seen) BODY[] {23}\r\nSubject: keep\r\n\r\nkeep\r\n)", `* 2 FETCH (UID 2 FLAGS (\Deleted))`)
	a.want("FETCH 2 (BODY.PEEK[TEXT])", "OK [EXPUNGEISSUED] Some messages were already expunged.")
	a.want("NOOP", "OK NOOP completed.", "* 2 EXPUNGE")
	a.want("FETCH 1 (BODY.PEEK[TEXT])", "OK Fetch completed.", "* 1 FETCH (BODY[TEXT] {6}\r\nkeep\r\n)")
}

// expungeBeforeOpen is the store with one twist: the first OpenBlob of the
// blob named target first expunges the message holding it, through the
// store, as another session's EXPUNGE committing between FETCH's read of
// the metadata and the open of the file would.
type expungeBeforeOpen struct {
	*sqlite.Store
	mailboxID int64
	uid       uint32
	once      sync.Once
	err       error
}

func (w *expungeBeforeOpen) OpenBlob(ctx context.Context, blobID string) (store.Blob, error) {
	w.once.Do(func() {
		if _, _, err := w.Store.StoreFlags(ctx, w.mailboxID, []uint32{w.uid}, store.FlagsAdd, []string{store.FlagDeleted}, 0); err != nil {
			w.err = err
			return
		}
		_, w.err = w.Store.Expunge(ctx, w.mailboxID, []uint32{w.uid})
	})
	return w.Store.OpenBlob(ctx, blobID)
}

// The race itself: the expunge (and the removal of the file) commits after
// FETCH read the message and before it opened the file. The answer is the
// same EXPUNGEISSUED, not NO [SERVERBUG].
func TestFetchRacingExpunge(t *testing.T) {
	var wrap *expungeBeforeOpen
	ts := newTestServerOpts(t, testOptions{backend: func(st *sqlite.Store) store.Backend {
		wrap = &expungeBeforeOpen{Store: st}
		return wrap
	}})
	uid := ts.appendMsg(t, "INBOX", "Subject: unique\r\n\r\nraced\r\n")
	wrap.mailboxID, wrap.uid = ts.mailbox(t, "INBOX").ID, uid
	a := ts.login(t)
	a.ok("ENABLE IMAP4rev2")
	a.ok("SELECT INBOX")
	a.want("FETCH 1 (BODY.PEEK[])", "OK [EXPUNGEISSUED] Some messages were already expunged.",
		`* 1 FETCH (UID 1 FLAGS (\Deleted))`)
	if wrap.err != nil {
		t.Fatal(wrap.err)
	}
	a.want("NOOP", "OK NOOP completed.", "* 1 EXPUNGE")
}

func messageBlobID(t *testing.T, ts *testServer, uid uint32) string {
	t.Helper()
	msgs, err := ts.store.Messages(context.Background(), ts.mailbox(t, "INBOX").ID, []uint32{uid}, store.FetchOptions{})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Messages: %v, %d", err, len(msgs))
	}
	return msgs[0].BlobID
}
