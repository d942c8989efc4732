package e2e

// TestCrashMixedLoad: kill -9 at a random moment of a mixed load (APPEND,
// STORE, EXPUNGE, COPY, MOVE, CREATE, RENAME on two connections), over and
// over. Each worker owns its mailboxes ("w<k>-..."), so the state it should
// find after a restart is exactly known: everything acknowledged, plus
// possibly the one command that was in flight when the server died, applied
// whole or not at all (a MOVE is in one mailbox, never both or neither; a
// RENAME has one name; a message is complete, byte for byte, or absent).
// UIDs of surviving messages never change, and per mailbox (UIDVALIDITY)
// UIDNEXT and HIGHESTMODSEQ never go down. `roost check` must pass on the
// store each kill leaves behind.

import (
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Bounds: about 2-3 s per round on 2 cores with -race.
const (
	mixedRounds    = 20
	mixedWorkers   = 2
	mixedMinLoad   = 150 * time.Millisecond
	mixedLoadSpan  = 450 * time.Millisecond
	mixedMaxMsgs   = 40 // per worker
	mixedMaxBoxes  = 5  // per worker
	mixedMaxOps    = 400
	mixedUserName  = "mixed"
	mixedUserPass  = "mixed-pw"
	mixedStartBoxN = 2
)

// mxMsg is one message in the model: its UID (0 if not known yet) and
// flags.
type mxMsg struct {
	uid   imap.UID
	flags map[string]bool
}

// mxModel is one worker's mailboxes: name -> Message-ID -> message.
type mxModel map[string]map[string]mxMsg

func (m mxModel) clone() mxModel {
	out := mxModel{}
	for name, msgs := range m {
		c := map[string]mxMsg{}
		for id, msg := range msgs {
			c[id] = mxMsg{uid: msg.uid, flags: maps.Clone(msg.flags)}
		}
		out[name] = c
	}
	return out
}

// mxOp is one command of the load.
type mxOp struct {
	kind     string // append, store, expunge, copy, move, create, rename
	box, dst string // mailbox, and destination (copy, move, rename)
	id       string // Message-ID (append, store, expunge, copy, move)
	flag     string // store
	uid      imap.UID
}

func (o mxOp) String() string {
	return fmt.Sprintf("%s %s %s %s %s", o.kind, o.box, o.id, o.flag, o.dst)
}

// apply returns the model after op succeeded; newUID is the UID the server
// gave a new message (0 if unknown).
func (m mxModel) apply(o mxOp, newUID imap.UID) mxModel {
	out := m.clone()
	switch o.kind {
	case "append":
		out[o.box][o.id] = mxMsg{uid: newUID, flags: map[string]bool{}}
	case "store":
		out[o.box][o.id].flags[o.flag] = true
	case "expunge":
		delete(out[o.box], o.id)
	case "copy":
		out[o.dst][o.id] = mxMsg{uid: newUID, flags: maps.Clone(out[o.box][o.id].flags)}
	case "move":
		out[o.dst][o.id] = mxMsg{uid: newUID, flags: maps.Clone(out[o.box][o.id].flags)}
		delete(out[o.box], o.id)
	case "create":
		out[o.box] = map[string]mxMsg{}
	case "rename":
		out[o.dst] = out[o.box]
		delete(out, o.box)
	}
	return out
}

// mxBody is the exact message for a Message-ID, so that a truncated or
// mixed-up message shows.
func mxBody(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return fmt.Sprintf("Message-ID: <%s>\r\nSubject: %s\r\n\r\n%s\r\n", id, id, strings.Repeat(id+" ", 1+int(h.Sum32()%400)))
}

// mxWorker is one connection's share of the load.
type mxWorker struct {
	k       int
	model   mxModel
	pending *mxOp // the command in flight when the connection died
	acked   int   // acknowledged commands this round
	refused int   // commands answered NO (not applied)
	n       int   // counter for new names
}

// mxCounters are what the test reports at the end.
type mxCounters struct {
	rounds, ackedVerified, inflightApplied, inflightNotApplied int
}

func TestCrashMixedLoad(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x3171))
	data := t.TempDir()
	addUser(t, data, mixedUserName, mixedUserPass)
	start := time.Now()

	workers := make([]*mxWorker, mixedWorkers)
	for k := range workers {
		workers[k] = &mxWorker{k: k, model: mxModel{}}
	}
	marks := map[uint32][2]uint64{} // UIDVALIDITY -> highest UIDNEXT, HIGHESTMODSEQ seen
	var counts mxCounters
	for round := 1; round <= mixedRounds+1; round++ {
		s := startServer(t, data)
		clients := make([]*imapclient.Client, mixedWorkers)
		var wg sync.WaitGroup
		for k := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := imapclient.DialInsecure(s.imapAddr, &imapclient.Options{Dialer: &net.Dialer{Timeout: 10 * time.Second}})
				if err != nil {
					t.Errorf("round %d: dial: %v", round, err)
					return
				}
				if err := c.Login(mixedUserName, mixedUserPass).Wait(); err != nil {
					t.Errorf("round %d: login: %v", round, err)
					c.Close()
					return
				}
				clients[k] = c
			}()
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		if round > 1 {
			for _, w := range workers {
				mxVerify(t, round-1, clients[0], w, marks, &counts)
			}
			counts.rounds++
		}
		if round > mixedRounds {
			for _, c := range clients {
				c.Close()
			}
			if code := s.terminate(); code != 0 {
				t.Fatalf("final SIGTERM: exit %d", code)
			}
			break
		}

		stop := make(chan struct{})
		for k, w := range workers {
			wg.Add(1)
			wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(k)))
			go func() {
				defer wg.Done()
				defer clients[k].Close()
				w.run(clients[k], round, wrng, stop)
			}()
		}
		time.Sleep(mixedMinLoad + time.Duration(rng.Int64N(int64(mixedLoadSpan))))
		if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("round %d: SIGKILL: %v", round, err)
		}
		<-s.done
		close(stop)
		wg.Wait()
		if r := roost(t, "", "check", "--data", data); r.code != 0 {
			t.Fatalf("round %d: roost check after the kill: exit %d\nstdout: %s\nstderr: %s", round, r.code, r.stdout, r.stderr)
		}
	}
	t.Logf("crash rounds survived: %d (kill -9 each, %v in all); acknowledged commands verified: %d; "+
		"commands in flight at the kill: %d found applied whole, %d not applied; UIDNEXT/HIGHESTMODSEQ tracked for %d mailboxes",
		counts.rounds, time.Since(start).Round(time.Second), counts.ackedVerified, counts.inflightApplied, counts.inflightNotApplied, len(marks))
}

