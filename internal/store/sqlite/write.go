package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"roost/internal/store"
	"roost/internal/store/blob"
)

// Group commit. Every write is durable when it returns: its blobs fsynced
// and renamed, their directories fsynced, and the SQLite commit fsynced
// (WAL, synchronous=FULL). Done one write at a time, concurrent APPENDs of
// one message each would queue behind one another's fsyncs. Instead, the
// writes that arrive while a transaction commits wait together, and the
// first of them to get the write lock runs them all in the next
// transaction, each in its own SAVEPOINT:
//
//   - a writer's error (over quota, a constraint, a missing mailbox) rolls
//     back to its savepoint, so it undoes only that writer's work and is
//     returned to that writer alone; the others still commit;
//   - quota (enforceQuota), owners (resolveUsers) and per-user \Seen
//     (resolveSeen) are settled per writer inside its savepoint, exactly as
//     they were per transaction;
//   - the directory fsyncs of all the writers' blobs run in the background
//     while the transaction goes on, each directory once, and the commit
//     waits for them: nothing is committed that refers to a blob not yet
//     durable;
//   - one COMMIT, one WAL fsync, for all; a failed commit fails every
//     writer of the group, and changes nothing;
//   - after the commit, each writer's changes are published in the order
//     the writers ran, which is MODSEQ order in every mailbox, still under
//     the write lock.
//
// SQLite rolls back a whole transaction on a few errors (an interrupted
// statement, a full disk, an I/O error). The savepoint is then gone, which
// the writer's RELEASE or ROLLBACK TO reveals: every writer that had run in
// that transaction gets an error (its work is gone), and those that had
// not run yet go on in a fresh transaction.

// maxGroup bounds the writers in one transaction, and so how long one of
// them waits for the others' work.
const maxGroup = 64

// txState collects what one writer's work did, to act on after commit.
type txState struct {
	changes   map[int64][]store.Change
	order     []int64  // mailboxes in the order they first changed
	freedBlob []string // blobs whose last content row was deleted
	// namespace holds MailboxCreated/Renamed/Deleted and
	// SubscriptionChanged changes for user watchers (userfeed.go).
	namespace []store.Change
	owner     map[int64]int64 // mailbox ID → user ID, for PublishOwned
	// dirs fsyncs the directories of the blobs placed in this
	// transaction (blob.Store.Place); shared by the writers of a group.
	dirs *blob.DirSyncs
	// stmts runs statements kept prepared across transactions
	// (writestmts.go); shared by the writers of a group.
	stmts *txStmts
}

func (st *txState) publish(c store.Change) {
	if st.changes == nil {
		st.changes = make(map[int64][]store.Change)
	}
	if _, ok := st.changes[c.MailboxID]; !ok {
		st.order = append(st.order, c.MailboxID)
	}
	st.changes[c.MailboxID] = append(st.changes[c.MailboxID], c)
}

// writeRequest is one call of write waiting for, or done by, a group.
type writeRequest struct {
	fn  func(tx *sql.Tx, st *txState) error
	st  txState
	err error
	// done: the request ran and its group committed or failed. Set and
	// read under Store.wmu.
	done bool
}

// writeQueue holds the requests that wait for the next group.
type writeQueue struct {
	mu      sync.Mutex
	waiting []*writeRequest
}

func (q *writeQueue) add(r *writeRequest) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.waiting = append(q.waiting, r)
}

// take removes and returns up to maxGroup requests, oldest first.
func (q *writeQueue) take() []*writeRequest {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.waiting), maxGroup)
	group := q.waiting[:n:n]
	q.waiting = q.waiting[n:]
	if len(q.waiting) == 0 {
		q.waiting = nil
	}
	return group
}

// write runs fn in a transaction on the writer connection, possibly
// together with other writers' work (group commit, above), commits,
// publishes the changes fn recorded and removes the blobs it freed. A nil
// error means fn's work is committed durably; an error means none of it
// is. Once started, a write is not cancelled by ctx: it is short, and a
// caller must be able to trust that an error means "not done".
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx, st *txState) error) error {
	ctx = context.WithoutCancel(ctx)
	req := &writeRequest{fn: fn}
	s.wq.add(req)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	// Whoever held the lock may have run this request already; if not,
	// it is still queued, and this caller leads the next group.
	for !req.done {
		group := s.wq.take()
		for len(group) > 0 {
			group = s.commitGroup(ctx, group)
		}
	}
	return req.err
}

