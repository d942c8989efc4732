package storetest

import (
	"errors"
	"testing"

	"roost/internal/store"
)

func testUsers(t *testing.T, b store.Backend) {
	bob := newUser(t, b, "bob")
	alice := newUser(t, b, "alice")
	if alice.ID == bob.ID || alice.ID == 0 || alice.Name != "alice" || alice.PasswordHash != "hash-of-alice" {
		t.Fatalf("CreateUser returned %+v (bob %+v)", alice, bob)
	}
	_, err := b.CreateUser(ctx, "alice", "x")
	wantErr(t, "CreateUser(duplicate)", err, store.ErrUserExists)
	// Every backend applies the one rule for new names: "bad/name" would
	// read as bad's mailbox name/... under "Other Users/".
	for _, name := range []string{"bad/name", "", "a b", "ctl\x01", store.SharedAccountName} {
		_, err := b.CreateUser(ctx, name, "x")
		wantErr(t, "CreateUser("+name+")", err, store.ErrInvalidUserName)
	}
	if _, err := b.User(ctx, "bad/name"); !errors.Is(err, store.ErrNoUser) {
		t.Fatalf("User(bad/name) after a refused CreateUser: %v", err)
	}

	u, err := b.User(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "User(alice)", *u, *alice)
	_, err = b.User(ctx, "carol")
	wantErr(t, "User(unknown)", err, store.ErrNoUser)

	if err := b.SetPassword(ctx, "alice", "new-hash"); err != nil {
		t.Fatal(err)
	}
	u, _ = b.User(ctx, "alice")
	equal(t, "hash after SetPassword", u.PasswordHash, "new-hash")
	wantErr(t, "SetPassword(unknown)", b.SetPassword(ctx, "carol", "h"), store.ErrNoUser)

	all, err := b.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Users names", []string{all[0].Name, all[1].Name}, []string{"alice", "bob"})
	equal(t, "len(Users)", len(all), 2)

	inbox := mailbox(t, b, bob.ID, "INBOX")
	appendN(t, b, inbox.ID, 1, 2)
	if err := b.DeleteUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	_, err = b.User(ctx, "bob")
	wantErr(t, "User(deleted)", err, store.ErrNoUser)
	equal(t, "mailboxes of deleted user", listNames(t, b, bob.ID), []string{})
	_, err = b.Select(ctx, inbox.ID)
	wantErr(t, "Select(mailbox of deleted user)", err, store.ErrNoMailbox)
	wantErr(t, "DeleteUser(unknown)", b.DeleteUser(ctx, "bob"), store.ErrNoUser)
	equal(t, "alice's mailboxes", len(listNames(t, b, alice.ID)), len(store.DefaultMailboxes))

	// A deleted account's IDs are never handed out again.
	carol := newUser(t, b, "carol")
	if carol.ID == bob.ID || mailbox(t, b, carol.ID, "INBOX").ID == inbox.ID {
		t.Fatalf("new user %+v reuses the IDs of deleted bob %+v", carol, bob)
	}
}

func testDefaultMailboxes(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	mbs, err := b.Mailboxes(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "names", names(mbs), []string{"INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"})
	use := map[string]string{}
	validity := map[uint32]bool{}
	for _, mb := range mbs {
		use[mb.Name] = mb.SpecialUse
		if mb.UIDNext != 1 || mb.NoSelect || mb.UserID != u.ID || mb.UIDValidity == 0 || validity[mb.UIDValidity] {
			t.Fatalf("new mailbox %+v: want UIDNext 1, selectable, unique non-zero UIDVALIDITY", mb)
		}
		validity[mb.UIDValidity] = true
	}
	equal(t, "special use", use, map[string]string{
		"INBOX": "", "Drafts": store.UseDrafts, "Sent": store.UseSent, "Trash": store.UseTrash,
		"Junk": store.UseJunk, "Archive": store.UseArchive,
	})
	mb := mailbox(t, b, u.ID, "Sent")
	equal(t, "Mailbox(Sent)", *mb, mbs[4])
}

