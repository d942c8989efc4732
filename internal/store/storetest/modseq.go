package storetest

import (
	"testing"

	"roost/internal/store"
)

// changed summarises a ChangedSince result: UID, MODSEQ and flags.
type changed struct {
	UID    uint32
	ModSeq uint64
	Flags  []string
}

func changedSince(t *testing.T, b store.Backend, mailboxID int64, modseq uint64, within []store.UIDRange) []changed {
	t.Helper()
	msgs, err := b.ChangedSince(ctx, mailboxID, modseq, within)
	if err != nil {
		t.Fatalf("ChangedSince(%d, %v): %v", modseq, within, err)
	}
	out := make([]changed, len(msgs))
	for i, m := range msgs {
		out[i] = changed{m.UID, m.ModSeq, m.Flags}
		if m.Size == 0 || m.BlobID == "" || m.InternalDate.IsZero() {
			t.Fatalf("ChangedSince: UID %d lacks metadata: %+v", m.UID, m)
		}
	}
	return out
}

func vanished(t *testing.T, b store.Backend, mailboxID int64, modseq uint64, within []store.UIDRange) []uint32 {
	t.Helper()
	got, err := b.Vanished(ctx, mailboxID, modseq, within)
	if err != nil {
		t.Fatalf("Vanished(%d, %v): %v", modseq, within, err)
	}
	return got
}

