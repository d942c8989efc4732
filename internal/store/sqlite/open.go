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
	"sync/atomic"
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

	wq     writeQueue  // writes waiting for the next group commit (write.go)
	wstmts writerStmts // statements kept prepared on w (writestmts.go)

	sel     *selectCache // what SELECT needs of big mailboxes (selectcache.go)
	claimed recentMemo   // how far \Recent is known to be claimed (recent.go)

	pins blobPins // blobs placed by writes in flight (pins.go)
	// afterPlace, if set (tests: SetAfterPlaceHook), runs between the
	// placing of an APPEND's blobs and each of its writes.
	afterPlace atomic.Pointer[func()]

	// stopReparse stops the background re-parses started by StartReparse
	// (reparse.go); Close calls them.
	reparseMu   sync.Mutex
	stopReparse []func()
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
	s.stopReparsing() // reparse.go
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	s.wmu.Lock()
	errs = append(errs, s.wstmts.close())
	s.wmu.Unlock()
	errs = append(errs, s.w.Close())
	return errors.Join(errs...)
}

// Watch implements store.Backend.
func (s *Store) Watch(mailboxID int64) *store.Watcher { return s.hub.Watch(mailboxID) }

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
