package server

import (
	"slices"
	"testing"
)

func TestRecentSet(t *testing.T) {
	var r recentSet
	r.add(5, 9)
	r.add(10, 12) // adjacent: merged
	r.add(20, 20)
	r.add(30, 25) // empty
	if len(r.runs) != 2 || r.runs[0] != (uidRange{5, 12}) || r.runs[1] != (uidRange{20, 20}) {
		t.Fatalf("runs = %v, want [{5 12} {20 20}]", r.runs)
	}
	for uid, want := range map[uint32]bool{4: false, 5: true, 12: true, 13: false, 19: false, 20: true, 21: false} {
		if got := r.has(uid); got != want {
			t.Errorf("has(%d) = %v, want %v", uid, got, want)
		}
	}
	// The session's UIDs after 6, 11 and 20 were expunged.
	if got := r.count([]uint32{1, 4, 5, 7, 8, 9, 10, 12, 15, 21}); got != 6 {
		t.Errorf("count = %d, want 6", got)
	}
}

// TestRecentNewMailGoesToOneSession: a message that arrives while several
// IMAP4rev1 sessions have the mailbox selected is \Recent in exactly one of
// them (RFC 3501 §2.3.2), however their NOOPs interleave; a message a
// session has not heard of stays recent for the next one.
func TestRecentNewMailGoesToOneSession(t *testing.T) {
	ts := newTestServer(t, nil)
	const n = 4
	var cs []*rawClient
	for range n {
		c := ts.login(t)
		c.ok("SELECT INBOX")
		cs = append(cs, c)
	}
	ts.appendMsg(t, "INBOX", "Subject: new\r\n\r\nx\r\n")
	recentIn := 0
	for i, c := range cs {
		untagged, status := c.do("NOOP")
		if status != "OK NOOP completed." || len(untagged) != 2 || untagged[0] != "* 1 EXISTS" {
			t.Fatalf("session %d: NOOP = %q %q", i, untagged, status)
		}
		switch untagged[1] {
		case "* 1 RECENT":
			recentIn++
			c.want("FETCH 1 FLAGS", "OK Fetch completed.", `* 1 FETCH (FLAGS (\Recent))`)
		case "* 0 RECENT":
			c.want("FETCH 1 FLAGS", "OK Fetch completed.", `* 1 FETCH (FLAGS ())`)
		default:
			t.Fatalf("session %d: %q", i, untagged[1])
		}
	}
	if recentIn != 1 {
		t.Fatalf("message recent in %d sessions, want 1", recentIn)
	}
	// Claimed only through what a session knows: a message that arrives
	// after another session's SELECT is still recent for the next one.
	ts.appendMsg(t, "INBOX", "Subject: newer\r\n\r\nx\r\n")
	late := ts.login(t)
	untagged, _ := late.do("SELECT INBOX")
	if !slices.Contains(untagged, "* 2 EXISTS") || !slices.Contains(untagged, "* 1 RECENT") {
		t.Fatalf("SELECT after a newer message: %q, want 2 EXISTS, 1 RECENT", untagged)
	}
	late.want("FETCH 1:2 FLAGS", "OK Fetch completed.", `* 1 FETCH (FLAGS ())`, `* 2 FETCH (FLAGS (\Recent))`)
}
