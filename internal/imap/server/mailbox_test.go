package server

import (
	"testing"
)

// defaultList is LIST "" "*" for a new account.
var defaultList = []string{
	`* LIST (\HasNoChildren) "/" "INBOX"`,
	`* LIST (\HasNoChildren \Archive) "/" "Archive"`,
	`* LIST (\HasNoChildren \Drafts) "/" "Drafts"`,
	`* LIST (\HasNoChildren \Junk) "/" "Junk"`,
	`* LIST (\HasNoChildren \Sent) "/" "Sent"`,
	`* LIST (\HasNoChildren \Trash) "/" "Trash"`,
}

func TestListBasics(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.want(`LIST "" "*"`, "OK LIST completed.", defaultList...)
	c.want(`LIST "" ""`, "OK LIST completed.", `* LIST (\Noselect) "/" ""`)
	c.want(`LIST "" inbox`, "OK LIST completed.", `* LIST (\HasNoChildren) "/" "INBOX"`)
	c.want(`LIST "" "J%"`, "OK LIST completed.", `* LIST (\HasNoChildren \Junk) "/" "Junk"`)
	c.want(`LIST "" "nothing*"`, "OK LIST completed.")
	// LIST-EXTENDED: several patterns, each mailbox once.
	c.want(`LIST "" ("Sent" "S*" "inbox")`, "OK LIST completed.",
		`* LIST (\HasNoChildren) "/" "INBOX"`,
		`* LIST (\HasNoChildren \Sent) "/" "Sent"`)

	wantCreated(t, c, "CREATE Work/Projects/Roost")
	wantCreated(t, c, "CREATE Work/Notes/")
	c.want(`LIST "" "Work*"`, "OK LIST completed.",
		`* LIST (\HasChildren) "/" "Work"`,
		`* LIST (\HasNoChildren) "/" "Work/Notes"`,
		`* LIST (\HasChildren) "/" "Work/Projects"`,
		`* LIST (\HasNoChildren) "/" "Work/Projects/Roost"`)
	c.want(`LIST "" "Work/%"`, "OK LIST completed.",
		`* LIST (\HasNoChildren) "/" "Work/Notes"`,
		`* LIST (\HasChildren) "/" "Work/Projects"`)
	// Reference and pattern are concatenated.
	c.want(`LIST "Work/" "%"`, "OK LIST completed.",
		`* LIST (\HasNoChildren) "/" "Work/Notes"`,
		`* LIST (\HasChildren) "/" "Work/Projects"`)
	c.want(`LIST "" "%/%/%"`, "OK LIST completed.",
		`* LIST (\HasNoChildren) "/" "Work/Projects/Roost"`)

	// DELETE of a parent keeps it as \Noselect.
	c.want("DELETE Work/Projects", "OK DELETE completed.")
	c.want(`LIST "" "Work/*"`, "OK LIST completed.",
		`* LIST (\HasNoChildren) "/" "Work/Notes"`,
		`* LIST (\Noselect \HasChildren) "/" "Work/Projects"`,
		`* LIST (\HasNoChildren) "/" "Work/Projects/Roost"`)
	c.want("DELETE Work/Projects", "NO [HASCHILDREN] Mailbox has children, delete them first.")
	c.want("SELECT Work/Projects", "NO [CANNOT] Mailbox isn't selectable: Work/Projects")
	c.want("STATUS Work/Projects (MESSAGES)", "NO [CANNOT] Mailbox isn't selectable: Work/Projects")
}

func TestCreateDeleteRenameErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.want("CREATE INBOX", "NO [ALREADYEXISTS] Mailbox already exists.")
	c.want("CREATE inbox", "NO [ALREADYEXISTS] Mailbox already exists.")
	c.want("CREATE Sent", "NO [ALREADYEXISTS] Mailbox already exists.")
	c.want(`CREATE "a//b"`, "NO [CANNOT] Mailbox name has an empty hierarchy level.")
	c.want(`CREATE "/a"`, "NO [CANNOT] Mailbox name has an empty hierarchy level.")
	c.want(`CREATE "a*b"`, "NO [CANNOT] Mailbox names must not contain '%' or '*'.")
	c.want("CREATE {3+}\r\na\tb", "NO [CANNOT] Mailbox name contains control characters.")
	c.want(`CREATE Mine (USE (\Flagged))`, "NO [USEATTR] Unsupported special-use attribute.")
	c.want(`CREATE Mine (USE (\Sent \Junk))`, "NO [USEATTR] Only one special-use attribute per mailbox.")
	wantCreated(t, c, `CREATE Bin (USE (\Trash))`)
	c.want(`LIST "" Bin`, "OK LIST completed.", `* LIST (\HasNoChildren \Trash) "/" "Bin"`)

	c.want("DELETE INBOX", "NO [CANNOT] INBOX can't be deleted.")
	c.want("DELETE Nope", "NO [NONEXISTENT] Mailbox doesn't exist: Nope")
	c.want("DELETE Bin", "OK DELETE completed.")
	c.want("DELETE Bin", "NO [NONEXISTENT] Mailbox doesn't exist: Bin")

	c.want("RENAME Nope Other", "NO [NONEXISTENT] Mailbox doesn't exist: Nope")
	c.want("RENAME Sent Drafts", "NO [ALREADYEXISTS] Mailbox already exists.")
	c.want("RENAME Sent INBOX", "NO [ALREADYEXISTS] Mailbox already exists.")
	c.want("RENAME Sent Sent/Sub", "NO [CANNOT] Can't rename a mailbox under itself.")
	wantCreated(t, c, "CREATE A/B")
	c.want("RENAME A Z/Y", "OK RENAME completed.")
	c.want(`LIST "" "Z*"`, "OK LIST completed.",
		`* LIST (\HasChildren) "/" "Z"`,
		`* LIST (\HasChildren) "/" "Z/Y"`,
		`* LIST (\HasNoChildren) "/" "Z/Y/B"`)
	c.want(`LIST "" "A*"`, "OK LIST completed.", `* LIST (\HasNoChildren \Archive) "/" "Archive"`)
}

func TestRenameInbox(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "INBOX", "Subject: one\r\n\r\nbody\r\n")
	ts.appendMsg(t, "INBOX", "Subject: two\r\n\r\nbody\r\n")
	c := ts.login(t)
	c.want("RENAME INBOX Old", "OK RENAME completed.")
	c.want("STATUS INBOX (MESSAGES)", "OK STATUS completed.", `* STATUS "INBOX" (MESSAGES 0)`)
	c.want("STATUS Old (MESSAGES UIDNEXT)", "OK STATUS completed.", `* STATUS "Old" (MESSAGES 2 UIDNEXT 3)`)
}

func TestSubscribeAndLsub(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	// Only INBOX of the default mailboxes stays subscribed
	// (default_subscriptions.txt has them all).
	for _, name := range []string{"Drafts", "Sent", "Trash", "Junk", "Archive"} {
		c.want("UNSUBSCRIBE "+name, "OK UNSUBSCRIBE completed.")
	}
	c.want("UNSUBSCRIBE INBOX", "OK UNSUBSCRIBE completed.")
	wantCreated(t, c, "CREATE Lists/Go")
	c.want("SUBSCRIBE Nope", "NO [NONEXISTENT] Mailbox doesn't exist: Nope")
	c.want("SUBSCRIBE INBOX", "OK SUBSCRIBE completed.")
	c.want("SUBSCRIBE Lists/Go", "OK SUBSCRIBE completed.")
	c.want(`LSUB "" "*"`, "OK LSUB completed.",
		`* LSUB () "/" "INBOX"`,
		`* LSUB () "/" "Lists/Go"`)
	// With %, the unsubscribed parent shows as \Noselect (RFC 3501 §6.3.9).
	c.want(`LSUB "" "%"`, "OK LSUB completed.",
		`* LSUB () "/" "INBOX"`,
		`* LSUB (\Noselect) "/" "Lists"`)
	c.want(`LIST (SUBSCRIBED) "" "*"`, "OK LIST completed.",
		`* LIST (\HasNoChildren \Subscribed) "/" "INBOX"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "Lists/Go"`)
	c.want(`LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"`, "OK LIST completed.",
		`* LIST (\HasNoChildren \Subscribed) "/" "INBOX"`,
		`* LIST (\HasChildren) "/" "Lists" ("CHILDINFO" ("SUBSCRIBED"))`)
	c.want(`LIST (RECURSIVEMATCH) "" "%"`, "BAD RECURSIVEMATCH requires another selection option")
	c.want(`LIST "" "L*" RETURN (SUBSCRIBED CHILDREN)`, "OK LIST completed.",
		`* LIST (\HasChildren) "/" "Lists"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "Lists/Go"`)

	// A subscribed name that no longer exists.
	c.want("DELETE Lists/Go", "OK DELETE completed.")
	c.want(`LIST (SUBSCRIBED) "" "*"`, "OK LIST completed.",
		`* LIST (\HasNoChildren \Subscribed) "/" "INBOX"`,
		`* LIST (\NonExistent \Subscribed) "/" "Lists/Go"`)
	c.want("UNSUBSCRIBE Lists/Go", "OK UNSUBSCRIBE completed.")
	c.want("UNSUBSCRIBE Lists/Go", "OK UNSUBSCRIBE completed.")
	c.want(`LSUB "" "*"`, "OK LSUB completed.", `* LSUB () "/" "INBOX"`)
}

