package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"roost/internal/store"
)

// Metadata (store.MetadataBackend, RFC 5464). mailbox_id 0 holds server
// entries and user_id 0 shared ones, so neither can be a foreign key;
// triggers remove a mailbox's entries when it is deleted or turned into a
// \Noselect placeholder (RFC 5464 §4.1: a mailbox created again under the
// same name must not inherit them) and a user's private entries with the
// user. A rename keeps the mailbox ID, so the entries follow it.
const metadataSchema = `
CREATE TABLE IF NOT EXISTS metadata (
	mailbox_id INTEGER NOT NULL, -- 0: server entries
	user_id    INTEGER NOT NULL, -- owner of a /private entry; 0: /shared
	name       TEXT NOT NULL,    -- lower case
	value      BLOB NOT NULL,
	PRIMARY KEY (mailbox_id, user_id, name)
) WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS metadata_mailbox_deleted AFTER DELETE ON mailboxes BEGIN
	DELETE FROM metadata WHERE mailbox_id = OLD.id;
END;

CREATE TRIGGER IF NOT EXISTS metadata_mailbox_noselect AFTER UPDATE OF noselect ON mailboxes
WHEN NEW.noselect != 0 AND OLD.noselect = 0 BEGIN
	DELETE FROM metadata WHERE mailbox_id = NEW.id;
END;

CREATE TRIGGER IF NOT EXISTS metadata_user_deleted AFTER DELETE ON users BEGIN
	DELETE FROM metadata WHERE user_id = OLD.id;
END;
`

var _ store.MetadataBackend = (*Store)(nil)

// metadataOwner is the user_id column of an entry: the scope's user for
// private entries, 0 for shared ones.
func metadataOwner(scope store.MetadataScope, name string) int64 {
	if store.MetadataPrivate(name) {
		return scope.UserID
	}
	return 0
}

// Metadata implements store.MetadataBackend.
func (s *Store) Metadata(ctx context.Context, scope store.MetadataScope, prefix string) ([]store.MetadataEntry, error) {
	query := "SELECT name, value FROM metadata WHERE mailbox_id = ?"
	args := []any{scope.MailboxID}
	if prefix == "" {
		query += " AND user_id IN (0, ?)"
		args = append(args, scope.UserID)
	} else {
		// The entry itself, and the byte range of "prefix/...": '0'
		// follows '/'.
		query += " AND user_id = ? AND (name = ? OR (name >= ? AND name < ?))"
		args = append(args, metadataOwner(scope, prefix), prefix, prefix+"/", prefix+"0")
	}
	rows, err := s.r.QueryContext(ctx, query+" ORDER BY name", args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.MetadataEntry
	for rows.Next() {
		var e store.MetadataEntry
		if err := rows.Scan(&e.Name, &e.Value); err != nil {
			return nil, mapErr(err)
		}
		if e.Value == nil {
			e.Value = []byte{}
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// SetMetadata implements store.MetadataBackend.
func (s *Store) SetMetadata(ctx context.Context, scope store.MetadataScope, entries []store.MetadataEntry, maxEntries int) error {
	return s.write(ctx, func(tx *sql.Tx, st *txState) error {
		if scope.MailboxID != 0 {
			if _, err := getMailbox(ctx, tx, scope.MailboxID); err != nil {
				return err
			}
		}
		count := func(owner int64) (int, error) {
			var n int
			err := tx.QueryRowContext(ctx, "SELECT count(*) FROM metadata WHERE mailbox_id = ? AND user_id = ?",
				scope.MailboxID, owner).Scan(&n)
			return n, err
		}
		before := make(map[int64]int)
		for _, e := range entries {
			owner := metadataOwner(scope, e.Name)
			if _, ok := before[owner]; !ok {
				n, err := count(owner)
				if err != nil {
					return err
				}
				before[owner] = n
			}
			var err error
			if e.Value == nil {
				_, err = tx.ExecContext(ctx, "DELETE FROM metadata WHERE mailbox_id = ? AND user_id = ? AND name = ?",
					scope.MailboxID, owner, e.Name)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO metadata (mailbox_id, user_id, name, value) VALUES (?, ?, ?, ?)
					ON CONFLICT (mailbox_id, user_id, name) DO UPDATE SET value = excluded.value`,
					scope.MailboxID, owner, e.Name, e.Value)
			}
			if err != nil {
				return err
			}
		}
		for owner, n := range before {
			after, err := count(owner)
			if err != nil {
				return err
			}
			// Only growth is refused: a scope already above a lowered
			// limit can still change or remove its entries.
			if after > maxEntries && after > n {
				return fmt.Errorf("%w: %d entries, at most %d", store.ErrMetadataTooMany, after, maxEntries)
			}
		}
		return nil
	})
}

// CopyMailboxMetadata implements store.MetadataBackend.
func (s *Store) CopyMailboxMetadata(ctx context.Context, fromMailboxID, toMailboxID int64) error {
	return s.write(ctx, func(tx *sql.Tx, st *txState) error {
		if _, err := getMailbox(ctx, tx, toMailboxID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO metadata (mailbox_id, user_id, name, value)
			SELECT ?, user_id, name, value FROM metadata WHERE mailbox_id = ?
			ON CONFLICT (mailbox_id, user_id, name) DO UPDATE SET value = excluded.value`, toMailboxID, fromMailboxID)
		return err
	})
}

// metadataChecks are Check's queries for the metadata table.
var metadataChecks = []struct{ what, query string }{
	{"metadata of a missing mailbox", `SELECT DISTINCT 'mailbox ' || mailbox_id FROM metadata
		WHERE mailbox_id != 0 AND mailbox_id NOT IN (SELECT id FROM mailboxes)`},
	{"private metadata of a missing user", `SELECT DISTINCT 'user ' || user_id FROM metadata
		WHERE user_id != 0 AND user_id NOT IN (SELECT id FROM users)`},
}
