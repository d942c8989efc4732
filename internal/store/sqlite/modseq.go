package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"roost/internal/store"
)

// modSeqSchema indexes messages and expunged UIDs by MODSEQ, so that
// "what changed since n" (RFC 7162 CHANGEDSINCE, QRESYNC, VANISHED) reads
// only the rows that changed. Appends and changes take ever larger MODSEQs,
// so the indexes grow at their right edge.
const modSeqSchema = `
CREATE INDEX IF NOT EXISTS mailbox_messages_modseq ON mailbox_messages(mailbox_id, modseq);
CREATE INDEX IF NOT EXISTS expunged_modseq ON expunged(mailbox_id, modseq);
`

// rangeQueryCost is what one query per UID range is worth in rows, when
// choosing between the UID and the MODSEQ index.
const rangeQueryCost = 16

// byUIDRanges decides how to find the changes since modseq: walking the
// UID ranges (primary key) or the MODSEQ index. Every change takes its own
// MODSEQ, so highest-modseq bounds the rows the MODSEQ index yields; the
// ranges cost their size. The cheaper one wins.
func byUIDRanges(within []store.UIDRange, changes uint64) bool {
	if within == nil {
		return false
	}
	return store.RangesSize(within)+rangeQueryCost*uint64(len(within)) < changes
}

const changedColumns = `SELECT mm.uid, mm.modseq, mm.flags, mm.keywords, mm.internal_date, mm.internal_tz,
	mm.save_date, mm.size, c.blob_id FROM `

// ChangedSince implements store.Backend.
func (s *Store) ChangedSince(ctx context.Context, mailboxID int64, modseq uint64, within []store.UIDRange) ([]store.Message, error) {
	tx, mb, err := s.readSelectable(ctx, mailboxID)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if modseq >= mb.HighestModSeq || (within != nil && len(within) == 0) {
		return nil, nil
	}
	z := zones{}
	scan := func(rows *sql.Rows) (store.Message, error) {
		var m store.Message
		var flags, internalDate, saveDate int64
		var tz int
		var keywords string
		err := rows.Scan(&m.UID, &m.ModSeq, &flags, &keywords, &internalDate, &tz, &saveDate, &m.Size, &m.BlobID)
		m.Flags = flagList(flags, keywords)
		m.InternalDate = z.at(internalDate, tz)
		m.SaveDate = time.Unix(saveDate, 0).UTC()
		return m, err
	}
	var out []store.Message
	if byUIDRanges(within, mb.HighestModSeq-modseq) {
		q := changedColumns + `mailbox_messages mm JOIN contents c ON c.id = mm.content_id
			WHERE mm.mailbox_id = ? AND mm.uid BETWEEN ? AND ? AND mm.modseq > ? ORDER BY mm.uid`
		for _, r := range within {
			if out, err = collectRows(ctx, tx, out, scan, q, mailboxID, r.First, r.Last, modseq); err != nil {
				return nil, mapErr(err)
			}
		}
		return viewerChanged(ctx, tx, mb, modseq, within, out, scan) // per-user \Seen, seen.go
	}
	q := changedColumns + `mailbox_messages AS mm INDEXED BY mailbox_messages_modseq
		JOIN contents c ON c.id = mm.content_id WHERE mm.mailbox_id = ? AND mm.modseq > ?`
	if out, err = collectRows(ctx, tx, out, scan, q, mailboxID, modseq); err != nil {
		return nil, mapErr(err)
	}
	if within != nil {
		out = slices.DeleteFunc(out, func(m store.Message) bool { return !store.InRanges(within, m.UID) })
	}
	slices.SortFunc(out, func(a, b store.Message) int { return int(int64(a.UID) - int64(b.UID)) })
	return viewerChanged(ctx, tx, mb, modseq, within, out, scan) // per-user \Seen, seen.go
}

// Vanished implements store.Backend.
func (s *Store) Vanished(ctx context.Context, mailboxID int64, modseq uint64, within []store.UIDRange) ([]uint32, error) {
	tx, mb, err := s.readSelectable(ctx, mailboxID)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if modseq >= mb.HighestModSeq || (within != nil && len(within) == 0) {
		return nil, nil
	}
	scan := func(rows *sql.Rows) (uint32, error) {
		var uid uint32
		return uid, rows.Scan(&uid)
	}
	var out []uint32
	if byUIDRanges(within, mb.HighestModSeq-modseq) {
		q := `SELECT uid FROM expunged WHERE mailbox_id = ? AND uid BETWEEN ? AND ? AND modseq > ? ORDER BY uid`
		for _, r := range within {
			if out, err = collectRows(ctx, tx, out, scan, q, mailboxID, r.First, r.Last, modseq); err != nil {
				return nil, mapErr(err)
			}
		}
		return out, nil
	}
	q := `SELECT uid FROM expunged INDEXED BY expunged_modseq WHERE mailbox_id = ? AND modseq > ?`
	if out, err = collectRows(ctx, tx, out, scan, q, mailboxID, modseq); err != nil {
		return nil, mapErr(err)
	}
	if within != nil {
		out = slices.DeleteFunc(out, func(u uint32) bool { return !store.InRanges(within, u) })
	}
	slices.Sort(out)
	return out, nil
}

// collectRows runs query and appends what scan makes of each row to dst.
func collectRows[T any](ctx context.Context, tx *sql.Tx, dst []T, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return dst, err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return dst, err
		}
		dst = append(dst, v)
	}
	return dst, rows.Err()
}