func TestListSpecialUseAndStatus(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "Drafts", "Subject: d\r\n\r\nbody\r\n", `\Seen`)
	ts.appendMsg(t, "Drafts", "Subject: e\r\n\r\nbody!\r\n", `\Deleted`)
	c := ts.login(t)
	c.want(`LIST (SPECIAL-USE) "" "*"`, "OK LIST completed.",
		`* LIST (\HasNoChildren \Archive) "/" "Archive"`,
		`* LIST (\HasNoChildren \Drafts) "/" "Drafts"`,
		`* LIST (\HasNoChildren \Junk) "/" "Junk"`,
		`* LIST (\HasNoChildren \Sent) "/" "Sent"`,
		`* LIST (\HasNoChildren \Trash) "/" "Trash"`)
	c.want(`LIST "" "D*" RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN DELETED SIZE))`, "OK LIST completed.",
		`* LIST (\HasNoChildren \Drafts) "/" "Drafts"`,
		`* STATUS "Drafts" (MESSAGES 2 UNSEEN 1 DELETED 1 SIZE 41)`)
	mb := ts.mailbox(t, "Drafts")
	c.want("STATUS Drafts (UIDNEXT UIDVALIDITY MESSAGES RECENT)", "OK STATUS completed.",
		`* STATUS "Drafts" (UIDNEXT 3 UIDVALIDITY `+itoa(mb.UIDValidity)+` MESSAGES 2 RECENT 2)`)
	c.want("STATUS Nope (MESSAGES)", "NO [NONEXISTENT] Mailbox doesn't exist: Nope")
	// STATUS of the selected mailbox is allowed.
	c.ok("SELECT Drafts")
	c.want("STATUS Drafts (MESSAGES)", "OK STATUS completed.", `* STATUS "Drafts" (MESSAGES 2)`)
}

func TestInternationalNames(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	// Modified UTF-7 in IMAP4rev1 (RFC 3501 §5.1.3): "Entwürfe".
	wantCreated(t, c, "CREATE Entw&APw-rfe")
	c.want(`LIST "" "Entw*"`, "OK LIST completed.", `* LIST (\HasNoChildren) "/" "Entw&APw-rfe"`)
	c.ok("ENABLE IMAP4rev2")
	c.want(`LIST "" "Entw*"`, "OK LIST completed.", `* LIST (\HasNoChildren) "/" "Entwürfe"`)
	wantCreated(t, c, `CREATE "Ordner/Übersicht"`)
	c.want(`STATUS "Ordner/Übersicht" (MESSAGES)`, "OK STATUS completed.", `* STATUS "Ordner/Übersicht" (MESSAGES 0)`)
	c2 := ts.login(t)
	c2.want(`LIST "" "Ordner/*"`, "OK LIST completed.", `* LIST (\HasNoChildren) "/" "Ordner/&ANw-bersicht"`)
}