func testCreateMailbox(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	mb, err := b.CreateMailbox(ctx, u.ID, "Work/2024/Q1", store.UseArchive)
	if err != nil {
		t.Fatal(err)
	}
	if mb.Name != "Work/2024/Q1" || mb.SpecialUse != store.UseArchive || mb.UIDNext != 1 || mb.NoSelect {
		t.Fatalf("CreateMailbox returned %+v", mb)
	}
	equal(t, "Mailbox(created)", *mailbox(t, b, u.ID, "Work/2024/Q1"), *mb)
	equal(t, "names", listNames(t, b, u.ID), []string{"INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash", "Work", "Work/2024", "Work/2024/Q1"})
	for _, parent := range []string{"Work", "Work/2024"} {
		p := mailbox(t, b, u.ID, parent)
		if p.NoSelect || p.SpecialUse != "" {
			t.Fatalf("parent %+v: want an ordinary mailbox", p)
		}
	}
	_, err = b.CreateMailbox(ctx, u.ID, "Work/2024", "")
	wantErr(t, "CreateMailbox(existing)", err, store.ErrMailboxExists)
	_, err = b.CreateMailbox(ctx, u.ID, "INBOX", "")
	wantErr(t, "CreateMailbox(INBOX)", err, store.ErrMailboxExists)
	_, err = b.Mailbox(ctx, u.ID, "Nope")
	wantErr(t, "Mailbox(missing)", err, store.ErrNoMailbox)

	// Mailboxes are per user.
	other := newUser(t, b, "bob")
	if _, err := b.CreateMailbox(ctx, other.ID, "Work", ""); err != nil {
		t.Fatalf("CreateMailbox(Work) for another user: %v", err)
	}
	_, err = b.Mailbox(ctx, other.ID, "Work/2024")
	wantErr(t, "other user's Mailbox(Work/2024)", err, store.ErrNoMailbox)
}

func testInvalidNames(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	for _, name := range []string{"", "/", "/a", "a/", "a//b", "a\x00b", "a\tb", "a\r\nb", "a\x7fb"} {
		_, err := b.CreateMailbox(ctx, u.ID, name, "")
		wantErr(t, "CreateMailbox("+name+")", err, store.ErrInvalidName)
		wantErr(t, "RenameMailbox(Archive, "+name+")", b.RenameMailbox(ctx, u.ID, "Archive", name), store.ErrInvalidName)
	}
	if _, err := b.CreateMailbox(ctx, u.ID, "Ünïcødé ✉", ""); err != nil {
		t.Fatalf("CreateMailbox(UTF-8 name): %v", err)
	}
}

func testDeleteMailbox(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	wantErr(t, "DeleteMailbox(INBOX)", b.DeleteMailbox(ctx, u.ID, "INBOX"), store.ErrInboxDelete)
	wantErr(t, "DeleteMailbox(missing)", b.DeleteMailbox(ctx, u.ID, "Nope"), store.ErrNoMailbox)

	old := createMailbox(t, b, u.ID, "Project")
	appendN(t, b, old.ID, 1, 3)
	if err := b.DeleteMailbox(ctx, u.ID, "Project"); err != nil {
		t.Fatal(err)
	}
	_, err := b.Mailbox(ctx, u.ID, "Project")
	wantErr(t, "Mailbox(deleted)", err, store.ErrNoMailbox)

	// Recreated: a new incarnation with a new UIDVALIDITY and no messages.
	again := createMailbox(t, b, u.ID, "Project")
	if again.UIDValidity == old.UIDValidity || again.ID == old.ID {
		t.Fatalf("recreated mailbox %+v reuses the identity of %+v", again, old)
	}
	snap, err := b.Select(ctx, again.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "recreated UIDs", snap.UIDs, []uint32{})
}

