package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"roost/internal/store"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// CreateUser implements store.Backend: the account and DefaultMailboxes.
func (s *Store) CreateUser(ctx context.Context, name, passwordHash string) (*store.User, error) {
	if err := store.ValidateUserName(name); err != nil {
		return nil, err
	}
	u := &store.User{Name: name, PasswordHash: passwordHash, Created: time.Now().Truncate(time.Second)}
	err := s.write(ctx, func(tx *sql.Tx, st *txState) error {
		var exists int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE name = ?", name).Scan(&exists); err != nil {
			return err
		}
		if exists > 0 {
			return fmt.Errorf("%w: %q", store.ErrUserExists, name)
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO users (name, password_hash, created) VALUES (?, ?, ?)",
			name, passwordHash, u.Created.Unix())
		if err != nil {
			return err
		}
		if u.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		for _, mb := range store.DefaultMailboxes {
			if _, err := insertMailbox(ctx, tx, u.ID, mb.Name, mb.SpecialUse); err != nil {
				return err
			}
			// Subscribed too: clients that list only subscribed mailboxes
			// (Thunderbird asks LIST (SUBSCRIBED) with SPECIAL-USE) would
			// otherwise show none of Drafts, Sent, Junk or Archive.
			if _, err := tx.ExecContext(ctx, "INSERT INTO subscriptions (user_id, name) VALUES (?, ?)", u.ID, mb.Name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// defaultSubscriptionsSchema subscribes, once, the default mailboxes of
// accounts created before CreateUser subscribed them. The counter row
// 'default_subscriptions' marks it done, so that a rerun of the migration
// (TestMigrationsRerun) never resubscribes what a user has unsubscribed
// since; the shared account's team mailboxes are left alone.
var defaultSubscriptionsSchema = func() string {
	names := make([]string, len(store.DefaultMailboxes))
	for i, mb := range store.DefaultMailboxes {
		names[i] = "'" + mb.Name + "'"
	}
	return `
INSERT OR IGNORE INTO subscriptions (user_id, name)
	SELECT user_id, name FROM mailboxes
	WHERE name IN (` + strings.Join(names, ", ") + `) AND noselect = 0
	  AND user_id NOT IN (SELECT user_id FROM shared_accounts)
	  AND NOT EXISTS (SELECT 1 FROM counters WHERE name = 'default_subscriptions');
INSERT OR IGNORE INTO counters (name, value) VALUES ('default_subscriptions', 1);
`
}()

// User implements store.Backend.
func (s *Store) User(ctx context.Context, name string) (*store.User, error) {
	var u store.User
	var created int64
	err := s.r.QueryRowContext(ctx, "SELECT id, name, password_hash, "+scramColumn+", created FROM users WHERE name = ? AND "+notSharedAccount, name).
		Scan(&u.ID, &u.Name, &u.PasswordHash, &u.SCRAMSHA256, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", store.ErrNoUser, name)
	}
	if err != nil {
		return nil, mapErr(err)
	}
	u.Created = time.Unix(created, 0)
	return &u, nil
}

// SetPassword implements store.Backend; the SCRAM verifier of the old
// password goes with it.
func (s *Store) SetPassword(ctx context.Context, name, passwordHash string) error {
	return s.write(ctx, func(tx *sql.Tx, st *txState) error {
		res, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE name = ?", passwordHash, name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, fmt.Errorf("%w: %q", store.ErrNoUser, name))
		}
		return forgetSCRAM(ctx, tx, name)
	})
}

// Users implements store.Backend, ordered by name.
func (s *Store) Users(ctx context.Context) ([]store.User, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT id, name, password_hash, "+scramColumn+", created FROM users WHERE "+notSharedAccount+" ORDER BY name")
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		var u store.User
		var created int64
		if err := rows.Scan(&u.ID, &u.Name, &u.PasswordHash, &u.SCRAMSHA256, &created); err != nil {
			return nil, mapErr(err)
		}
		u.Created = time.Unix(created, 0)
		out = append(out, u)
	}
	return out, mapErr(rows.Err())
}

// DeleteUser implements store.Backend: the account, its mailboxes,
// messages and subscriptions. Sessions watching its mailboxes get
// MailboxDeleted.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return s.write(ctx, func(tx *sql.Tx, st *txState) error {
		var userID int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE name = ?", name).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %q", store.ErrNoUser, name)
		}
		if err != nil {
			return err
		}
		boxes, err := listMailboxes(ctx, tx, userID)
		if err != nil {
			return err
		}
		for _, mb := range boxes {
			if err := removeMailbox(ctx, tx, st, &mb); err != nil {
				return err
			}
		}
		if _, err = tx.ExecContext(ctx, "DELETE FROM users WHERE id = ?", userID); err != nil {
			return err
		}
		// Servers watch this number to end the account's sessions
		// (UserDeletions).
		_, err = tx.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ('users_deleted', 1)
			ON CONFLICT (name) DO UPDATE SET value = value + 1`)
		return err
	})
}

var _ store.UserDeletionCounter = (*Store)(nil)

// UserDeletions implements store.UserDeletionCounter: how many accounts
// have been deleted, one indexed read of the counters table.
func (s *Store) UserDeletions(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, "SELECT value FROM counters WHERE name = 'users_deleted'").Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, mapErr(err)
}
