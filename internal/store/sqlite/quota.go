package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"roost/internal/store"
)

// Quotas (store.QuotaBackend, RFC 9208).
//
// Usage is kept by triggers on mailbox_messages, so every path that adds
// or removes messages (APPEND, COPY, MOVE, REPLACE, EXPUNGE, DELETE,
// deleting a user, and whatever comes later) updates it in its own
// transaction without knowing about quotas, and no APPEND ever scans a
// mailbox. The triggers also note, once per transaction and account, the
// usage before the transaction in quota_pending; write() calls
// enforceQuota before committing, which refuses the transaction if an
// account grew past a limit and empties quota_pending. Checking at the end
// rather than per row lets a MOVE inside one account (insert first, then
// delete) work at the limit. Usage counts every message row: a COPY adds
// the copy's size although the blob is stored once (store/quota.go).
const quotaSchema = `
CREATE TABLE IF NOT EXISTS quota (
	user_id        INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	bytes          INTEGER NOT NULL DEFAULT 0,
	messages       INTEGER NOT NULL DEFAULT 0,
	limit_kib      INTEGER, -- STORAGE limit in KiB; NULL: none
	limit_messages INTEGER  -- MESSAGE limit; NULL: none
);

-- Accounts touched by the running transaction, with their usage before
-- it; always empty between transactions.
CREATE TABLE IF NOT EXISTS quota_pending (
	user_id         INTEGER PRIMARY KEY,
	bytes_before    INTEGER NOT NULL,
	messages_before INTEGER NOT NULL
);

-- Administrators may SETQUOTA and set shared server metadata.
CREATE TABLE IF NOT EXISTS admins (
	user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE
);

INSERT OR IGNORE INTO quota (user_id, bytes, messages)
	SELECT u.id, coalesce(sum(mm.size), 0), count(mm.uid)
	FROM users u LEFT JOIN mailboxes m ON m.user_id = u.id LEFT JOIN mailbox_messages mm ON mm.mailbox_id = m.id
	GROUP BY u.id;

CREATE TRIGGER IF NOT EXISTS quota_user_created AFTER INSERT ON users BEGIN
	INSERT OR IGNORE INTO quota (user_id) VALUES (NEW.id);
END;

CREATE TRIGGER IF NOT EXISTS quota_message_added AFTER INSERT ON mailbox_messages BEGIN
	INSERT OR IGNORE INTO quota_pending (user_id, bytes_before, messages_before)
		SELECT user_id, bytes, messages FROM quota
		WHERE user_id = (SELECT user_id FROM mailboxes WHERE id = NEW.mailbox_id);
	UPDATE quota SET bytes = bytes + NEW.size, messages = messages + 1
		WHERE user_id = (SELECT user_id FROM mailboxes WHERE id = NEW.mailbox_id);
END;

CREATE TRIGGER IF NOT EXISTS quota_message_removed AFTER DELETE ON mailbox_messages BEGIN
	INSERT OR IGNORE INTO quota_pending (user_id, bytes_before, messages_before)
		SELECT user_id, bytes, messages FROM quota
		WHERE user_id = (SELECT user_id FROM mailboxes WHERE id = OLD.mailbox_id);
	UPDATE quota SET bytes = bytes - OLD.size, messages = messages - 1
		WHERE user_id = (SELECT user_id FROM mailboxes WHERE id = OLD.mailbox_id);
END;

-- A deleted mailbox's messages are deleted while it still exists, so that
-- the triggers above find their owner (the ON DELETE CASCADE of
-- mailbox_messages runs after the mailbox row is gone).
CREATE TRIGGER IF NOT EXISTS quota_mailbox_deleted BEFORE DELETE ON mailboxes BEGIN
	DELETE FROM mailbox_messages WHERE mailbox_id = OLD.id;
END;

-- Messages moved between mailboxes by updating the row, or a mailbox
-- given to another owner: move the usage along.
CREATE TRIGGER IF NOT EXISTS quota_message_moved AFTER UPDATE OF mailbox_id, size ON mailbox_messages BEGIN
	INSERT OR IGNORE INTO quota_pending (user_id, bytes_before, messages_before)
		SELECT user_id, bytes, messages FROM quota
		WHERE user_id = (SELECT user_id FROM mailboxes WHERE id = NEW.mailbox_id);
	UPDATE quota SET bytes = bytes - OLD.size, messages = messages - 1
		WHERE user_id = (SELECT user_id FROM mailboxes WHERE id = OLD.mailbox_id);
	UPDATE quota SET bytes = bytes + NEW.size, messages = messages + 1
		WHERE user_id = (SELECT user_id FROM mailboxes WHERE id = NEW.mailbox_id);
END;

CREATE TRIGGER IF NOT EXISTS quota_mailbox_owner AFTER UPDATE OF user_id ON mailboxes
WHEN OLD.user_id != NEW.user_id BEGIN
	INSERT OR IGNORE INTO quota_pending (user_id, bytes_before, messages_before)
		SELECT user_id, bytes, messages FROM quota WHERE user_id = NEW.user_id;
	UPDATE quota SET
		bytes = bytes - (SELECT coalesce(sum(size), 0) FROM mailbox_messages WHERE mailbox_id = NEW.id),
		messages = messages - (SELECT count(*) FROM mailbox_messages WHERE mailbox_id = NEW.id)
		WHERE user_id = OLD.user_id;
	UPDATE quota SET
		bytes = bytes + (SELECT coalesce(sum(size), 0) FROM mailbox_messages WHERE mailbox_id = NEW.id),
		messages = messages + (SELECT count(*) FROM mailbox_messages WHERE mailbox_id = NEW.id)
		WHERE user_id = NEW.user_id;
END;
`

