package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"roost/internal/store"
)

// scramSchema keeps SCRAM-SHA-256 verifiers apart from users, so that the
// migration is a CREATE ... IF NOT EXISTS (safe to run twice) and a user
// without a verifier simply has no row.
const scramSchema = `
CREATE TABLE IF NOT EXISTS user_scram (
	user_id  INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	verifier TEXT NOT NULL -- encoded by internal/auth: salt, iterations, StoredKey, ServerKey
);
`

// scramColumn selects a user's verifier, "" if none, in a query on users.
const scramColumn = "coalesce((SELECT verifier FROM user_scram WHERE user_id = users.id), '')"

// SetSCRAM implements store.Backend. The write is conditional on the
// password hash, so a verifier computed from a password that was replaced
// in the meantime (SetPassword dropped the old verifier) is not stored
// next to the new hash.
func (s *Store) SetSCRAM(ctx context.Context, name, passwordHash, verifier string) error {
	return s.write(ctx, func(tx *sql.Tx, st *txState) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO user_scram (user_id, verifier)
			SELECT id, ? FROM users WHERE name = ? AND password_hash = ?
			ON CONFLICT (user_id) DO UPDATE SET verifier = excluded.verifier`,
			verifier, name, passwordHash)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		// Nothing written: the password changed (nothing to do) or the
		// user is gone.
		var exists int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE name = ?", name).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return fmt.Errorf("%w: %q", store.ErrNoUser, name)
		}
		return nil
	})
}

// forgetSCRAM drops the verifier of the user called name (its password is
// being replaced).
func forgetSCRAM(ctx context.Context, tx *sql.Tx, name string) error {
	_, err := tx.ExecContext(ctx, "DELETE FROM user_scram WHERE user_id = (SELECT id FROM users WHERE name = ?)", name)
	return err
}