// testChangedSince: exactly the messages whose MODSEQ is above the given
// one, in UID order, whichever way (UID ranges or MODSEQ index) the
// backend finds them (RFC 7162 §3.1.4.1).
func testChangedSince(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	appendN(t, b, inbox.ID, 1, 20)
	base := mailbox(t, b, u.ID, "INBOX").HighestModSeq
	equal(t, "nothing changed", changedSince(t, b, inbox.ID, base, nil), []changed{})

	// Changed out of UID order: 15, then 3, then 7.
	for _, c := range []struct {
		uid  uint32
		flag string
	}{{15, store.FlagSeen}, {3, "Work"}, {7, store.FlagFlagged}} {
		if _, _, err := b.StoreFlags(ctx, inbox.ID, uids(c.uid), store.FlagsAdd, []string{c.flag}, 0); err != nil {
			t.Fatal(err)
		}
	}
	equal(t, "since base", changedSince(t, b, inbox.ID, base, nil), []changed{
		{3, base + 2, []string{"Work"}}, {7, base + 3, []string{store.FlagFlagged}}, {15, base + 1, []string{store.FlagSeen}},
	})
	equal(t, "since base+1", changedSince(t, b, inbox.ID, base+1, nil), []changed{
		{3, base + 2, []string{"Work"}}, {7, base + 3, []string{store.FlagFlagged}},
	})
	equal(t, "since highest", changedSince(t, b, inbox.ID, base+3, nil), []changed{})
	equal(t, "since beyond highest", changedSince(t, b, inbox.ID, base+100, nil), []changed{})
	equal(t, "within 1:5,10:20", changedSince(t, b, inbox.ID, base, ranges(1, 5, 10, 20)), []changed{
		{3, base + 2, []string{"Work"}}, {15, base + 1, []string{store.FlagSeen}},
	})
	equal(t, "within nothing", changedSince(t, b, inbox.ID, base, []store.UIDRange{}), []changed{})
	// Since 0 every message counts as changed: a narrow range is then
	// cheaper to walk than the MODSEQ index, and gives the same answer.
	equal(t, "since 0 within 3,19:20", changedSince(t, b, inbox.ID, 0, ranges(3, 3, 19, 20)), []changed{
		{3, base + 2, []string{"Work"}}, {19, base - 1, []string{}}, {20, base, []string{}},
	})
	all := changedSince(t, b, inbox.ID, 0, nil)
	equal(t, "since 0: every UID", len(all), 20)

	// Expunged messages are no longer reported as changed; a new message is.
	if _, _, err := b.StoreFlags(ctx, inbox.ID, uids(3), store.FlagsAdd, []string{store.FlagDeleted}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Expunge(ctx, inbox.ID, uids(3)); err != nil {
		t.Fatal(err)
	}
	appendN(t, b, inbox.ID, 21, 1)
	equal(t, "after expunge and append", changedSince(t, b, inbox.ID, base, nil), []changed{
		{7, base + 3, []string{store.FlagFlagged}}, {15, base + 1, []string{store.FlagSeen}}, {21, base + 6, []string{}},
	})

	other := mailbox(t, b, u.ID, "Archive")
	equal(t, "other mailbox", changedSince(t, b, other.ID, 0, nil), []changed{})
	if err := b.DeleteMailbox(ctx, u.ID, "Archive"); err != nil {
		t.Fatal(err)
	}
	_, err := b.ChangedSince(ctx, other.ID, 0, nil)
	wantErr(t, "deleted mailbox", err, store.ErrNoMailbox)
}

// testVanished: every expunged UID is remembered with the MODSEQ of its
// expunge, whether by EXPUNGE or MOVE (RFC 7162 §3.2.5, §3.2.6).
func testVanished(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	archive := mailbox(t, b, u.ID, "Archive")
	appendN(t, b, inbox.ID, 1, 30)
	base := mailbox(t, b, u.ID, "INBOX").HighestModSeq
	equal(t, "nothing expunged", vanished(t, b, inbox.ID, 0, nil), []uint32{})

	expunge := func(us ...uint32) {
		t.Helper()
		if _, _, err := b.StoreFlags(ctx, inbox.ID, us, store.FlagsAdd, []string{store.FlagDeleted}, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Expunge(ctx, inbox.ID, us); err != nil {
			t.Fatal(err)
		}
	}
	expunge(20, 4)                                                             // \Deleted at base+1,+2; expunged at base+3 (4), base+4 (20)
	expunge(5)                                                                 // base+5, base+6
	mid := base + 6                                                            // after these three
	expunge(28, 29)                                                            // base+7..+10
	if _, err := b.Move(ctx, inbox.ID, uids(10, 11), archive.ID); err != nil { // base+11, base+12
		t.Fatal(err)
	}
	equal(t, "since base", vanished(t, b, inbox.ID, base, nil), uids(4, 5, 10, 11, 20, 28, 29))
	equal(t, "since base+3", vanished(t, b, inbox.ID, base+3, nil), uids(5, 10, 11, 20, 28, 29))
	equal(t, "since mid", vanished(t, b, inbox.ID, mid, nil), uids(10, 11, 28, 29))
	equal(t, "since highest", vanished(t, b, inbox.ID, base+12, nil), []uint32{})
	equal(t, "within 1:10,29:4294967295", vanished(t, b, inbox.ID, base, ranges(1, 10, 29, 4294967295)),
		uids(4, 5, 10, 29))
	// Narrow ranges since 0: the UID-range way, same answer.
	equal(t, "since 0 within 4:5,11", vanished(t, b, inbox.ID, 0, ranges(4, 5, 11, 11)), uids(4, 5, 11))
	equal(t, "within nothing", vanished(t, b, inbox.ID, 0, []store.UIDRange{}), []uint32{})
	equal(t, "destination keeps its own", vanished(t, b, archive.ID, 0, nil), []uint32{})
	equal(t, "remaining", len(messages(t, b, inbox.ID, uidRange(1, 30))), 23)

	if err := b.DeleteMailbox(ctx, u.ID, "Archive"); err != nil {
		t.Fatal(err)
	}
	_, err := b.Vanished(ctx, archive.ID, 0, nil)
	wantErr(t, "deleted mailbox", err, store.ErrNoMailbox)
}

// ranges makes UID ranges from first, last pairs.
func ranges(bounds ...uint32) []store.UIDRange {
	out := []store.UIDRange{}
	for i := 0; i+1 < len(bounds); i += 2 {
		out = append(out, store.UIDRange{First: bounds[i], Last: bounds[i+1]})
	}
	return out
}
