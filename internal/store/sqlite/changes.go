package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"roost/internal/store"
)

// flagRow is the mutable state of one message.
type flagRow struct {
	uid       uint32
	contentID int64
	flags     flagSet
	modseq    uint64
}

const flagRowQuery = `SELECT uid, content_id, flags, keywords, modseq FROM mailbox_messages mm
	WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid`

func scanFlagRow(rows *sql.Rows) (flagRow, uint32, error) {
	var r flagRow
	var bits int64
	var keywords string
	err := rows.Scan(&r.uid, &r.contentID, &bits, &keywords, &r.modseq)
	r.flags = decodeFlags(bits, keywords)
	return r, r.uid, err
}

// StoreFlags implements store.Backend. Each changed message takes its own
// new MODSEQ (RFC 7162 §3.1: the mailbox's HIGHESTMODSEQ grows with every
// change). With unchangedSince > 0, messages whose MODSEQ is above it are
// left alone and reported in failed (RFC 7162 §3.1.3).
func (s *Store) StoreFlags(ctx context.Context, mailboxID int64, uids []uint32, op store.FlagOp, flags []string, unchangedSince uint64) (updated []store.FlagUpdate, failed []uint32, err error) {
	arg := parseFlags(flags)
	err = s.write(ctx, func(tx *sql.Tx, st *txState) error {
		updated, failed = nil, nil
		mb, err := getSelectable(ctx, tx, mailboxID)
		if err != nil {
			return err
		}
		if v := viewerOf(ctx, mb); v != 0 { // per-user \Seen, seen.go
			updated, failed, err = storeFlagsAsViewer(ctx, tx, st, mb, v, uids, op, arg, unchangedSince)
			return err
		}
		rows, err := queryUIDs(ctx, tx, mailboxID, uids, flagRowQuery, scanFlagRow)
		if err != nil {
			return err
		}
		upd, err := tx.PrepareContext(ctx, "UPDATE mailbox_messages SET flags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?")
		if err != nil {
			return err
		}
		defer upd.Close()
		modseq := mb.HighestModSeq
		for _, r := range rows {
			if unchangedSince > 0 && r.modseq > unchangedSince {
				failed = append(failed, r.uid)
				continue
			}
			nf := r.flags.apply(op, arg)
			if nf.equal(r.flags) {
				continue
			}
			modseq++
			if _, err := upd.ExecContext(ctx, nf.bits, nf.keywordText(), modseq, mailboxID, r.uid); err != nil {
				return err
			}
			list := nf.list()
			updated = append(updated, store.FlagUpdate{UID: r.uid, Flags: list, ModSeq: modseq})
			change := store.Change{Kind: store.FlagsChanged, MailboxID: mailboxID, UID: r.uid, Flags: list, ModSeq: modseq}
			if nf.bits^r.flags.bits == bitSeen && slices.Equal(nf.keywords, r.flags.keywords) {
				// Only the owner's \Seen changed: other readers of the
				// mailbox have their own (seen.go), so it is the owner's
				// alone, like a reader's own \Seen change.
				change.UserID = mb.UserID
			}
			st.publish(change)
		}
		if modseq == mb.HighestModSeq {
			return nil
		}
		_, err = tx.ExecContext(ctx, "UPDATE mailboxes SET highestmodseq = ? WHERE id = ?", modseq, mailboxID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return updated, failed, nil
}

// Expunge implements store.Backend.
func (s *Store) Expunge(ctx context.Context, mailboxID int64, uids []uint32) ([]uint32, error) {
	var removed []uint32
	err := s.write(ctx, func(tx *sql.Tx, st *txState) error {
		removed = nil
		if _, err := getSelectable(ctx, tx, mailboxID); err != nil {
			return err
		}
		var rows []flagRow
		var err error
		if uids == nil {
			rows, err = deletedRows(ctx, tx, mailboxID)
		} else {
			rows, err = queryUIDs(ctx, tx, mailboxID, uids, flagRowQuery, scanFlagRow)
		}
		if err != nil {
			return err
		}
		var doomed []flagRow
		for _, r := range rows {
			if r.flags.bits&bitDeleted != 0 {
				doomed = append(doomed, r)
				removed = append(removed, r.uid)
			}
		}
		return removeMessages(ctx, tx, st, mailboxID, doomed)
	})
	if err != nil {
		return nil, err
	}
	return removed, nil
}

// deletedRows lists the messages with \Deleted.
func deletedRows(ctx context.Context, tx *sql.Tx, mailboxID int64) ([]flagRow, error) {
	rows, err := tx.QueryContext(ctx, `SELECT uid, content_id, flags, keywords, modseq FROM mailbox_messages
		WHERE mailbox_id = ? AND (flags & ?) != 0 ORDER BY uid`, mailboxID, bitDeleted)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []flagRow
	for rows.Next() {
		r, _, err := scanFlagRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// removeMessages deletes messages from a mailbox, each with a new MODSEQ
// remembered in expunged (for QRESYNC), and drops contents no longer used.
func removeMessages(ctx context.Context, tx *sql.Tx, st *txState, mailboxID int64, rows []flagRow) error {
	if len(rows) == 0 {
		return nil
	}
	mb, err := getMailbox(ctx, tx, mailboxID)
	if err != nil {
		return err
	}
	del, err := tx.PrepareContext(ctx, "DELETE FROM mailbox_messages WHERE mailbox_id = ? AND uid = ?")
	if err != nil {
		return err
	}
	defer del.Close()
	rec, err := tx.PrepareContext(ctx, "INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)")
	if err != nil {
		return err
	}
	defer rec.Close()
	modseq := mb.HighestModSeq
	contentIDs := make([]int64, 0, len(rows))
	for _, r := range rows {
		modseq++
		if _, err := del.ExecContext(ctx, mailboxID, r.uid); err != nil {
			return err
		}
		if _, err := rec.ExecContext(ctx, mailboxID, r.uid, modseq); err != nil {
			return err
		}
		contentIDs = append(contentIDs, r.contentID)
		st.publish(store.Change{Kind: store.MessageExpunged, MailboxID: mailboxID, UID: r.uid, ModSeq: modseq})
	}
	if _, err := tx.ExecContext(ctx, "UPDATE mailboxes SET highestmodseq = ? WHERE id = ?", modseq, mailboxID); err != nil {
		return err
	}
	return dropContents(ctx, tx, st, contentIDs)
}

// contentsOf lists the content rows a mailbox's messages use.
func contentsOf(ctx context.Context, tx *sql.Tx, mailboxID int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT DISTINCT content_id FROM mailbox_messages WHERE mailbox_id = ?", mailboxID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// dropContents deletes those of the given content rows that no message
// refers to any more. Their blobs are removed after the commit.
func dropContents(ctx context.Context, tx *sql.Tx, st *txState, contentIDs []int64) error {
	seen := make(map[int64]bool, len(contentIDs))
	for _, id := range contentIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		var blobID string
		err := tx.QueryRowContext(ctx, `DELETE FROM contents WHERE id = ?
			AND NOT EXISTS (SELECT 1 FROM mailbox_messages WHERE content_id = ?) RETURNING blob_id`, id, id).Scan(&blobID)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		st.freedBlob = append(st.freedBlob, blobID)
	}
	return nil
}

func allUIDs(ctx context.Context, tx *sql.Tx, mailboxID int64) ([]uint32, error) {
	rows, err := tx.QueryContext(ctx, "SELECT uid FROM mailbox_messages WHERE mailbox_id = ? ORDER BY uid", mailboxID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var uids []uint32
	for rows.Next() {
		var u uint32
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		uids = append(uids, u)
	}
	return uids, rows.Err()
}

// Copy implements store.Backend. The copies share the original's content
// row and blob; they keep flags and internal date and get a new save date.
func (s *Store) Copy(ctx context.Context, srcMailboxID int64, uids []uint32, dstMailboxID int64) (*store.CopyResult, error) {
	return s.copyOrMove(ctx, srcMailboxID, uids, dstMailboxID, false)
}

// Move implements store.Backend: Copy plus removal of the originals, in
// one transaction (RFC 6851).
func (s *Store) Move(ctx context.Context, srcMailboxID int64, uids []uint32, dstMailboxID int64) (*store.CopyResult, error) {
	return s.copyOrMove(ctx, srcMailboxID, uids, dstMailboxID, true)
}

func (s *Store) copyOrMove(ctx context.Context, srcID int64, uids []uint32, dstID int64, move bool) (*store.CopyResult, error) {
	var res *store.CopyResult
	err := s.write(ctx, func(tx *sql.Tx, st *txState) error {
		src, err := getSelectable(ctx, tx, srcID)
		if err != nil {
			return err
		}
		dst, err := getSelectable(ctx, tx, dstID)
		if err != nil {
			return err
		}
		res, err = copyMessages(ctx, tx, st, src, uids, dst, move)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// copyMessages copies (or moves) the messages with the given UIDs from src
// to dst, in UID order.
func copyMessages(ctx context.Context, tx *sql.Tx, st *txState, src *store.Mailbox, uids []uint32, dst *store.Mailbox, move bool) (*store.CopyResult, error) {
	type copyRow struct {
		flagRow
		internalDate, size int64
		tz                 int
	}
	rows, err := queryUIDs(ctx, tx, src.ID, uids, `SELECT uid, content_id, flags, keywords, modseq, internal_date, internal_tz, size
		FROM mailbox_messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid`,
		func(r *sql.Rows) (copyRow, uint32, error) {
			var c copyRow
			var bits int64
			var keywords string
			err := r.Scan(&c.uid, &c.contentID, &bits, &keywords, &c.modseq, &c.internalDate, &c.tz, &c.size)
			c.flags = decodeFlags(bits, keywords)
			return c, c.uid, err
		})
	if err != nil {
		return nil, err
	}
	res := &store.CopyResult{UIDValidity: dst.UIDValidity}
	if len(rows) == 0 {
		return res, nil
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO mailbox_messages
		(mailbox_id, uid, content_id, flags, keywords, modseq, internal_date, internal_tz, save_date, size)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	defer ins.Close()
	// Reload dst: for a copy into the same mailbox src and dst are one row.
	cur, err := getMailbox(ctx, tx, dst.ID)
	if err != nil {
		return nil, err
	}
	uid, modseq, now := cur.UIDNext, cur.HighestModSeq, time.Now().Unix()
	// Per-user \Seen (seen.go): the copy keeps \Seen as the viewer saw
	// the original, and is seen by the viewer alone if dst is not theirs.
	srcSeen, err := viewerSeen(ctx, tx, src.ID, viewerOf(ctx, src), rows[0].uid, rows[len(rows)-1].uid)
	if err != nil {
		return nil, err
	}
	dstViewer := viewerOf(ctx, dst)
	for _, r := range rows {
		modseq++
		if viewerOf(ctx, src) != 0 {
			r.flags.bits = withSeen(r.flags.bits, srcSeen[r.uid].seen)
		}
		viewerSaw := dstViewer != 0 && r.flags.bits&bitSeen != 0
		if viewerSaw {
			r.flags.bits &^= bitSeen
		}
		if _, err := ins.ExecContext(ctx, dst.ID, uid, r.contentID, r.flags.bits, r.flags.keywordText(), modseq,
			r.internalDate, r.tz, now, r.size); err != nil {
			return nil, err
		}
		if viewerSaw {
			if err := putSeen(ctx, tx, dst.ID, dstViewer, uid, true, modseq); err != nil {
				return nil, err
			}
		}
		if dst.UserID != src.UserID {
			if err := assignCopiedContent(ctx, tx, dst.UserID, r.contentID); err != nil { // objectid.go
				return nil, err
			}
		}
		st.publish(store.Change{Kind: store.MessageAdded, MailboxID: dst.ID, UID: uid, Flags: r.flags.list(), ModSeq: modseq})
		res.SrcUIDs = append(res.SrcUIDs, r.uid)
		res.DstUIDs = append(res.DstUIDs, uid)
		uid++
	}
	if _, err := tx.ExecContext(ctx, "UPDATE mailboxes SET uidnext = ?, highestmodseq = ? WHERE id = ?", uid, modseq, dst.ID); err != nil {
		return nil, err
	}
	if !move {
		return res, nil
	}
	doomed := make([]flagRow, len(rows))
	for i, r := range rows {
		doomed[i] = r.flagRow
	}
	return res, removeMessages(ctx, tx, st, src.ID, doomed)
}
