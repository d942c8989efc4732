package sqlite

import (
	"context"
	"database/sql"

	"roost/internal/mime"
	"roost/internal/store"
)

// textOnly reports whether opts asks for the search text alone
// (store.FetchOptions.TextOnly), which searchTextOnly serves.
func textOnly(opts store.FetchOptions) bool {
	return opts.TextOnly && (opts.SearchText || opts.SearchHeaders) &&
		!opts.Structure && !opts.SortKeys && !opts.ThreadID && !opts.EmailID && !opts.Preview
}

// searchTextOnly is Messages for a SEARCH that reads only header fields
// and body text: two or three columns per row instead of a dozen, and no
// join with contents. On a 100,000-message mailbox the per-row cost of
// the driver, not SQLite's own work, is what SEARCH SUBJECT spends.
func searchTextOnly(ctx context.Context, tx *sql.Tx, mailboxID int64, uids []uint32, opts store.FetchOptions) ([]store.Message, error) {
	query := `SELECT mm.uid, p.headers`
	if opts.SearchText {
		query += `, p.body_text`
	}
	query += ` FROM mailbox_messages mm JOIN content_parsed p ON p.content_id = mm.content_id
		WHERE mm.mailbox_id = ? AND mm.uid BETWEEN ? AND ? ORDER BY mm.uid`
	var headers sql.RawBytes
	var bodyText string
	return queryUIDs(ctx, tx, mailboxID, uids, query, func(rows *sql.Rows) (store.Message, uint32, error) {
		var m store.Message
		dest := []any{&m.UID, &headers}
		if opts.SearchText {
			dest = append(dest, &bodyText)
		}
		if err := rows.Scan(dest...); err != nil {
			return m, 0, err
		}
		p := &mime.Message{}
		var err error
		if p.Headers, err = decodeHeaders(headers); err != nil {
			return m, 0, err
		}
		if opts.SearchText {
			p.BodyText = bodyText
		}
		m.Parsed = p
		return m, m.UID, nil
	})
}