func testDeleteMailboxWithChildren(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	parent := createMailbox(t, b, u.ID, "A")
	createMailbox(t, b, u.ID, "A/B")
	appendN(t, b, parent.ID, 1, 2)
	if err := b.DeleteMailbox(ctx, u.ID, "A"); err != nil {
		t.Fatal(err)
	}
	mb := mailbox(t, b, u.ID, "A")
	if !mb.NoSelect || mb.ID != parent.ID {
		t.Fatalf("A after delete = %+v, want the same mailbox as \\Noselect", mb)
	}
	_, err := b.Select(ctx, mb.ID)
	wantErr(t, "Select(noselect)", err, store.ErrNotSelectable)
	_, err = b.Status(ctx, mb.ID)
	wantErr(t, "Status(noselect)", err, store.ErrNotSelectable)
	_, _, err = b.Append(ctx, mb.ID, []store.AppendMessage{{Staged: stage(t, b, Message(9))}})
	wantErr(t, "Append(noselect)", err, store.ErrNotSelectable)
	wantErr(t, "DeleteMailbox(noselect with children)", b.DeleteMailbox(ctx, u.ID, "A"), store.ErrHasChildren)

	// CREATE makes it a mailbox again, a new incarnation.
	again, err := b.CreateMailbox(ctx, u.ID, "A", "")
	if err != nil {
		t.Fatal(err)
	}
	if again.NoSelect || again.UIDValidity == parent.UIDValidity {
		t.Fatalf("recreated A = %+v, want selectable with a new UIDVALIDITY (old %d)", again, parent.UIDValidity)
	}
	snap, err := b.Select(ctx, again.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "UIDs of recreated A", snap.UIDs, []uint32{})

	// A \Noselect name without children goes away entirely.
	if err := b.DeleteMailbox(ctx, u.ID, "A"); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteMailbox(ctx, u.ID, "A/B"); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteMailbox(ctx, u.ID, "A"); err != nil {
		t.Fatalf("DeleteMailbox(childless noselect): %v", err)
	}
	_, err = b.Mailbox(ctx, u.ID, "A")
	wantErr(t, "Mailbox(A)", err, store.ErrNoMailbox)
}

func testRenameMailbox(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	a := createMailbox(t, b, u.ID, "A")
	createMailbox(t, b, u.ID, "A/Child")
	createMailbox(t, b, u.ID, "AB") // not a child of A: must not move
	appendN(t, b, a.ID, 1, 2)

	if err := b.RenameMailbox(ctx, u.ID, "A", "X/Y"); err != nil {
		t.Fatal(err)
	}
	equal(t, "names", listNames(t, b, u.ID), []string{"INBOX", "AB", "Archive", "Drafts", "Junk", "Sent", "Trash", "X", "X/Y", "X/Y/Child"})
	moved := mailbox(t, b, u.ID, "X/Y")
	if moved.ID != a.ID || moved.UIDValidity != a.UIDValidity || moved.UIDNext != 3 {
		t.Fatalf("renamed mailbox %+v, want id %d, UIDVALIDITY %d, UIDNext 3", moved, a.ID, a.UIDValidity)
	}
	equal(t, "messages after rename", uidsOf(messages(t, b, moved.ID, uids(1, 2))), uids(1, 2))

	wantErr(t, "Rename(missing)", b.RenameMailbox(ctx, u.ID, "A", "Z"), store.ErrNoMailbox)
	wantErr(t, "Rename(to existing)", b.RenameMailbox(ctx, u.ID, "X/Y", "AB"), store.ErrMailboxExists)
	wantErr(t, "Rename(to INBOX)", b.RenameMailbox(ctx, u.ID, "AB", "INBOX"), store.ErrMailboxExists)
	wantErr(t, "Rename(into own child)", b.RenameMailbox(ctx, u.ID, "X", "X/Y/Child/Deeper"), store.ErrInvalidName)
	wantErr(t, "Rename(to itself)", b.RenameMailbox(ctx, u.ID, "AB", "AB"), store.ErrMailboxExists)

	// The old name can be created again, as a new mailbox.
	newA := createMailbox(t, b, u.ID, "A")
	if newA.ID == a.ID || newA.UIDValidity == a.UIDValidity {
		t.Fatalf("new A %+v shares identity with renamed %+v", newA, a)
	}
}

