package e2e

import (
	"fmt"
	"math/rand/v2"
	"net"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Crash test bounds: rounds, workers, and how long the load runs before
// the kill. Together about 30-40 s on 2 cores with -race.
const (
	crashRounds   = 5
	crashWorkers  = 3
	crashMaxOps   = 400 // per worker and round
	crashMinLoad  = 300 * time.Millisecond
	crashLoadSpan = 1200 * time.Millisecond
)

// seen is one message as observed in the mailbox after a restart.
type seen struct {
	uid   imap.UID
	flags map[string]bool
}

// tracked is what one worker did to one message in the current round.
// "tried" means the command was sent; "acked" means it got a tagged OK,
// which promises durability (RFC 9051 §2.2.2, and store.Backend's rule that
// a nil error means the change survives kill -9).
type tracked struct {
	id                         string
	baseline                   *seen // nil for a message appended this round
	appendTried, appendAcked   bool
	uid                        imap.UID // from APPENDUID when acked
	flagsTried, flagsAcked     map[string]bool
	expungeTried, expungeAcked bool
}

// TestCrashDurability kills the server with SIGKILL under concurrent
// APPEND/STORE/EXPUNGE load, restarts it, and checks that every change that
// was acknowledged is there, nothing unknown appeared, and the store is
// consistent.
func TestCrashDurability(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))

	data := t.TempDir()
	addUser(t, data, "crash", "crash-pw")
	baseline := map[string]*seen{}

	var pending []*tracked // what the previous round did before its kill
	for round := 1; round <= crashRounds+1; round++ {
		// One server per round: it first verifies what the previous
		// round's kill left behind, then takes this round's load.
		s := startServer(t, data)
		if round > 1 {
			baseline = verifyAfterCrash(t, round-1, s, pending)
			t.Logf("round %d: %d messages appended with OK, %d in the mailbox after restart",
				round-1, countAcked(pending), len(baseline))
		}
		if round > crashRounds {
			if code := s.terminate(); code != 0 {
				t.Fatalf("final SIGTERM: exit %d", code)
			}
			break
		}

		// Split the surviving messages among the workers so that each
		// message has exactly one owner and the outcomes stay knowable.
		owned := make([][]*tracked, crashWorkers)
		ids := make([]string, 0, len(baseline))
		for id := range baseline {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for i, id := range ids {
			b := baseline[id]
			owned[i%crashWorkers] = append(owned[i%crashWorkers], &tracked{
				id: id, baseline: b, uid: b.uid,
				flagsTried: map[string]bool{}, flagsAcked: map[string]bool{},
			})
		}

		var wg sync.WaitGroup
		stop := make(chan struct{})
		ready := make(chan bool, crashWorkers)
		for w := range crashWorkers {
			wg.Add(1)
			wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(w)))
			go func() {
				defer wg.Done()
				owned[w] = crashWorker(s.imapAddr, round, w, owned[w], wrng, ready, stop)
			}()
		}
		// The load starts once every worker has logged in (argon2 makes
		// that slow); the kill comes at a random moment after.
		for range crashWorkers {
			if !<-ready {
				t.Fatalf("round %d: a worker could not log in and select INBOX:\n%s", round, s.log())
			}
		}
		time.Sleep(crashMinLoad + time.Duration(rng.Int64N(int64(crashLoadSpan))))
		if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("round %d: SIGKILL: %v", round, err)
		}
		<-s.done
		close(stop)
		wg.Wait()
		pending = nil
		for _, ms := range owned {
			pending = append(pending, ms...)
		}

		// The store a kill -9 left behind is consistent before any
		// recovery by the next server start.
		r := roost(t, "", "check", "--data", data)
		if r.code != 0 {
			t.Fatalf("round %d: roost check after the kill: exit %d\nstdout: %s\nstderr: %s", round, r.code, r.stdout, r.stderr)
		}
	}
}

func countAcked(ms []*tracked) int {
	n := 0
	for _, m := range ms {
		if m.appendAcked {
			n++
		}
	}
	return n
}

