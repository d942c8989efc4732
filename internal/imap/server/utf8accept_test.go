package server

import (
	"strconv"
	"testing"
)

// TestUTF8Accept: ENABLE UTF8=ACCEPT (RFC 6855) switches mailbox names
// and strings to UTF-8 and allows APPEND's UTF8 data item; SEARCH CHARSET
// is refused once it is on.
func TestUTF8Accept(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	msg := "Subject: Grüße\r\nFrom: Jörg <j@x>\r\n\r\nHallo\r\n"
	utf8Lit := "UTF8 (~{" + strconv.Itoa(len(msg)) + "+}\r\n" + msg + ")"
	c.want("APPEND INBOX "+utf8Lit, "BAD UTF8 APPEND data requires ENABLE UTF8=ACCEPT")
	c.ok("CREATE Entw&APw-rfe")

	c.want("ENABLE UTF8=ACCEPT", "OK ENABLE completed.", "* ENABLED UTF8=ACCEPT")
	c.want("ENABLE UTF8=ACCEPT", "OK ENABLE completed.", "* ENABLED")
	c.want(`LIST "" "Entw*"`, "OK LIST completed.", `* LIST (\HasNoChildren) "/" "Entwürfe"`)
	_, st := c.do(`CREATE "Ünïcode"`)
	if st != "OK [MAILBOXID ("+mailboxIDOf(t, ts, "Ünïcode")+")] CREATE completed." {
		t.Fatalf("CREATE: %q", st)
	}
	// RFC 6855 §3 extends quoted strings only: atoms stay ASCII.
	c.want("APPEND Ünïcode "+utf8Lit, "BAD Invalid mailbox name: expected string, found 0xc3")
	_, st = c.do(`APPEND "Ünïcode" ` + utf8Lit)
	if want := "OK [APPENDUID " + itoa(ts.mailbox(t, "Ünïcode").UIDValidity) + " 1] APPEND completed."; st != want {
		t.Fatalf("APPEND: %q, want %q", st, want)
	}
	c.ok(`SELECT "Ünïcode"`)
	c.want("FETCH 1 (ENVELOPE)", "OK Fetch completed.",
		`* 1 FETCH (ENVELOPE (NIL "Grüße" (("Jörg" NIL "j" "x")) (("Jörg" NIL "j" "x")) (("Jörg" NIL "j" "x")) NIL NIL NIL NIL NIL))`)
	c.want(`SEARCH SUBJECT "grüße"`, "OK Search completed.", "* SEARCH 1")
	c.want("SEARCH CHARSET UTF-8 SUBJECT x", "BAD SEARCH CHARSET is not allowed after ENABLE UTF8=ACCEPT")
	c.want(`APPEND "Ünïcode" UTF8 ({1+}`+"\r\nx)", "BAD UTF8 data must be a literal8 (~{n})")
	c.want(`APPEND "Ünïcode" UTF8 (~{1+}`+"\r\nx", `BAD Expected ")" after UTF8 message literal`)
}

func mailboxIDOf(t *testing.T, ts *testServer, name string) string {
	t.Helper()
	mb := ts.mailbox(t, name)
	return objectidMailbox(mb.ID, mb.UIDValidity)
}
