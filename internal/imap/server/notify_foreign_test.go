package server

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"roost/internal/store"
	"roost/internal/store/sqlite"
)

// appendTo stores msgA straight through the store into mailbox mb (of any
// account), as a delivery or another user's APPEND would.
func (ts *testServer) appendTo(t *testing.T, mb *store.Mailbox) uint32 {
	t.Helper()
	ctx := context.Background()
	staged, err := ts.store.Stage(ctx, strings.NewReader(msgA), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	_, uids, err := ts.store.Append(ctx, mb.ID, []store.AppendMessage{{Staged: staged}})
	if err != nil {
		t.Fatal(err)
	}
	return uids[0]
}

// foreignStatus is the STATUS line NOTIFY sends for a mailbox of another
// account, named as the client sees it.
func foreignStatus(name string, mb *store.Mailbox, messages, uidNext int, extra string) string {
	return fmt.Sprintf(`* STATUS "%s" (MESSAGES %d UIDNEXT %d UIDVALIDITY %d%s)`, name, messages, uidNext, mb.UIDValidity, extra)
}

// TestNotifyOtherAccounts: NOTIFY reports message events in other users'
// mailboxes and team mailboxes the user may read ("l" and "r"), through
// SUBTREE and MAILBOXES (not PERSONAL, RFC 5465 §6.2); a covered mailbox
// the user may list but not read is answered \NoAccess (§3.1), one the
// user may not list is never mentioned; losing and gaining rights later
// stops and starts the events (§5.9).
func TestNotifyOtherAccounts(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t, nil)
	ts.addUser(t, "bob")
	ts.addUser(t, "carol")
	inbox, archive, drafts := ts.mailbox(t, "INBOX"), ts.mailbox(t, "Archive"), ts.mailbox(t, "Drafts")
	shared, err := ts.store.SharedAccount(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	support, err := ts.store.CreateMailbox(ctx, shared.ID, "support", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct {
		mb     *store.Mailbox
		rights string
	}{{inbox, "lr"}, {archive, "l"}, {support, "lrs"}} {
		if err := ts.store.SetACL(ctx, g.mb.ID, store.ACLEntry{Identifier: "bob", Rights: g.rights}); err != nil {
			t.Fatal(err)
		}
	}
	const aliceInbox, aliceArchive, aliceDrafts = "Other Users/alice/INBOX", "Other Users/alice/Archive", "Other Users/alice/Drafts"
	alice := ts.aclLoginAs(t, harnessUser)
	bob := ts.aclLoginAs(t, "bob")
	carol := ts.aclLoginAs(t, "carol")

	modseq := func(mb *store.Mailbox) string {
		st, err := ts.store.Status(ctx, mb.ID)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf(" HIGHESTMODSEQ %d", st.HighestModSeq)
	}
	bob.want(`NOTIFY SET STATUS (subtree "Other Users" (MessageNew MessageExpunge)) (mailboxes "Shared/support" (MessageNew MessageExpunge FlagChange))`,
		"OK NOTIFY completed.",
		`* LIST (\NoAccess) "/" "`+aliceArchive+`"`,
		foreignStatus(aliceInbox, inbox, 0, 1, ""),
		foreignStatus("Shared/support", support, 0, 1, " UNSEEN 0"+modseq(support)))
	carol.want(`NOTIFY SET STATUS (subtree ("Other Users" Shared) (MessageNew MessageExpunge FlagChange))`, "OK NOTIFY completed.")

	uid := ts.appendTo(t, inbox)
	bob.wantLine(foreignStatus(aliceInbox, inbox, 1, 2, ""))
	ts.appendTo(t, archive) // "l" without "r": nothing
	ts.appendTo(t, drafts)  // no "l": nothing
	sup := ts.appendTo(t, support)
	bob.wantLine(foreignStatus("Shared/support", support, 1, 2, " UNSEEN 1"))
	// bob's own \Seen in the team mailbox is his FlagChange.
	if _, _, err := ts.store.StoreFlags(store.WithViewer(ctx, bobID(t, ts)), support.ID, []uint32{sup}, store.FlagsAdd, []string{store.FlagSeen}, 0); err != nil {
		t.Fatal(err)
	}
	bob.wantLine(foreignStatus("Shared/support", support, 1, 2, " UNSEEN 0"))
	ts.expunge(t, "INBOX", uid)
	bob.wantLine(foreignStatus(aliceInbox, inbox, 0, 2, ""))
	bob.quiet()
	carol.quiet()

	// PERSONAL is the user's own namespace only.
	bob.want("NOTIFY SET (personal (MessageNew MessageExpunge))", "OK NOTIFY completed.")
	ts.appendTo(t, inbox)
	bob.quiet()

	// Rights taken away and given: the events follow at once.
	bob.want(`NOTIFY SET (subtree "Other Users" (MessageNew MessageExpunge))`, "OK NOTIFY completed.", `* LIST (\NoAccess) "/" "`+aliceArchive+`"`)
	alice.ok("DELETEACL INBOX bob")
	ts.appendTo(t, inbox)
	alice.ok("SETACL Drafts bob lr")
	ts.appendTo(t, drafts)
	bob.wantLine(foreignStatus(aliceDrafts, drafts, 2, 3, ""))
	bob.quiet()
	// "anyone" counts too, also for carol.
	alice.ok("SETACL Archive anyone lr")
	ts.appendTo(t, archive)
	bob.wantLine(foreignStatus(aliceArchive, archive, 2, 3, ""))
	carol.wantLine(foreignStatus(aliceArchive, archive, 2, 3, " UNSEEN 2"))
	bob.quiet()
	carol.quiet()
}

func bobID(t *testing.T, ts *testServer) int64 {
	t.Helper()
	u, err := ts.store.User(context.Background(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestNotifyLookupRightIsMailboxName: gaining or losing the "l" right on a
// mailbox of another account is its creation or deletion for MailboxName
// (RFC 5465 §5.4); a name outside the groups is not mentioned.
func TestNotifyLookupRightIsMailboxName(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "bob")
	alice, bob := ts.aclLoginAs(t, harnessUser), ts.aclLoginAs(t, "bob")
	bob.want(`NOTIFY SET (subtree "Other Users/alice" (MailboxName))`, "OK NOTIFY completed.")
	alice.ok("SETACL Junk bob lr")
	bob.wantLine(`* LIST () "/" "Other Users/alice/Junk"`)
	alice.ok("SETACL Junk bob -l")
	bob.wantLine(`* LIST (\NonExistent) "/" "Other Users/alice/Junk"`)
	alice.ok("SETACL Junk bob +r") // still no "l": nothing to tell
	bob.quiet()
	bob.want(`NOTIFY SET (personal (MailboxName))`, "OK NOTIFY completed.")
	alice.ok("SETACL Sent bob l")
	bob.quiet()
}

// TestNotifyRightsRevokedElsewhere: an ACL change this process does not
// hear of (made by another process through the store's files) still stops
// the events: rights are read again before another account's mailbox is
// reported on.
func TestNotifyRightsRevokedElsewhere(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t, nil)
	ts.addUser(t, "bob")
	inbox := ts.mailbox(t, "INBOX")
	if err := ts.store.SetACL(ctx, inbox.ID, store.ACLEntry{Identifier: "bob", Rights: "lr"}); err != nil {
		t.Fatal(err)
	}
	bob := ts.aclLoginAs(t, "bob")
	bob.want(`NOTIFY SET (subtree "Other Users" (MessageNew MessageExpunge))`, "OK NOTIFY completed.")
	ts.appendTo(t, inbox)
	bob.wantLine(foreignStatus("Other Users/alice/INBOX", inbox, 1, 2, ""))
	// A second store on the same files stands for the other process.
	other, err := sqlite.Open(ts.dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.SetACL(ctx, inbox.ID, store.ACLEntry{Identifier: "bob"}); err != nil {
		t.Fatal(err)
	}
	ts.appendTo(t, inbox)
	bob.quiet()
}
