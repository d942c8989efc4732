package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"roost/internal/store"
)

// inOneGroup starts the writers one after the other while holding the
// write lock, each only once the previous one is queued, then lets them
// go: the first to get the lock runs them all, in this order, in one
// transaction (write.go). It returns their errors.
func inOneGroup(t *testing.T, s *Store, writers ...func() error) []error {
	t.Helper()
	errs := make([]error, len(writers))
	finished := make(chan int, len(writers))
	s.wmu.Lock()
	for i, w := range writers {
		go func() {
			errs[i] = w()
			finished <- i
		}()
		waitQueued(t, s, i+1)
	}
	s.wmu.Unlock()
	for range writers {
		<-finished
	}
	return errs
}

// waitQueued waits (bounded) until n writers wait for the next group.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for range 10000 {
		s.wq.mu.Lock()
		got := len(s.wq.waiting)
		s.wq.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	s.wmu.Unlock()
	t.Fatalf("%d writers never queued", n)
}

type groupFixture struct {
	t     *testing.T
	s     *Store
	users map[string]*store.User
}

func newGroupFixture(t *testing.T, names ...string) *groupFixture {
	t.Helper()
	s := openTest(t, t.TempDir())
	t.Cleanup(func() { s.Close() })
	f := &groupFixture{t: t, s: s, users: make(map[string]*store.User)}
	for _, n := range names {
		u, err := s.CreateUser(context.Background(), n, "x")
		if err != nil {
			t.Fatal(err)
		}
		f.users[n] = u
	}
	return f
}

func (f *groupFixture) mailbox(user, name string) *store.Mailbox {
	f.t.Helper()
	mb, err := f.s.Mailbox(context.Background(), f.users[user].ID, name)
	if err != nil {
		f.t.Fatal(err)
	}
	return mb
}

