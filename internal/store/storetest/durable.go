package storetest

import (
	"context"
	"testing"

	"roost/internal/store"
)

// RunDurable checks that state survives Close and reopening. open must
// return the backend stored in dir (creating it if new); RunDurable closes
// what it opens.
func RunDurable(t *testing.T, open func(t *testing.T, dir string) store.Backend) {
	t.Run("Persistence", func(t *testing.T) { testPersistence(t, open) })
	t.Run("TwoOpenAtOnce", func(t *testing.T) { testTwoOpenAtOnce(t, open) })
}

func closeBackend(t *testing.T, b store.Backend) {
	t.Helper()
	if problems, err := b.Check(context.Background()); err != nil || len(problems) > 0 {
		t.Fatalf("Check: %v, %q", err, problems)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func testPersistence(t *testing.T, open func(t *testing.T, dir string) store.Backend) {
	dir := t.TempDir()
	b := open(t, dir)
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	appendN(t, b, inbox.ID, 1, 4)
	if _, _, err := b.StoreFlags(ctx, inbox.ID, uids(2, 4), store.FlagsAdd, []string{store.FlagDeleted, "Kw"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Expunge(ctx, inbox.ID, uids(4)); err != nil {
		t.Fatal(err)
	}
	if err := b.Unsubscribe(ctx, u.ID, "Junk"); err != nil {
		t.Fatal(err)
	}
	if err := b.Subscribe(ctx, u.ID, "Elsewhere"); err != nil {
		t.Fatal(err)
	}
	gone := createMailbox(t, b, u.ID, "Gone")
	if err := b.DeleteMailbox(ctx, u.ID, "Gone"); err != nil {
		t.Fatal(err)
	}
	beforeBoxes, _ := b.Mailboxes(ctx, u.ID)
	beforeMsgs := messages(t, b, inbox.ID, uidRange(1, 4))
	beforeSnap, _ := b.Select(ctx, inbox.ID)
	closeBackend(t, b)

	b = open(t, dir)
	defer closeBackend(t, b)
	got, err := b.User(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "user", *got, *u)
	afterBoxes, _ := b.Mailboxes(ctx, u.ID)
	equal(t, "mailboxes", afterBoxes, beforeBoxes)
	equal(t, "messages", messages(t, b, inbox.ID, uidRange(1, 4)), beforeMsgs)
	afterSnap, err := b.Select(ctx, inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "snapshot", afterSnap, beforeSnap)
	subs, _ := b.Subscriptions(ctx, u.ID)
	equal(t, "subscriptions", subs, []string{"Archive", "Drafts", "Elsewhere", "INBOX", "Sent", "Trash"})

	// Counters carry on where they were.
	equal(t, "UIDs after reopen", appendN(t, b, inbox.ID, 10, 1), uids(5))
	again := createMailbox(t, b, u.ID, "Gone")
	if again.UIDValidity <= gone.UIDValidity {
		t.Fatalf("recreated mailbox UIDVALIDITY %d, want above the deleted one's %d", again.UIDValidity, gone.UIDValidity)
	}
	blob, err := b.OpenBlob(ctx, blobID(Message(1)))
	if err != nil {
		t.Fatal(err)
	}
	blob.Close()
}

// testTwoOpenAtOnce opens the same store twice, as the CLI does while the
// server runs, and writes through both.
func testTwoOpenAtOnce(t *testing.T, open func(t *testing.T, dir string) store.Backend) {
	dir := t.TempDir()
	server := open(t, dir)
	defer closeBackend(t, server)
	cli := open(t, dir)
	u := newUser(t, cli, "alice")
	inbox := mailbox(t, server, u.ID, "INBOX")
	appendN(t, server, inbox.ID, 1, 2)
	newUser(t, cli, "bob")
	if err := cli.SetPassword(ctx, "alice", "changed"); err != nil {
		t.Fatal(err)
	}
	closeBackend(t, cli)
	got, err := server.User(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "password set by the other process", got.PasswordHash, "changed")
	all, _ := server.Users(ctx)
	equal(t, "users", len(all), 2)
	equal(t, "UIDs", appendN(t, server, inbox.ID, 3, 1), uids(3))
}
