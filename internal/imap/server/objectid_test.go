package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"roost/internal/objectid"
	"roost/internal/store"
)

// objectIDsOf returns the EMAILID and THREADID the store holds for the
// message uid of the test user's mailbox, spelled as the server sends
// them.
func (ts *testServer) objectIDsOf(t *testing.T, mailbox string, uid uint32) (emailID, threadID string) {
	t.Helper()
	ms, err := ts.store.Messages(context.Background(), ts.mailbox(t, mailbox).ID, []uint32{uid},
		store.FetchOptions{EmailID: true, ThreadID: true})
	if err != nil || len(ms) != 1 {
		t.Fatalf("Messages %s %d: %v %v", mailbox, uid, ms, err)
	}
	return objectid.EmailID(ms[0].EmailID, ms[0].BlobID), objectid.ThreadID(ms[0].ThreadID)
}

// emailIDOf is the EMAILID of the message uid of the test user's mailbox.
func (ts *testServer) emailIDOf(t *testing.T, mailbox string, uid uint32) string {
	t.Helper()
	id, _ := ts.objectIDsOf(t, mailbox, uid)
	return id
}

// TestObjectIDMailbox: MAILBOXID in CREATE, SELECT/EXAMINE and STATUS,
// stable across RENAME, new for a recreated name (RFC 8474 §4).
func TestObjectIDMailbox(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	_, st := c.do("CREATE foo")
	foo := ts.mailbox(t, "foo")
	fooID := objectid.MailboxID(foo.ID, foo.UIDValidity)
	if want := "OK [MAILBOXID (" + fooID + ")] CREATE completed."; st != want {
		t.Fatalf("CREATE: %q, want %q", st, want)
	}
	c.want("STATUS foo (MAILBOXID MESSAGES)", "OK STATUS completed.", `* STATUS "foo" (MAILBOXID (`+fooID+`) MESSAGES 0)`)
	c.ok("RENAME foo bar")
	c.want("STATUS bar (MAILBOXID)", "OK STATUS completed.", `* STATUS "bar" (MAILBOXID (`+fooID+`))`)
	c.ok("CREATE foo")
	foo2 := ts.mailbox(t, "foo")
	if id2 := objectid.MailboxID(foo2.ID, foo2.UIDValidity); id2 == fooID || !objectid.Valid(id2) {
		t.Fatalf("recreated foo has MAILBOXID %q (old %q)", id2, fooID)
	}
	inbox := ts.mailbox(t, "INBOX")
	untagged := c.ok("EXAMINE INBOX")
	want := "* OK [MAILBOXID (" + objectid.MailboxID(inbox.ID, inbox.UIDValidity) + ")] Ok"
	if !contains(untagged, want) {
		t.Fatalf("EXAMINE: %q lacks %q", untagged, want)
	}
	c.want("STATUS bar (MAILBOXID FOO)", `BAD Unknown status item "FOO"`)
	c.want("CREATE bar", "NO [ALREADYEXISTS] Mailbox already exists.")
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// TestObjectIDMessages: EMAILID follows the content through COPY, THREADID
// links replies to their parents in either arrival order, and both work
// as SEARCH keys (RFC 8474 §5).
func TestObjectIDMessages(t *testing.T) {
	ts := newTestServer(t, nil)
	msgs := []string{
		"Message-ID: <root@x>\r\nSubject: root\r\n\r\nroot\r\n",
		"Message-ID: <reply@x>\r\nIn-Reply-To: <root@x>\r\nReferences: <root@x>\r\nSubject: Re: root\r\n\r\nreply\r\n",
		"Message-ID: <other@x>\r\nSubject: other\r\n\r\nother\r\n",
		// A reply that arrives before its parent...
		"Message-ID: <late-reply@x>\r\nReferences: <late@x>\r\nSubject: Re: late\r\n\r\nearly\r\n",
		// ...and the parent, which joins the reply's thread.
		"Message-ID: <late@x>\r\nSubject: late\r\n\r\nlate\r\n",
		"Subject: no ids\r\n\r\nnone\r\n",
	}
	for _, m := range msgs {
		ts.appendMsg(t, "INBOX", m)
	}
	// Replies share their parent's thread (1-2, 4-5); everything else is
	// apart, and each content has its own EMAILID.
	emails, threads := make([]string, len(msgs)), make([]string, len(msgs))
	for i := range msgs {
		emails[i], threads[i] = ts.objectIDsOf(t, "INBOX", uint32(i+1))
	}
	if threads[0] != threads[1] || threads[3] != threads[4] ||
		len(unique(threads)) != 4 || len(unique(emails)) != len(msgs) {
		t.Fatalf("threads %q, emails %q", threads, emails)
	}
	c := ts.login(t)
	c.ok("SELECT INBOX")
	var want []string
	for i := range msgs {
		want = append(want, fmt.Sprintf("* %d FETCH (EMAILID (%s) THREADID (%s))", i+1, emails[i], threads[i]))
	}
	c.want("FETCH 1:* (EMAILID THREADID)", "OK Fetch completed.", want...)

	c.want("UID SEARCH THREADID "+threads[0], "OK Search completed.", "* SEARCH 1 2")
	c.want("SEARCH THREADID "+threads[3], "OK Search completed.", "* SEARCH 4 5")
	c.want("SEARCH THREADID T99", "OK Search completed.", "* SEARCH")
	c.want("SEARCH EMAILID "+emails[2], "OK Search completed.", "* SEARCH 3")
	c.want("SEARCH OR EMAILID "+emails[0]+" THREADID "+threads[5], "OK Search completed.", "* SEARCH 1 6")
	c.want("SEARCH EMAILID", "BAD Expected SP after EMAILID")
	c.want("SEARCH THREADID T.1", `BAD Invalid THREADID objectid "T.1"`)
	c.want("FETCH 1 (EMAILID (X))", `BAD Invalid fetch attribute: expected fetch attribute, found "("`)

	// COPY keeps EMAILID and THREADID (RFC 8474 §5.1).
	c.ok("COPY 2 Archive")
	c.ok("SELECT Archive")
	c.want("UID FETCH 1 (THREADID EMAILID)", "OK Fetch completed.",
		fmt.Sprintf("* 1 FETCH (UID 1 THREADID (%s) EMAILID (%s))", threads[1], emails[1]))
	// The same bytes appended again: same EMAILID, same thread.
	ts.appendMsg(t, "Archive", msgs[3])
	c.ok("NOOP")
	c.want("FETCH 2 (EMAILID THREADID)", "OK Fetch completed.",
		fmt.Sprintf("* 2 FETCH (EMAILID (%s) THREADID (%s))", emails[3], threads[3]))
}

func unique(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

// TestObjectIDSurvivesRestart: thread assignments are stored, not
// recomputed.
func TestObjectIDSurvivesRestart(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "INBOX", "Message-ID: <a@x>\r\n\r\na\r\n")
	ts.appendMsg(t, "INBOX", "Message-ID: <b@x>\r\nReferences: <a@x>\r\n\r\nb\r\n")
	email, thread := ts.objectIDsOf(t, "INBOX", 1)
	ts.restart(t)
	c := ts.login(t)
	c.ok("SELECT INBOX")
	c.want("FETCH 1:2 (THREADID)", "OK Fetch completed.", "* 1 FETCH (THREADID ("+thread+"))", "* 2 FETCH (THREADID ("+thread+"))")
	c.want("FETCH 1 (EMAILID)", "OK Fetch completed.", "* 1 FETCH (EMAILID ("+email+"))")
}

// blobIDOf is the content address (hex SHA-256) of a message.
func blobIDOf(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

func objectidMailbox(id int64, uidValidity uint32) string { return objectid.MailboxID(id, uidValidity) }

// mailboxIDLine is the untagged OK with the MAILBOXID that SELECT and
// EXAMINE send for the test user's mailbox name (RFC 8474 §4.2).
func mailboxIDLine(t *testing.T, ts *testServer, name string) string {
	t.Helper()
	return "* OK [MAILBOXID (" + mailboxIDOf(t, ts, name) + ")] Ok"
}

// wantCreated runs a CREATE that must succeed without untagged responses;
// its tagged OK carries a MAILBOXID (RFC 8474 §4.1), whose exact value
// TestObjectIDMailbox checks.
func wantCreated(t *testing.T, c *rawClient, command string) {
	t.Helper()
	untagged, st := c.do(command)
	if len(untagged) != 0 || !createdRE.MatchString(st) {
		t.Fatalf("%s: %q %q", command, untagged, st)
	}
}

var createdRE = regexp.MustCompile(`^OK \[MAILBOXID \(F[0-9a-z]+-[0-9a-z]+\)\] CREATE completed\.$`)

// TestObjectIDsRevealNothing: MAILBOXID, EMAILID and THREADID of new
// objects are random (RFC 8474 §8): two accounts creating mailboxes and
// receiving the same messages in turn get IDs with no shared counter, no
// order and nothing in common, all within the objectid grammar (§7).
func TestObjectIDsRevealNothing(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "bob")
	alice, bob := ts.login(t), ts.loginAs(t, "bob")
	mailboxIDRE := regexp.MustCompile(`^OK \[MAILBOXID \((F([0-9a-z]+)-[0-9a-z]+)\)\] CREATE completed\.$`)
	emailThreadRE := regexp.MustCompile(`^\* 1 FETCH \(EMAILID \(([^)]*)\) THREADID \(([^)]*)\)\)$`)
	var all []string
	var rowIDs []uint64
	for i := range 4 {
		for _, c := range []*rawClient{alice, bob} {
			_, st := c.do(fmt.Sprintf("CREATE box%d", i))
			m := mailboxIDRE.FindStringSubmatch(st)
			if m == nil {
				t.Fatalf("CREATE: %q", st)
			}
			n, err := strconv.ParseUint(m[2], 36, 64)
			if err != nil {
				t.Fatal(err)
			}
			all, rowIDs = append(all, m[1]), append(rowIDs, n)

			msg := fmt.Sprintf("Message-ID: <m%d@x>\r\nSubject: same\r\n\r\nsame bytes %d\r\n", i, i)
			c.ok(fmt.Sprintf("APPEND box%d {%d+}\r\n%s", i, len(msg), msg))
			c.ok(fmt.Sprintf("SELECT box%d", i))
			got, st := c.do("FETCH 1 (EMAILID THREADID)")
			if len(got) != 1 || st != "OK Fetch completed." {
				t.Fatalf("FETCH: %q %s", got, st)
			}
			ids := emailThreadRE.FindStringSubmatch(got[0])
			if ids == nil {
				t.Fatalf("FETCH: %q", got)
			}
			all = append(all, ids[1], ids[2])
			c.ok("UNSELECT")
		}
	}
	for _, id := range all {
		if !objectid.Valid(id) {
			t.Errorf("%q is not an objectid", id)
		}
	}
	// Same content in two accounts: different EMAILIDs; nothing repeats.
	if len(unique(all)) != len(all) {
		t.Fatalf("IDs repeat: %q", all)
	}
	// Mailbox row IDs: random, far apart, not increasing in creation order.
	increasing := true
	for i := 1; i < len(rowIDs); i++ {
		d := int64(rowIDs[i] - rowIDs[i-1])
		if d > -1<<20 && d < 1<<20 {
			t.Errorf("mailbox IDs %d and %d are close", rowIDs[i-1], rowIDs[i])
		}
		increasing = increasing && rowIDs[i] > rowIDs[i-1]
	}
	if increasing {
		t.Errorf("mailbox IDs increase in creation order: %v", rowIDs)
	}
}
