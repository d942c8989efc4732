package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"roost/internal/store"
)

// The crash test re-executes the test binary as a child that writes in a
// loop and reports each acknowledged operation on stdout, kills it with
// SIGKILL at a random moment, and checks that the reopened store has every
// acknowledged operation and nothing half done.

const crashEnv = "ROOST_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnv); dir != "" {
		if err := crashChild(dir, os.Getenv("ROOST_CRASH_SEQ")); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func crashMessage(n int) string {
	return fmt.Sprintf("Subject: crash %d\r\n\r\n%s\r\n", n, strings.Repeat("x", n%3000))
}

// crashChild writes until killed. Protocol, one line per event:
//
//	ready
//	BA n1 n2         about to append messages n1..n2 in one Append
//	A n uid          message n was appended as uid (acknowledged)
//	F uid            \Seen and $Crash were added to uid (acknowledged)
//	BX uid           about to expunge uid
//	X uid            uid was expunged (acknowledged)
func crashChild(dir, seqText string) error {
	ctx := context.Background()
	seq, _ := strconv.Atoi(seqText)
	s, err := Open(dir, Options{})
	if err != nil {
		return err
	}
	u, err := s.User(ctx, "crash")
	if err != nil {
		if u, err = s.CreateUser(ctx, "crash", "x"); err != nil {
			return err
		}
	}
	inbox, err := s.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		return err
	}
	out := os.Stdout // unbuffered: each line is one write(2)
	fmt.Fprintln(out, "ready")
	var recent []uint32
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; i < 100000 && time.Now().Before(deadline); i++ {
		count := 1 + i%2
		var msgs []store.AppendMessage
		for k := range count {
			st, err := s.Stage(ctx, strings.NewReader(crashMessage(seq+k)), 0)
			if err != nil {
				return err
			}
			msgs = append(msgs, store.AppendMessage{Staged: st})
		}
		fmt.Fprintf(out, "BA %d %d\n", seq, seq+count-1)
		_, got, err := s.Append(ctx, inbox.ID, msgs)
		if err != nil {
			return err
		}
		for k, uid := range got {
			fmt.Fprintf(out, "A %d %d\n", seq+k, uid)
			recent = append(recent, uid)
		}
		seq += count
		if i%3 == 0 {
			uid := recent[len(recent)-1]
			if _, _, err := s.StoreFlags(ctx, inbox.ID, []uint32{uid}, store.FlagsAdd, []string{store.FlagSeen, "$Crash"}, 0); err != nil {
				return err
			}
			fmt.Fprintf(out, "F %d\n", uid)
		}
		if i%4 == 3 {
			uid := recent[0]
			recent = recent[1:]
			fmt.Fprintf(out, "BX %d\n", uid)
			if _, _, err := s.StoreFlags(ctx, inbox.ID, []uint32{uid}, store.FlagsAdd, []string{store.FlagDeleted}, 0); err != nil {
				return err
			}
			if _, err := s.Expunge(ctx, inbox.ID, []uint32{uid}); err != nil {
				return err
			}
			fmt.Fprintf(out, "X %d\n", uid)
		}
	}
	return s.Close()
}

// crashModel is what the parent knows must be in the store.
type crashModel struct {
	content  map[uint32]int  // uid -> message number, for messages that must exist
	seen     map[uint32]bool // uids whose flag change was acknowledged
	expunged map[uint32]bool
}

func TestCrashRecovery(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	model := crashModel{content: map[uint32]int{}, seen: map[uint32]bool{}, expunged: map[uint32]bool{}}
	deadline := time.Now().Add(20 * time.Second)
	rounds := 0
	for ; rounds < 10 && time.Now().Before(deadline); rounds++ {
		lines := runCrashChild(t, exe, dir, rounds*1_000_000, time.Duration(50+rand.IntN(400))*time.Millisecond)
		verifyAfterCrash(t, dir, lines, &model)
	}
	if rounds < 3 {
		t.Fatalf("only %d crash rounds ran within the time bound", rounds)
	}
	t.Logf("%d rounds, %d messages alive, %d expunged", rounds, len(model.content), len(model.expunged))
}

