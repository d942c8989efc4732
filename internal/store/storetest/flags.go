package storetest

import (
	"io"
	"testing"

	"roost/internal/store"
)

func testStoreFlags(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	appendN(t, b, inbox.ID, 1, 3)
	base := inbox.HighestModSeq + 3

	updated, failed, err := b.StoreFlags(ctx, inbox.ID, uids(1, 2, 9), store.FlagsAdd, []string{store.FlagSeen, "Work"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "updated (add)", updated, []store.FlagUpdate{
		{UID: 1, Flags: []string{store.FlagSeen, "Work"}, ModSeq: base + 1},
		{UID: 2, Flags: []string{store.FlagSeen, "Work"}, ModSeq: base + 2},
	})
	equal(t, "failed", failed, []uint32(nil))

	// No change, no update, no new MODSEQ.
	updated, _, err = b.StoreFlags(ctx, inbox.ID, uids(1, 2), store.FlagsAdd, []string{`\seen`}, 0)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "updated (no-op)", updated, []store.FlagUpdate{})
	equal(t, "HIGHESTMODSEQ after no-op", mailbox(t, b, u.ID, "INBOX").HighestModSeq, base+2)

	updated, _, err = b.StoreFlags(ctx, inbox.ID, uids(1, 2, 3), store.FlagsRemove, []string{"work", store.FlagFlagged}, 0)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "updated (remove)", updated, []store.FlagUpdate{
		{UID: 1, Flags: []string{store.FlagSeen}, ModSeq: base + 3},
		{UID: 2, Flags: []string{store.FlagSeen}, ModSeq: base + 4},
	})

	updated, _, err = b.StoreFlags(ctx, inbox.ID, uids(1, 3), store.FlagsSet, []string{store.FlagDraft, store.FlagAnswered}, 0)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "updated (set)", updated, []store.FlagUpdate{
		{UID: 1, Flags: []string{store.FlagAnswered, store.FlagDraft}, ModSeq: base + 5},
		{UID: 3, Flags: []string{store.FlagAnswered, store.FlagDraft}, ModSeq: base + 6},
	})
	msgs := messages(t, b, inbox.ID, uids(1, 2, 3))
	equal(t, "stored flags", flagsOf(msgs), [][]string{
		{store.FlagAnswered, store.FlagDraft}, {store.FlagSeen}, {store.FlagAnswered, store.FlagDraft},
	})
	equal(t, "MODSEQs", []uint64{msgs[0].ModSeq, msgs[1].ModSeq, msgs[2].ModSeq}, []uint64{base + 5, base + 4, base + 6})
	equal(t, "HIGHESTMODSEQ", mailbox(t, b, u.ID, "INBOX").HighestModSeq, base+6)

	updated, _, err = b.StoreFlags(ctx, inbox.ID, uids(1), store.FlagsSet, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "updated (set empty)", updated, []store.FlagUpdate{{UID: 1, Flags: []string{}, ModSeq: base + 7}})
}

func testStoreFlagsUnchangedSince(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	appendN(t, b, inbox.ID, 1, 3)
	base := inbox.HighestModSeq + 3 // UIDs 1..3 have MODSEQ base-2..base
	if _, _, err := b.StoreFlags(ctx, inbox.ID, uids(2), store.FlagsAdd, []string{store.FlagFlagged}, 0); err != nil {
		t.Fatal(err)
	}
	// UID 2 now has base+1. UNCHANGEDSINCE base lets 1 and 3 through.
	updated, failed, err := b.StoreFlags(ctx, inbox.ID, uids(1, 2, 3), store.FlagsAdd, []string{store.FlagSeen}, base)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "updated", updated, []store.FlagUpdate{
		{UID: 1, Flags: []string{store.FlagSeen}, ModSeq: base + 2},
		{UID: 3, Flags: []string{store.FlagSeen}, ModSeq: base + 3},
	})
	equal(t, "failed", failed, uids(2))
	equal(t, "flags of UID 2", messages(t, b, inbox.ID, uids(2))[0].Flags, []string{store.FlagFlagged})
}

func testKeywords(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	appendN(t, b, inbox.ID, 1, 1, "Foo")
	store1 := func(op store.FlagOp, flags ...string) []string {
		t.Helper()
		if _, _, err := b.StoreFlags(ctx, inbox.ID, uids(1), op, flags, 0); err != nil {
			t.Fatal(err)
		}
		return messages(t, b, inbox.ID, uids(1))[0].Flags
	}
	equal(t, "add FOO to Foo", store1(store.FlagsAdd, "FOO", "bar"), []string{"bar", "Foo"})
	equal(t, "set foo keeps Foo", store1(store.FlagsSet, "foo", "BAR", store.FlagSeen), []string{store.FlagSeen, "bar", "Foo"})
	equal(t, "remove fOO", store1(store.FlagsRemove, "fOO"), []string{store.FlagSeen, "bar"})
	equal(t, "remove \\SEEN", store1(store.FlagsRemove, `\SEEN`, "Bar"), []string{})
}

