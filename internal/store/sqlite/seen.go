package sqlite

import (
	"context"
	"database/sql"
	"slices"

	"roost/internal/store"
)

// Per-user \Seen (store/acl.go). The owner of a mailbox keeps \Seen in the
// message's flag bits, as ever; every other reader (the viewer of the
// context, store.WithViewer) has rows in user_seen. A row keeps the MODSEQ
// of the reader's last \Seen change, so that CONDSTORE sees it; unseen
// messages without a row have never been seen by that reader. The hooks
// below are called by Select, Status, Messages, ChangedSince, StoreFlags,
// Append and Copy/Move when the context's viewer is not the owner; with no
// viewer (or the owner as viewer) nothing changes.

// viewerOf returns the context's viewer if it is not mb's owner, else 0.
func viewerOf(ctx context.Context, mb *store.Mailbox) int64 {
	if v := store.Viewer(ctx); v != 0 && v != mb.UserID {
		return v
	}
	return 0
}

// seenRow is one reader's \Seen state of one message.
type seenRow struct {
	seen   bool
	modseq uint64
}

// viewerSeen loads the viewer's rows for UIDs lo..hi.
func viewerSeen(ctx context.Context, q querier, mailboxID, viewer int64, lo, hi uint32) (map[uint32]seenRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT uid, seen, modseq FROM user_seen
		WHERE mailbox_id = ? AND user_id = ? AND uid BETWEEN ? AND ?`, mailboxID, viewer, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[uint32]seenRow)
	for rows.Next() {
		var uid uint32
		var r seenRow
		if err := rows.Scan(&uid, &r.seen, &r.modseq); err != nil {
			return nil, err
		}
		out[uid] = r
	}
	return out, rows.Err()
}

// withSeen returns bits with the \Seen bit set to seen.
func withSeen(bits int64, seen bool) int64 {
	if seen {
		return bits | bitSeen
	}
	return bits &^ bitSeen
}

// setSeenFlag returns flags (system flags first, \Seen leading them) with
// \Seen present or not.
func setSeenFlag(flags []string, seen bool) []string {
	has := len(flags) > 0 && flags[0] == store.FlagSeen
	switch {
	case seen && !has:
		return slices.Insert(flags, 0, store.FlagSeen)
	case !seen && has:
		return flags[1:]
	}
	return flags
}

// overlayViewerSeen replaces \Seen and MODSEQ of msgs (ascending UIDs) by
// the viewer's.
func overlayViewerSeen(ctx context.Context, q querier, mb *store.Mailbox, msgs []store.Message) error {
	v := viewerOf(ctx, mb)
	if v == 0 || len(msgs) == 0 {
		return nil
	}
	seen, err := viewerSeen(ctx, q, mb.ID, v, msgs[0].UID, msgs[len(msgs)-1].UID)
	if err != nil {
		return err
	}
	for i := range msgs {
		r := seen[msgs[i].UID]
		msgs[i].Flags = setSeenFlag(msgs[i].Flags, r.seen)
		msgs[i].ModSeq = max(msgs[i].ModSeq, r.modseq)
	}
	return nil
}

// viewerSnapshot recomputes the unseen count and first unseen UID of a
// snapshot for the viewer.
func viewerSnapshot(ctx context.Context, q querier, snap *store.Snapshot) error {
	v := viewerOf(ctx, &snap.Mailbox)
	if v == 0 || len(snap.UIDs) == 0 {
		return nil
	}
	seen, err := viewerSeen(ctx, q, snap.Mailbox.ID, v, snap.UIDs[0], snap.UIDs[len(snap.UIDs)-1])
	if err != nil {
		return err
	}
	snap.Status.Unseen, snap.FirstUnseen = 0, 0
	for _, uid := range snap.UIDs {
		if !seen[uid].seen {
			snap.Status.Unseen++
			if snap.FirstUnseen == 0 {
				snap.FirstUnseen = uid
			}
		}
	}
	return nil
}

// viewerUnseen is the number of messages the viewer has not seen, for
// Status.
func viewerUnseen(ctx context.Context, q querier, mb *store.Mailbox, st *store.Status) error {
	v := viewerOf(ctx, mb)
	if v == 0 {
		return nil
	}
	var seen uint32
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM user_seen s JOIN mailbox_messages mm
		ON mm.mailbox_id = s.mailbox_id AND mm.uid = s.uid
		WHERE s.mailbox_id = ? AND s.user_id = ? AND s.seen = 1`, mb.ID, v).Scan(&seen)
	st.Unseen = st.Messages - min(seen, st.Messages)
	return err
}

// viewerChangedSince adds to out (ChangedSince's answer, owner's view) the
// messages whose \Seen changed for the viewer after modseq, and overlays
// the viewer's \Seen on all. load reads the given UIDs like ChangedSince.
func viewerChangedSince(ctx context.Context, q querier, mb *store.Mailbox, modseq uint64, within []store.UIDRange,
	out []store.Message, load func([]uint32) ([]store.Message, error)) ([]store.Message, error) {
	v := viewerOf(ctx, mb)
	if v == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT uid FROM user_seen WHERE mailbox_id = ? AND user_id = ? AND modseq > ?`, mb.ID, v, modseq)
	if err != nil {
		return nil, err
	}
	have := make(map[uint32]bool, len(out))
	for _, m := range out {
		have[m.UID] = true
	}
	var extra []uint32
	for rows.Next() {
		var uid uint32
		if err := rows.Scan(&uid); err != nil {
			rows.Close()
			return nil, err
		}
		if !have[uid] && (within == nil || store.InRanges(within, uid)) {
			extra = append(extra, uid)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		more, err := load(extra)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
		slices.SortFunc(out, func(a, b store.Message) int { return int(int64(a.UID) - int64(b.UID)) })
	}
	// Overlay per message: out may be sparse over a wide UID range.
	for i := range out {
		if err := overlayViewerSeen(ctx, q, mb, out[i:i+1]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// putSeen records the viewer's \Seen of one message with its MODSEQ.
func putSeen(ctx context.Context, tx *sql.Tx, mailboxID, viewer int64, uid uint32, seen bool, modseq uint64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO user_seen (mailbox_id, user_id, uid, seen, modseq) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (mailbox_id, user_id, uid) DO UPDATE SET seen = excluded.seen, modseq = excluded.modseq`,
		mailboxID, viewer, uid, seen, modseq)
	return err
}