// run sends random commands until the connection dies or stop is closed.
// Every command is the pending one until its answer arrives.
func (w *mxWorker) run(c *imapclient.Client, round int, rng *rand.Rand, stop <-chan struct{}) {
	w.acked, w.refused, w.pending = 0, 0, nil
	selected := ""
	for range mixedMaxOps {
		select {
		case <-stop:
			return
		default:
		}
		o, ok := w.next(round, rng)
		if !ok {
			continue
		}
		if o.kind == "store" || o.kind == "expunge" || o.kind == "copy" || o.kind == "move" {
			if selected != o.box {
				if _, err := c.Select(o.box, nil).Wait(); err != nil {
					return
				}
				selected = o.box
			}
		}
		if o.kind == "rename" && selected == o.box {
			if err := c.Unselect().Wait(); err != nil {
				return
			}
			selected = ""
		}
		w.pending = &o
		uid, err := w.send(c, o)
		var ie *imap.Error
		switch {
		case errors.As(err, &ie):
			w.refused++ // answered NO: not applied
		case err != nil:
			return // the kill: o stays pending
		default:
			w.model = w.model.apply(o, uid)
			w.acked++
		}
		w.pending = nil
	}
}

// next picks a command that can succeed given the model.
func (w *mxWorker) next(round int, rng *rand.Rand) (mxOp, bool) {
	boxes := slices.Sorted(maps.Keys(w.model))
	total := 0
	for _, msgs := range w.model {
		total += len(msgs)
	}
	newName := func() string {
		w.n++
		return fmt.Sprintf("w%d-r%dn%d", w.k, round, w.n)
	}
	if len(boxes) < mixedStartBoxN {
		return mxOp{kind: "create", box: newName()}, true
	}
	box := boxes[rng.IntN(len(boxes))]
	ids := slices.Sorted(maps.Keys(w.model[box]))
	pickID := func() string { return ids[rng.IntN(len(ids))] }
	switch r := rng.IntN(100); {
	case r < 30 || len(ids) == 0:
		if total >= mixedMaxMsgs {
			return mxOp{}, false
		}
		w.n++
		return mxOp{kind: "append", box: box, id: fmt.Sprintf("w%d.r%d.%d@crash", w.k, round, w.n)}, true
	case r < 50:
		return mxOp{kind: "store", box: box, id: pickID(), flag: fmt.Sprintf("$k%d", rng.IntN(4))}, true
	case r < 58:
		return mxOp{kind: "store", box: box, id: pickID(), flag: `\Deleted`}, true
	case r < 66:
		for _, id := range ids {
			if w.model[box][id].flags[`\Deleted`] {
				return mxOp{kind: "expunge", box: box, id: id}, true
			}
		}
		return mxOp{}, false
	case r < 88:
		id := pickID()
		var dsts []string
		for _, b := range boxes {
			if _, has := w.model[b][id]; !has {
				dsts = append(dsts, b)
			}
		}
		if len(dsts) == 0 || w.model[box][id].uid == 0 {
			return mxOp{}, false // its UID is learnt at the next verification
		}
		kind := "move"
		if r < 77 {
			if total >= mixedMaxMsgs {
				return mxOp{}, false
			}
			kind = "copy"
		}
		return mxOp{kind: kind, box: box, id: id, dst: dsts[rng.IntN(len(dsts))], uid: w.model[box][id].uid}, true
	case r < 94:
		if len(boxes) >= mixedMaxBoxes {
			return mxOp{}, false
		}
		return mxOp{kind: "create", box: newName()}, true
	default:
		return mxOp{kind: "rename", box: box, dst: newName()}, true
	}
}

