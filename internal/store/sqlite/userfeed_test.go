package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roost/internal/store"
)

// TestWatchUser checks the user-wide feed: message changes of every
// mailbox of the user (and of no other user), and namespace changes with
// their names, in commit order.
func TestWatchUser(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	alice, err := s.CreateUser(ctx, "alice", "x")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := s.CreateUser(ctx, "bob", "x")
	if err != nil {
		t.Fatal(err)
	}
	w := s.WatchUser(alice.ID)
	defer w.Close()
	mine := s.Watch(feedMailbox(t, s, alice.ID, "Drafts").ID)
	defer mine.Close()

	appendOne := func(userID int64, name string) {
		t.Helper()
		st, err := s.Stage(ctx, strings.NewReader("Subject: x\r\n\r\nx\r\n"), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Append(ctx, feedMailbox(t, s, userID, name).ID, []store.AppendMessage{{Staged: st}}); err != nil {
			t.Fatal(err)
		}
	}
	appendOne(bob.ID, "Drafts") // not alice's
	appendOne(alice.ID, "Drafts")
	feedMust(t, s.Unsubscribe(ctx, alice.ID, "Drafts")) // subscribed from the start
	feedMust(t, s.Subscribe(ctx, alice.ID, "Drafts"))
	feedMust(t, s.Subscribe(ctx, alice.ID, "Drafts")) // no change, no event
	feedMust(t, s.Unsubscribe(ctx, alice.ID, "Drafts"))
	if _, err := s.CreateMailbox(ctx, alice.ID, "a/b", ""); err != nil {
		t.Fatal(err)
	}
	feedMust(t, s.RenameMailbox(ctx, alice.ID, "a", "c/d"))
	feedMust(t, s.DeleteMailbox(ctx, alice.ID, "c/d/b"))
	feedMust(t, s.RenameMailbox(ctx, bob.ID, "Junk", "Spam")) // not alice's

	drafts := feedMailbox(t, s, alice.ID, "Drafts")
	a := feedMailbox(t, s, alice.ID, "c/d")
	c := feedMailbox(t, s, alice.ID, "c")
	got := w.Drain()
	for i := range got {
		if got[i].Kind == store.MailboxDeleted || got[i].Name == "a/b" {
			got[i].MailboxID = 0 // gone (a/b is c/d/b by now): its ID is not worth asserting
		}
	}
	want := []store.Change{
		{Kind: store.MessageAdded, MailboxID: drafts.ID, UID: 1, ModSeq: 2},
		{Kind: store.SubscriptionChanged, UserID: alice.ID, Name: "Drafts"},
		{Kind: store.SubscriptionChanged, UserID: alice.ID, Name: "Drafts", Subscribed: true},
		{Kind: store.SubscriptionChanged, UserID: alice.ID, Name: "Drafts"},
		{Kind: store.MailboxCreated, UserID: alice.ID, MailboxID: a.ID, Name: "a"},
		{Kind: store.MailboxCreated, UserID: alice.ID, Name: "a/b"},
		{Kind: store.MailboxCreated, UserID: alice.ID, MailboxID: c.ID, Name: "c"},
		{Kind: store.MailboxRenamed, UserID: alice.ID, MailboxID: a.ID, Name: "c/d", OldName: "a"},
		{Kind: store.MailboxDeleted, UserID: alice.ID, Name: "c/d/b"},
	}
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Flags" }, cmp.Ignore())); diff != "" {
		t.Fatalf("user feed (-want +got):\n%s", diff)
	}
	// The mailbox watcher is unchanged: no UserID, no namespace changes.
	if got := mine.Drain(); len(got) != 1 || got[0].UserID != 0 || got[0].Kind != store.MessageAdded {
		t.Fatalf("mailbox watcher: %+v", got)
	}
}

func feedMailbox(t *testing.T, s *Store, userID int64, name string) *store.Mailbox {
	t.Helper()
	mb, err := s.Mailbox(context.Background(), userID, name)
	if err != nil {
		t.Fatalf("mailbox %q: %v", name, err)
	}
	return mb
}

func feedMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
