package server

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"roost/internal/auth"
	"roost/internal/store"
)

const (
	msgA        = "Subject: a\r\n\r\nbody\r\n"
	badEventMsg = "NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)] "
)

// appendCmd is an APPEND of msgA to mailbox with a non-synchronizing
// literal, for writeLine.
func appendCmd(mailbox string) string {
	return fmt.Sprintf("APPEND %s {%d+}\r\n%s", mailbox, len(msgA), msgA)
}

// statusLine is the STATUS response NOTIFY sends for name.
func statusLine(t *testing.T, ts *testServer, name string, messages, uidNext int, extra string) string {
	t.Helper()
	return fmt.Sprintf(`* STATUS "%s" (MESSAGES %d UIDNEXT %d UIDVALIDITY %d%s)`,
		name, messages, uidNext, ts.mailbox(t, name).UIDValidity, extra)
}

// quiet checks that nothing is pending for c: a NOOP gets only its OK
// (NOOP would carry any queued notification before its tagged OK).
func (c *rawClient) quiet() {
	c.t.Helper()
	c.want("NOOP", "OK NOOP completed.")
}

func TestNotifyOtherMailboxes(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.want("NOTIFY SET (mailboxes (Drafts Nonexistent) (MessageNew MessageExpunge))", "OK NOTIFY completed.")
	// Unsolicited, while the client sends nothing.
	ts.appendMsg(t, "Sent", msgA) // not watched
	uid := ts.appendMsg(t, "Drafts", msgA)
	c.wantLine(statusLine(t, ts, "Drafts", 1, 2, ""))
	ts.storeFlags(t, "Drafts", uid, store.FlagsAdd, store.FlagSeen) // FlagChange not asked for
	ts.expunge(t, "Drafts", uid)
	c.wantLine(statusLine(t, ts, "Drafts", 0, 2, ""))
	c.quiet()

	// FlagChange adds UNSEEN; at the end of a command too.
	c.want("NOTIFY SET (subtree Drafts (MessageNew MessageExpunge FlagChange))", "OK NOTIFY completed.")
	uid = ts.appendMsg(t, "Drafts", msgA)
	c.wantLine(statusLine(t, ts, "Drafts", 1, 3, " UNSEEN 1"))
	ts.storeFlags(t, "Drafts", uid, store.FlagsAdd, store.FlagSeen)
	c.wantLine(statusLine(t, ts, "Drafts", 1, 3, " UNSEEN 0"))

	c.want("NOTIFY NONE", "OK NOTIFY completed.")
	ts.appendMsg(t, "Drafts", msgA)
	c.quiet()
}

func TestNotifySetStatus(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "Trash", msgA)
	c := ts.login(t)
	c.ok("SELECT INBOX")
	want := []string{
		statusLine(t, ts, "Archive", 0, 1, ""),
		statusLine(t, ts, "Drafts", 0, 1, ""),
		statusLine(t, ts, "Junk", 0, 1, ""),
		statusLine(t, ts, "Sent", 0, 1, ""),
		statusLine(t, ts, "Trash", 1, 2, ""),
	}
	// The selected INBOX is left out (§3.1: other mailboxes only).
	c.want("NOTIFY SET STATUS (personal (MessageNew MessageExpunge))", "OK NOTIFY completed.", want...)
	c.want("NOTIFY SET STATUS (inboxes (MessageNew MessageExpunge)) (selected (MessageNew MessageExpunge))",
		"OK NOTIFY completed.", want...)
	// FlagChange: HIGHESTMODSEQ too, since the server offers CONDSTORE
	// (RFC 5465 §3.1), enabled or not.
	c.want("NOTIFY SET STATUS (mailboxes Junk (MessageNew MessageExpunge FlagChange))", "OK NOTIFY completed.",
		statusLine(t, ts, "Junk", 0, 1, fmt.Sprintf(" UNSEEN 0 HIGHESTMODSEQ %d", ts.highestModSeq(t, "Junk"))))
	c.want("NOTIFY SET STATUS (personal (MailboxName))", "OK NOTIFY completed.")
}