// commitGroup runs the requests in one transaction and marks them done.
// If SQLite rolled the transaction back midway, it returns the requests
// that had not run yet, to run in another. Caller holds wmu.
func (s *Store) commitGroup(ctx context.Context, group []*writeRequest) (notRun []*writeRequest) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range group {
			r.err, r.done = mapErr(err), true
		}
		return nil
	}
	var dirs blob.DirSyncs
	stmts := s.wstmts.forTx(tx)
	ran := 0
	var lost error // the transaction is gone, and why
	for _, r := range group {
		r.st = txState{dirs: &dirs, stmts: stmts}
		ran++
		if lost = runWriter(ctx, tx, r); lost != nil {
			break
		}
	}
	// Blobs placed by any writer, even one rolled back, may be shared
	// by another that found them in place: all are waited for.
	if err := dirs.Wait(); err != nil && lost == nil {
		lost = err
	}
	if lost == nil {
		if err := tx.Commit(); err != nil {
			lost = mapErr(err)
		}
	} else {
		tx.Rollback()
	}
	// The connection is free again: prepare for good the statements
	// this transaction used for the first time.
	s.wstmts.prepareNoted(ctx, s.w)
	done := group[:ran]
	var freed []string
	for _, r := range done {
		r.done = true
		if r.err != nil {
			continue
		}
		if lost != nil {
			r.err = fmt.Errorf("sqlite: transaction rolled back: %w", lost)
			continue
		}
		for _, id := range r.st.order {
			s.hub.PublishOwned(r.st.owner[id], id, r.st.changes[id])
		}
		r.st.publishNamespace(s.hub)
		freed = append(freed, r.st.freedBlob...)
	}
	if len(freed) > 0 {
		// The metadata no longer refers to these blobs. Another process
		// may have stored the same content since, so re-check under the
		// database write lock. Failure only leaves garbage for GC.
		_ = s.removeUnreferenced(ctx, freed)
	}
	return group[ran:]
}

// runWriter runs one request's work in its own savepoint, followed by the
// checks that used to end its own transaction. Its error is r.err, and
// undoes only its work. The returned error is not nil if the transaction
// itself is gone.
func runWriter(ctx context.Context, tx *sql.Tx, r *writeRequest) (lost error) {
	q := r.st.stmts
	if _, err := q.ExecContext(ctx, "SAVEPOINT writer"); err != nil {
		r.err = mapErr(err)
		return r.err
	}
	err := r.fn(tx, &r.st)
	if err == nil {
		// Quota limits are checked once the writer's changes are all in
		// (quota.go).
		err = enforceQuota(ctx, q)
	}
	if err == nil {
		err = r.st.resolveUsers(ctx, q)
	}
	if err == nil {
		err = r.st.resolveSeen(ctx, q) // per-user \Seen, seen.go
	}
	if err == nil {
		if _, err := q.ExecContext(ctx, "RELEASE writer"); err != nil {
			r.err = mapErr(err)
			return r.err
		}
		return nil
	}
	r.err = mapErr(err)
	r.st = txState{stmts: q}
	// Either fails only if SQLite already rolled back the transaction.
	if _, err := q.ExecContext(ctx, "ROLLBACK TO writer"); err != nil {
		return errors.Join(r.err, err)
	}
	if _, err := q.ExecContext(ctx, "RELEASE writer"); err != nil {
		return errors.Join(r.err, err)
	}
	return nil
}

// removeUnreferenced deletes those blobs no content row refers to, holding
// the database write lock so that no other process can start referring to
// one meanwhile. Caller holds wmu.
func (s *Store) removeUnreferenced(ctx context.Context, ids []string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, id := range ids {
		if s.pins.deferRemoval(id) { // an APPEND in flight placed it (pins.go)
			continue
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM contents WHERE blob_id = ?", id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if err := s.blobs.Remove(id); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}
