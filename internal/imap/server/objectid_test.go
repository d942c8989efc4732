package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"testing"

	"roost/internal/objectid"
)

// emailIDOf is the EMAILID the server gives a message with these bytes.
func emailIDOf(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return objectid.EmailID(hex.EncodeToString(sum[:]))
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
	threads := []string{"T1", "T1", "T2", "T3", "T3", "T4"}
	c := ts.login(t)
	c.ok("SELECT INBOX")
	var want []string
	for i, m := range msgs {
		want = append(want, fmt.Sprintf("* %d FETCH (EMAILID (%s) THREADID (%s))", i+1, emailIDOf(m), threads[i]))
	}
	c.want("FETCH 1:* (EMAILID THREADID)", "OK Fetch completed.", want...)

	c.want("UID SEARCH THREADID T1", "OK Search completed.", "* SEARCH 1 2")
	c.want("SEARCH THREADID T3", "OK Search completed.", "* SEARCH 4 5")
	c.want("SEARCH THREADID T99", "OK Search completed.", "* SEARCH")
	c.want("SEARCH EMAILID "+emailIDOf(msgs[2]), "OK Search completed.", "* SEARCH 3")
	c.want("SEARCH OR EMAILID "+emailIDOf(msgs[0])+" THREADID T4", "OK Search completed.", "* SEARCH 1 6")
	c.want("SEARCH EMAILID", "BAD Expected SP after EMAILID")
	c.want("SEARCH THREADID T.1", `BAD Invalid THREADID objectid "T.1"`)
	c.want("FETCH 1 (EMAILID (X))", `BAD Invalid fetch attribute: expected fetch attribute, found "("`)

	// COPY keeps EMAILID and THREADID (RFC 8474 §5.1).
	c.ok("COPY 2 Archive")
	c.ok("SELECT Archive")
	c.want("UID FETCH 1 (THREADID EMAILID)", "OK Fetch completed.",
		fmt.Sprintf("* 1 FETCH (UID 1 THREADID (T1) EMAILID (%s))", emailIDOf(msgs[1])))
	// The same bytes appended again: same EMAILID, same thread.
	ts.appendMsg(t, "Archive", msgs[3])
	c.ok("NOOP")
	c.want("FETCH 2 (EMAILID THREADID)", "OK Fetch completed.",
		fmt.Sprintf("* 2 FETCH (EMAILID (%s) THREADID (T3))", emailIDOf(msgs[3])))
}

// TestObjectIDSurvivesRestart: thread assignments are stored, not
// recomputed.
func TestObjectIDSurvivesRestart(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "INBOX", "Message-ID: <a@x>\r\n\r\na\r\n")
	ts.appendMsg(t, "INBOX", "Message-ID: <b@x>\r\nReferences: <a@x>\r\n\r\nb\r\n")
	ts.restart(t)
	c := ts.login(t)
	c.ok("SELECT INBOX")
	c.want("FETCH 1:2 (THREADID)", "OK Fetch completed.", "* 1 FETCH (THREADID (T1))", "* 2 FETCH (THREADID (T1))")
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
