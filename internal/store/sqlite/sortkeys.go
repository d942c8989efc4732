package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"roost/internal/mime"
	"roost/internal/search/sortkeys"
	"roost/internal/store"
)

// Sort keys (store.SortKeys) live in content_sortkeys, one row per content,
// written at Append next to the parse results and read only when
// FetchOptions.SortKeys asks: SORT and THREAD of a large mailbox then read
// small rows and decode nothing. The sent date is contents.sent_date.

// sortKeysSchema is the migration that added content_sortkeys (see
// schema.go); afterMigration recognises it by its text, not its number.
// Like every later migration it is safe to run again over its own result.
const sortKeysSchema = `
CREATE TABLE IF NOT EXISTS content_sortkeys (
	content_id    INTEGER PRIMARY KEY REFERENCES contents(id) ON DELETE CASCADE,
	subject       TEXT NOT NULL,    -- base subject, collation key
	subject_reply INTEGER NOT NULL, -- 1 if the subject had re:/fwd: markers
	from_addr     TEXT NOT NULL,    -- collation keys of the first addresses
	to_addr       TEXT NOT NULL,
	cc_addr       TEXT NOT NULL,
	display_from  TEXT NOT NULL,
	display_to    TEXT NOT NULL,
	message_id    TEXT NOT NULL,    -- normalized, '' if none
	refs          TEXT NOT NULL     -- normalized IDs separated by spaces, oldest first
);
`

// sortKeyColumns are selected by Messages when FetchOptions.SortKeys is
// set, from the LEFT JOIN sortKeyJoin (a content without a row, which
// cannot happen after migration, gets empty keys).
const (
	sortKeyColumns = `, k.subject, k.subject_reply, k.from_addr, k.to_addr, k.cc_addr,
		k.display_from, k.display_to, k.message_id, k.refs`
	sortKeyJoin = " LEFT JOIN content_sortkeys k ON k.content_id = mm.content_id"
)

// sortKeyRow receives the sortKeyColumns of one row.
type sortKeyRow struct {
	subject, from, to, cc, displayFrom, displayTo, messageID, refs sql.NullString
	reply                                                          sql.NullInt64
}

func (r *sortKeyRow) dest() []any {
	return []any{&r.subject, &r.reply, &r.from, &r.to, &r.cc, &r.displayFrom, &r.displayTo, &r.messageID, &r.refs}
}

// keys builds the store.SortKeys of the row; sent is contents.sent_date.
func (r *sortKeyRow) keys(sent sql.NullInt64) *store.SortKeys {
	k := &store.SortKeys{
		Subject:      r.subject.String,
		SubjectReply: r.reply.Int64 != 0,
		From:         r.from.String,
		To:           r.to.String,
		Cc:           r.cc.String,
		DisplayFrom:  r.displayFrom.String,
		DisplayTo:    r.displayTo.String,
		MessageID:    r.messageID.String,
	}
	if sent.Valid {
		k.SentDate = time.Unix(sent.Int64, 0).UTC()
	}
	if r.refs.String != "" {
		k.References = strings.Split(r.refs.String, " ")
	}
	return k
}

// insertSortKeys stores the sort keys of a new content row.
func insertSortKeys(ctx context.Context, tx querier, contentID int64, k *store.SortKeys) error {
	if k == nil {
		k = &store.SortKeys{}
	}
	reply := 0
	if k.SubjectReply {
		reply = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO content_sortkeys
		(content_id, subject, subject_reply, from_addr, to_addr, cc_addr, display_from, display_to, message_id, refs)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		contentID, k.Subject, reply, k.From, k.To, k.Cc, k.DisplayFrom, k.DisplayTo, k.MessageID,
		strings.Join(k.References, " "))
	return err
}

// sortKeysGroupsSchema is the migration that recomputes every sort key
// since an address list starting with a group sorts by the group name
// (sortkeys.Compute): it empties content_sortkeys, and backfillSortKeys
// writes the keys again from the stored parse results. Running it again
// recomputes the same keys.
const sortKeysGroupsSchema = `
-- from_addr, to_addr, cc_addr, display_from and display_to of a list that
-- starts with a group are now the group name: recompute every row.
DELETE FROM content_sortkeys;
`

// afterMigration runs the Go part of a migration, if it has one, inside
// the migration's transaction, right after its SQL.
func afterMigration(ctx context.Context, tx *sql.Tx, migration string) error {
	if migration == sortKeysSchema || migration == sortKeysGroupsSchema {
		return backfillSortKeys(ctx, tx)
	}
	if migration == objectIDSchema {
		return backfillThreads(ctx, tx) // objectid.go
	}
	return nil
}

// backfillSortKeys computes the sort keys of every content that has none
// yet from its stored parse results (structure for the envelope addresses,
// decoded header fields for the rest), without reading message files.
func backfillSortKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT p.content_id, p.parsed, p.headers, c.sent_date
		FROM content_parsed p JOIN contents c ON c.id = p.content_id
		LEFT JOIN content_sortkeys k ON k.content_id = p.content_id
		WHERE k.content_id IS NULL ORDER BY p.content_id`)
	if err != nil {
		return err
	}
	type pending struct {
		id   int64
		keys *store.SortKeys
	}
	var all []pending
	for rows.Next() {
		var id int64
		var parsed, headers []byte
		var sent sql.NullInt64
		if err := rows.Scan(&id, &parsed, &headers, &sent); err != nil {
			rows.Close()
			return err
		}
		m := &mime.Message{}
		if len(parsed) > 0 {
			if m, err = mime.Unmarshal(parsed); err != nil {
				rows.Close()
				return fmt.Errorf("content %d: decoding parse results: %w", id, err)
			}
		}
		if m.Headers, err = decodeHeaders(headers); err != nil {
			rows.Close()
			return fmt.Errorf("content %d: %w", id, err)
		}
		if m.Date.IsZero() && sent.Valid {
			m.Date = time.Unix(sent.Int64, 0)
		}
		all = append(all, pending{id, sortkeys.Compute(m)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range all {
		if err := insertSortKeys(ctx, tx, p.id, p.keys); err != nil {
			return fmt.Errorf("content %d: %w", p.id, err)
		}
	}
	return nil
}
