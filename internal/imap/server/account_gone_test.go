package server

import (
	"context"
	"testing"
	"time"
)

// TestDeletedAccountSessionsEnd: deleting an account (as roost user delete
// does, through the store) ends its sessions with BYE within a couple of
// seconds: one in IDLE, one selected and waiting between commands, one
// waiting for NOTIFY events. Other accounts' sessions carry on.
func TestDeletedAccountSessionsEnd(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "bob")
	idle := ts.loginAs(t, "bob")
	idle.ok("SELECT INBOX")
	idle.writeLine("I1 IDLE")
	idle.wantLine("+ idling")
	waiting := ts.loginAs(t, "bob")
	waiting.ok("SELECT INBOX")
	notify := ts.loginAs(t, "bob")
	notify.want("NOTIFY SET (personal (MessageNew MessageExpunge))", "OK NOTIFY completed.")
	alice := ts.login(t)
	alice.ok("SELECT INBOX")

	start := time.Now()
	if err := ts.store.DeleteUser(context.Background(), "bob"); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*rawClient{"idle": idle, "waiting": waiting, "notify": notify} {
		c.wantLine("* BYE This account has been deleted.")
		c.wantClosed()
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s session: BYE after %v, want within %v", name, d, 2*accountCheckInterval)
		}
	}
	alice.want("NOOP", "OK NOOP completed.")
}

// TestDeletedAccountNextCommand: a command that runs after the deletion,
// before the server's next look, gets BYE instead of an error.
func TestDeletedAccountNextCommand(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "bob")
	c := ts.loginAs(t, "bob")
	if err := ts.store.DeleteUser(context.Background(), "bob"); err != nil {
		t.Fatal(err)
	}
	c.writeLine("A1 SELECT INBOX")
	c.wantLine("* BYE This account has been deleted.")
	c.wantClosed()
}
