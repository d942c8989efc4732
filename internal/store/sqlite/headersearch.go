package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"

	"roost/internal/mime"
	"roost/internal/search"
)

// SEARCH SUBJECT (FROM, TO, CC, BCC) on a large mailbox used to load every
// message's header fields through the SQL driver (about 2 µs a row) and
// fold them in Go. content_search keeps, per content, the folded values of
// those five fields (search.IndexedHeaders), written at Append, so that
// SQLite tests them itself and only the UIDs that match cross into Go
// (SearchHeaderFields). The values are BLOBs and so are the needles: instr
// then compares bytes, exactly as strings.Contains does (on TEXT it would
// step over UTF-8 continuation bytes).

// headerSearchSchema is the migration that added content_search (see
// schema.go; afterHeaderSearchMigration recognises it by its text). Safe to
// run again over its own result: the backfill skips contents that have a
// row.
const headerSearchSchema = `
CREATE TABLE IF NOT EXISTS content_search (
	content_id  INTEGER PRIMARY KEY REFERENCES contents(id) ON DELETE CASCADE,
	-- Folded values of the fields of that name, joined by NUL;
	-- NULL if the message has no such field, x'' if it is empty.
	hdr_subject BLOB,
	hdr_from    BLOB,
	hdr_to      BLOB,
	hdr_cc      BLOB,
	hdr_bcc     BLOB
);
`

// headerSearchColumns are the content_search columns of the
// search.HeaderField values, in order.
var headerSearchColumns = [search.NumHeaderFields]string{"hdr_subject", "hdr_from", "hdr_to", "hdr_cc", "hdr_bcc"}