func TestNotifySelected(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.ok("ENABLE IMAP4rev2")
	c.ok("SELECT INBOX")
	c.want("NOTIFY SET (selected (MessageNew (UID FLAGS BODY.PEEK[HEADER.FIELDS (Subject)]) MessageExpunge FlagChange)) (personal (MessageNew MessageExpunge))",
		"OK NOTIFY completed.")
	uid := ts.appendMsg(t, "INBOX", msgA)
	c.wantLine("* 1 EXISTS")
	c.wantLine("* 1 FETCH (UID 1 FLAGS () BODY[HEADER.FIELDS (Subject)] {14}\r\nSubject: a\r\n\r\n)")
	ts.storeFlags(t, "INBOX", uid, store.FlagsAdd, `\Flagged`)
	c.wantLine(`* 1 FETCH (UID 1 FLAGS (\Flagged))`)
	// The announcement did not set \Seen.
	c.want("FETCH 1 FLAGS", "OK Fetch completed.", `* 1 FETCH (FLAGS (\Flagged))`)
	ts.expunge(t, "INBOX", uid)
	c.wantLine(`* 1 FETCH (UID 1 FLAGS (\Flagged \Deleted))`)
	c.wantLine("* 1 EXPUNGE")
	// The client's own APPEND to the selected mailbox: EXISTS, no FETCH.
	tag := c.nextTag()
	c.writeLine(tag + " " + appendCmd("INBOX"))
	got, st := c.collect(tag)
	if want := "* 1 EXISTS"; len(got) != 1 || got[0] != want || !strings.HasPrefix(st, "OK [APPENDUID") {
		t.Fatalf("own APPEND: %q %s", got, st)
	}
	c.quiet()
}

func TestNotifySelectedDelayed(t *testing.T) {
	ts := newTestServer(t, nil)
	uid := ts.appendMsg(t, "INBOX", msgA)
	ts.appendMsg(t, "INBOX", msgA)
	c := ts.login(t)
	c.ok("ENABLE IMAP4rev2")
	c.ok("SELECT INBOX")
	c.want("NOTIFY SET (selected-delayed (MessageNew (UID) MessageExpunge))", "OK NOTIFY completed.")
	ts.expunge(t, "INBOX", uid)
	ts.appendMsg(t, "INBOX", msgA)
	// EXISTS and the FETCH come at once; the EXPUNGE waits for a command
	// that allows it (§6.1.2), and a sequence-number FETCH does not.
	// (Flag changes of the selected mailbox always go out with the
	// other updates, FlagChange or not.)
	c.wantLine(`* 1 FETCH (UID 1 FLAGS (\Deleted))`)
	c.wantLine("* 3 EXISTS")
	c.wantLine("* 3 FETCH (UID 3)")
	c.want("FETCH 2 UID", "OK Fetch completed.", "* 2 FETCH (UID 2)")
	c.want("NOOP", "OK NOOP completed.", "* 1 EXPUNGE")

	// Without a SELECTED group nothing is pushed for the selected mailbox
	// between commands; the usual end-of-command updates remain.
	c.want("NOTIFY SET (personal (MessageNew MessageExpunge))", "OK NOTIFY completed.")
	ts.appendMsg(t, "INBOX", msgA)
	ts.appendMsg(t, "Junk", msgA)
	c.wantLine(statusLine(t, ts, "Junk", 1, 2, ""))
	c.want("NOOP", "OK NOOP completed.", "* 3 EXISTS")
}

func TestNotifyMailboxNames(t *testing.T) {
	ts := newTestServer(t, nil)
	a := ts.login(t)
	b := ts.login(t)
	a.want("NOTIFY SET (personal (MailboxName SubscriptionChange))", "OK NOTIFY completed.")
	b.ok("CREATE Foo/Bar")
	a.wantLine(`* LIST (\HasChildren) "/" "Foo"`)
	a.wantLine(`* LIST (\HasNoChildren) "/" "Foo/Bar"`)
	b.ok("RENAME Foo Baz")
	a.wantLine(`* LIST (\HasChildren) "/" "Baz" ("OLDNAME" ("Foo"))`)
	b.ok("DELETE Baz/Bar")
	a.wantLine(`* LIST (\NonExistent) "/" "Baz/Bar"`)
	a.wantLine(`* LIST (\HasNoChildren) "/" "Baz"`)
	// Drafts is subscribed from the start.
	b.ok("UNSUBSCRIBE Drafts")
	a.wantLine(`* LIST (\HasNoChildren \Drafts) "/" "Drafts"`)
	b.ok("SUBSCRIBE Drafts")
	a.wantLine(`* LIST (\HasNoChildren \Subscribed \Drafts) "/" "Drafts"`)
	b.ok("RENAME INBOX Old")
	a.wantLine(`* LIST (\HasNoChildren) "/" "Old" ("OLDNAME" ("INBOX"))`)

	// The client's own changes are not echoed (§5 SHOULD).
	wantCreated(t, a, "CREATE Mine")
	a.want("SUBSCRIBE Mine", "OK SUBSCRIBE completed.")
	a.want("RENAME Mine Yours", "OK RENAME completed.")
	a.want("DELETE Yours", "OK DELETE completed.")
	a.quiet()

	// MailboxName for a subtree only.
	a.want("NOTIFY SET (subtree Lists (MailboxName))", "OK NOTIFY completed.")
	b.ok("CREATE Elsewhere")
	b.ok("CREATE Lists")
	a.wantLine(`* LIST (\HasNoChildren) "/" "Lists"`)
	a.quiet()
}

