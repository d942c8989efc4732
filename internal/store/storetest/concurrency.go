package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"roost/internal/store"
)

func testWatchersInOrder(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	other := mailbox(t, b, u.ID, "Archive")
	w := b.Watch(inbox.ID)
	defer w.Close()
	wOther := b.Watch(other.ID)
	wOther.Close() // a closed watcher gets nothing

	const writers, rounds = 3, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*2)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				s, err := b.Stage(ctx, stringsReader(Message(100*i+r)), 0)
				if err != nil {
					errs <- err
					return
				}
				_, got, err := b.Append(ctx, inbox.ID, []store.AppendMessage{{Staged: s}})
				if err != nil {
					errs <- err
					return
				}
				if _, _, err := b.StoreFlags(ctx, inbox.ID, got, store.FlagsAdd, []string{store.FlagSeen}, 0); err != nil {
					errs <- err
					return
				}
				if _, _, err := b.Append(ctx, other.ID, []store.AppendMessage{{Staged: s}}); err != nil {
					errs <- fmt.Errorf("append to other: %w", err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	changes := drain(t, w, 2*writers*rounds)
	equal(t, "number of changes", len(changes), 2*writers*rounds)
	added := map[uint32]bool{}
	for i, c := range changes {
		if c.MailboxID != inbox.ID {
			t.Fatalf("change %+v of another mailbox", c)
		}
		if want := inbox.HighestModSeq + uint64(i) + 1; c.ModSeq != want {
			t.Fatalf("change %d has MODSEQ %d, want %d (in order, no gaps): %+v", i, c.ModSeq, want, changes)
		}
		switch c.Kind {
		case store.MessageAdded:
			equal(t, "added flags", c.Flags, []string{})
			added[c.UID] = true
		case store.FlagsChanged:
			if !added[c.UID] {
				t.Fatalf("FlagsChanged for UID %d before its MessageAdded", c.UID)
			}
			equal(t, "changed flags", c.Flags, []string{store.FlagSeen})
		default:
			t.Fatalf("unexpected change %+v", c)
		}
	}
	equal(t, "closed watcher", wOther.Drain(), []store.Change(nil))

	// The Watch-then-Select protocol: changes at or below the snapshot's
	// HIGHESTMODSEQ are already in the snapshot.
	snap, err := b.Select(ctx, inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "snapshot HIGHESTMODSEQ", snap.Mailbox.HighestModSeq, changes[len(changes)-1].ModSeq)
}

func appendOne(b store.Backend, mailboxID int64, content string) (uint32, error) {
	s, err := b.Stage(ctx, stringsReader(content), 0)
	if err != nil {
		return 0, err
	}
	_, got, err := b.Append(ctx, mailboxID, []store.AppendMessage{{Staged: s}})
	if err != nil {
		return 0, err
	}
	return got[0], nil
}

func testConcurrentAppenders(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	const appenders, each = 4, 8
	got := make([][]uint32, appenders)
	errs := make([]error, appenders)
	var wg sync.WaitGroup
	for i := range appenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				uid, err := appendOne(b, inbox.ID, Message(1000*i+j))
				if err != nil {
					errs[i] = err
					return
				}
				got[i] = append(got[i], uid)
			}
		}()
	}
	wg.Wait()
	var all []uint32
	for i := range appenders {
		if errs[i] != nil {
			t.Fatalf("appender %d: %v", i, errs[i])
		}
		if !strictlyAscending(got[i]) {
			t.Fatalf("appender %d got UIDs %v, not ascending", i, got[i])
		}
		all = append(all, got[i]...)
	}
	slices.Sort(all)
	equal(t, "all UIDs", all, uidRange(1, appenders*each))
	snap, err := b.Select(ctx, inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "snapshot UIDs", snap.UIDs, uidRange(1, appenders*each))
	equal(t, "UIDNext", snap.Mailbox.UIDNext, uint32(appenders*each+1))
}

// testConcurrentReadersAndWriters checks that snapshots taken while others
// write are each internally consistent.
func testConcurrentReadersAndWriters(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	appendN(t, b, inbox.ID, 1, 5)
	var wg sync.WaitGroup
	wg.Add(2)
	var writeErr, readErr error
	go func() {
		defer wg.Done()
		for i := range 20 {
			if _, err := appendOne(b, inbox.ID, Message(10+i)); err != nil {
				writeErr = err
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for range 20 {
			snap, err := b.Select(ctx, inbox.ID)
			if err != nil {
				readErr = err
				return
			}
			n := uint32(len(snap.UIDs))
			// No expunges here: UIDs are exactly 1..n, UIDNext is n+1,
			// and each message took one MODSEQ.
			if snap.Status.Messages != n || snap.Mailbox.UIDNext != n+1 || snap.UIDs[n-1] != n ||
				snap.Mailbox.HighestModSeq != inbox.HighestModSeq+uint64(n) {
				readErr = fmt.Errorf("inconsistent snapshot: %d UIDs, %+v", n, snap.Mailbox)
				return
			}
		}
	}()
	wg.Wait()
	if writeErr != nil || readErr != nil {
		t.Fatalf("writer: %v; reader: %v", writeErr, readErr)
	}
}

func testMailboxDeletedNotifications(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	a := createMailbox(t, b, u.ID, "A")
	child := createMailbox(t, b, u.ID, "A/B")
	gone := createMailbox(t, b, u.ID, "Gone")
	wA, wChild, wGone := b.Watch(a.ID), b.Watch(child.ID), b.Watch(gone.ID)
	defer wA.Close()
	defer wChild.Close()
	defer wGone.Close()

	if err := b.DeleteMailbox(ctx, u.ID, "Gone"); err != nil {
		t.Fatal(err)
	}
	equal(t, "delete", drain(t, wGone, 1), []store.Change{{Kind: store.MailboxDeleted, MailboxID: gone.ID, ModSeq: gone.HighestModSeq + 1}})

	if err := b.RenameMailbox(ctx, u.ID, "A", "Z"); err != nil {
		t.Fatal(err)
	}
	equal(t, "rename parent", drain(t, wA, 1), []store.Change{{Kind: store.MailboxDeleted, MailboxID: a.ID, ModSeq: a.HighestModSeq + 1}})
	equal(t, "rename child", drain(t, wChild, 1), []store.Change{{Kind: store.MailboxDeleted, MailboxID: child.ID, ModSeq: child.HighestModSeq + 1}})
}
