package storetest

import (
	"context"
	"errors"
	"testing"

	"roost/internal/store"
)

// Conformance of store.Sharer (store/acl.go): ACLs, the shared account,
// and per-user \Seen for readers named with store.WithViewer.

func sharer(t *testing.T, b store.Backend) store.Sharer {
	t.Helper()
	sh, ok := b.(store.Sharer)
	if !ok {
		t.Fatalf("%T does not implement store.Sharer", b)
	}
	return sh
}

func testACL(t *testing.T, b store.Backend) {
	sh := sharer(t, b)
	alice, bob := newUser(t, b, "alice"), newUser(t, b, "bob")
	newUser(t, b, "carol")
	inbox := mailbox(t, b, alice.ID, "INBOX")
	acl, err := sh.ACL(ctx, inbox.ID)
	equal(t, "ACL of a new mailbox", acl, []store.ACLEntry(nil))
	wantErr(t, "ACL", err, nil)
	for _, e := range []store.ACLEntry{
		{Identifier: "carol", Rights: "rl"},
		{Identifier: "bob", Rights: "lrsw"},
		{Identifier: store.Anyone, Rights: "l"},
		{Identifier: "carol", Negative: true, Rights: "l"},
	} {
		wantErr(t, "SetACL", sh.SetACL(ctx, inbox.ID, e), nil)
	}
	wantErr(t, "SetACL of an unknown user", sh.SetACL(ctx, inbox.ID, store.ACLEntry{Identifier: "nobody", Rights: "l"}), store.ErrNoUser)
	acl, _ = sh.ACL(ctx, inbox.ID)
	equal(t, "ACL", acl, []store.ACLEntry{
		{Identifier: store.Anyone, Rights: "l"},
		{Identifier: "bob", Rights: "lrsw"},
		{Identifier: "carol", Rights: "lr"},
		{Identifier: "carol", Negative: true, Rights: "l"},
	})
	equal(t, "EffectiveRights(carol)", store.EffectiveRights(acl, "carol"), "r")
	equal(t, "EffectiveRights(bob)", store.EffectiveRights(acl, "bob"), "lrsw")
	equal(t, "EffectiveRights(dave)", store.EffectiveRights(acl, "dave"), "l")

	// Empty rights remove the entry.
	wantErr(t, "SetACL", sh.SetACL(ctx, inbox.ID, store.ACLEntry{Identifier: "carol"}), nil)
	acl, _ = sh.ACL(ctx, inbox.ID)
	equal(t, "entries after removal", len(acl), 3)

	shared, err := sh.SharedWith(ctx, bob.ID)
	wantErr(t, "SharedWith", err, nil)
	equal(t, "SharedWith(bob)", len(shared), 1)
	equal(t, "SharedWith(bob) owner", shared[0].Owner, "alice")
	equal(t, "SharedWith(bob) mailbox", shared[0].Name, "INBOX")
	shared, _ = sh.SharedWith(ctx, alice.ID)
	equal(t, "SharedWith(owner)", len(shared), 0)

	// RENAME keeps the ACL; deleting the grantee removes their entries.
	sent := mailbox(t, b, alice.ID, "Sent")
	wantErr(t, "SetACL", sh.SetACL(ctx, sent.ID, store.ACLEntry{Identifier: "bob", Rights: "lr"}), nil)
	wantErr(t, "RenameMailbox", b.RenameMailbox(ctx, alice.ID, "Sent", "Sent2"), nil)
	acl, _ = sh.ACL(ctx, sent.ID)
	equal(t, "ACL after rename", acl, []store.ACLEntry{{Identifier: "bob", Rights: "lr"}})
	wantErr(t, "DeleteUser", b.DeleteUser(ctx, "bob"), nil)
	acl, _ = sh.ACL(ctx, sent.ID)
	equal(t, "ACL after the grantee is deleted", acl, []store.ACLEntry(nil))
	newUser(t, b, "bob")
	acl, _ = sh.ACL(ctx, inbox.ID)
	equal(t, "a new bob inherits nothing", acl, []store.ACLEntry{
		{Identifier: store.Anyone, Rights: "l"}, {Identifier: "carol", Negative: true, Rights: "l"}})
}

func testSharedAccount(t *testing.T, b store.Backend) {
	sh := sharer(t, b)
	newUser(t, b, "alice")
	_, err := sh.SharedAccount(ctx, false)
	wantErr(t, "SharedAccount before creation", err, store.ErrNoSharedAccount)
	u, err := sh.SharedAccount(ctx, true)
	wantErr(t, "SharedAccount(create)", err, nil)
	again, _ := sh.SharedAccount(ctx, true)
	equal(t, "SharedAccount is one account", again.ID, u.ID)
	equal(t, "its name", u.Name, store.SharedAccountName)
	equal(t, "it has no mailboxes", listNames(t, b, u.ID), []string(nil))
	// It is not a login and not listed.
	if _, err := b.User(ctx, store.SharedAccountName); !errors.Is(err, store.ErrNoUser) {
		t.Fatalf("User(shared account): %v", err)
	}
	users, _ := b.Users(ctx)
	equal(t, "Users", len(users), 1)
	team := createMailbox(t, b, u.ID, "support")
	wantErr(t, "SetACL", sh.SetACL(ctx, team.ID, store.ACLEntry{Identifier: "alice", Rights: "lr"}), nil)
	wantErr(t, "SetACL naming the shared account", sh.SetACL(ctx, team.ID, store.ACLEntry{Identifier: store.SharedAccountName, Rights: "lr"}), store.ErrNoUser)
	shared, _ := sh.SharedWith(ctx, users[0].ID)
	equal(t, "SharedWith owner", shared[0].Owner, store.SharedAccountName)
}

