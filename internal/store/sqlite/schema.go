package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; PRAGMA user_version records how many
// have been. Never edit one that has shipped: append a new one. Every
// migration after the first must be idempotent (CREATE ... IF NOT EXISTS,
// INSERT OR IGNORE, backfills that skip rows already done; no ALTER TABLE
// ADD COLUMN: put new columns in a new table), so that a database whose
// user_version is behind its tables (restored from an old backup of the
// version number, or rewound by a test) migrates again cleanly:
// TestMigrationsRerun.
var migrations = []string{
	// 1: initial schema.
	`
-- AUTOINCREMENT: IDs of deleted users and mailboxes are never handed out
-- again, so a session still holding one gets ErrNoMailbox, not someone
-- else's data.
CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	name          TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	created       INTEGER NOT NULL
);

-- Monotonic counters; 'uidvalidity' holds the last UIDVALIDITY handed out so
-- that a recreated mailbox never gets a value used before.
CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE mailboxes (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name          TEXT NOT NULL,
	uidvalidity   INTEGER NOT NULL,
	uidnext       INTEGER NOT NULL DEFAULT 1,
	highestmodseq INTEGER NOT NULL DEFAULT 1,
	recent_uid    INTEGER NOT NULL DEFAULT 1, -- messages with uid >= this are \Recent
	special_use   TEXT NOT NULL DEFAULT '',
	noselect      INTEGER NOT NULL DEFAULT 0,
	UNIQUE (user_id, name)
);

-- One row per distinct message content; COPY shares it. Narrow on purpose:
-- Messages joins it for every row to get blob_id.
CREATE TABLE contents (
	id        INTEGER PRIMARY KEY,
	blob_id   TEXT NOT NULL UNIQUE,
	size      INTEGER NOT NULL,
	sent_date INTEGER -- unix seconds of the Date header, NULL if none
);

-- Parse results, kept apart so that flag-only scans never touch them.
-- parsed is mime.Marshal of the structure (Root, Date); headers and
-- body_text serve SEARCH and are only read when asked for.
CREATE TABLE content_parsed (
	content_id INTEGER PRIMARY KEY REFERENCES contents(id) ON DELETE CASCADE,
	parsed     BLOB NOT NULL,
	headers    BLOB NOT NULL,
	body_text  TEXT NOT NULL
);

CREATE TABLE mailbox_messages (
	mailbox_id    INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
	uid           INTEGER NOT NULL,
	content_id    INTEGER NOT NULL REFERENCES contents(id),
	flags         INTEGER NOT NULL, -- system flag bits, see flags.go
	keywords      TEXT NOT NULL DEFAULT '', -- space-separated, sorted
	modseq        INTEGER NOT NULL,
	internal_date INTEGER NOT NULL, -- unix seconds
	internal_tz   INTEGER NOT NULL, -- zone offset in seconds
	save_date     INTEGER NOT NULL, -- unix seconds
	size          INTEGER NOT NULL, -- copy of contents.size for STATUS SIZE
	PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE INDEX mailbox_messages_content ON mailbox_messages(content_id);

-- Expunged UIDs with the MODSEQ of their expunge, for QRESYNC (RFC 7162).
CREATE TABLE expunged (
	mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
	uid        INTEGER NOT NULL,
	modseq     INTEGER NOT NULL,
	PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;

CREATE TABLE subscriptions (
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name    TEXT NOT NULL,
	PRIMARY KEY (user_id, name)
) WITHOUT ROWID;
`,
	// 2: sort and thread keys, backfilled from the parse results
	// (sortkeys.go).
	sortKeysSchema,
	// 3: MODSEQ indexes for CHANGEDSINCE and QRESYNC (modseq.go).
	modSeqSchema,
	// 4: SCRAM-SHA-256 verifiers (users_scram.go); none until derived from
	// the password at the next password change or PLAIN/LOGIN login.
	scramSchema,
	// 5: threads (OBJECTID THREADID) and previews (objectid.go).
	objectIDSchema,
	// 6: ACLs, the shared account and per-user \Seen (acl.go, seen.go).
	aclSchema,
	// 7: quota usage and limits, administrators (quota.go).
	quotaSchema,
	// 8: mailbox and server metadata (metadata.go).
	metadataSchema,
	// 9: folded Subject, From, To, Cc and Bcc for SEARCH, backfilled from
	// the stored header fields (headersearch.go).
	headerSearchSchema,
	// 10: the same, recomputed: FROM, TO, CC and BCC also match the
	// fields' parsed addresses (headersearch.go).
	headerSearchAddressesSchema,
	// 11: sort keys recomputed: a list that starts with a group sorts by
	// the group name (sortkeys.go).
	sortKeysGroupsSchema,
	// 12: subscribe the default mailboxes of older accounts, once
	// (users.go).
	defaultSubscriptionsSchema,
	// 13: random EMAILIDs for messages stored from now on (objectid.go).
	emailIDSchema,
	// 14: the parser version of each content's parse results; older ones
	// are parsed again after Open, in the background (reparse.go).
	parseVersionSchema,
}

// migrate brings the schema up to date. It runs in one IMMEDIATE
// transaction, so two processes opening a new database at the same time
// apply each migration once.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("sqlite: database schema version %d is newer than this program (%d)", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("sqlite: migration %d: %w", i+1, err)
		}
		if err := afterMigration(ctx, tx, migrations[i]); err != nil {
			return fmt.Errorf("sqlite: migration %d: %w", i+1, err)
		}
		if err := afterHeaderSearchMigration(ctx, tx, migrations[i]); err != nil { // headersearch.go
			return fmt.Errorf("sqlite: migration %d: %w", i+1, err)
		}
	}
	if version == len(migrations) {
		return nil
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return tx.Commit()
}