func TestNotifySubscribedFilter(t *testing.T) {
	ts := newTestServer(t, nil)
	a := ts.login(t)
	b := ts.login(t)
	b.ok("UNSUBSCRIBE Trash") // subscribed from the start, like every default mailbox
	a.want("NOTIFY SET (subscribed (MessageNew MessageExpunge))", "OK NOTIFY completed.")
	ts.appendMsg(t, "Trash", msgA)
	a.quiet()
	b.ok("SUBSCRIBE Trash")
	ts.appendMsg(t, "Trash", msgA)
	a.wantLine(statusLine(t, ts, "Trash", 2, 3, ""))
	b.ok("UNSUBSCRIBE Trash")
	ts.appendMsg(t, "Trash", msgA)
	a.quiet()
}

// TestNotifyThreeSessions: changes made over the wire by one session reach
// every session that asked, and no other.
func TestNotifyThreeSessions(t *testing.T) {
	ts := newTestServer(t, nil)
	a, b, c := ts.login(t), ts.login(t), ts.login(t)
	a.want("NOTIFY SET (mailboxes Sent (MessageNew MessageExpunge))", "OK NOTIFY completed.")
	c.want("NOTIFY SET (personal (MessageNew MessageExpunge))", "OK NOTIFY completed.")
	tag := b.nextTag()
	b.writeLine(tag + " " + appendCmd("Sent"))
	if _, st := b.collect(tag); !strings.HasPrefix(st, "OK [APPENDUID") {
		t.Fatalf("APPEND: %s", st)
	}
	a.wantLine(statusLine(t, ts, "Sent", 1, 2, ""))
	c.wantLine(statusLine(t, ts, "Sent", 1, 2, ""))
	b.ok("SELECT Sent")
	b.ok("COPY 1 Archive")
	c.wantLine(statusLine(t, ts, "Archive", 1, 2, ""))
	b.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
	b.ok("EXPUNGE")
	a.wantLine(statusLine(t, ts, "Sent", 0, 2, ""))
	c.wantLine(statusLine(t, ts, "Sent", 0, 2, ""))
	a.quiet()
	b.quiet()
	c.quiet()
}

// TestNotifyOtherUsers: nothing of another user's mailboxes leaks.
func TestNotifyOtherUsers(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := context.Background()
	hash, err := auth.Hash("bob-secret")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := ts.store.CreateUser(ctx, "bob", hash)
	if err != nil {
		t.Fatal(err)
	}
	a := ts.login(t)
	a.want("NOTIFY SET (personal (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange))", "OK NOTIFY completed.")
	b := ts.dial(t)
	b.ok("LOGIN bob bob-secret")
	b.ok("CREATE Drafts/Bob")
	b.ok("SUBSCRIBE INBOX")
	tag := b.nextTag()
	b.writeLine(tag + " " + appendCmd("INBOX"))
	b.collect(tag)
	bobInbox, err := ts.store.Mailbox(ctx, bob.ID, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.store.StoreFlags(ctx, bobInbox.ID, []uint32{1}, store.FlagsAdd, []string{store.FlagSeen}, 0); err != nil {
		t.Fatal(err)
	}
	a.quiet()
	// Alice's own mailbox still works.
	ts.appendMsg(t, "INBOX", msgA)
	a.wantLine(statusLine(t, ts, "INBOX", 1, 2, " UNSEEN 1"))
}

func TestNotifyErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.dial(t)
	c.want("NOTIFY NONE", "BAD Please authenticate first")
	c = ts.login(t)
	for _, tc := range []struct{ args, status string }{
		{"SET (selected (MessageNew MessageExpunge AnnotationChange))", badEventMsg + "Unsupported event ANNOTATIONCHANGE."},
		{"SET (personal (MailboxMetadataChange))", badEventMsg + "Unsupported event MAILBOXMETADATACHANGE."},
		{"SET (personal (ServerMetadataChange))", badEventMsg + "Unsupported event SERVERMETADATACHANGE."},
		{"SET (personal (MessageNew FooEvent))", badEventMsg + "Unsupported event FOOEVENT."},
		{"SET (personal (MessageNew))", "BAD MessageNew and MessageExpunge must be given together."},
		{"SET (personal (MessageExpunge))", "BAD MessageNew and MessageExpunge must be given together."},
		{"SET (personal (FlagChange))", "BAD FlagChange requires MessageNew and MessageExpunge."},
		{"SET (selected (MailboxName))", "BAD Only message events apply to the selected mailbox."},
		{"SET (selected (MessageNew MessageExpunge)) (selected-delayed (MessageNew MessageExpunge))", "BAD Only one of SELECTED and SELECTED-DELAYED may be given."},
		{"SET (personal (MessageNew (UID) MessageExpunge))", "BAD A fetch-att list is only allowed for the selected mailbox."},
		{"SET (selected (MessageNew (BOGUS) MessageExpunge))", `BAD Unknown fetch attribute "BOGUS"`},
		{"SET (everything (MessageNew MessageExpunge))", `BAD Unknown NOTIFY mailbox filter "EVERYTHING"`},
		{"SET (personal ())", "BAD Empty event list"},
		{"SET (personal (MailboxName (UID)))", "BAD A fetch-att list may only follow MessageNew"},
		{"SET STATUSX (personal NONE)", `BAD Expected STATUS or event group, found "STATUSX"`},
		{"SET", "BAD Expected SP after NOTIFY SET"},
		{"GET", "BAD Expected SET or NONE after NOTIFY"},
	} {
		c.want("NOTIFY "+tc.args, tc.status)
	}
	// Nothing of the failed commands is in force; NONE events are fine.
	ts.appendMsg(t, "Drafts", msgA)
	c.quiet()
	c.want("NOTIFY SET (personal NONE)", "OK NOTIFY completed.")
	ts.appendMsg(t, "Drafts", msgA)
	c.quiet()
}

