package server

// The QRESYNC property at scale: resynchronising a large mailbox costs
// what changed, not what is there. A test checks the exact answer on a
// large mailbox and that SELECT loads no message through Messages (the
// changes come from the store's MODSEQ indexes); a benchmark compares the
// QRESYNC SELECT with a full UID FETCH 1:* (FLAGS) on 100,000 messages:
//
//	go test -run '^$' -bench QResync -benchtime 5x ./internal/imap/server

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"roost/internal/store"
	"roost/internal/store/sqlite"
)

// resyncScenario is what happens to a filled mailbox while a client is
// away: 10 messages change flags, 5 are expunged.
type resyncScenario struct {
	n          int
	since      uint64   // the client's HIGHESTMODSEQ: right after filling
	changed    []uint32 // UIDs whose flags changed, ascending
	changedMS  []uint64 // their new MODSEQs
	expunged   []uint32 // ascending
	highestNow uint64
}

func newResyncScenario(tb testing.TB, b store.Backend, mailboxID int64, n int) *resyncScenario {
	tb.Helper()
	ctx := context.Background()
	sc := &resyncScenario{n: n, since: uint64(n) + 1}
	for k := range 10 {
		sc.changed = append(sc.changed, uint32(k*n/10+7))
	}
	for k := range 5 {
		sc.expunged = append(sc.expunged, uint32(k*n/5+3))
	}
	// Changed in descending UID order: MODSEQ order need not be UID order.
	for i := len(sc.changed) - 1; i >= 0; i-- {
		up, _, err := b.StoreFlags(ctx, mailboxID, sc.changed[i:i+1], store.FlagsAdd, []string{"$Changed"}, 0)
		if err != nil || len(up) != 1 {
			tb.Fatalf("StoreFlags: %v, %v", up, err)
		}
	}
	for i := range sc.changed {
		sc.changedMS = append(sc.changedMS, sc.since+uint64(len(sc.changed)-i))
	}
	if _, _, err := b.StoreFlags(ctx, mailboxID, sc.expunged, store.FlagsAdd, []string{store.FlagDeleted}, 0); err != nil {
		tb.Fatal(err)
	}
	if _, err := b.Expunge(ctx, mailboxID, sc.expunged); err != nil {
		tb.Fatal(err)
	}
	sc.highestNow = sc.since + uint64(len(sc.changed)) + 2*uint64(len(sc.expunged))
	return sc
}

// seq is the sequence number of uid once the expunged messages are gone.
func (sc *resyncScenario) seq(uid uint32) int {
	s := int(uid)
	for _, e := range sc.expunged {
		if e < uid {
			s--
		}
	}
	return s
}

// want is what SELECT (QRESYNC) adds after HIGHESTMODSEQ: one VANISHED
// (EARLIER) and one FETCH per changed message.
func (sc *resyncScenario) want() []string {
	var parts []string
	for _, u := range sc.expunged {
		parts = append(parts, strconv.Itoa(int(u)))
	}
	lines := []string{"* VANISHED (EARLIER) " + strings.Join(parts, ",")}
	for i, u := range sc.changed {
		flags := strings.Join(append(fillFlags(int(u)), "$Changed"), " ")
		lines = append(lines, fmt.Sprintf("* %d FETCH (UID %d FLAGS (%s) MODSEQ (%d))", sc.seq(u), u, flags, sc.changedMS[i]))
	}
	return lines
}

