package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// Statements kept prepared on the writer connection across transactions.
// A single-message APPEND runs some twenty statements (the INSERT into
// mailbox_messages compiles the quota triggers with it); preparing them
// anew in every transaction cost about as much CPU as
// running them, and that CPU is spent under the write lock, where every
// other writer waits. A statement prepared on the *sql.DB of the writer
// (one connection) is bound to a transaction with Tx.StmtContext, which
// reuses the connection's compiled statement.
//
// database/sql can prepare on the DB only while the connection is free,
// not during a transaction: a query seen for the first time is prepared
// on the transaction (and dropped with it) and noted, and prepared on the
// DB once the transaction is over (prepareNoted).

// maxWriterStmts bounds the statements kept: the queries that go through
// this cache are a fixed set of constants, but a bound costs nothing.
const maxWriterStmts = 128

// writerStmts is the cache; guarded by Store.wmu.
type writerStmts struct {
	stmts map[string]*sql.Stmt // prepared on Store.w
	noted map[string]bool      // seen in a transaction, not prepared yet
}

// forTx returns the querier that runs the statements of one transaction.
func (w *writerStmts) forTx(tx *sql.Tx) *txStmts {
	return &txStmts{tx: tx, cache: w, bound: make(map[string]*sql.Stmt)}
}

// prepareNoted prepares on db the queries noted by the last transaction.
// A failure only means they are prepared per transaction for now.
func (w *writerStmts) prepareNoted(ctx context.Context, db *sql.DB) {
	for q := range w.noted {
		delete(w.noted, q)
		if len(w.stmts) >= maxWriterStmts {
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		if w.stmts == nil {
			w.stmts = make(map[string]*sql.Stmt)
		}
		w.stmts[q] = st
	}
}

// close releases the statements.
func (w *writerStmts) close() error {
	var errs []error
	for q, st := range w.stmts {
		errs = append(errs, st.Close())
		delete(w.stmts, q)
	}
	return errors.Join(errs...)
}

// txStmts is a transaction whose statements come from the writer's cache.
// It implements querier.
type txStmts struct {
	tx    *sql.Tx
	cache *writerStmts
	bound map[string]*sql.Stmt // statements of this transaction
}

func (t *txStmts) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := t.bound[query]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if p, ok := t.cache.stmts[query]; ok {
		// Closed by the transaction at its end; the compiled statement
		// stays with the connection.
		st = t.tx.StmtContext(ctx, p)
	} else {
		var err error
		if st, err = t.tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		if t.cache.noted == nil {
			t.cache.noted = make(map[string]bool)
		}
		t.cache.noted[query] = true
	}
	t.bound[query] = st
	return st, nil
}

// ExecContext implements querier.
func (t *txStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := t.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// QueryContext implements querier.
func (t *txStmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := t.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext implements querier. A failed prepare surfaces as the
// row's error, as with sql.Tx, by running the query unprepared.
func (t *txStmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := t.prepare(ctx, query)
	if err != nil {
		return t.tx.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}
