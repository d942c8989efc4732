package e2e

import (
	"sort"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/google/go-cmp/cmp"
)

// TestGoIMAPStartTLS walks one mailbox through its life over STARTTLS with
// the go-imap v2 client, checking every response value.
func TestGoIMAPStartTLS(t *testing.T) {
	data := t.TempDir()
	addUser(t, data, "alice", "correct horse")
	s := startServer(t, data)
	c := dialStartTLS(t, s)

	if err := c.Login("alice", "wrong").Wait(); err == nil {
		t.Fatal("LOGIN with a wrong password succeeded")
	}
	login(t, c, "alice", "correct horse")

	// LIST: the default mailboxes.
	wantNames := []string{"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"}
	if got := listNames(t, c); !cmp.Equal(got, wantNames) {
		t.Fatalf("LIST \"\" *: %v, want %v", got, wantNames)
	}

	// CREATE with a parent that does not exist yet.
	if err := c.Create("Work/Projects", nil).Wait(); err != nil {
		t.Fatalf("CREATE Work/Projects: %v", err)
	}
	wantNames = []string{"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash", "Work", "Work/Projects"}
	if got := listNames(t, c); !cmp.Equal(got, wantNames) {
		t.Fatalf("LIST after CREATE: %v, want %v", got, wantNames)
	}

	// APPEND three messages.
	msgs := []string{
		testMessage("m1@e2e", "first message", "one"),
		testMessage("m2@e2e", "second message", "two two"),
		testMessage("m3@e2e", "third message", "three three three"),
	}
	flags := [][]imap.Flag{nil, {imap.FlagFlagged}, {imap.FlagSeen, "$Work"}}
	for i, m := range msgs {
		if uid := appendMessage(t, c, "INBOX", m, flags[i]...); uid != imap.UID(i+1) {
			t.Fatalf("APPEND #%d: UID %d, want %d", i+1, uid, i+1)
		}
	}

	// SELECT.
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatalf("SELECT INBOX: %v", err)
	}
	if sel.NumMessages != 3 || sel.UIDNext != 4 || sel.UIDValidity == 0 {
		t.Fatalf("SELECT INBOX: %d messages, UIDNEXT %d, UIDVALIDITY %d; want 3, 4, non-zero",
			sel.NumMessages, sel.UIDNext, sel.UIDValidity)
	}

	// FETCH everything a client typically asks for.
	bodySection := &imap.FetchItemBodySection{Peek: true}
	bufs, err := c.Fetch(imap.SeqSetNum(1, 2, 3), &imap.FetchOptions{
		UID: true, Flags: true, RFC822Size: true, Envelope: true,
		BodySection: []*imap.FetchItemBodySection{bodySection},
	}).Collect()
	if err != nil {
		t.Fatalf("FETCH 1:3: %v", err)
	}
	if len(bufs) != 3 {
		t.Fatalf("FETCH 1:3 returned %d messages, want 3", len(bufs))
	}
	sort.Slice(bufs, func(i, j int) bool { return bufs[i].SeqNum < bufs[j].SeqNum })
	subjects := []string{"first message", "second message", "third message"}
	wantFlags := [][]string{{}, {`\Flagged`}, {"$Work", `\Seen`}}
	for i, b := range bufs {
		if b.SeqNum != uint32(i+1) || b.UID != imap.UID(i+1) {
			t.Errorf("message %d: seq %d UID %d", i+1, b.SeqNum, b.UID)
		}
		if got := flagStrings(b.Flags); !cmp.Equal(got, wantFlags[i]) {
			t.Errorf("message %d FLAGS %v, want %v", i+1, got, wantFlags[i])
		}
		if b.RFC822Size != int64(len(msgs[i])) {
			t.Errorf("message %d RFC822.SIZE %d, want %d", i+1, b.RFC822Size, len(msgs[i]))
		}
		if b.Envelope == nil || b.Envelope.Subject != subjects[i] || b.Envelope.MessageID != "m"+string(rune('1'+i))+"@e2e" {
			t.Errorf("message %d ENVELOPE %+v, want subject %q", i+1, b.Envelope, subjects[i])
		} else if len(b.Envelope.From) != 1 || b.Envelope.From[0].Addr() != "alice@example.org" || b.Envelope.From[0].Name != "Alice" {
			t.Errorf("message %d ENVELOPE From %+v, want Alice <alice@example.org>", i+1, b.Envelope.From)
		}
		if got := string(b.FindBodySection(bodySection)); got != msgs[i] {
			t.Errorf("message %d BODY[]:\n%q\nwant\n%q", i+1, got, msgs[i])
		}
	}

	// SEARCH by subject and by flag, with sequence numbers and UIDs.
	sd, err := c.Search(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: "second"}}}, nil).Wait()
	if err != nil {
		t.Fatalf("SEARCH SUBJECT second: %v", err)
	}
	if got := sd.AllSeqNums(); !cmp.Equal(got, []uint32{2}) {
		t.Fatalf("SEARCH SUBJECT second: %v, want [2]", got)
	}
	sd, err = c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		t.Fatalf("UID SEARCH UNSEEN: %v", err)
	}
	if got := sd.AllUIDs(); !cmp.Equal(got, []imap.UID{1, 2}) {
		t.Fatalf("UID SEARCH UNSEEN: %v, want [1 2]", got)
	}
	sd, err = c.Search(&imap.SearchCriteria{Body: []string{"three three"}}, nil).Wait()
	if err != nil {
		t.Fatalf("SEARCH BODY: %v", err)
	}
	if got := sd.AllSeqNums(); !cmp.Equal(got, []uint32{3}) {
		t.Fatalf("SEARCH BODY \"three three\": %v, want [3]", got)
	}

	// STORE +FLAGS returns the new flags.
	stored, err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen, imap.FlagAnswered}}, nil).Collect()
	if err != nil {
		t.Fatalf("STORE 1 +FLAGS: %v", err)
	}
	if len(stored) != 1 || !cmp.Equal(flagStrings(stored[0].Flags), []string{`\Answered`, `\Seen`}) {
		t.Fatalf("STORE 1 +FLAGS (\\Seen \\Answered): %+v, want one message with [\\Answered \\Seen]", stored)
	}

	// COPY message 1 to Work: COPYUID maps 1 -> 1.
	cd, err := c.Copy(imap.SeqSetNum(1), "Work").Wait()
	if err != nil {
		t.Fatalf("COPY 1 Work: %v", err)
	}
	if cd.UIDValidity == 0 || cd.SourceUIDs.String() != "1" || cd.DestUIDs.String() != "1" {
		t.Fatalf("COPY 1 Work: COPYUID %d %v %v, want non-zero 1 1", cd.UIDValidity, cd.SourceUIDs, cd.DestUIDs)
	}

	// MOVE message 2 to Archive: it leaves INBOX.
	md, err := c.Move(imap.SeqSetNum(2), "Archive").Wait()
	if err != nil {
		t.Fatalf("MOVE 2 Archive: %v", err)
	}
	if md.SourceUIDs.String() != "2" || md.DestUIDs.String() != "1" {
		t.Fatalf("MOVE 2 Archive: COPYUID %v %v, want 2 1", md.SourceUIDs, md.DestUIDs)
	}
	if n := c.Mailbox().NumMessages; n != 2 {
		t.Fatalf("after MOVE the client counts %d messages, want 2", n)
	}

	// STORE \Deleted on message 1 and EXPUNGE it.
	if err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatalf("STORE 1 +FLAGS.SILENT \\Deleted: %v", err)
	}
	expunged, err := c.Expunge().Collect()
	if err != nil {
		t.Fatalf("EXPUNGE: %v", err)
	}
	if !cmp.Equal(expunged, []uint32{1}) {
		t.Fatalf("EXPUNGE: %v, want [1]", expunged)
	}

	// What is left where, seen from UIDs.
	checkUIDs(t, c, "INBOX", []imap.UID{3})
	checkUIDs(t, c, "Work", []imap.UID{1})
	checkUIDs(t, c, "Archive", []imap.UID{1})

	st, err := c.Status("Archive", &imap.StatusOptions{NumMessages: true, UIDNext: true, NumUnseen: true}).Wait()
	if err != nil {
		t.Fatalf("STATUS Archive: %v", err)
	}
	if st.NumMessages == nil || *st.NumMessages != 1 || st.UIDNext != 2 || st.NumUnseen == nil || *st.NumUnseen != 1 {
		t.Fatalf("STATUS Archive: %+v, want MESSAGES 1 UIDNEXT 2 UNSEEN 1", st)
	}

	if err := c.Logout().Wait(); err != nil {
		t.Fatalf("LOGOUT: %v", err)
	}
}