// TestNotifyIdle: IDLE delivers the NOTIFY events too (§4).
func TestNotifyIdle(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.ok("ENABLE IMAP4rev2")
	c.ok("SELECT INBOX")
	c.want("NOTIFY SET (selected (MessageNew (UID) MessageExpunge)) (personal (MessageNew MessageExpunge))", "OK NOTIFY completed.")
	c.writeLine("I1 IDLE")
	c.wantLine("+ idling")
	ts.appendMsg(t, "Junk", msgA)
	c.wantLine(statusLine(t, ts, "Junk", 1, 2, ""))
	ts.appendMsg(t, "INBOX", msgA)
	c.wantLine("* 1 EXISTS")
	c.wantLine("* 1 FETCH (UID 1)")
	c.writeLine("DONE")
	c.wantLine("I1 OK IDLE completed.")
}

// TestNotifyShutdown: a session waiting for a command or a notification
// is told goodbye.
func TestNotifyShutdownAndCompress(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.compress()
	c.want("NOTIFY SET (personal (MessageNew MessageExpunge))", "OK NOTIFY completed.")
	ts.appendMsg(t, "Junk", msgA)
	c.wantLine(statusLine(t, ts, "Junk", 1, 2, ""))
	ts.stop(t)
	c.wantLine("* BYE Server shutting down")
	c.wantClosed()
}

// highestModSeq is the mailbox's HIGHESTMODSEQ as the store reports it.
func (ts *testServer) highestModSeq(t *testing.T, name string) uint64 {
	t.Helper()
	st, err := ts.store.Status(context.Background(), ts.mailbox(t, name).ID)
	if err != nil {
		t.Fatal(err)
	}
	return st.HighestModSeq
}

// TestNotifyStatusCondstore: once CONDSTORE (or QRESYNC) is enabled, every
// STATUS that NOTIFY sends for another mailbox carries HIGHESTMODSEQ
// (RFC 5465 §5.1-§5.3), the initial one included.
func TestNotifyStatusCondstore(t *testing.T) {
	for _, enable := range []string{"CONDSTORE", "QRESYNC"} {
		t.Run(enable, func(t *testing.T) {
			ts := newTestServer(t, nil)
			c := ts.login(t)
			c.ok("ENABLE " + enable)
			modseq := func(extra string) string {
				return fmt.Sprintf("%s HIGHESTMODSEQ %d", extra, ts.highestModSeq(t, "Drafts"))
			}
			c.want("NOTIFY SET STATUS (mailboxes Drafts (MessageNew MessageExpunge))", "OK NOTIFY completed.",
				statusLine(t, ts, "Drafts", 0, 1, modseq("")))
			uid := ts.appendMsg(t, "Drafts", msgA)
			c.wantLine(statusLine(t, ts, "Drafts", 1, 2, modseq("")))
			ts.expunge(t, "Drafts", uid) // the \Deleted is no FlagChange here
			c.wantLine(statusLine(t, ts, "Drafts", 0, 2, modseq("")))
			c.quiet()

			c.want("NOTIFY SET STATUS (mailboxes Drafts (MessageNew MessageExpunge FlagChange))", "OK NOTIFY completed.",
				statusLine(t, ts, "Drafts", 0, 2, modseq(" UNSEEN 0")))
			uid = ts.appendMsg(t, "Drafts", msgA)
			c.wantLine(statusLine(t, ts, "Drafts", 1, 3, modseq(" UNSEEN 1")))
			ts.storeFlags(t, "Drafts", uid, store.FlagsAdd, "$Label")
			c.wantLine(statusLine(t, ts, "Drafts", 1, 3, modseq(" UNSEEN 1")))
			c.quiet()
		})
	}
}