func TestSelectExamineCloseUnselect(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "INBOX", "Subject: 1\r\n\r\nx\r\n", `\Seen`)
	ts.appendMsg(t, "INBOX", "Subject: 2\r\n\r\nx\r\n", `\Deleted`)
	ts.appendMsg(t, "INBOX", "Subject: 3\r\n\r\nx\r\n")
	uv := itoa(ts.mailbox(t, "INBOX").UIDValidity)
	c := ts.login(t)
	// EXAMINE reports the recent messages without claiming them.
	c.want("EXAMINE INBOX", "OK [READ-ONLY] EXAMINE completed.",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS ()] Read-only mailbox.`,
		"* 3 EXISTS", "* 3 RECENT",
		"* OK [UNSEEN 2] First unseen.",
		"* OK [UIDVALIDITY "+uv+"] UIDs valid",
		"* OK [UIDNEXT 4] Predicted next UID", mailboxIDLine(t, ts, "INBOX"))
	// CLOSE of a read-only mailbox expunges nothing.
	c.want("CLOSE", "OK CLOSE completed.")
	c.want("SELECT INBOX", "OK [READ-WRITE] SELECT completed.",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)] Flags permitted.`,
		"* 3 EXISTS", "* 3 RECENT",
		"* OK [UNSEEN 2] First unseen.",
		"* OK [UIDVALIDITY "+uv+"] UIDs valid",
		"* OK [UIDNEXT 4] Predicted next UID", mailboxIDLine(t, ts, "INBOX"))
	c.want("UNSELECT", "OK UNSELECT completed.")
	// The messages were claimed by the SELECT above.
	c.want("SELECT INBOX", "OK [READ-WRITE] SELECT completed.",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)] Flags permitted.`,
		"* 3 EXISTS", "* 0 RECENT",
		"* OK [UNSEEN 2] First unseen.",
		"* OK [UIDVALIDITY "+uv+"] UIDs valid",
		"* OK [UIDNEXT 4] Predicted next UID", mailboxIDLine(t, ts, "INBOX"))
	// CLOSE expunges silently.
	c.want("CLOSE", "OK CLOSE completed.")
	c.want("STATUS INBOX (MESSAGES)", "OK STATUS completed.", `* STATUS "INBOX" (MESSAGES 2)`)
	// A failing SELECT leaves the selected state.
	c.ok("SELECT INBOX")
	c.want("SELECT Nope", "NO [NONEXISTENT] Mailbox doesn't exist: Nope",
		"* OK [CLOSED] Previous mailbox is now closed.") // RFC 7162 §3.2.11
	c.want("CLOSE", "BAD No mailbox selected")
}

func TestSelectIMAP4rev2(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "INBOX", "Subject: 1\r\n\r\nx\r\n")
	uv := itoa(ts.mailbox(t, "INBOX").UIDValidity)
	uvs := itoa(ts.mailbox(t, "Sent").UIDValidity)
	c := ts.login(t)
	c.ok("ENABLE IMAP4rev2")
	c.want("SELECT INBOX", "OK [READ-WRITE] SELECT completed.",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)] Flags permitted.`,
		"* 1 EXISTS",
		"* OK [UIDVALIDITY "+uv+"] UIDs valid",
		"* OK [UIDNEXT 2] Predicted next UID",
		mailboxIDLine(t, ts, "INBOX"),
		`* LIST (\HasNoChildren) "/" "INBOX"`)
	c.want("EXAMINE Sent", "OK [READ-ONLY] EXAMINE completed.",
		"* OK [CLOSED] Previous mailbox is now closed.",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS ()] Read-only mailbox.`,
		"* 0 EXISTS",
		"* OK [UIDVALIDITY "+uvs+"] UIDs valid",
		"* OK [UIDNEXT 1] Predicted next UID",
		mailboxIDLine(t, ts, "Sent"),
		`* LIST (\HasNoChildren \Sent) "/" "Sent"`)
}

func TestDeleteSelectedMailbox(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.ok("CREATE Box")
	c.ok("SELECT Box")
	// Our own DELETE leaves the selected state silently.
	c.want("DELETE Box", "OK DELETE completed.")
	c.want("NOOP", "OK NOOP completed.")
	c.want("CLOSE", "BAD No mailbox selected")

	// Another session deleting it ends ours.
	c.ok("CREATE Box")
	c.ok("SELECT Box")
	other := ts.login(t)
	other.ok("DELETE Box")
	c.writeLine("X NOOP")
	c.wantLine("* BYE Selected mailbox was deleted, have to disconnect.")
	c.wantClosed()
}

func TestRenameSelectedMailbox(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "Sent", "Subject: 1\r\n\r\nx\r\n")
	c := ts.login(t)
	other := ts.login(t)
	c.ok("SELECT Sent")
	other.ok("SELECT Sent")
	// Our own rename keeps the mailbox selected...
	c.want("RENAME Sent Outbox", "OK RENAME completed.")
	c.want("NOOP", "OK NOOP completed.")
	ts.appendMsg(t, "Outbox", "Subject: 2\r\n\r\nx\r\n")
	c.want("NOOP", "OK NOOP completed.", "* 2 EXISTS", "* 2 RECENT")
	// ...while another session that had it selected loses it.
	other.writeLine("X NOOP")
	other.wantLine("* BYE Selected mailbox was deleted, have to disconnect.")
	other.wantClosed()
}
