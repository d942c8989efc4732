package server

import (
	"encoding/base64"
	"strings"
	"testing"
)

const capsCommon = "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT UNAUTHENTICATE " +
	"CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE MULTIAPPEND UIDPLUS MOVE " +
	"ESEARCH SEARCHRES BINARY STATUS=SIZE CONDSTORE QRESYNC COMPRESS=DEFLATE NOTIFY SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES ESORT CONTEXT=SEARCH CONTEXT=SORT OBJECTID SAVEDATE PREVIEW WITHIN REPLACE UTF8=ACCEPT INPROGRESS UIDONLY PARTIAL UIDBATCHES APPENDLIMIT=67108864 ACL RIGHTS=texk QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE QUOTASET METADATA"

func TestGreetingAndCapability(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.dial(t)
	if want := "* OK [CAPABILITY " + capsCommon + " " + capsAuth + "] Roost ready."; c.greeting != want {
		t.Fatalf("greeting %q, want %q", c.greeting, want)
	}
	c.want("CAPABILITY", "OK CAPABILITY completed.", "* CAPABILITY "+capsCommon+" "+capsAuth)
	c.want("NOOP", "OK NOOP completed.")
	c.want("LOGIN "+harnessUser+" "+harnessPass, "OK [CAPABILITY "+capsCommon+"] Logged in")
	c.want("CAPABILITY", "OK CAPABILITY completed.", "* CAPABILITY "+capsCommon)
	c.want("LOGOUT", "OK LOGOUT completed.", "* BYE Logging out")
	c.wantClosed()
}

func TestLoginFailures(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.dial(t)
	c.want("LOGIN "+harnessUser+" wrong", "NO [AUTHENTICATIONFAILED] Authentication failed.")
	c.want("LOGIN nobody "+harnessPass, "NO [AUTHENTICATIONFAILED] Authentication failed.")
	c.want("SELECT INBOX", "BAD Please authenticate first")
	// The third failure ends the session.
	c.writeLine("A9 LOGIN x y")
	c.wantLine("* BYE Too many authentication failures")
	c.wantClosed()
}

func TestAuthenticatePlain(t *testing.T) {
	ts := newTestServer(t, nil)
	plain := func(authz, user, pass string) string {
		return base64.StdEncoding.EncodeToString([]byte(authz + "\x00" + user + "\x00" + pass))
	}
	t.Run("initial response", func(t *testing.T) {
		c := ts.dial(t)
		c.want("AUTHENTICATE PLAIN "+plain("", harnessUser, harnessPass), "OK [CAPABILITY "+capsCommon+"] Logged in")
	})
	t.Run("continuation", func(t *testing.T) {
		c := ts.dial(t)
		c.writeLine("A1 AUTHENTICATE PLAIN")
		c.wantLine("+ ")
		c.writeLine(plain(harnessUser, harnessUser, harnessPass))
		c.wantLine("A1 OK [CAPABILITY " + capsCommon + "] Logged in")
	})
	t.Run("cancel, bad base64, wrong password, other mechanism", func(t *testing.T) {
		c := ts.dial(t)
		c.writeLine("A1 AUTHENTICATE PLAIN")
		c.wantLine("+ ")
		c.writeLine("*")
		c.wantLine("A1 BAD Authentication canceled.")
		c.writeLine("A2 AUTHENTICATE PLAIN")
		c.wantLine("+ ")
		c.writeLine("%%%")
		c.wantLine("A2 BAD Invalid base64 data in authentication response.")
		c.n = 2
		c.want("AUTHENTICATE PLAIN "+plain("", harnessUser, "nope"), "NO [AUTHENTICATIONFAILED] Authentication failed.")
		c.want("AUTHENTICATE CRAM-MD5", "NO Unsupported authentication mechanism.")
		c.want("AUTHENTICATE PLAIN "+plain("bob", harnessUser, harnessPass), "NO [AUTHORIZATIONFAILED] Authorization as another user is not permitted.")
		c.want("AUTHENTICATE PLAIN "+base64.StdEncoding.EncodeToString([]byte("no-nuls")), "BAD Invalid PLAIN authentication response.")
		c.want("NOOP", "OK NOOP completed.")
	})
}

func TestWrongStateAndMalformed(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.dial(t)
	c.want("FETCH 1 FLAGS", "BAD Please authenticate first")
	c.want("ENABLE IMAP4rev2", "BAD Please authenticate first")
	c.want("CLOSE", "BAD Please authenticate first")
	c.want("LOGIN "+harnessUser+" "+harnessPass, "OK [CAPABILITY "+capsCommon+"] Logged in")
	c.want("LOGIN a b", "BAD Already authenticated")
	c.want("AUTHENTICATE PLAIN", "BAD Already authenticated")
	c.want("STARTTLS", "BAD Already authenticated")
	c.want("FETCH 1 FLAGS", "BAD No mailbox selected")
	c.want("CLOSE", "BAD No mailbox selected")
	c.want("UNSELECT", "BAD No mailbox selected")
	c.want("EXPUNGE", "BAD No mailbox selected")

	// Malformed commands: BAD, and the session goes on.
	c.want("FROBNICATE", `BAD Unknown command "FROBNICATE"`)
	c.want("SELECT", "BAD Expected SP after command")
	c.writeLine("")
	c.wantLine("* BAD Empty command line")
	c.want("NOOP", "OK NOOP completed.")

	c.want("SELECT INBOX", "OK [READ-WRITE] SELECT completed.",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)] Flags permitted.`,
		"* 0 EXISTS", "* 0 RECENT",
		"* OK [UIDVALIDITY "+itoa(ts.mailbox(t, "INBOX").UIDValidity)+"] UIDs valid",
		"* OK [UIDNEXT 1] Predicted next UID", mailboxIDLine(t, ts, "INBOX"))
	c.want("ENABLE IMAP4rev2", "BAD Command not allowed in this state")
}

func TestIDNamespaceEnable(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.dial(t)
	c.want(`ID ("name" "test")`, "OK ID completed.", `* ID ("name" "Roost" "version" "`+Version+`")`)
	c.want(`ID NIL`, "OK ID completed.", `* ID ("name" "Roost" "version" "`+Version+`")`)
	c.want("LOGIN "+harnessUser+" "+harnessPass, "OK [CAPABILITY "+capsCommon+"] Logged in")
	c.want("NAMESPACE", "OK NAMESPACE completed.", `* NAMESPACE (("" "/")) (("Other Users/" "/")) (("Shared/" "/"))`)
	c.want("ENABLE FOO CONDSTORE", "OK ENABLE completed.", "* ENABLED CONDSTORE")
	c.want("ENABLE IMAP4rev2", "OK ENABLE completed.", "* ENABLED IMAP4rev2")
	c.want("ENABLE IMAP4rev2", "OK ENABLE completed.", "* ENABLED")
	c.want("CHECK", "BAD No mailbox selected")
}

func TestOverlongLine(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.MaxLine = 200 })
	c := ts.login(t)
	_, st := c.do(`LIST "" "` + strings.Repeat("x", 500) + `"`)
	if st != "BAD Command line too long" {
		t.Fatalf("overlong line: %q", st)
	}
	c.want("NOOP", "OK NOOP completed.")
}
