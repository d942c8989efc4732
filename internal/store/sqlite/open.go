package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	sqlite "modernc.org/sqlite"

	"roost/internal/store"
	"roost/internal/store/blob"
)

// Options tune Open. The zero value is right for the server.
type Options struct {
	// Readers is the size of the read connection pool; 0 means 4.
	Readers int
	// NoGC skips the collection of unreferenced blobs and stale temporary
	// files at Open. Short-lived tools (the CLI) set it so that they do not
	// walk the blob directory while the server runs.
	NoGC bool
	// GCMinAge: the GC at Open leaves alone files younger than this, which
	// may belong to work in flight in another process. 0 means 1 hour.
	GCMinAge time.Duration
	// RollbackJournal uses SQLite's rollback journal instead of WAL. It
	// exists only for the benchmarks that justify WAL: with it, readers and
	// the writer block each other.
	RollbackJournal bool
}

// Store is a store.Backend on SQLite plus blob files.
type Store struct {
	dir   string
	blobs *blob.Store
	hub   *store.Hub

	// wmu serialises writes in this process. Changes are published while
	// it is still held so that watchers see them in commit (MODSEQ) order.
	wmu sync.Mutex
	w   *sql.DB // one connection, BEGIN IMMEDIATE
	r   *sql.DB // readers

	sel     *selectCache // what SELECT needs of big mailboxes (selectcache.go)
	claimed recentMemo   // how far \Recent is known to be claimed (recent.go)
}

var _ store.Backend = (*Store)(nil)

// Open opens or creates the store in dir: dir/roost.db and the blob
// directories. Several processes may open the same dir at once.
func Open(dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	blobs, err := blob.Open(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: dir, blobs: blobs, hub: store.NewHub(), sel: newSelectCache()}
	path := filepath.Join(dir, "roost.db")
	if s.w, err = openDB(path, opts, false); err != nil {
		return nil, err
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	ctx := context.Background()
	if err := migrate(ctx, s.w); err != nil {
		s.w.Close()
		return nil, err
	}
	if s.r, err = openDB(path, opts, true); err != nil {
		s.w.Close()
		return nil, err
	}
	n := opts.Readers
	if n <= 0 {
		n = 4
	}
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)
	if !opts.NoGC {
		minAge := opts.GCMinAge
		if minAge <= 0 {
			minAge = time.Hour
		}
		if _, err := s.GC(ctx, minAge); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func openDB(path string, opts Options, reader bool) (*sql.DB, error) {
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	// FULL: a commit is fsynced (in WAL mode, the WAL) before it returns,
	// so a nil error means durable even across power loss.
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "1")
	if opts.RollbackJournal {
		q.Set("_journal_mode", "DELETE")
	} else {
		q.Set("_journal_mode", "WAL")
	}
	if reader {
		q.Set("_txlock", "deferred")
		q.Set("_query_only", "1")
		// Scans of a big mailbox (SEARCH, FETCH 1:*) read the database
		// through a memory map instead of one pread per page.
		q.Add("_pragma", "mmap_size(1073741824)")
	} else {
		// Take the write lock at BEGIN: a deferred transaction that reads
		// and then writes can fail with SQLITE_BUSY without waiting.
		q.Set("_txlock", "immediate")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	return db, nil
}

// Close closes the databases. Watchers get no more changes.
func (s *Store) Close() error {
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	return errors.Join(errs...)
}

// Watch implements store.Backend.
func (s *Store) Watch(mailboxID int64) *store.Watcher { return s.hub.Watch(mailboxID) }

// txState collects what a write transaction did, to act on after commit.
type txState struct {
	changes   map[int64][]store.Change
	order     []int64  // mailboxes in the order they first changed
	freedBlob []string // blobs whose last content row was deleted
	// namespace holds MailboxCreated/Renamed/Deleted and
	// SubscriptionChanged changes for user watchers (userfeed.go).
	namespace []store.Change
	owner     map[int64]int64 // mailbox ID → user ID, for PublishOwned
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

// write runs fn in an IMMEDIATE transaction on the writer connection,
// commits, publishes the changes fn recorded and removes the blobs it freed.
// Once started, a write is not cancelled by ctx: it is short, and a caller
// must be able to trust that an error means "not done".
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx, st *txState) error) error {
	ctx = context.WithoutCancel(ctx)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	var st txState
	if err := fn(tx, &st); err != nil {
		tx.Rollback()
		return mapErr(err)
	}
	// Quota limits are checked once the transaction's changes are all in
	// (quota.go).
	if err := enforceQuota(ctx, tx); err != nil {
		tx.Rollback()
		return mapErr(err)
	}
	if err := st.resolveUsers(ctx, tx); err != nil {
		tx.Rollback()
		return mapErr(err)
	}
	if err := st.resolveSeen(ctx, tx); err != nil { // per-user \Seen, seen.go
		tx.Rollback()
		return mapErr(err)
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err)
	}
	for _, id := range st.order {
		s.hub.PublishOwned(st.owner[id], id, st.changes[id])
	}
	st.publishNamespace(s.hub)
	if len(st.freedBlob) > 0 {
		// The metadata no longer refers to these blobs. Another process
		// may have stored the same content since, so re-check under the
		// database write lock. Failure only leaves garbage for GC.
		_ = s.removeUnreferenced(ctx, st.freedBlob)
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

// GC removes blobs no content row refers to and stale temporary files,
// leaving alone files younger than minAge. It returns how many were removed.
func (s *Store) GC(ctx context.Context, minAge time.Duration) (blob.GCStats, error) {
	var st blob.GCStats
	now := time.Now()
	temps, err := s.blobs.CleanTemps(minAge, now)
	st.Temps = temps
	if err != nil {
		return st, err
	}
	old, err := s.blobs.OldBlobs(minAge, now)
	if err != nil || len(old) == 0 {
		return st, err
	}
	referenced := make(map[string]bool)
	rows, err := s.r.QueryContext(ctx, "SELECT blob_id FROM contents")
	if err != nil {
		return st, mapErr(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return st, mapErr(err)
		}
		referenced[id] = true
	}
	if err := rows.Err(); err != nil {
		return st, mapErr(err)
	}
	var orphans []string
	for _, id := range old {
		if !referenced[id] {
			orphans = append(orphans, id)
		}
	}
	if len(orphans) == 0 {
		return st, nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.removeUnreferenced(ctx, orphans); err != nil {
		return st, mapErr(err)
	}
	st.Blobs = len(orphans)
	return st, nil
}

// mapErr turns SQLite's "disk full" into store.ErrNoSpace.
func mapErr(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == 13 { // SQLITE_FULL
		return fmt.Errorf("%w: %w", store.ErrNoSpace, err)
	}
	return err
}

// isUniqueViolation reports a UNIQUE or PRIMARY KEY constraint failure.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	// SQLITE_CONSTRAINT_PRIMARYKEY (1555) and SQLITE_CONSTRAINT_UNIQUE (2067).
	return errors.As(err, &se) && (se.Code() == 1555 || se.Code() == 2067 || se.Code() == 19)
}