func testExpunge(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	appendN(t, b, inbox.ID, 1, 5)
	if _, _, err := b.StoreFlags(ctx, inbox.ID, uids(2, 3, 5), store.FlagsAdd, []string{store.FlagDeleted}, 0); err != nil {
		t.Fatal(err)
	}
	modseq := mailbox(t, b, u.ID, "INBOX").HighestModSeq
	w := b.Watch(inbox.ID)
	defer w.Close()

	// With UIDs: only those that have \Deleted.
	removed, err := b.Expunge(ctx, inbox.ID, uids(1, 3))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Expunge(1,3)", removed, uids(3))
	removed, err = b.Expunge(ctx, inbox.ID, []uint32{})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Expunge(no UIDs)", removed, []uint32{})
	removed, err = b.Expunge(ctx, inbox.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Expunge(all)", removed, uids(2, 5))
	equal(t, "changes", drain(t, w, 3), []store.Change{
		{Kind: store.MessageExpunged, MailboxID: inbox.ID, UID: 3, ModSeq: modseq + 1},
		{Kind: store.MessageExpunged, MailboxID: inbox.ID, UID: 2, ModSeq: modseq + 2},
		{Kind: store.MessageExpunged, MailboxID: inbox.ID, UID: 5, ModSeq: modseq + 3},
	})
	equal(t, "left", uidsOf(messages(t, b, inbox.ID, uidRange(1, 5))), uids(1, 4))
	equal(t, "HIGHESTMODSEQ", mailbox(t, b, u.ID, "INBOX").HighestModSeq, modseq+3)
	st, _ := b.Status(ctx, inbox.ID)
	equal(t, "Messages", st.Messages, uint32(2))
}

func testCopy(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	archive := mailbox(t, b, u.ID, "Archive")
	appendN(t, b, archive.ID, 100, 2) // the copies must get UIDs 3 and 4
	appendN(t, b, inbox.ID, 1, 3, store.FlagSeen, "Kw")
	src := messages(t, b, inbox.ID, uidRange(1, 3))
	w := b.Watch(archive.ID)
	defer w.Close()

	res, err := b.Copy(ctx, inbox.ID, uids(3, 1, 7), archive.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "CopyResult", *res, store.CopyResult{UIDValidity: archive.UIDValidity, SrcUIDs: uids(1, 3), DstUIDs: uids(3, 4)})
	copies := messages(t, b, archive.ID, uids(3, 4))
	for i, c := range copies {
		o := src[2*i]
		if c.BlobID != o.BlobID || c.Size != o.Size || !c.InternalDate.Equal(o.InternalDate) {
			t.Fatalf("copy %+v differs from original %+v", c, o)
		}
		equal(t, "copy flags", c.Flags, []string{store.FlagSeen, "Kw"})
	}
	archiveModSeq := archive.HighestModSeq + 2
	equal(t, "changes", drain(t, w, 2), []store.Change{
		{Kind: store.MessageAdded, MailboxID: archive.ID, UID: 3, Flags: []string{store.FlagSeen, "Kw"}, ModSeq: archiveModSeq + 1},
		{Kind: store.MessageAdded, MailboxID: archive.ID, UID: 4, Flags: []string{store.FlagSeen, "Kw"}, ModSeq: archiveModSeq + 2},
	})
	equal(t, "source untouched", uidsOf(messages(t, b, inbox.ID, uidRange(1, 3))), uids(1, 2, 3))

	// Copy into the same mailbox.
	res, err = b.Copy(ctx, inbox.ID, uids(2), inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "CopyResult (same mailbox)", *res, store.CopyResult{UIDValidity: inbox.UIDValidity, SrcUIDs: uids(2), DstUIDs: uids(4)})

	res, err = b.Copy(ctx, inbox.ID, uids(99), archive.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "CopyResult (nothing)", *res, store.CopyResult{UIDValidity: archive.UIDValidity})

	createMailbox(t, b, u.ID, "P/C")
	if err := b.DeleteMailbox(ctx, u.ID, "P"); err != nil {
		t.Fatal(err)
	}
	_, err = b.Copy(ctx, inbox.ID, uids(1), mailbox(t, b, u.ID, "P").ID)
	wantErr(t, "Copy(to noselect)", err, store.ErrNotSelectable)
	_, err = b.Copy(ctx, inbox.ID, uids(1), 987654)
	wantErr(t, "Copy(to unknown)", err, store.ErrNoMailbox)
}

func testMove(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	trash := mailbox(t, b, u.ID, "Trash")
	appendN(t, b, inbox.ID, 1, 3, store.FlagFlagged)
	inboxModSeq := inbox.HighestModSeq + 3
	blobs := messages(t, b, inbox.ID, uids(1, 3))
	wIn, wTrash := b.Watch(inbox.ID), b.Watch(trash.ID)
	defer wIn.Close()
	defer wTrash.Close()

	res, err := b.Move(ctx, inbox.ID, uids(1, 3), trash.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "CopyResult", *res, store.CopyResult{UIDValidity: trash.UIDValidity, SrcUIDs: uids(1, 3), DstUIDs: uids(1, 2)})
	equal(t, "source left", uidsOf(messages(t, b, inbox.ID, uidRange(1, 3))), uids(2))
	moved := messages(t, b, trash.ID, uids(1, 2))
	equal(t, "moved blobs", []string{moved[0].BlobID, moved[1].BlobID}, []string{blobs[0].BlobID, blobs[1].BlobID})
	equal(t, "moved flags", flagsOf(moved), [][]string{{store.FlagFlagged}, {store.FlagFlagged}})
	equal(t, "source changes", drain(t, wIn, 2), []store.Change{
		{Kind: store.MessageExpunged, MailboxID: inbox.ID, UID: 1, ModSeq: inboxModSeq + 1},
		{Kind: store.MessageExpunged, MailboxID: inbox.ID, UID: 3, ModSeq: inboxModSeq + 2},
	})
	equal(t, "destination changes", drain(t, wTrash, 2), []store.Change{
		{Kind: store.MessageAdded, MailboxID: trash.ID, UID: 1, Flags: []string{store.FlagFlagged}, ModSeq: trash.HighestModSeq + 1},
		{Kind: store.MessageAdded, MailboxID: trash.ID, UID: 2, Flags: []string{store.FlagFlagged}, ModSeq: trash.HighestModSeq + 2},
	})
	// The moved messages' content outlives the source rows.
	blob, err := b.OpenBlob(ctx, moved[0].BlobID)
	if err != nil {
		t.Fatalf("OpenBlob of moved message: %v", err)
	}
	blob.Close()
}

func testBlobsCollected(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	archive := mailbox(t, b, u.ID, "Archive")
	appendN(t, b, inbox.ID, 1, 1, store.FlagDeleted)
	id := blobID(Message(1))
	if _, err := b.Copy(ctx, inbox.ID, uids(1), archive.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Expunge(ctx, inbox.ID, nil); err != nil {
		t.Fatal(err)
	}
	readAll := func() (string, error) {
		blob, err := b.OpenBlob(ctx, id)
		if err != nil {
			return "", err
		}
		defer blob.Close()
		c, err := io.ReadAll(io.NewSectionReader(blob, 0, blob.Size()))
		return string(c), err
	}
	if c, err := readAll(); err != nil || c != Message(1) {
		t.Fatalf("blob still referenced by the copy: %q, %v", c, err)
	}
	if _, err := b.Expunge(ctx, archive.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(); err == nil {
		t.Fatal("blob of an expunged message with no other reference still readable")
	}
	// Deleting a mailbox collects its messages' blobs too.
	appendN(t, b, createMailbox(t, b, u.ID, "Tmp").ID, 2, 1)
	if err := b.DeleteMailbox(ctx, u.ID, "Tmp"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.OpenBlob(ctx, blobID(Message(2))); err == nil {
		t.Fatal("blob of a deleted mailbox's message still readable")
	}
	// The same content can be appended again afterwards.
	got := appendN(t, b, inbox.ID, 1, 1)
	if c, err := readAll(); err != nil || c != Message(1) {
		t.Fatalf("re-appended content: %q, %v (UIDs %v)", c, err, got)
	}
}

func testDeletedMailboxErrors(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	mb := createMailbox(t, b, u.ID, "Gone")
	appendN(t, b, mb.ID, 1, 1)
	if err := b.DeleteMailbox(ctx, u.ID, "Gone"); err != nil {
		t.Fatal(err)
	}
	_, err := b.Status(ctx, mb.ID)
	wantErr(t, "Status", err, store.ErrNoMailbox)
	_, err = b.Messages(ctx, mb.ID, uids(1), store.FetchOptions{})
	wantErr(t, "Messages", err, store.ErrNoMailbox)
	_, _, err = b.StoreFlags(ctx, mb.ID, uids(1), store.FlagsAdd, []string{store.FlagSeen}, 0)
	wantErr(t, "StoreFlags", err, store.ErrNoMailbox)
	_, err = b.Expunge(ctx, mb.ID, nil)
	wantErr(t, "Expunge", err, store.ErrNoMailbox)
	_, _, err = b.Append(ctx, mb.ID, []store.AppendMessage{{Staged: stage(t, b, Message(2))}})
	wantErr(t, "Append", err, store.ErrNoMailbox)
	_, err = b.Move(ctx, mb.ID, uids(1), mailbox(t, b, u.ID, "INBOX").ID)
	wantErr(t, "Move", err, store.ErrNoMailbox)
}
