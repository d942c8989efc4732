package server

import (
	"context"
	"testing"
	"time"

	"roost/internal/store"
	"roost/internal/store/sqlite"
)

func TestPreAuthTimeout(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.PreAuthTimeout = 100 * time.Millisecond })
	c := ts.dial(t)
	c.wantLine("* BYE Autologout; idle for too long")
	c.wantClosed()
}

func TestAuthenticatedTimeoutAndIdleTimeout(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.IdleTimeout = 150 * time.Millisecond })
	c := ts.login(t)
	c.wantLine("* BYE Autologout; idle for too long")
	c.wantClosed()

	c = ts.login(t)
	c.ok("SELECT INBOX")
	c.writeLine("I1 IDLE")
	c.wantLine("+ idling")
	c.wantLine("* BYE Autologout; idle for too long")
	c.wantClosed()
}

func TestShutdownSaysGoodbye(t *testing.T) {
	ts := newTestServer(t, nil)
	waiting := ts.login(t)
	idling := ts.login(t)
	idling.ok("SELECT INBOX")
	idling.writeLine("I1 IDLE")
	idling.wantLine("+ idling")
	fresh := ts.dial(t)

	ts.stop(t)
	for _, c := range []*rawClient{waiting, idling, fresh} {
		c.wantLine("* BYE Server shutting down")
		c.wantClosed()
	}
}

func TestRestartKeepsEverything(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.ok("CREATE Keep/Me")
	c.ok("SUBSCRIBE Keep/Me")
	c.ok("APPEND Keep/Me (\\Flagged) {5+}\r\nhello")
	uv := ts.mailbox(t, "Keep/Me").UIDValidity

	ts.restart(t)
	c = ts.login(t)
	c.want(`LSUB "" "Keep/*"`, "OK LSUB completed.", `* LSUB () "/" "Keep/Me"`)
	c.want("STATUS Keep/Me (MESSAGES UIDNEXT UIDVALIDITY SIZE)", "OK STATUS completed.",
		`* STATUS "Keep/Me" (MESSAGES 1 UIDNEXT 2 UIDVALIDITY `+itoa(uv)+` SIZE 5)`)
}

// panicBackend is the real store with STATUS broken, to see a panic in a
// handler end only its own connection.
type panicBackend struct{ *sqlite.Store }

func (panicBackend) Status(context.Context, int64) (*store.Status, error) {
	panic("status exploded")
}

func TestPanicEndsOnlyThatSession(t *testing.T) {
	ts := newTestServerOpts(t, testOptions{backend: func(s *sqlite.Store) store.Backend { return panicBackend{s} }})
	other := ts.login(t)
	c := ts.login(t)
	c.writeLine("A1 STATUS INBOX (MESSAGES)")
	c.wantLine("* BYE Internal error")
	c.wantClosed()
	other.want("NOOP", "OK NOOP completed.")
	ts.login(t).want("LIST \"\" INBOX", "OK LIST completed.", `* LIST (\HasNoChildren) "/" "INBOX"`)
}

func TestUnauthenticate(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.ok("ENABLE IMAP4rev2")
	c.ok("SELECT INBOX")
	c.want("UNAUTHENTICATE", "OK UNAUTHENTICATE completed.")
	c.want("SELECT INBOX", "BAD Please authenticate first")
	c.want("LOGIN "+harnessUser+" "+harnessPass, "OK [CAPABILITY "+capsCommon+"] Logged in")
	// IMAP4rev2 is off again: names are modified UTF-7.
	c.ok("CREATE Entw&APw-rfe")
	c.want(`LIST "" "Entw*"`, "OK LIST completed.", `* LIST (\HasNoChildren) "/" "Entw&APw-rfe"`)
}