// storeFlagsAsViewer is StoreFlags for a viewer who does not own mb: \Seen
// changes go to the viewer's rows, the other flags to the message, and the
// owner's \Seen is never touched. A change of the viewer's \Seen only is
// published with UserID set, for the viewer's sessions alone.
func storeFlagsAsViewer(ctx context.Context, tx *sql.Tx, st *txState, mb *store.Mailbox, viewer int64, uids []uint32,
	op store.FlagOp, arg flagSet, unchangedSince uint64) (updated []store.FlagUpdate, failed []uint32, err error) {
	rows, err := queryUIDs(ctx, tx, mb.ID, uids, flagRowQuery, scanFlagRow)
	if err != nil || len(rows) == 0 {
		return nil, nil, err
	}
	seen, err := viewerSeen(ctx, tx, mb.ID, viewer, rows[0].uid, rows[len(rows)-1].uid)
	if err != nil {
		return nil, nil, err
	}
	modseq := mb.HighestModSeq
	for _, r := range rows {
		sr := seen[r.uid]
		if unchangedSince > 0 && max(r.modseq, sr.modseq) > unchangedSince {
			failed = append(failed, r.uid)
			continue
		}
		cur := flagSet{bits: withSeen(r.flags.bits, sr.seen), keywords: r.flags.keywords}
		nf := cur.apply(op, arg)
		if nf.equal(cur) {
			continue
		}
		modseq++
		global := flagSet{bits: withSeen(nf.bits, r.flags.bits&bitSeen != 0), keywords: nf.keywords}
		change := store.Change{Kind: store.FlagsChanged, MailboxID: mb.ID, UID: r.uid, Flags: global.list(), ModSeq: modseq}
		if global.equal(r.flags) {
			change.UserID = viewer // only the viewer's \Seen changed
		} else if _, err := tx.ExecContext(ctx, "UPDATE mailbox_messages SET flags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?",
			global.bits, global.keywordText(), modseq, mb.ID, r.uid); err != nil {
			return nil, nil, err
		}
		if (nf.bits^cur.bits)&bitSeen != 0 {
			if err := putSeen(ctx, tx, mb.ID, viewer, r.uid, nf.bits&bitSeen != 0, modseq); err != nil {
				return nil, nil, err
			}
		}
		updated = append(updated, store.FlagUpdate{UID: r.uid, Flags: nf.list(), ModSeq: modseq})
		st.publish(change)
	}
	if modseq == mb.HighestModSeq {
		return updated, failed, nil
	}
	_, err = tx.ExecContext(ctx, "UPDATE mailboxes SET highestmodseq = ? WHERE id = ?", modseq, mb.ID)
	return updated, failed, err
}

// resolveSeen fills SeenBy in the FlagsChanged and MessageAdded changes of
// mailboxes that have per-user \Seen rows, inside the transaction, so that
// every session can show its own user's \Seen (store.Change.SeenBy).
func (st *txState) resolveSeen(ctx context.Context, tx querier) error {
	for _, id := range st.order {
		cs := st.changes[id]
		if !slices.ContainsFunc(cs, func(c store.Change) bool {
			return c.Kind == store.FlagsChanged || c.Kind == store.MessageAdded
		}) {
			continue
		}
		var any bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM user_seen WHERE mailbox_id = ?)", id).Scan(&any); err != nil {
			return err
		}
		if !any {
			continue
		}
		for i := range cs {
			if cs[i].Kind != store.FlagsChanged && cs[i].Kind != store.MessageAdded {
				continue
			}
			by, err := seenBy(ctx, tx, id, cs[i].UID)
			if err != nil {
				return err
			}
			cs[i].SeenBy = by
		}
	}
	return nil
}

func seenBy(ctx context.Context, tx querier, mailboxID int64, uid uint32) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT user_id FROM user_seen WHERE mailbox_id = ? AND uid = ? AND seen = 1 ORDER BY user_id", mailboxID, uid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// viewerChanged is viewerChangedSince for ChangedSince, loading the extra
// messages with ChangedSince's own columns and scan.
func viewerChanged(ctx context.Context, tx *sql.Tx, mb *store.Mailbox, modseq uint64, within []store.UIDRange,
	out []store.Message, scan func(*sql.Rows) (store.Message, error)) ([]store.Message, error) {
	if viewerOf(ctx, mb) == 0 {
		return out, nil
	}
	load := func(uids []uint32) ([]store.Message, error) {
		q := changedColumns + `mailbox_messages mm JOIN contents c ON c.id = mm.content_id
			WHERE mm.mailbox_id = ? AND mm.uid BETWEEN ? AND ? ORDER BY mm.uid`
		return queryUIDs(ctx, tx, mb.ID, uids, q, func(rows *sql.Rows) (store.Message, uint32, error) {
			m, err := scan(rows)
			return m, m.UID, err
		})
	}
	out, err := viewerChangedSince(ctx, tx, mb, modseq, within, out, load)
	return out, mapErr(err)
}