// insertHeaderSearch stores the indexed header fields of a new content
// row (p nil: a message without parse results, which has none).
func insertHeaderSearch(ctx context.Context, tx querier, contentID int64, p *mime.Message) error {
	var fields []mime.Field
	if p != nil {
		fields = p.Headers
	}
	values, present := search.IndexedHeaders(fields)
	args := make([]any, 0, 1+search.NumHeaderFields)
	args = append(args, contentID)
	for i := range values {
		if present[i] {
			// Non-nil even when empty: x'', not NULL (the field exists).
			args = append(args, append([]byte{}, values[i]...))
		} else {
			args = append(args, nil)
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO content_search
		(content_id, hdr_subject, hdr_from, hdr_to, hdr_cc, hdr_bcc) VALUES (?, ?, ?, ?, ?, ?)`, args...)
	return err
}

// headerSearchAddressesSchema is the migration that recomputes every
// content_search row since the address fields hold their addresses too
// (search.IndexedHeaders): it empties the table, and the backfill, run
// after it as after headerSearchSchema, writes the rows again from the
// stored header fields. Running it again recomputes the same rows.
const headerSearchAddressesSchema = `
-- hdr_from, hdr_to, hdr_cc and hdr_bcc now list each field's addresses
-- after its value: recompute every row (backfillHeaderSearch).
DELETE FROM content_search;
`

// afterHeaderSearchMigration runs the Go part of the migrations that added
// and recomputed content_search, if migration is one of them.
func afterHeaderSearchMigration(ctx context.Context, tx *sql.Tx, migration string) error {
	if migration != headerSearchSchema && migration != headerSearchAddressesSchema {
		return nil
	}
	return backfillHeaderSearch(ctx, tx)
}

// backfillHeaderSearch indexes every content that has parse results and no
// content_search row yet, from the stored header fields, a chunk at a time
// so that a large database is not held in memory. A content without parse
// results gets no row: the text search joins content_parsed and never
// matches it either.
func backfillHeaderSearch(ctx context.Context, tx *sql.Tx) error {
	const chunk = 1000
	type pending struct {
		id      int64
		headers []mime.Field
	}
	after := int64(0)
	for {
		rows, err := tx.QueryContext(ctx, `SELECT p.content_id, p.headers FROM content_parsed p
			WHERE p.content_id > ? AND NOT EXISTS (SELECT 1 FROM content_search s WHERE s.content_id = p.content_id)
			ORDER BY p.content_id LIMIT ?`, after, chunk)
		if err != nil {
			return err
		}
		var all []pending
		for rows.Next() {
			var id int64
			var raw []byte
			if err := rows.Scan(&id, &raw); err != nil {
				rows.Close()
				return err
			}
			h, err := decodeHeaders(raw)
			if err != nil {
				rows.Close()
				return fmt.Errorf("content %d: %w", id, err)
			}
			all = append(all, pending{id, h})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(all) == 0 {
			return nil
		}
		for _, p := range all {
			if err := insertHeaderSearch(ctx, tx, p.id, &mime.Message{Headers: p.headers}); err != nil {
				return fmt.Errorf("content %d: %w", p.id, err)
			}
		}
		after = all[len(all)-1].id
	}
}

// SearchHeaderFields returns those of uids (messages of the mailbox) whose
// indexed header fields satisfy q, ascending: what search.Match would
// find with the keys q was compiled from, without loading any message.
// Missing UIDs are skipped, as Messages skips them.
func (s *Store) SearchHeaderFields(ctx context.Context, mailboxID int64, uids []uint32, q *search.HeaderQuery) ([]uint32, error) {
	var where strings.Builder
	if err := writeHeaderCondition(&where, q); err != nil {
		return nil, err
	}
	tx, _, err := s.readSelectable(ctx, mailboxID)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// CROSS JOIN keeps mailbox_messages the outer loop (a range of its
	// primary key), whatever the planner would guess; every content has
	// a content_search row (ensureContent, the backfill), except those
	// without parse results, which the text search skips too.
	query := `SELECT mm.uid FROM mailbox_messages mm CROSS JOIN content_search s ON s.content_id = mm.content_id
		WHERE mm.mailbox_id = ? AND mm.uid BETWEEN ? AND ? AND ` + where.String() + ` ORDER BY mm.uid`
	found, err := queryUIDs(ctx, tx, mailboxID, uids, query, func(rows *sql.Rows) (uint32, uint32, error) {
		var uid uint32
		err := rows.Scan(&uid)
		return uid, uid, err
	})
	return found, mapErr(err)
}

// writeHeaderCondition writes q as an SQL condition on the content_search
// row s. Needles are written as BLOB literals (hex digits only, so nothing
// a client sends can change the statement), which also makes instr
// compare bytes. A field that is absent (NULL) contains nothing, and the
// condition is then false, never NULL, so that NOT inverts it.
func writeHeaderCondition(b *strings.Builder, q *search.HeaderQuery) error {
	switch q.Op {
	case search.HeaderTrue:
		b.WriteString("1")
	case search.HeaderContains:
		if q.Field < 0 || q.Field >= search.NumHeaderFields {
			return fmt.Errorf("sqlite: header search on unknown field %d", q.Field)
		}
		col := "s." + headerSearchColumns[q.Field]
		b.WriteString("(" + col + " IS NOT NULL")
		if q.Needle != "" {
			b.WriteString(" AND instr(" + col + ", x'" + hex.EncodeToString([]byte(q.Needle)) + "') > 0")
		}
		b.WriteString(")")
	case search.HeaderNot:
		if len(q.Kids) != 1 {
			return fmt.Errorf("sqlite: header search NOT of %d conditions", len(q.Kids))
		}
		b.WriteString("(NOT ")
		if err := writeHeaderCondition(b, &q.Kids[0]); err != nil {
			return err
		}
		b.WriteString(")")
	case search.HeaderAnd, search.HeaderOr:
		op, empty := " AND ", "1"
		if q.Op == search.HeaderOr {
			op, empty = " OR ", "0"
		}
		if len(q.Kids) == 0 {
			b.WriteString(empty)
			return nil
		}
		b.WriteString("(")
		for i := range q.Kids {
			if i > 0 {
				b.WriteString(op)
			}
			if err := writeHeaderCondition(b, &q.Kids[i]); err != nil {
				return err
			}
		}
		b.WriteString(")")
	default:
		return fmt.Errorf("sqlite: header search operator %d", q.Op)
	}
	return nil
}
