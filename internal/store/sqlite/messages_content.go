package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"roost/internal/mime"
	"roost/internal/store"
)

// contentQuery is the part of a Messages load that comes from the content
// tables (blob ID, parse results, search text, sort keys, thread, preview)
// rather than from the message's own row: its columns, joins, scan targets
// and how a scanned row fills a store.Message.
type contentQuery struct {
	opts                                 store.FetchOptions
	withContent, headersOnly, searchText bool
	sortStrings                          bool
	cols, joins                          string

	blobID   string
	sent     sql.NullInt64
	parsed   sql.RawBytes
	headers  sql.RawBytes
	bodyText string
	sk       sortKeyRow
	ob       objectRow
}

func newContentQuery(opts store.FetchOptions) *contentQuery {
	q := &contentQuery{opts: opts}
	q.headersOnly = opts.SearchHeaders && !opts.SearchText
	q.searchText = opts.SearchText || opts.SearchHeaders
	// The contents row (blob ID, Date header) is one more b-tree lookup
	// per message: skipped when nothing needs it. The structure carries
	// the Date header itself (encodeContent), so it needs no sent_date.
	q.withContent = !opts.NoBlobID || q.searchText || opts.SortKeys
	if q.withContent {
		q.cols += ", c.blob_id, c.sent_date"
		q.joins += " JOIN contents c ON c.id = mm.content_id"
	}
	if opts.Structure {
		q.cols += ", p.parsed"
	}
	if q.headersOnly {
		q.cols += ", p.headers"
	} else if opts.SearchText {
		q.cols += ", p.headers, p.body_text"
	}
	if opts.Structure || q.searchText {
		q.joins += " JOIN content_parsed p ON p.content_id = mm.content_id"
	}
	// The string sort keys are a join and nine columns per row; a sort
	// by dates or size needs only contents.sent_date, read anyway.
	q.sortStrings = opts.SortKeys && !opts.SortDatesOnly
	if q.sortStrings {
		q.cols += sortKeyColumns
		q.joins += sortKeyJoin
	}
	objCols, objJoin := objectColumns(opts) // objectid.go
	q.cols += objCols
	q.joins += objJoin
	return q
}

// query is the statement for queryUIDs: metaCols (starting with mm.uid),
// then the content columns.
func (q *contentQuery) query(metaCols string) string {
	return "SELECT " + metaCols + q.cols + " FROM mailbox_messages mm" + q.joins +
		" WHERE mm.mailbox_id = ? AND mm.uid BETWEEN ? AND ? ORDER BY mm.uid"
}

// dest appends the scan targets of the content columns.
func (q *contentQuery) dest(d []any) []any {
	if q.withContent {
		d = append(d, &q.blobID, &q.sent)
	}
	if q.opts.Structure {
		d = append(d, &q.parsed)
	}
	if q.headersOnly {
		d = append(d, &q.headers)
	} else if q.opts.SearchText {
		d = append(d, &q.headers, &q.bodyText)
	}
	if q.sortStrings {
		d = append(d, q.sk.dest()...)
	}
	return append(d, q.ob.dest(q.opts)...)
}

// apply fills m's content fields from the row just scanned.
func (q *contentQuery) apply(m *store.Message) error {
	opts := q.opts
	m.BlobID = q.blobID
	if q.sortStrings {
		m.Sort = q.sk.keys(q.sent)
	} else if opts.SortKeys {
		m.Sort = &store.SortKeys{}
		if q.sent.Valid {
			m.Sort.SentDate = time.Unix(q.sent.Int64, 0).UTC()
		}
	}
	q.ob.apply(m, opts)
	if !opts.Structure && !q.searchText {
		return nil
	}
	p := &mime.Message{}
	if opts.Structure && len(q.parsed) > 0 {
		var err error
		if p, err = mime.Unmarshal(q.parsed); err != nil {
			return fmt.Errorf("sqlite: decoding parse results of UID %d: %w", m.UID, err)
		}
	}
	if p.Date.IsZero() && q.sent.Valid {
		p.Date = time.Unix(q.sent.Int64, 0).UTC()
	}
	if q.searchText {
		var err error
		if p.Headers, err = decodeHeaders(q.headers); err != nil {
			return err
		}
		if opts.SearchText {
			p.BodyText = q.bodyText
		}
	}
	m.Parsed = p
	return nil
}

// metaColumns are the message's own columns, when the select cache does
// not supply them.
const metaColumns = "mm.uid, mm.modseq, mm.flags, mm.keywords, mm.internal_date, mm.internal_tz, mm.save_date, mm.size"

// loadRows is Messages reading every column from the rows.
func loadRows(ctx context.Context, tx *sql.Tx, mailboxID int64, uids []uint32, opts store.FetchOptions) ([]store.Message, error) {
	q := newContentQuery(opts)
	z := zones{}
	var saveDate, internalDate int64
	var tz int
	var flags int64
	var keywords string
	return queryUIDs(ctx, tx, mailboxID, uids, q.query(metaColumns), func(rows *sql.Rows) (store.Message, uint32, error) {
		var m store.Message
		dest := q.dest([]any{&m.UID, &m.ModSeq, &flags, &keywords, &internalDate, &tz, &saveDate, &m.Size})
		if err := rows.Scan(dest...); err != nil {
			return m, 0, err
		}
		m.Flags = flagList(flags, keywords)
		m.InternalDate = z.at(internalDate, tz)
		m.SaveDate = time.Unix(saveDate, 0).UTC()
		return m, m.UID, q.apply(&m)
	})
}

// loadContent fills the content fields of msgs (ascending UIDs, their
// metadata taken from the select cache in the same transaction) from the
// rows: one column for the UID instead of eight, which is a good part of
// the driver's cost per row on a FETCH ENVELOPE of a large mailbox.
func loadContent(ctx context.Context, tx *sql.Tx, mailboxID int64, msgs []store.Message, opts store.FetchOptions) error {
	q := newContentQuery(opts)
	uids := make([]uint32, len(msgs))
	for i := range msgs {
		uids[i] = msgs[i].UID
	}
	i := 0
	var uid uint32
	_, err := queryUIDs(ctx, tx, mailboxID, uids, q.query("mm.uid"), func(rows *sql.Rows) (struct{}, uint32, error) {
		if err := rows.Scan(q.dest([]any{&uid})...); err != nil {
			return struct{}{}, 0, err
		}
		for i < len(msgs) && msgs[i].UID < uid {
			i++
		}
		if i == len(msgs) || msgs[i].UID != uid {
			// Rows between asked-for UIDs (queryUIDs scans runs) are
			// not wanted.
			return struct{}{}, uid, nil
		}
		return struct{}{}, uid, q.apply(&msgs[i])
	})
	return err
}
