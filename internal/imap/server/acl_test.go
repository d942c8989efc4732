package server

import (
	"context"
	"strings"
	"testing"

	"roost/internal/store"
)

// Sharing over the wire: alice (the harness user) owns mailboxes, bob and
// carol are granted rights with SETACL; team mailboxes live in the shared
// account. Every right is checked by its refusal and by its success.

const aclMsg = "From: a@example.com\r\nSubject: shared\r\n\r\nhello\r\n"

// aclLoginAs logs in as name and enables IMAP4rev2, so that the flag
// lists below carry no \Recent.
func (ts *testServer) aclLoginAs(t *testing.T, name string) *rawClient {
	t.Helper()
	c := ts.loginAs(t, name)
	c.ok("ENABLE IMAP4rev2")
	return c
}

func newACLServer(t *testing.T) (*testServer, *rawClient, *rawClient) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "bob")
	ts.addUser(t, "carol")
	return ts, ts.aclLoginAs(t, harnessUser), ts.aclLoginAs(t, "bob")
}

// teamMailbox creates the team mailbox Shared/name and grants each entry
// of grants (identifier → rights).
func (ts *testServer) teamMailbox(t *testing.T, name string, grants map[string]string) *store.Mailbox {
	t.Helper()
	ctx := context.Background()
	shared, err := ts.store.SharedAccount(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := ts.store.CreateMailbox(ctx, shared.ID, name, "")
	if err != nil {
		t.Fatal(err)
	}
	for id, rights := range grants {
		if err := ts.store.SetACL(ctx, mb.ID, store.ACLEntry{Identifier: id, Rights: rights}); err != nil {
			t.Fatal(err)
		}
	}
	return mb
}

func TestACLCapabilityAndNamespace(t *testing.T) {
	ts, alice, _ := newACLServer(t)
	_ = ts
	untagged, st := alice.do("CAPABILITY")
	if st != "OK CAPABILITY completed." && !strings.HasPrefix(st, "OK") {
		t.Fatal(st)
	}
	if !strings.Contains(untagged[0], " ACL ") || !strings.Contains(untagged[0], " RIGHTS=texk") {
		t.Fatalf("capabilities: %q", untagged[0])
	}
	alice.want("NAMESPACE", "OK NAMESPACE completed.",
		`* NAMESPACE (("" "/")) (("Other Users/" "/")) (("Shared/" "/"))`)
}

func TestACLInvisibleWithoutLookup(t *testing.T) {
	ts, alice, bob := newACLServer(t)
	ts.appendMsg(t, "INBOX", aclMsg)
	// Before any grant, bob's answers for an existing mailbox equal those
	// for a missing one.
	for _, name := range []string{`"Other Users/alice/INBOX"`, `"Other Users/alice/Nope"`} {
		bob.want("SELECT "+name, "NO [NONEXISTENT] Mailbox doesn't exist: "+strings.Trim(name, `"`))
		bob.want("STATUS "+name+" (MESSAGES)", "NO [NONEXISTENT] Mailbox doesn't exist: "+strings.Trim(name, `"`))
		bob.want("GETACL "+name, "NO [NONEXISTENT] Mailbox doesn't exist: "+strings.Trim(name, `"`))
		bob.want("MYRIGHTS "+name, "NO [NONEXISTENT] Mailbox doesn't exist: "+strings.Trim(name, `"`))
		bob.want("DELETE "+name, "NO [NONEXISTENT] Mailbox doesn't exist: "+strings.Trim(name, `"`))
		bob.want("SUBSCRIBE "+name, "NO [NONEXISTENT] Mailbox doesn't exist: "+strings.Trim(name, `"`))
	}
	bob.want(`LIST "" "Other Users/*"`, "OK LIST completed.")
	// "r" without "l" is still invisible.
	alice.want("SETACL INBOX bob r", "OK SETACL completed.")
	bob.want(`SELECT "Other Users/alice/INBOX"`, "NO [NONEXISTENT] Mailbox doesn't exist: Other Users/alice/INBOX")
	// "l" alone: visible, listed, but not readable.
	alice.want("SETACL INBOX bob l", "OK SETACL completed.")
	bob.want(`LIST "" "Other Users/*"`, "OK LIST completed.",
		`* LIST (\Noselect \HasChildren) "/" "Other Users/alice"`,
		`* LIST (\HasNoChildren) "/" "Other Users/alice/INBOX"`)
	bob.want(`SELECT "Other Users/alice/INBOX"`, "NO [NOPERM] Permission denied (needs right r).")
	bob.want(`STATUS "Other Users/alice/INBOX" (MESSAGES)`, "NO [NOPERM] Permission denied (needs right r).")
	bob.want(`MYRIGHTS "Other Users/alice/INBOX"`, "OK MYRIGHTS completed.", `* MYRIGHTS "Other Users/alice/INBOX" "l"`)
	bob.want(`GETACL "Other Users/alice/INBOX"`, "NO [NOPERM] Permission denied (needs right a).")
	bob.want(`SUBSCRIBE "Other Users/alice/INBOX"`, "OK SUBSCRIBE completed.")
	bob.want(`LSUB "" "Other Users/alice/*"`, "OK LSUB completed.", `* LSUB () "/" "Other Users/alice/INBOX"`)
}

func TestACLCommands(t *testing.T) {
	_, alice, bob := newACLServer(t)
	alice.want("GETACL INBOX", "OK GETACL completed.", `* ACL "INBOX" "alice" "lrswipkxteacd"`)
	alice.want("SETACL INBOX bob lrs", "OK SETACL completed.")
	alice.want("SETACL INBOX bob +wd", "OK SETACL completed.")
	alice.want("SETACL INBOX anyone l", "OK SETACL completed.")
	alice.want("SETACL INBOX -carol l", "OK SETACL completed.")
	alice.want("GETACL INBOX", "OK GETACL completed.",
		`* ACL "INBOX" "alice" "lrswipkxteacd" "anyone" "l" "bob" "lrswxted" "-carol" "l"`)
	alice.want("SETACL INBOX bob -xd", "OK SETACL completed.")
	alice.want("GETACL INBOX", "OK GETACL completed.",
		`* ACL "INBOX" "alice" "lrswipkxteacd" "anyone" "l" "bob" "lrsw" "-carol" "l"`)
	alice.want("SETACL INBOX bob lrQ", "BAD Unsupported right Q (RIGHTS=texk; c and d are accepted)")
	alice.want("SETACL INBOX nosuchuser lr", "NO [CANNOT] No such user: nosuchuser")
	alice.want("SETACL INBOX alice lr", "NO [CANNOT] The owner always has every right.")
	alice.want(`SETACL INBOX "" lr`, "BAD Empty identifier")
	alice.want("LISTRIGHTS INBOX bob", "OK LISTRIGHTS completed.", `* LISTRIGHTS "INBOX" "bob" "" l r s w i p k x t e a c d`)
	alice.want("LISTRIGHTS INBOX alice", "OK LISTRIGHTS completed.", `* LISTRIGHTS "INBOX" "alice" "lrswipkxteacd"`)
	alice.want("MYRIGHTS INBOX", "OK MYRIGHTS completed.", `* MYRIGHTS "INBOX" "lrswipkxteacd"`)
	bob.want(`MYRIGHTS "Other Users/alice/INBOX"`, "OK MYRIGHTS completed.", `* MYRIGHTS "Other Users/alice/INBOX" "lrsw"`)
	alice.want("DELETEACL INBOX bob", "OK DELETEACL completed.")
	alice.want("DELETEACL INBOX -carol", "OK DELETEACL completed.")
	alice.want("GETACL INBOX", "OK GETACL completed.", `* ACL "INBOX" "alice" "lrswipkxteacd" "anyone" "l"`)
	bob.want(`MYRIGHTS "Other Users/alice/INBOX"`, "OK MYRIGHTS completed.", `* MYRIGHTS "Other Users/alice/INBOX" "l"`)
	// A negative entry beats "anyone".
	alice.want("SETACL INBOX -bob l", "OK SETACL completed.")
	bob.want(`MYRIGHTS "Other Users/alice/INBOX"`, "NO [NONEXISTENT] Mailbox doesn't exist: Other Users/alice/INBOX")
	// "a" lets bob administer, but not change the owner.
	alice.want("DELETEACL INBOX -bob", "OK DELETEACL completed.")
	alice.want("SETACL INBOX bob la", "OK SETACL completed.")
	bob.want(`SETACL "Other Users/alice/INBOX" carol lr`, "OK SETACL completed.")
	bob.want(`SETACL "Other Users/alice/INBOX" alice l`, "NO [CANNOT] The owner always has every right.")
	bob.want(`GETACL "Other Users/alice/INBOX"`, "OK GETACL completed.",
		`* ACL "Other Users/alice/INBOX" "alice" "lrswipkxteacd" "anyone" "l" "bob" "la" "carol" "lr"`)
}

func TestACLReadRightsAndSelect(t *testing.T) {
	ts, alice, bob := newACLServer(t)
	ts.appendMsg(t, "INBOX", aclMsg)
	alice.want("SETACL INBOX bob lr", "OK SETACL completed.")
	untagged, st := bob.do(`EXAMINE "Other Users/alice/INBOX"`)
	if st != "OK [READ-ONLY] EXAMINE completed." {
		t.Fatalf("EXAMINE: %s %q", st, untagged)
	}
	// SELECT of a mailbox bob cannot change is read-only too.
	untagged, st = bob.do(`SELECT "Other Users/alice/INBOX"`)
	if st != "OK [READ-ONLY] SELECT completed." || !slices_contains(untagged, "* OK [PERMANENTFLAGS ()] Read-only mailbox.") {
		t.Fatalf("SELECT: %s %q", st, untagged)
	}
	bob.want("STORE 1 +FLAGS (\\Seen)", "NO Mailbox is read-only.")
	bob.want(`STATUS "Other Users/alice/INBOX" (MESSAGES UNSEEN)`, "OK STATUS completed.",
		`* STATUS "Other Users/alice/INBOX" (MESSAGES 1 UNSEEN 1)`)
	// FETCH BODY[] does not set \Seen without "s".
	bob.want("FETCH 1 (BODY[] FLAGS)", "OK Fetch completed.",
		"* 1 FETCH (BODY[] {"+itoa(uint32(len(aclMsg)))+"}\r\n"+aclMsg+" FLAGS ())")
}

func slices_contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func TestACLStoreRights(t *testing.T) {
	ts, alice, bob := newACLServer(t)
	ts.appendMsg(t, "INBOX", aclMsg, `$Label`)
	alice.want("SETACL INBOX bob lrs", "OK SETACL completed.")
	untagged, st := bob.do(`SELECT "Other Users/alice/INBOX"`)
	// "s" alone: READ-ONLY by RFC 4314 §5.2 (\Seen is per user), but
	// \Seen may be stored.
	if st != "OK [READ-ONLY] SELECT completed." || !slices_contains(untagged, `* OK [PERMANENTFLAGS (\Seen)] Flags permitted.`) {
		t.Fatalf("SELECT: %s %q", st, untagged)
	}
	bob.want(`STORE 1 +FLAGS (\Flagged)`, "NO [NOPERM] Permission denied (needs right w).")
	bob.want(`STORE 1 +FLAGS (\Deleted)`, "NO [NOPERM] Permission denied (needs right t).")
	// Mixed: the permitted part is applied (RFC 4314 §4 SHOULD NOT fail).
	bob.want(`STORE 1 +FLAGS (\Flagged \Seen)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Seen $Label))`)
	// FLAGS replaces only what bob may change: $Label stays.
	bob.want(`STORE 1 FLAGS ()`, "OK Store completed.", `* 1 FETCH (FLAGS ($Label))`)
	bob.want("EXPUNGE", "NO [NOPERM] Permission denied (needs right e).")
	bob.want(`MOVE 1 "Other Users/alice/INBOX"`, "NO [NOPERM] Permission denied (needs right te).")

	alice.want("SETACL INBOX bob lrswte", "OK SETACL completed.")
	untagged, st = bob.do(`SELECT "Other Users/alice/INBOX"`)
	if st != "OK [READ-WRITE] SELECT completed." || !slices_contains(untagged, `* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label \*)] Flags permitted.`) {
		t.Fatalf("SELECT: %s %q", st, untagged)
	}
	bob.want(`STORE 1 +FLAGS (\Flagged \Deleted)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Flagged \Deleted $Label))`)
	bob.want("EXPUNGE", "OK Expunge completed.", "* 1 EXPUNGE")
	alice.want(`STATUS INBOX (MESSAGES)`, "OK STATUS completed.", `* STATUS "INBOX" (MESSAGES 0)`)
}

func TestACLCloseWithoutExpungeRight(t *testing.T) {
	ts, alice, bob := newACLServer(t)
	ts.appendMsg(t, "INBOX", aclMsg, `\Deleted`)
	alice.want("SETACL INBOX bob lrt", "OK SETACL completed.")
	bob.ok(`SELECT "Other Users/alice/INBOX"`)
	bob.want("CLOSE", "OK CLOSE completed.")
	alice.want(`STATUS INBOX (MESSAGES)`, "OK STATUS completed.", `* STATUS "INBOX" (MESSAGES 1)`)
}

func TestACLInsertRights(t *testing.T) {
	ts, alice, bob := newACLServer(t)
	ts.appendBob(t, aclMsg)
	bob.ok("SELECT INBOX")
	alice.want("SETACL Archive bob lr", "OK SETACL completed.")
	bob.want(`APPEND "Other Users/alice/Archive" {5+}`+"\r\nhello", "NO [NOPERM] Permission denied (needs right i).")
	bob.want(`COPY 1 "Other Users/alice/Archive"`, "NO [NOPERM] Permission denied (needs right i).")
	bob.want(`APPEND "Other Users/alice/Junk" {5+}`+"\r\nhello", "NO [TRYCREATE] Mailbox doesn't exist: Other Users/alice/Junk")
	bob.want(`COPY 1 "Other Users/alice/Junk"`, "NO [TRYCREATE] Mailbox doesn't exist.")
	// "i" and "s" only: flags needing "w" or "t" are dropped.
	alice.want("SETACL Archive bob lris", "OK SETACL completed.")
	untagged, st := bob.do(`APPEND "Other Users/alice/Archive" (\Seen \Flagged \Deleted) {5+}` + "\r\nhello")
	if !strings.HasPrefix(st, "OK [APPENDUID ") || len(untagged) != 0 {
		t.Fatalf("APPEND: %s %q", st, untagged)
	}
	bob.ok(`STORE 1 +FLAGS (\Seen \Answered)`)
	untagged, st = bob.do(`COPY 1 "Other Users/alice/Archive"`)
	if !strings.HasPrefix(st, "OK [COPYUID ") {
		t.Fatalf("COPY: %s %q", st, untagged)
	}
	bob.ok(`EXAMINE "Other Users/alice/Archive"`)
	bob.want("FETCH 1:2 FLAGS", "OK Fetch completed.", `* 1 FETCH (FLAGS (\Seen))`, `* 2 FETCH (FLAGS (\Seen))`)
	// \Seen was bob's: alice has seen nothing.
	alice.want("STATUS Archive (MESSAGES UNSEEN)", "OK STATUS completed.", `* STATUS "Archive" (MESSAGES 2 UNSEEN 2)`)
}

// appendBob appends to bob's INBOX through the store.
func (ts *testServer) appendBob(t *testing.T, raw string) {
	t.Helper()
	ctx := context.Background()
	u, err := ts.store.User(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	mb, err := ts.store.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ts.store.Stage(ctx, strings.NewReader(raw), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.store.Append(ctx, mb.ID, []store.AppendMessage{{Staged: st}}); err != nil {
		t.Fatal(err)
	}
}

func TestACLMailboxManagementRights(t *testing.T) {
	_, alice, bob := newACLServer(t)
	alice.ok("CREATE Projects")
	alice.want("SETACL Projects bob lr", "OK SETACL completed.")
	bob.want(`CREATE "Other Users/alice/Projects/X"`, "NO [NOPERM] Permission denied (needs right k).")
	bob.want(`DELETE "Other Users/alice/Projects"`, "NO [NOPERM] Permission denied (needs right x).")
	bob.want(`RENAME "Other Users/alice/Projects" "Other Users/alice/P2"`, "NO [NOPERM] Permission denied (needs right x).")
	bob.want(`CREATE "Other Users/alice/Top"`, "NO [NOPERM] Permission denied (needs right k).")
	alice.want("SETACL Projects bob lrkx", "OK SETACL completed.")
	untagged, st := bob.do(`CREATE "Other Users/alice/Projects/X"`)
	if !strings.HasPrefix(st, "OK ") {
		t.Fatalf("CREATE: %s %q", st, untagged)
	}
	// The child inherited the parent's ACL.
	alice.want("GETACL Projects/X", "OK GETACL completed.", `* ACL "Projects/X" "alice" "lrswipkxteacd" "bob" "lrkxcd"`)
	bob.want(`RENAME "Other Users/alice/Projects/X" "Other Users/alice/Projects/Y"`, "OK RENAME completed.")
	bob.want(`RENAME "Other Users/alice/Projects/Y" "Mine"`, "NO [CANNOT] Can't move a mailbox to another account.")
	// Renaming to the top of alice's account needs "k" there: no parent.
	bob.want(`RENAME "Other Users/alice/Projects/Y" "Other Users/alice/Y"`, "NO [NOPERM] Permission denied (needs right k).")
	bob.want(`DELETE "Other Users/alice/Projects/Y"`, "OK DELETE completed.")
	alice.want(`LIST "" "Projects*"`, "OK LIST completed.", `* LIST (\HasNoChildren) "/" "Projects"`)
}

func TestACLThreeUsersPerUserSeen(t *testing.T) {
	ts, alice, bob := newACLServer(t)
	carol := ts.aclLoginAs(t, "carol")
	ts.appendMsg(t, "INBOX", aclMsg)
	ts.appendMsg(t, "INBOX", aclMsg)
	alice.want("SETACL INBOX bob lrsw", "OK SETACL completed.")
	alice.want("SETACL INBOX carol lrsw", "OK SETACL completed.")
	bob.ok(`SELECT "Other Users/alice/INBOX"`)
	carol.ok(`SELECT "Other Users/alice/INBOX"`)
	alice.ok("SELECT INBOX")
	bob.want(`STORE 1 +FLAGS (\Seen)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Seen))`)
	// Each user has their own \Seen.
	carol.want("FETCH 1:2 FLAGS", "OK Fetch completed.", `* 1 FETCH (FLAGS ())`, `* 2 FETCH (FLAGS ())`)
	alice.want("FETCH 1:2 FLAGS", "OK Fetch completed.", `* 1 FETCH (FLAGS ())`, `* 2 FETCH (FLAGS ())`)
	aclWantSearch(t, carol, "UNSEEN", " ALL 1:2")
	aclWantSearch(t, bob, "UNSEEN", " ALL 2")
	aclWantSearch(t, bob, "SEEN", " ALL 1")
	aclWantSearch(t, alice, "SEEN", "")
	bob.want(`STATUS "Other Users/alice/INBOX" (UNSEEN)`, "OK STATUS completed.", `* STATUS "Other Users/alice/INBOX" (UNSEEN 1)`)
	carol.want(`STATUS "Other Users/alice/INBOX" (UNSEEN)`, "OK STATUS completed.", `* STATUS "Other Users/alice/INBOX" (UNSEEN 2)`)
	alice.want(`STATUS INBOX (UNSEEN)`, "OK STATUS completed.", `* STATUS "INBOX" (UNSEEN 2)`)
	// Shared flags: carol's \Flagged reaches everyone, each with their
	// own \Seen.
	carol.want(`STORE 1 +FLAGS (\Flagged)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Flagged))`)
	bob.want("NOOP", "OK NOOP completed.", `* 1 FETCH (UID 1 FLAGS (\Seen \Flagged))`)
	alice.want("NOOP", "OK NOOP completed.", `* 1 FETCH (UID 1 FLAGS (\Flagged))`)
	// bob's \Seen change was not announced to carol or alice.
	carol.want("NOOP", "OK NOOP completed.")
	// alice's own \Seen stays hers, and is not announced to the others.
	alice.want(`STORE 2 +FLAGS (\Seen)`, "OK Store completed.", `* 2 FETCH (FLAGS (\Seen))`)
	bob.want("NOOP", "OK NOOP completed.")
	bob.want("FETCH 2 FLAGS", "OK Fetch completed.", `* 2 FETCH (FLAGS ())`)
}

func TestACLSharedMailboxIdle(t *testing.T) {
	ts, _, bob := newACLServer(t)
	carol := ts.aclLoginAs(t, "carol")
	ts.teamMailbox(t, "support", map[string]string{"bob": "lrswite", "carol": "lrswite"})
	bob.want(`LIST "" "Shared/*"`, "OK LIST completed.", `* LIST (\HasNoChildren) "/" "Shared/support"`)
	bob.want(`LIST "" "%"`, "OK LIST completed.",
		`* LIST (\HasNoChildren) "/" "INBOX"`, `* LIST (\HasNoChildren \Archive) "/" "Archive"`,
		`* LIST (\HasNoChildren \Drafts) "/" "Drafts"`, `* LIST (\HasNoChildren \Junk) "/" "Junk"`,
		`* LIST (\HasNoChildren \Sent) "/" "Sent"`, `* LIST (\Noselect \HasChildren) "/" "Shared"`,
		`* LIST (\HasNoChildren \Trash) "/" "Trash"`)
	bob.want(`GETACL Shared/support`, "NO [NOPERM] Permission denied (needs right a).")
	bob.ok("SELECT Shared/support")
	carol.ok("SELECT Shared/support")
	carol.writeLine("I1 IDLE")
	carol.wantLine("+ idling")
	untagged, st := bob.do("APPEND Shared/support (\\Seen) {5+}\r\nhello")
	if !strings.HasPrefix(st, "OK [APPENDUID ") || strings.Join(untagged, "|") != "* 1 EXISTS" {
		t.Fatalf("APPEND: %s %q", st, untagged)
	}
	carol.wantLine("* 1 EXISTS")
	bob.want("FETCH 1 FLAGS", "OK Fetch completed.", `* 1 FETCH (FLAGS (\Seen))`)
	bob.want(`STORE 1 +FLAGS (\Answered)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Seen \Answered))`)
	carol.wantLine(`* 1 FETCH (UID 1 FLAGS (\Answered))`)
	bob.want(`STORE 1 -FLAGS (\Seen)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Answered))`)
	bob.want(`STORE 1 +FLAGS (\Deleted)`, "OK Store completed.", `* 1 FETCH (FLAGS (\Answered \Deleted))`)
	// carol got no line for bob's \Seen: the next one is \Deleted.
	carol.wantLine(`* 1 FETCH (UID 1 FLAGS (\Answered \Deleted))`)
	bob.want("EXPUNGE", "OK Expunge completed.", "* 1 EXPUNGE")
	carol.wantLine("* 1 EXPUNGE")
	carol.writeLine("DONE")
	carol.wantLine("I1 OK IDLE completed.")
}

// aclWantSearch runs an IMAP4rev2 SEARCH (answered with ESEARCH) and
// checks what follows the tag correlator: " ALL set", or "" for no match.
func aclWantSearch(t *testing.T, c *rawClient, criteria, want string) {
	t.Helper()
	untagged, st := c.do("SEARCH " + criteria)
	if st != "OK Search completed." || len(untagged) != 1 {
		t.Fatalf("SEARCH %s: %s %q", criteria, st, untagged)
	}
	_, rest, _ := strings.Cut(untagged[0], ")")
	if rest != want {
		t.Fatalf("SEARCH %s: %q, want %q", criteria, untagged[0], want)
	}
}