// runCrashChild starts the child, kills it after it has been writing for
// about killAfter, and returns the lines it printed.
func runCrashChild(t *testing.T, exe, dir string, seq int, killAfter time.Duration) []string {
	t.Helper()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir, fmt.Sprintf("ROOST_CRASH_SEQ=%d", seq))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	linesCh := make(chan []string, 1)
	readyCh := make(chan struct{})
	go func() {
		var lines []string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				close(readyCh)
			}
			lines = append(lines, sc.Text())
		}
		io.Copy(io.Discard, stdout)
		linesCh <- lines
	}()
	select {
	case <-readyCh:
		time.Sleep(killAfter)
	case <-time.After(10 * time.Second):
		t.Error("crash child did not get ready within 10 s")
	}
	cmd.Process.Kill() // SIGKILL: no deferred code, no clean close
	cmd.Wait()
	lines := <-linesCh
	if len(lines) == 0 || lines[0] != "ready" {
		t.Fatalf("crash child printed %q", lines)
	}
	return lines
}

func verifyAfterCrash(t *testing.T, dir string, lines []string, model *crashModel) {
	t.Helper()
	ctx := context.Background()
	var inflightAppend []int // message numbers of an Append not acknowledged
	inflightExpunge := uint32(0)
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		num := func(i int) int {
			n, err := strconv.Atoi(f[i])
			if err != nil {
				t.Fatalf("bad line %q", line)
			}
			return n
		}
		switch f[0] {
		case "BA":
			inflightAppend = nil
			for n := num(1); n <= num(2); n++ {
				inflightAppend = append(inflightAppend, n)
			}
		case "A":
			model.content[uint32(num(2))] = num(1)
			inflightAppend = inflightAppend[1:]
		case "F":
			model.seen[uint32(num(1))] = true
		case "BX":
			inflightExpunge = uint32(num(1))
		case "X":
			uid := uint32(num(1))
			delete(model.content, uid)
			model.expunged[uid] = true
			inflightExpunge = 0
		default:
			t.Fatalf("unexpected line %q", line)
		}
	}

	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("reopen after crash: %v", err)
	}
	defer s.Close()
	problems, err := s.Check(ctx)
	if err != nil || len(problems) > 0 {
		t.Fatalf("Check after crash: %v, %q", err, problems)
	}
	u, err := s.User(ctx, "crash")
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := s.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.Select(ctx, inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Messages(ctx, inbox.ID, snap.UIDs, store.FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var unknown []store.Message
	present := map[uint32]bool{}
	for _, m := range msgs {
		present[m.UID] = true
		if model.expunged[m.UID] {
			t.Fatalf("UID %d is back after its expunge was acknowledged", m.UID)
		}
		n, ok := model.content[m.UID]
		if !ok {
			unknown = append(unknown, m)
			continue
		}
		checkCrashBlob(t, s, m, n)
		if model.seen[m.UID] && !(len(m.Flags) >= 2 && m.Flags[0] == store.FlagSeen && m.Flags[len(m.Flags)-1] == "$Crash") {
			t.Fatalf("UID %d flags %v lack the acknowledged \\Seen $Crash", m.UID, m.Flags)
		}
	}
	for uid := range model.content {
		if !present[uid] && uid != inflightExpunge {
			t.Fatalf("acknowledged UID %d (message %d) is missing", uid, model.content[uid])
		}
		if !present[uid] {
			delete(model.content, uid) // the in-flight expunge made it
			model.expunged[uid] = true
		}
	}
	// Messages nobody acknowledged can only be the whole in-flight Append.
	if len(unknown) != 0 && len(unknown) != len(inflightAppend) {
		t.Fatalf("%d unacknowledged messages present; the Append in flight had %d (all or nothing)", len(unknown), len(inflightAppend))
	}
	for i, m := range unknown {
		checkCrashBlob(t, s, m, inflightAppend[i])
		model.content[m.UID] = inflightAppend[i]
	}
	if len(snap.UIDs) > 0 && snap.Mailbox.UIDNext <= snap.UIDs[len(snap.UIDs)-1] {
		t.Fatalf("UIDNext %d not above the last UID %d", snap.Mailbox.UIDNext, snap.UIDs[len(snap.UIDs)-1])
	}
}

func checkCrashBlob(t *testing.T, s *Store, m store.Message, n int) {
	t.Helper()
	want := crashMessage(n)
	b, err := s.OpenBlob(context.Background(), m.BlobID)
	if err != nil {
		t.Fatalf("UID %d: %v", m.UID, err)
	}
	defer b.Close()
	got, err := io.ReadAll(io.NewSectionReader(b, 0, b.Size()))
	if err != nil || string(got) != want || m.Size != int64(len(want)) {
		t.Fatalf("UID %d: blob %d bytes (size %d), %v; want message %d (%d bytes)", m.UID, len(got), m.Size, err, n, len(want))
	}
}
