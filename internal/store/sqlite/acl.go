package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"roost/internal/store"
)

// aclSchema holds mailbox ACLs (RFC 4314), the marker of the shared
// account that owns team mailboxes, and the per-user \Seen of readers
// other than a mailbox's owner (seen.go). Idempotent, like every migration
// written since several engineers add them.
const aclSchema = `
CREATE TABLE IF NOT EXISTS acl (
	mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
	grantee_id INTEGER REFERENCES users(id) ON DELETE CASCADE, -- NULL: anyone
	negative   INTEGER NOT NULL DEFAULT 0,
	rights     TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS acl_entry ON acl(mailbox_id, coalesce(grantee_id, 0), negative);
CREATE INDEX IF NOT EXISTS acl_grantee ON acl(grantee_id);

CREATE TABLE IF NOT EXISTS shared_accounts (
	user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS user_seen (
	mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	uid        INTEGER NOT NULL,
	seen       INTEGER NOT NULL, -- 0 keeps the MODSEQ of an unseen change
	modseq     INTEGER NOT NULL,
	PRIMARY KEY (mailbox_id, user_id, uid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS user_seen_uid ON user_seen(mailbox_id, uid);
CREATE INDEX IF NOT EXISTS user_seen_user ON user_seen(user_id);
`

// notSharedAccount is the condition, on users.id, that excludes the shared
// account from logins and user listings.
const notSharedAccount = "id NOT IN (SELECT user_id FROM shared_accounts)"

var _ store.Sharer = (*Store)(nil)

// SharedAccount implements store.Sharer.
func (s *Store) SharedAccount(ctx context.Context, create bool) (*store.User, error) {
	u, err := s.sharedAccount(ctx, s.r)
	if err == nil || !create || !errors.Is(err, store.ErrNoSharedAccount) {
		return u, mapErr(err)
	}
	err = s.write(ctx, func(tx *sql.Tx, st *txState) error {
		if u, err = s.sharedAccount(ctx, tx); err == nil || !errors.Is(err, store.ErrNoSharedAccount) {
			return err
		}
		now := time.Now().Truncate(time.Second)
		// The password hash is not a valid encoding: no password matches.
		res, err := tx.ExecContext(ctx, "INSERT INTO users (name, password_hash, created) VALUES (?, '!', ?)",
			store.SharedAccountName, now.Unix())
		if isUniqueViolation(err) {
			return fmt.Errorf("%w: a user is called %q", store.ErrUserExists, store.SharedAccountName)
		}
		if err != nil {
			return err
		}
		u = &store.User{Name: store.SharedAccountName, PasswordHash: "!", Created: now}
		if u.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO shared_accounts (user_id) VALUES (?)", u.ID)
		return err
	})
	return u, err
}

func (s *Store) sharedAccount(ctx context.Context, q querier) (*store.User, error) {
	var u store.User
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, name, password_hash, created FROM users
		WHERE id IN (SELECT user_id FROM shared_accounts) ORDER BY id LIMIT 1`).Scan(&u.ID, &u.Name, &u.PasswordHash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNoSharedAccount
	}
	if err != nil {
		return nil, err
	}
	u.Created = time.Unix(created, 0)
	return &u, nil
}

// aclQuery lists ACL entries with the grantee's name ("" for anyone).
const aclQuery = `SELECT coalesce(u.name, ''), a.negative, a.rights FROM acl a LEFT JOIN users u ON u.id = a.grantee_id
	WHERE a.mailbox_id = ? ORDER BY a.grantee_id IS NOT NULL, u.name, a.negative`

func readACL(ctx context.Context, q querier, mailboxID int64) ([]store.ACLEntry, error) {
	rows, err := q.QueryContext(ctx, aclQuery, mailboxID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.ACLEntry
	for rows.Next() {
		var e store.ACLEntry
		if err := rows.Scan(&e.Identifier, &e.Negative, &e.Rights); err != nil {
			return nil, err
		}
		if e.Identifier == "" {
			e.Identifier = store.Anyone
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ACL implements store.Sharer.
func (s *Store) ACL(ctx context.Context, mailboxID int64) ([]store.ACLEntry, error) {
	if _, err := getMailbox(ctx, s.r, mailboxID); err != nil {
		return nil, mapErr(err)
	}
	acl, err := readACL(ctx, s.r, mailboxID)
	return acl, mapErr(err)
}

// SetACL implements store.Sharer.
func (s *Store) SetACL(ctx context.Context, mailboxID int64, e store.ACLEntry) error {
	rights := store.CanonicalRights(e.Rights)
	return s.write(ctx, func(tx *sql.Tx, st *txState) error {
		if _, err := getMailbox(ctx, tx, mailboxID); err != nil {
			return err
		}
		var grantee sql.NullInt64
		if e.Identifier != store.Anyone {
			err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE name = ? AND "+notSharedAccount, e.Identifier).Scan(&grantee)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: %q", store.ErrNoUser, e.Identifier)
			}
			if err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM acl WHERE mailbox_id = ? AND coalesce(grantee_id, 0) = ? AND negative = ?",
			mailboxID, grantee.Int64, e.Negative); err != nil {
			return err
		}
		// The grantee's NOTIFY sessions re-check what they may follow
		// (0: everyone, for Anyone).
		st.namespaceChange(store.ACLChanged, grantee.Int64, mailboxID, "", "")
		if rights == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO acl (mailbox_id, grantee_id, negative, rights) VALUES (?, ?, ?, ?)",
			mailboxID, grantee, e.Negative, rights)
		return err
	})
}

// SharedWith implements store.Sharer.
func (s *Store) SharedWith(ctx context.Context, userID int64) ([]store.SharedMailbox, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapErr(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+prefixed("m.", mailboxColumns)+`, u.name FROM mailboxes m JOIN users u ON u.id = m.user_id
		WHERE m.user_id != ? AND m.id IN (SELECT mailbox_id FROM acl WHERE grantee_id = ? OR grantee_id IS NULL)
		ORDER BY u.name, m.name`, userID, userID)
	if err != nil {
		return nil, mapErr(err)
	}
	var out []store.SharedMailbox
	for rows.Next() {
		var sm store.SharedMailbox
		mb := &sm.Mailbox
		if err := rows.Scan(&mb.ID, &mb.UserID, &mb.Name, &mb.UIDValidity, &mb.UIDNext, &mb.HighestModSeq,
			&mb.SpecialUse, &mb.NoSelect, &sm.Owner); err != nil {
			rows.Close()
			return nil, mapErr(err)
		}
		out = append(out, sm)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	for i := range out {
		if out[i].ACL, err = readACL(ctx, tx, out[i].ID); err != nil {
			return nil, mapErr(err)
		}
	}
	return out, nil
}

// prefixed qualifies each of a comma-separated column list with p.
func prefixed(p, columns string) string {
	out := make([]byte, 0, len(columns)+8*len(p))
	out = append(out, p...)
	for i := 0; i < len(columns); i++ {
		out = append(out, columns[i])
		if columns[i] == ' ' && i > 0 && columns[i-1] == ',' {
			out = append(out, p...)
		}
	}
	return string(out)
}