// send runs one command and returns the UID a new message got, if the
// server said (APPENDUID).
func (w *mxWorker) send(c *imapclient.Client, o mxOp) (imap.UID, error) {
	switch o.kind {
	case "append":
		body := mxBody(o.id)
		cmd := c.Append(o.box, int64(len(body)), nil)
		if _, err := cmd.Write([]byte(body)); err != nil {
			cmd.Close()
			return 0, err
		}
		if err := cmd.Close(); err != nil {
			return 0, err
		}
		d, err := cmd.Wait()
		if err != nil {
			return 0, err
		}
		return d.UID, nil
	case "store", "expunge":
		uid := w.model[o.box][o.id].uid
		if uid == 0 {
			return 0, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "UID not known yet"}
		}
		if o.kind == "expunge" {
			return 0, c.UIDExpunge(imap.UIDSetNum(uid)).Close()
		}
		return 0, c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.Flag(o.flag)}}, nil).Close()
	case "copy":
		_, err := c.Copy(imap.UIDSetNum(o.uid), o.dst).Wait()
		return 0, err
	case "move":
		_, err := c.Move(imap.UIDSetNum(o.uid), o.dst).Wait()
		return 0, err
	case "create":
		return 0, c.Create(o.box, nil).Wait()
	case "rename":
		return 0, c.Rename(o.box, o.dst, nil).Wait()
	}
	panic("unknown op " + o.kind)
}

// mxVerify reads the worker's mailboxes and requires them to be its model,
// or its model with the pending command applied; the observed state (with
// the UIDs it shows) becomes the model.
func mxVerify(t *testing.T, round int, c *imapclient.Client, w *mxWorker, marks map[uint32][2]uint64, counts *mxCounters) {
	t.Helper()
	observed := mxObserve(t, round, c, w.k, marks)
	candidates := []mxModel{w.model}
	if w.pending != nil {
		candidates = append(candidates, w.model.apply(*w.pending, 0))
	}
	matched := -1
	for i, want := range candidates {
		if mxSame(want, observed) {
			matched = i
			break
		}
	}
	if matched < 0 {
		t.Fatalf("round %d, worker %d: after the restart the mailboxes are\n%s\nwant (all %d acknowledged commands)\n%s\nor, with the command in flight (%v) applied,\n%s",
			round, w.k, mxDump(observed), w.acked, mxDump(w.model), w.pending, mxDump(candidates[len(candidates)-1]))
	}
	counts.ackedVerified += w.acked
	if w.pending != nil {
		if matched == 1 {
			counts.inflightApplied++
		} else {
			counts.inflightNotApplied++
		}
	}
	// UIDs of messages that stayed where they were must not change.
	for name, msgs := range observed {
		for id, got := range msgs {
			if was, ok := w.model[name][id]; ok && was.uid != 0 && was.uid != got.uid {
				t.Fatalf("round %d: %s in %s has UID %d, was %d", round, id, name, got.uid, was.uid)
			}
		}
	}
	w.model, w.pending = observed, nil
}