func testRenameInbox(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	createMailbox(t, b, u.ID, "INBOX/Sub")
	appendN(t, b, inbox.ID, 1, 3, store.FlagSeen)
	if _, _, err := b.StoreFlags(ctx, inbox.ID, uids(2), store.FlagsAdd, []string{store.FlagFlagged}, 0); err != nil {
		t.Fatal(err)
	}
	before := messages(t, b, inbox.ID, uidRange(1, 3))

	if err := b.RenameMailbox(ctx, u.ID, "INBOX", "Old/Mail"); err != nil {
		t.Fatal(err)
	}
	after := mailbox(t, b, u.ID, "INBOX")
	if after.ID != inbox.ID || after.UIDValidity != inbox.UIDValidity || after.UIDNext != 4 {
		t.Fatalf("INBOX after rename = %+v, want same id/UIDVALIDITY and UIDNext 4", after)
	}
	snap, err := b.Select(ctx, inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "INBOX UIDs after rename", snap.UIDs, []uint32{})
	equal(t, "names", listNames(t, b, u.ID), []string{"INBOX", "Archive", "Drafts", "INBOX/Sub", "Junk", "Old", "Old/Mail", "Sent", "Trash"})

	old := mailbox(t, b, u.ID, "Old/Mail")
	got := messages(t, b, old.ID, uidRange(1, 3))
	equal(t, "moved UIDs", uidsOf(got), uids(1, 2, 3))
	equal(t, "moved flags", flagsOf(got), flagsOf(before))
	for i := range got {
		if got[i].BlobID != before[i].BlobID || !got[i].InternalDate.Equal(before[i].InternalDate) {
			t.Fatalf("moved message %d = %+v, was %+v", i, got[i], before[i])
		}
	}
	// Renaming INBOX into a child of itself is allowed: its children stay.
	appendN(t, b, inbox.ID, 10, 1)
	if err := b.RenameMailbox(ctx, u.ID, "INBOX", "INBOX/Old"); err != nil {
		t.Fatalf("RenameMailbox(INBOX, INBOX/Old): %v", err)
	}
	equal(t, "INBOX/Old UIDs", uidsOf(messages(t, b, mailbox(t, b, u.ID, "INBOX/Old").ID, uids(1))), uids(1))
}

func testSubscriptions(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	other := newUser(t, b, "bob")
	// A new account's default mailboxes are subscribed.
	subs, err := b.Subscriptions(ctx, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "a new account's subscriptions", subs, []string{"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"})
	for _, n := range []string{"INBOX", "Drafts", "Sent", "Trash", "Junk", "Archive"} {
		if err := b.Unsubscribe(ctx, u.ID, n); err != nil {
			t.Fatalf("Unsubscribe(%q): %v", n, err)
		}
	}
	for _, n := range []string{"Sent", "Does/Not/Exist", "Archive", "Sent"} {
		if err := b.Subscribe(ctx, u.ID, n); err != nil {
			t.Fatalf("Subscribe(%q): %v", n, err)
		}
	}
	subs, err = b.Subscriptions(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "subscriptions", subs, []string{"Archive", "Does/Not/Exist", "Sent"})
	if err := b.Unsubscribe(ctx, u.ID, "Sent"); err != nil {
		t.Fatal(err)
	}
	if err := b.Unsubscribe(ctx, u.ID, "Never"); err != nil {
		t.Fatalf("Unsubscribe(not subscribed): %v", err)
	}
	subs, _ = b.Subscriptions(ctx, u.ID)
	equal(t, "subscriptions after unsubscribe", subs, []string{"Archive", "Does/Not/Exist"})
	subs, _ = b.Subscriptions(ctx, other.ID)
	equal(t, "other user's subscriptions", subs, []string{"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"})
}