func testPerUserSeen(t *testing.T, b store.Backend) {
	alice, bob := newUser(t, b, "alice"), newUser(t, b, "bob")
	carol := newUser(t, b, "carol")
	inbox := mailbox(t, b, alice.ID, "INBOX")
	uids := appendN(t, b, inbox.ID, 1, 3)
	asBob, asCarol, asAlice := store.WithViewer(ctx, bob.ID), store.WithViewer(ctx, carol.ID), store.WithViewer(ctx, alice.ID)
	w := b.Watch(inbox.ID)
	defer w.Close()

	up, _, err := b.StoreFlags(asBob, inbox.ID, uids[:2], store.FlagsAdd, []string{store.FlagSeen, store.FlagFlagged}, 0)
	wantErr(t, "StoreFlags as bob", err, nil)
	equal(t, "bob's updates", len(up), 2)
	equal(t, "bob's flags", up[0].Flags, []string{store.FlagSeen, store.FlagFlagged})
	cs := w.Drain()
	equal(t, "changes", len(cs), 2)
	equal(t, "shared change (\\Flagged) is for everyone", cs[0].UserID, int64(0))
	equal(t, "its flags are the owner's", cs[0].Flags, []string{store.FlagFlagged})
	equal(t, "SeenBy", cs[0].SeenBy, []int64{bob.ID})

	flags := func(c context.Context, what string) [][]string {
		msgs, err := b.Messages(c, inbox.ID, uids, store.FetchOptions{})
		wantErr(t, what, err, nil)
		return flagsOf(msgs)
	}
	equal(t, "bob sees", flags(asBob, "Messages as bob"), [][]string{{store.FlagSeen, store.FlagFlagged}, {store.FlagSeen, store.FlagFlagged}, {}})
	equal(t, "carol sees", flags(asCarol, "Messages as carol"), [][]string{{store.FlagFlagged}, {store.FlagFlagged}, {}})
	equal(t, "alice sees", flags(asAlice, "Messages as alice"), [][]string{{store.FlagFlagged}, {store.FlagFlagged}, {}})
	equal(t, "no viewer sees the owner's", flags(ctx, "Messages"), [][]string{{store.FlagFlagged}, {store.FlagFlagged}, {}})

	st, _ := b.Status(asBob, inbox.ID)
	equal(t, "bob's unseen", st.Unseen, uint32(1))
	st, _ = b.Status(asCarol, inbox.ID)
	equal(t, "carol's unseen", st.Unseen, uint32(3))
	snap, _ := b.Select(asBob, inbox.ID)
	equal(t, "bob's snapshot unseen", [2]uint32{snap.Status.Unseen, snap.FirstUnseen}, [2]uint32{1, uids[2]})

	// A \Seen-only change is bob's alone, and CHANGEDSINCE shows it to him.
	before := snap.Mailbox.HighestModSeq
	up, _, _ = b.StoreFlags(asBob, inbox.ID, uids[:1], store.FlagsRemove, []string{store.FlagSeen}, 0)
	cs = w.Drain()
	equal(t, "seen-only change", [2]int64{int64(len(cs)), cs[0].UserID}, [2]int64{1, bob.ID})
	ch, err := b.ChangedSince(asBob, inbox.ID, before, nil)
	wantErr(t, "ChangedSince as bob", err, nil)
	equal(t, "bob's changes", [][]string{ch[0].Flags}, [][]string{{store.FlagFlagged}})
	equal(t, "its MODSEQ", ch[0].ModSeq, up[0].ModSeq)
	ch, _ = b.ChangedSince(asCarol, inbox.ID, before, nil)
	equal(t, "carol sees no change", len(ch), 0)

	// UNCHANGEDSINCE counts the viewer's own \Seen MODSEQ.
	_, failed, _ := b.StoreFlags(asBob, inbox.ID, uids[:1], store.FlagsAdd, []string{store.FlagSeen}, before)
	equal(t, "UNCHANGEDSINCE as bob", failed, uids[:1])

	// FLAGS (replace) by bob never touches the owner's \Seen.
	_, _, _ = b.StoreFlags(asAlice, inbox.ID, uids[2:], store.FlagsAdd, []string{store.FlagSeen}, 0)
	_, _, _ = b.StoreFlags(asBob, inbox.ID, uids[2:], store.FlagsSet, []string{"$Done"}, 0)
	equal(t, "alice keeps her \\Seen", flags(asAlice, "Messages as alice")[2], []string{store.FlagSeen, "$Done"})
	equal(t, "bob has not seen it", flags(asBob, "Messages as bob")[2], []string{"$Done"})

	// Append and copy with \Seen by bob mark it seen for bob only.
	_, newUIDs, err := b.Append(asBob, inbox.ID, []store.AppendMessage{{Staged: stage(t, b, Message(9)), Flags: []string{store.FlagSeen}}})
	wantErr(t, "Append as bob", err, nil)
	msgs, _ := b.Messages(asBob, inbox.ID, newUIDs, store.FetchOptions{})
	equal(t, "appended, bob", msgs[0].Flags, []string{store.FlagSeen})
	msgs, _ = b.Messages(asAlice, inbox.ID, newUIDs, store.FetchOptions{})
	equal(t, "appended, alice", msgs[0].Flags, []string{})
	bobInbox := mailbox(t, b, bob.ID, "INBOX")
	res, err := b.Copy(asBob, inbox.ID, newUIDs, bobInbox.ID)
	wantErr(t, "Copy as bob", err, nil)
	msgs, _ = b.Messages(asBob, bobInbox.ID, res.DstUIDs, store.FetchOptions{})
	equal(t, "copied into bob's own mailbox keeps bob's \\Seen", msgs[0].Flags, []string{store.FlagSeen})
}