// mxSame compares mailbox names, Message-IDs and flags (not UIDs).
func mxSame(a, b mxModel) bool {
	if len(a) != len(b) {
		return false
	}
	for name, am := range a {
		bm, ok := b[name]
		if !ok || len(am) != len(bm) {
			return false
		}
		for id, amsg := range am {
			bmsg, ok := bm[id]
			if !ok || !maps.Equal(amsg.flags, bmsg.flags) {
				return false
			}
		}
	}
	return true
}

func mxDump(m mxModel) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "  %s:", name)
		for _, id := range slices.Sorted(maps.Keys(m[name])) {
			fmt.Fprintf(&b, " %s(uid %d %v)", id, m[name][id].uid, slices.Sorted(maps.Keys(m[name][id].flags)))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// mxObserve reads worker k's mailboxes: every message complete, byte for
// byte, UIDs ascending and below UIDNEXT, and UIDNEXT and HIGHESTMODSEQ not
// below what earlier rounds saw.
func mxObserve(t *testing.T, round int, c *imapclient.Client, k int, marks map[uint32][2]uint64) mxModel {
	t.Helper()
	list, err := c.List("", fmt.Sprintf("w%d-*", k), nil).Collect()
	if err != nil {
		t.Fatalf("round %d: LIST: %v", round, err)
	}
	out := mxModel{}
	for _, l := range list {
		st, err := c.Status(l.Mailbox, &imap.StatusOptions{UIDNext: true, UIDValidity: true, HighestModSeq: true, NumMessages: true}).Wait()
		if err != nil {
			t.Fatalf("round %d: STATUS %s: %v", round, l.Mailbox, err)
		}
		prev := marks[st.UIDValidity]
		if uint64(st.UIDNext) < prev[0] || st.HighestModSeq < prev[1] {
			t.Fatalf("round %d: %s (UIDVALIDITY %d) went back: UIDNEXT %d HIGHESTMODSEQ %d, earlier %d and %d",
				round, l.Mailbox, st.UIDValidity, st.UIDNext, st.HighestModSeq, prev[0], prev[1])
		}
		if st.HighestModSeq == 0 {
			t.Fatalf("round %d: STATUS %s gave no HIGHESTMODSEQ", round, l.Mailbox)
		}
		marks[st.UIDValidity] = [2]uint64{uint64(st.UIDNext), st.HighestModSeq}
		msgs := map[string]mxMsg{}
		out[l.Mailbox] = msgs
		if *st.NumMessages == 0 {
			continue
		}
		if _, err := c.Select(l.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			t.Fatalf("round %d: EXAMINE %s: %v", round, l.Mailbox, err)
		}
		section := &imap.FetchItemBodySection{Peek: true}
		bufs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, Envelope: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			t.Fatalf("round %d: FETCH in %s: %v", round, l.Mailbox, err)
		}
		sort.Slice(bufs, func(i, j int) bool { return bufs[i].SeqNum < bufs[j].SeqNum })
		var last imap.UID
		for _, b := range bufs {
			if b.UID <= last || b.UID >= st.UIDNext {
				t.Fatalf("round %d: %s: UID %d after %d, UIDNEXT %d", round, l.Mailbox, b.UID, last, st.UIDNext)
			}
			last = b.UID
			id := b.Envelope.MessageID
			if got := string(b.FindBodySection(section)); got != mxBody(id) {
				t.Fatalf("round %d: %s UID %d (%q) is not the message appended: %d bytes, want %d", round, l.Mailbox, b.UID, id, len(got), len(mxBody(id)))
			}
			if _, dup := msgs[id]; dup {
				t.Fatalf("round %d: %s holds %s twice", round, l.Mailbox, id)
			}
			flags := map[string]bool{}
			for _, f := range b.Flags {
				if f != `\Recent` { // a session's view, not stored
					flags[string(f)] = true
				}
			}
			msgs[id] = mxMsg{uid: b.UID, flags: flags}
		}
		if err := c.Unselect().Wait(); err != nil {
			t.Fatalf("round %d: UNSELECT: %v", round, err)
		}
	}
	return out
}