// TestQResyncLargeMailbox: 10 flag changes and 5 expunges in a large
// mailbox come back as exactly 10 FETCH and one VANISHED, and the SELECT
// loads no message (Messages is never called; the flags of the changed
// ones come from the MODSEQ index). 100,000 messages in the benchmark;
// 20,000 here to keep the test fast under -race.
func TestQResyncLargeMailbox(t *testing.T) {
	const n = 20_000
	var cb *countingBackend
	ts := newTestServerOpts(t, testOptions{backend: func(st *sqlite.Store) store.Backend {
		cb = &countingBackend{Store: st}
		return cb
	}})
	inbox := ts.mailbox(t, "INBOX")
	fillMailbox(t, ts.store, inbox.ID, n)
	sc := newResyncScenario(t, ts.store, inbox.ID, n)

	c := ts.login(t)
	c.ok("ENABLE IMAP4rev2 QRESYNC")
	cb.reset()
	got, st := c.do(fmt.Sprintf("SELECT INBOX (QRESYNC (%d %d))", inbox.UIDValidity, sc.since))
	if st != "OK [READ-WRITE] SELECT completed." {
		t.Fatalf("SELECT: %s", st)
	}
	hasLines(t, "SELECT (QRESYNC)", got, fmt.Sprintf("* %d EXISTS", n-len(sc.expunged)),
		fmt.Sprintf("* OK [UIDNEXT %d] Predicted next UID", n+1))
	want := append([]string{fmt.Sprintf("* OK [HIGHESTMODSEQ %d] Highest", sc.highestNow)}, sc.want()...)
	if tail := fromHighestModSeq(t, got); strings.Join(tail, "\n") != strings.Join(want, "\n") {
		t.Fatalf("SELECT (QRESYNC):\n got %q\nwant %q", tail, want)
	}
	if loads, opens := cb.messageLoads.Load(), cb.blobOpens.Load(); loads != 0 || opens != 0 {
		t.Errorf("SELECT (QRESYNC) loaded messages %d times and opened %d blobs, want 0 and 0", loads, opens)
	}

	// CHANGEDSINCE over the whole mailbox finds the same, also without
	// loading anything but the changed messages (one Messages call).
	cb.reset()
	got, st, _ = c.doLong(fmt.Sprintf("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)", sc.since), -1) // INPROGRESS apart
	if st != "OK Fetch completed." || strings.Join(got, "\n") != strings.Join(sc.want(), "\n") {
		t.Fatalf("UID FETCH CHANGEDSINCE VANISHED:\n got %q %q\nwant %q", got, st, sc.want())
	}
	if loads := cb.messageLoads.Load(); loads != 1 {
		t.Errorf("UID FETCH CHANGEDSINCE loaded messages %d times, want 1", loads)
	}
}

// BenchmarkQResync100k: SELECT (QRESYNC) after 10 flag changes and 5
// expunges in a 100,000-message INBOX, next to a full UID FETCH 1:*
// (FLAGS) and a plain SELECT of the same mailbox.
func BenchmarkQResync100k(b *testing.B) {
	const n = 100_000
	srv := startBenchServer(b, b.TempDir())
	fillMailbox(b, srv.store, srv.mbox, n)
	sc := newResyncScenario(b, srv.store, srv.mbox, n)
	mb, err := srv.store.Status(context.Background(), srv.mbox)
	if err != nil {
		b.Fatal(err)
	}
	c := srv.login(b)
	c.run("ENABLE IMAP4rev2 QRESYNC")
	c.run("SELECT INBOX")
	resync := fmt.Sprintf("SELECT INBOX (QRESYNC (%d %d))", mb.UIDValidity, sc.since)
	// Counted: the FETCH and VANISHED responses (other extensions may add
	// responses of their own, such as progress reports).
	count := func(lines []string, sub string) int {
		k := 0
		for _, l := range lines {
			if strings.Contains(l, sub) {
				k++
			}
		}
		return k
	}
	cases := []struct {
		name, cmd       string
		fetches, vanish int
	}{
		{"SelectQResync", resync, 10, 1},
		{"SelectPlain", "SELECT INBOX", 0, 0},
		{"UIDFetchAllFlags", "UID FETCH 1:* (FLAGS)", n - 5, 0},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			c.b = b
			for b.Loop() {
				lines := c.runLines(bc.cmd)
				if f, v := count(lines, " FETCH ("), count(lines, "* VANISHED (EARLIER) "); f != bc.fetches || v != bc.vanish {
					b.Fatalf("%s: %d FETCH and %d VANISHED, want %d and %d", bc.cmd, f, v, bc.fetches, bc.vanish)
				}
			}
		})
	}
}

// runLines is run keeping the untagged responses.
func (c *benchClient) runLines(command string) []string {
	c.b.Helper()
	c.n++
	tag := "B" + strconv.Itoa(c.n)
	c.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c.conn, tag+" "+command+"\r\n"); err != nil {
		c.b.Fatal(err)
	}
	var lines []string
	for range 10_000_000 {
		l := c.line()
		if rest, ok := strings.CutPrefix(l, tag+" "); ok {
			if !strings.HasPrefix(rest, "OK") {
				c.b.Fatalf("%s: %s", command, rest)
			}
			return lines
		}
		lines = append(lines, l)
	}
	c.b.Fatalf("%s: no tagged response", command)
	return nil
}
