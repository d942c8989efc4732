package server

import (
	"testing"
)

// TestBackgroundShedding: under load, a session that iOS Mail marks as
// background traffic in ID (TN3189) is answered NO [UNAVAILABLE], to ID
// and to later commands but LOGOUT, while an interactive session's
// commands succeed. The load is simulated through the meter, so the test
// does not depend on timing.
func TestBackgroundShedding(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.BackgroundLoadThreshold = 4 })
	ts.appendMany(t, "INBOX", 2)
	const (
		background  = `ID ("name" "com.apple.email.maild" "event" "periodic,back-fill")`
		interactive = `ID ("name" "com.apple.email.maild" "event" "periodic,push")`
		idReply     = `* ID ("name" "Roost" "version" "` + Version + `")`
		refused     = "NO [UNAVAILABLE] Server busy; background download postponed"
	)
	bg := ts.login(t)
	fg := ts.login(t)

	// Not under load: background traffic is served like any other.
	bg.want(background, "OK ID completed.", idReply)
	bg.ok("SELECT INBOX")

	ts.srv.load.simulated.Store(4) // four commands in progress elsewhere
	bg.want("UID FETCH 1:* (FLAGS)", refused)
	bg.want(background, refused)
	fg.want(interactive, "OK ID completed.", idReply)
	fg.ok("SELECT INBOX")
	fg.want("UID FETCH 1:* (UID)", "OK Fetch completed.", "* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)")

	// Apple's rule: the event counts only for a "com.apple." client.
	other := ts.login(t)
	other.want(`ID ("name" "Thunderbird" "event" "back-fill")`, "OK ID completed.", idReply)
	other.ok("NOOP")
	// A later ID that no longer says background lifts the refusal.
	idx := ts.login(t)
	idx.want(`ID ("name" "com.apple.email.maild" "event" "indexer")`, refused)
	idx.want("NOOP", refused)
	idx.want(`ID ("name" "com.apple.email.maild" "event" NIL)`, "OK ID completed.", idReply)
	idx.ok("NOOP")

	// Load gone: the background session works again.
	ts.srv.load.simulated.Store(0)
	bg.want("UID FETCH 1:* (UID)", "OK Fetch completed.", "* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)")
	// LOGOUT always goes through.
	ts.srv.load.simulated.Store(100)
	bg.want("LOGOUT", "OK LOGOUT completed.", "* BYE Logging out")
}

// TestLoadMeter: the meter counts commands in progress and compares with
// the threshold, not counting the command being admitted.
func TestLoadMeter(t *testing.T) {
	m := newLoadMeter(2)
	if m.underLoad() {
		t.Fatal("idle meter under load")
	}
	leave1 := m.enter()
	if m.underLoad() {
		t.Fatal("one command in progress, threshold 2: under load")
	}
	leave2 := m.enter()
	if !m.underLoad() {
		t.Fatal("two commands in progress, threshold 2: not under load")
	}
	leave1()
	leave2()
	if m.underLoad() || m.inFlight.Load() != 0 {
		t.Fatalf("after leaving: in flight %d", m.inFlight.Load())
	}
	if off := newLoadMeter(-1); func() bool { off.simulated.Store(1 << 20); return off.underLoad() }() {
		t.Fatal("negative threshold sheds")
	}
}

func TestIsBackgroundID(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		want   bool
	}{
		{map[string]string{"name": "com.apple.email.maild", "event": "back-fill"}, true},
		{map[string]string{"name": "com.apple.email.maild", "event": "periodic, indexer"}, true},
		{map[string]string{"NAME": "com.apple.email.maild", "Event": "Periodic,Back-Fill"}, true},
		{map[string]string{"name": "com.apple.email.maild", "event": "periodic,push"}, false},
		{map[string]string{"name": "com.apple.email.maild", "event": ""}, false},
		{map[string]string{"name": "com.apple.email.maild"}, false},
		{map[string]string{"name": "Thunderbird", "event": "back-fill"}, false},
		{map[string]string{"name": "com.apple.email.maild", "event": "back-filler"}, false},
	} {
		if got := isBackgroundID(tc.params); got != tc.want {
			t.Errorf("isBackgroundID(%v) = %v, want %v", tc.params, got, tc.want)
		}
	}
}