// TestGoIMAPImplicitTLS checks the IMAPS port: login, append, fetch.
func TestGoIMAPImplicitTLS(t *testing.T) {
	data := t.TempDir()
	addUser(t, data, "bob", "b0b-secret")
	s := startServer(t, data)
	c := dialTLS(t, s)
	login(t, c, "bob", "b0b-secret")

	msg := testMessage("tls@e2e", "over TLS", "sent over implicit TLS")
	if uid := appendMessage(t, c, "Sent", msg, imap.FlagSeen); uid != 1 {
		t.Fatalf("APPEND: UID %d, want 1", uid)
	}
	if _, err := c.Select("Sent", nil).Wait(); err != nil {
		t.Fatalf("SELECT Sent: %v", err)
	}
	section := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierText}
	bufs, err := c.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		t.Fatalf("UID FETCH 1 BODY[TEXT]: %v", err)
	}
	if len(bufs) != 1 || bufs[0].UID != 1 {
		t.Fatalf("UID FETCH 1: %+v, want one message with UID 1", bufs)
	}
	if got, want := string(bufs[0].FindBodySection(section)), "sent over implicit TLS\r\n"; got != want {
		t.Fatalf("BODY[TEXT] = %q, want %q", got, want)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatalf("LOGOUT: %v", err)
	}
}

func listNames(t testing.TB, c *imapclient.Client) []string {
	t.Helper()
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatalf("LIST: %v", err)
	}
	var names []string
	for _, l := range list {
		if l.Delim != '/' {
			t.Errorf("LIST %q: delimiter %q, want '/'", l.Mailbox, l.Delim)
		}
		names = append(names, l.Mailbox)
	}
	sort.Strings(names)
	return names
}

// checkUIDs selects mailbox and compares its UIDs with want.
func checkUIDs(t testing.TB, c *imapclient.Client, mailbox string, want []imap.UID) {
	t.Helper()
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		t.Fatalf("SELECT %s: %v", mailbox, err)
	}
	sd, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		t.Fatalf("UID SEARCH ALL in %s: %v", mailbox, err)
	}
	if got := sd.AllUIDs(); !cmp.Equal(got, want) {
		t.Fatalf("UIDs in %s: %v, want %v", mailbox, got, want)
	}
}