// enforceQuota runs at the end of every write transaction (write, in
// open.go): it fails with store.ErrOverQuota if the transaction made an
// account grow beyond one of its limits, and clears quota_pending.
func enforceQuota(ctx context.Context, tx querier) error {
	// One statement for the common case of a transaction that added or
	// removed no message (flag changes): nothing pending, nothing to clear.
	var pending int
	var over sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM quota_pending),
		(SELECT p.user_id FROM quota_pending p JOIN quota q ON q.user_id = p.user_id
		WHERE (q.limit_kib IS NOT NULL AND q.bytes > q.limit_kib * 1024 AND q.bytes > p.bytes_before)
		   OR (q.limit_messages IS NOT NULL AND q.messages > q.limit_messages AND q.messages > p.messages_before)
		LIMIT 1)`).Scan(&pending, &over)
	switch {
	case err != nil:
		return err
	case over.Valid:
		return fmt.Errorf("%w: account %d", store.ErrOverQuota, over.Int64)
	case pending == 0:
		return nil
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM quota_pending")
	return err
}

// appendFitsQuota refuses, before any blob is moved into place, an
// APPEND that could not commit: enforceQuota would roll it back anyway,
// but the new blobs would stay on disk until the next GC.
func appendFitsQuota(ctx context.Context, tx querier, mailboxID int64, msgs []store.AppendMessage) error {
	var size int64
	for _, m := range msgs {
		size += m.Staged.Size
	}
	var userID int64
	err := tx.QueryRowContext(ctx, `SELECT q.user_id FROM quota q JOIN mailboxes m ON m.user_id = q.user_id WHERE m.id = ?
		AND ((q.limit_kib IS NOT NULL AND q.bytes + ? > q.limit_kib * 1024)
		  OR (q.limit_messages IS NOT NULL AND q.messages + ? > q.limit_messages))`,
		mailboxID, size, len(msgs)).Scan(&userID)
	switch {
	case err == nil:
		return fmt.Errorf("%w: account %d", store.ErrOverQuota, userID)
	case errors.Is(err, sql.ErrNoRows):
		return nil
	}
	return err
}

var _ store.QuotaBackend = (*Store)(nil)

// Quota implements store.QuotaBackend.
func (s *Store) Quota(ctx context.Context, userID int64) (*store.Quota, error) {
	q := &store.Quota{UserID: userID}
	var limitKiB, limitMessages sql.NullInt64
	err := s.r.QueryRowContext(ctx, "SELECT bytes, messages, limit_kib, limit_messages FROM quota WHERE user_id = ?", userID).
		Scan(&q.Bytes, &q.Messages, &limitKiB, &limitMessages)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: id %d", store.ErrNoUser, userID)
	}
	if err != nil {
		return nil, mapErr(err)
	}
	q.Limits = store.Unlimited
	if limitKiB.Valid {
		q.Limits.StorageKiB = limitKiB.Int64
	}
	if limitMessages.Valid {
		q.Limits.Messages = limitMessages.Int64
	}
	return q, nil
}

// SetQuota implements store.QuotaBackend.
func (s *Store) SetQuota(ctx context.Context, userID int64, limits store.QuotaLimits) error {
	nullable := func(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v >= 0} }
	return s.write(ctx, func(tx *sql.Tx, st *txState) error {
		res, err := tx.ExecContext(ctx, "UPDATE quota SET limit_kib = ?, limit_messages = ? WHERE user_id = ?",
			nullable(limits.StorageKiB), nullable(limits.Messages), userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, fmt.Errorf("%w: id %d", store.ErrNoUser, userID))
		}
		return nil
	})
}

// DeletedSize implements store.QuotaBackend.
func (s *Store) DeletedSize(ctx context.Context, mailboxID int64) (int64, error) {
	var size int64
	err := s.r.QueryRowContext(ctx, "SELECT coalesce(sum(size), 0) FROM mailbox_messages WHERE mailbox_id = ? AND (flags & ?) != 0",
		mailboxID, bitDeleted).Scan(&size)
	return size, mapErr(err)
}

// Admin implements store.QuotaBackend.
func (s *Store) Admin(ctx context.Context, userID int64) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM admins WHERE user_id = ?", userID).Scan(&n)
	return n > 0, mapErr(err)
}

// SetAdmin implements store.QuotaBackend.
func (s *Store) SetAdmin(ctx context.Context, userID int64, admin bool) error {
	return s.write(ctx, func(tx *sql.Tx, st *txState) error {
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		q := "DELETE FROM admins WHERE user_id = ?"
		if admin {
			q = "INSERT OR IGNORE INTO admins (user_id) VALUES (?)"
		}
		_, err := tx.ExecContext(ctx, q, userID)
		return err
	})
}

// quotaChecks are Check's queries for the quota tables: the incremental
// usage must equal a recount.
var quotaChecks = []struct{ what, query string }{
	{"quota usage differs from the stored messages", `SELECT 'user ' || q.user_id || ': usage ' || q.bytes || ' bytes ' ||
		q.messages || ' messages, stored ' || coalesce(a.bytes, 0) || ' bytes ' || coalesce(a.messages, 0) || ' messages'
		FROM quota q LEFT JOIN (SELECT m.user_id, sum(mm.size) AS bytes, count(*) AS messages
			FROM mailbox_messages mm JOIN mailboxes m ON m.id = mm.mailbox_id GROUP BY m.user_id) a ON a.user_id = q.user_id
		WHERE q.bytes != coalesce(a.bytes, 0) OR q.messages != coalesce(a.messages, 0)`},
	{"account without quota row", "SELECT 'user ' || id FROM users WHERE id NOT IN (SELECT user_id FROM quota)"},
	{"quota_pending left over", "SELECT 'user ' || user_id FROM quota_pending"},
}