// appender returns a writer appending one message with the given text,
// storing its result in *uids.
func (f *groupFixture) appender(mailboxID int64, text string, uids *[]uint32) func() error {
	st, err := f.s.Stage(context.Background(), strings.NewReader("Subject: "+text+"\r\n\r\n"+text+"\r\n"), 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return func() error {
		_, got, err := f.s.Append(context.Background(), mailboxID, []store.AppendMessage{{Staged: st}})
		if err != nil {
			f.s.Discard(st)
		}
		*uids = got
		return err
	}
}

func (f *groupFixture) status(mailboxID int64, messages, uidNext uint32) {
	f.t.Helper()
	st, err := f.s.Status(context.Background(), mailboxID)
	if err != nil {
		f.t.Fatal(err)
	}
	if st.Messages != messages || st.UIDNext != uidNext {
		f.t.Fatalf("mailbox %d: %d messages, UIDNEXT %d; want %d, %d", mailboxID, st.Messages, st.UIDNext, messages, uidNext)
	}
}

func (f *groupFixture) check() {
	f.t.Helper()
	problems, err := f.s.Check(context.Background())
	if err != nil || len(problems) > 0 {
		f.t.Fatalf("Check = %q, %v", problems, err)
	}
}

// TestGroupCommitOverQuotaWriterFailsAlone runs four writers in one
// transaction: APPENDs for alice and carol and, between them, a COPY that
// takes bob over his quota only once its rows are in (enforceQuota at the
// end of its savepoint). Bob's COPY fails with ErrOverQuota and leaves
// nothing behind; the others commit with the UIDs and MODSEQs of running
// one after the other, and watchers see their changes in that order.
func TestGroupCommitOverQuotaWriterFailsAlone(t *testing.T) {
	ctx := context.Background()
	f := newGroupFixture(t, "alice", "bob", "carol")
	aliceInbox, carolInbox := f.mailbox("alice", "INBOX"), f.mailbox("carol", "INBOX")
	bobInbox, bobArchive := f.mailbox("bob", "INBOX"), f.mailbox("bob", "Archive")
	var bobUIDs []uint32
	if err := f.appender(bobInbox.ID, "bob's", &bobUIDs)(); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetQuota(ctx, f.users["bob"].ID, store.QuotaLimits{StorageKiB: store.NoLimit, Messages: 1}); err != nil {
		t.Fatal(err)
	}
	aliceWatch, archiveWatch := f.s.Watch(aliceInbox.ID), f.s.Watch(bobArchive.ID)
	defer aliceWatch.Close()
	defer archiveWatch.Close()

	var alice1, alice2, carol []uint32
	var copied *store.CopyResult
	errs := inOneGroup(t, f.s,
		f.appender(aliceInbox.ID, "first", &alice1),
		func() error {
			var err error
			copied, err = f.s.Copy(ctx, bobInbox.ID, bobUIDs, bobArchive.ID)
			return err
		},
		f.appender(carolInbox.ID, "third", &carol),
		f.appender(aliceInbox.ID, "fourth", &alice2),
	)
	if errs[0] != nil || errs[2] != nil || errs[3] != nil {
		t.Fatalf("errors = %v, want only the second to fail", errs)
	}
	if !errors.Is(errs[1], store.ErrOverQuota) || copied != nil {
		t.Fatalf("Copy over quota = %+v, %v; want ErrOverQuota", copied, errs[1])
	}
	if !slices.Equal(alice1, []uint32{1}) || !slices.Equal(alice2, []uint32{2}) || !slices.Equal(carol, []uint32{1}) {
		t.Fatalf("UIDs alice %v %v carol %v; want [1] [2] [1]", alice1, alice2, carol)
	}
	f.status(aliceInbox.ID, 2, 3)
	f.status(carolInbox.ID, 1, 2)
	f.status(bobInbox.ID, 1, 2)
	f.status(bobArchive.ID, 0, 1)
	q, err := f.s.Quota(ctx, f.users["bob"].ID)
	if err != nil || q.Messages != 1 {
		t.Fatalf("bob's quota = %+v, %v; want 1 message", q, err)
	}
	base := aliceInbox.HighestModSeq
	got := aliceWatch.Drain()
	want := []store.Change{
		{Kind: store.MessageAdded, MailboxID: aliceInbox.ID, UID: 1, ModSeq: base + 1},
		{Kind: store.MessageAdded, MailboxID: aliceInbox.ID, UID: 2, ModSeq: base + 2},
	}
	if len(got) != len(want) {
		t.Fatalf("alice's watcher got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Kind != want[i].Kind || got[i].MailboxID != want[i].MailboxID || got[i].UID != want[i].UID || got[i].ModSeq != want[i].ModSeq {
			t.Fatalf("alice's watcher change %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got := archiveWatch.Drain(); len(got) != 0 {
		t.Fatalf("bob's Archive watcher got %+v from a refused COPY", got)
	}
	f.check()
}

// setLimitKiB is a writer that sets a user's storage limit by hand.
func setLimitKiB(s *Store, userID, kib int64, then func(tx *sql.Tx) error) func() error {
	return func() error {
		return s.write(context.Background(), func(tx *sql.Tx, st *txState) error {
			if _, err := tx.Exec("UPDATE quota SET limit_kib = ? WHERE user_id = ?", kib, userID); err != nil {
				return err
			}
			return then(tx)
		})
	}
}

func (f *groupFixture) limitKiB(user string) int64 {
	f.t.Helper()
	q, err := f.s.Quota(context.Background(), f.users[user].ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return q.Limits.StorageKiB
}

// TestGroupCommitWriterErrorUndoesOnlyItsWork: a writer that changed a row
// and then failed gets its own error back and its change is undone; the
// writers before and after it in the same transaction commit.
func TestGroupCommitWriterErrorUndoesOnlyItsWork(t *testing.T) {
	f := newGroupFixture(t, "alice", "bob", "carol")
	refused := errors.New("refused by the writer")
	ok := func(*sql.Tx) error { return nil }
	errs := inOneGroup(t, f.s,
		setLimitKiB(f.s, f.users["alice"].ID, 100, ok),
		setLimitKiB(f.s, f.users["bob"].ID, 200, func(*sql.Tx) error { return refused }),
		setLimitKiB(f.s, f.users["carol"].ID, 300, ok),
	)
	if errs[0] != nil || errs[1] != refused || errs[2] != nil {
		t.Fatalf("errors = %v, want [nil %v nil]", errs, refused)
	}
	if a, b, c := f.limitKiB("alice"), f.limitKiB("bob"), f.limitKiB("carol"); a != 100 || b != store.NoLimit || c != 300 {
		t.Fatalf("limits = %d %d %d, want 100 %d 300", a, b, c, store.NoLimit)
	}
	f.check()
}

// TestGroupCommitTransactionLost: when SQLite rolls back the whole
// transaction under a writer (simulated by a bare ROLLBACK), every writer
// that had run in it gets an error and none of their work stays, and the
// writers that had not run yet commit in a new transaction.
func TestGroupCommitTransactionLost(t *testing.T) {
	f := newGroupFixture(t, "alice", "bob", "carol")
	ok := func(*sql.Tx) error { return nil }
	errs := inOneGroup(t, f.s,
		setLimitKiB(f.s, f.users["alice"].ID, 100, ok),
		setLimitKiB(f.s, f.users["bob"].ID, 200, func(tx *sql.Tx) error {
			_, err := tx.Exec("ROLLBACK")
			return err
		}),
		setLimitKiB(f.s, f.users["carol"].ID, 300, ok),
	)
	if errs[0] == nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("errors = %v, want [error error nil]", errs)
	}
	if a, b, c := f.limitKiB("alice"), f.limitKiB("bob"), f.limitKiB("carol"); a != store.NoLimit || b != store.NoLimit || c != 300 {
		t.Fatalf("limits = %d %d %d, want %d %d 300", a, b, c, store.NoLimit, store.NoLimit)
	}
	// The writer connection is usable again.
	if err := f.s.SetQuota(context.Background(), f.users["bob"].ID, store.QuotaLimits{StorageKiB: 5, Messages: store.NoLimit}); err != nil {
		t.Fatal(err)
	}
	if b := f.limitKiB("bob"); b != 5 {
		t.Fatalf("bob's limit = %d, want 5", b)
	}
	f.check()
}

// TestWriterStatementsKept: the statements of an APPEND are prepared on
// the writer connection once and reused by later transactions.
func TestWriterStatementsKept(t *testing.T) {
	f := newGroupFixture(t, "alice")
	inbox := f.mailbox("alice", "INBOX")
	var uids []uint32
	if err := f.appender(inbox.ID, "one", &uids)(); err != nil {
		t.Fatal(err)
	}
	const find = "SELECT id FROM contents WHERE blob_id = ?"
	f.s.wmu.Lock()
	kept, noted := f.s.wstmts.stmts[find], len(f.s.wstmts.noted)
	f.s.wmu.Unlock()
	if kept == nil || noted != 0 {
		t.Fatalf("after one APPEND: statement kept %v, %d noted; want kept, 0 noted", kept != nil, noted)
	}
	if err := f.appender(inbox.ID, "two", &uids)(); err != nil {
		t.Fatal(err)
	}
	f.s.wmu.Lock()
	again := f.s.wstmts.stmts[find]
	f.s.wmu.Unlock()
	if again != kept || !slices.Equal(uids, []uint32{2}) {
		t.Fatalf("second APPEND: same statement %v, UIDs %v; want true, [2]", again == kept, uids)
	}
	f.status(inbox.ID, 2, 3)
}