// crashWorker runs random APPEND/STORE/EXPUNGE commands on its own
// messages until the connection dies (the kill) or stop is closed, and
// returns what it tried and what was acknowledged. It reports on ready
// whether it got as far as a selected INBOX.
func crashWorker(addr string, round, worker int, mine []*tracked, rng *rand.Rand, ready chan<- bool, stop <-chan struct{}) []*tracked {
	c, err := imapclient.DialInsecure(addr, &imapclient.Options{Dialer: &net.Dialer{Timeout: 5 * time.Second}})
	if err != nil {
		ready <- false
		return mine
	}
	defer c.Close()
	if c.Login("crash", "crash-pw").Wait() != nil {
		ready <- false
		return mine
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		ready <- false
		return mine
	}
	ready <- true
	for n := 0; n < crashMaxOps; n++ {
		select {
		case <-stop:
			return mine
		default:
		}
		live := liveMessages(mine)
		op := rng.IntN(10)
		switch {
		case len(live) == 0 || op < 5:
			m := &tracked{
				id:          fmt.Sprintf("r%d-w%d-n%d@crash", round, worker, n),
				appendTried: true,
				flagsTried:  map[string]bool{}, flagsAcked: map[string]bool{},
			}
			mine = append(mine, m)
			msg := testMessage(m.id, fmt.Sprintf("crash round %d worker %d #%d", round, worker, n), strings.Repeat("x", rng.IntN(3000)))
			d, err := tryAppend(c, "INBOX", msg)
			if err != nil {
				return mine
			}
			m.appendAcked, m.uid = true, d.UID
		case op < 8:
			m := live[rng.IntN(len(live))]
			flag := fmt.Sprintf("$k%d", rng.IntN(5))
			m.flagsTried[flag] = true
			err := c.Store(imap.UIDSetNum(m.uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.Flag(flag)}}, nil).Close()
			if err != nil {
				return mine
			}
			m.flagsAcked[flag] = true
		default:
			m := live[rng.IntN(len(live))]
			m.flagsTried[`\Deleted`] = true
			err := c.Store(imap.UIDSetNum(m.uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
			if err != nil {
				return mine
			}
			m.flagsAcked[`\Deleted`] = true
			m.expungeTried = true
			if err := c.UIDExpunge(imap.UIDSetNum(m.uid)).Close(); err != nil {
				return mine
			}
			m.expungeAcked = true
		}
	}
	return mine
}

// liveMessages are the messages with a known UID not yet (tried to be)
// expunged.
func liveMessages(ms []*tracked) []*tracked {
	var out []*tracked
	for _, m := range ms {
		if m.uid != 0 && !m.expungeTried {
			out = append(out, m)
		}
	}
	return out
}

// verifyAfterCrash compares the mailbox with what was acknowledged and
// returns the observed state, the baseline of the next round.
func verifyAfterCrash(t *testing.T, round int, s *server, all []*tracked) map[string]*seen {
	t.Helper()
	c, err := imapclient.DialInsecure(s.imapAddr, nil)
	if err != nil {
		t.Fatalf("round %d: dial after restart: %v", round, err)
	}
	defer c.Close()
	login(t, c, "crash", "crash-pw")
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("round %d: EXAMINE INBOX: %v", round, err)
	}
	observed := map[string]*seen{}
	var maxUID imap.UID
	if sel.NumMessages > 0 {
		bufs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, Envelope: true}).Collect()
		if err != nil {
			t.Fatalf("round %d: FETCH 1:*: %v", round, err)
		}
		if uint32(len(bufs)) != sel.NumMessages {
			t.Fatalf("round %d: FETCH 1:* returned %d messages, EXISTS was %d", round, len(bufs), sel.NumMessages)
		}
		sort.Slice(bufs, func(i, j int) bool { return bufs[i].SeqNum < bufs[j].SeqNum })
		for i, b := range bufs {
			if b.SeqNum != uint32(i+1) {
				t.Fatalf("round %d: FETCH returned sequence number %d at position %d", round, b.SeqNum, i+1)
			}
			if b.UID <= maxUID {
				t.Fatalf("round %d: UID %d at sequence %d is not above the previous UID %d", round, b.UID, b.SeqNum, maxUID)
			}
			maxUID = b.UID
			if b.Envelope == nil || b.Envelope.MessageID == "" {
				t.Fatalf("round %d: UID %d has no Message-ID in its ENVELOPE", round, b.UID)
			}
			id := b.Envelope.MessageID
			if observed[id] != nil {
				t.Fatalf("round %d: Message-ID %s at UIDs %d and %d", round, id, observed[id].uid, b.UID)
			}
			flags := map[string]bool{}
			for _, f := range flagStrings(b.Flags) {
				flags[f] = true
			}
			observed[id] = &seen{uid: b.UID, flags: flags}
		}
	}
	if sel.UIDNext <= maxUID {
		t.Errorf("round %d: UIDNEXT %d is not above the highest UID %d", round, sel.UIDNext, maxUID)
	}

	known := map[string]bool{}
	for _, m := range all {
		known[m.id] = true
		got := observed[m.id]
		mustExist := (m.baseline != nil || m.appendAcked) && !m.expungeTried
		switch {
		case m.expungeAcked && got != nil:
			t.Errorf("round %d: %s (UID %d) was expunged with OK but is present", round, m.id, got.uid)
		case mustExist && got == nil:
			t.Errorf("round %d: %s (UID %d) was appended with OK but is missing", round, m.id, m.uid)
		}
		if got == nil {
			continue
		}
		if m.uid != 0 && got.uid != m.uid {
			t.Errorf("round %d: %s has UID %d, but UID %d was acknowledged", round, m.id, got.uid, m.uid)
		}
		allowed := map[string]bool{}
		if m.baseline != nil {
			for f := range m.baseline.flags {
				allowed[f] = true
				if !got.flags[f] {
					t.Errorf("round %d: %s lost flag %s it had before", round, m.id, f)
				}
			}
		}
		for f := range m.flagsAcked {
			if !got.flags[f] {
				t.Errorf("round %d: %s lacks flag %s, stored with OK", round, m.id, f)
			}
		}
		for f := range m.flagsTried {
			allowed[f] = true
		}
		for f := range got.flags {
			if !allowed[f] {
				t.Errorf("round %d: %s has flag %s that nobody stored", round, m.id, f)
			}
		}
	}
	for id, got := range observed {
		if !known[id] {
			t.Errorf("round %d: unknown message %s at UID %d", round, id, got.uid)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return observed
}
