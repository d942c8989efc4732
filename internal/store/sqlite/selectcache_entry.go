package sqlite

import (
	"context"
	"database/sql"
	"math"
	"slices"
	"sync"

	"roost/internal/store"
)

// selectEntry is the cached metadata of one mailbox's messages, one slice
// per column (index i of each is the message with UID uids[i]), which keeps
// the scans of SELECT's counts short and the entry about 50 bytes a message.
type selectEntry struct {
	mu          sync.Mutex
	uidValidity uint32 // set at creation, never changed
	loaded      bool
	modSeq      uint64 // the mailbox's HIGHESTMODSEQ the entry reflects

	// Guarded by selectCache.mu, not mu.
	used uint64 // selectCache.clock at the last use, for eviction
	held int    // messages counted in selectCache.total

	uids     []uint32
	bits     []uint8 // system flag bits (flags.go)
	modSeqs  []uint64
	sizes    []int64
	internal []int64 // INTERNALDATE, unix seconds
	zones    []int32 // its zone offset, seconds
	saved    []int64 // SAVEDATE, unix seconds
	// keywords holds the stored keyword text (flags.go) of the few
	// messages that have keywords.
	keywords map[uint32]string
	// sent is the Date header (unix seconds, noSentDate if none); nil
	// until a sort needs it (loadSent), kept up to date afterwards.
	sent []int64

	// Kept up to date by put and remove.
	unseen, deleted uint32
	size            int64
}

// noSentDate marks a message without a usable Date header in sent.
const noSentDate = math.MinInt64

// cachedRow is one message as read from the database.
type cachedRow struct {
	uid                   uint32
	bits                  uint8
	keywords              string
	modSeq                uint64
	internal, saved, size int64
	zone                  int32
	sent                  sql.NullInt64
}

const cachedColumns = `mm.uid, mm.flags, mm.keywords, mm.modseq, mm.internal_date, mm.internal_tz, mm.save_date, mm.size`

func scanCachedRow(rows *sql.Rows, r *cachedRow, withSent bool) error {
	var flags int64
	dest := []any{&r.uid, &flags, &r.keywords, &r.modSeq, &r.internal, &r.zone, &r.saved, &r.size}
	if withSent {
		dest = append(dest, &r.sent)
	}
	err := rows.Scan(dest...)
	r.bits = uint8(flags & allBits)
	return err
}

// load reads every message of the mailbox as tx sees it.
func (e *selectEntry) load(ctx context.Context, tx *sql.Tx, mb *store.Mailbox) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM mailbox_messages WHERE mailbox_id = ?", mb.ID).Scan(&n); err != nil {
		return err
	}
	e.uids, e.bits, e.modSeqs = make([]uint32, 0, n), make([]uint8, 0, n), make([]uint64, 0, n)
	e.sizes, e.internal, e.zones = make([]int64, 0, n), make([]int64, 0, n), make([]int32, 0, n)
	e.saved, e.keywords, e.sent = make([]int64, 0, n), nil, nil
	e.unseen, e.deleted, e.size = 0, 0, 0
	rows, err := tx.QueryContext(ctx, "SELECT "+cachedColumns+" FROM mailbox_messages mm WHERE mm.mailbox_id = ? ORDER BY mm.uid", mb.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r cachedRow
	for rows.Next() {
		if err := scanCachedRow(rows, &r, false); err != nil {
			return err
		}
		e.put(&r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	e.modSeq, e.loaded = mb.HighestModSeq, true
	return nil
}

// loadSent reads the Date header of every cached message. tx must see the
// state the entry reflects (call it right after selectCache.current).
func (e *selectEntry) loadSent(ctx context.Context, tx *sql.Tx, mailboxID int64) error {
	sent := make([]int64, len(e.uids))
	for i := range sent {
		sent[i] = noSentDate
	}
	rows, err := tx.QueryContext(ctx, `SELECT mm.uid, c.sent_date FROM mailbox_messages mm
		JOIN contents c ON c.id = mm.content_id WHERE mm.mailbox_id = ? ORDER BY mm.uid`, mailboxID)
	if err != nil {
		return err
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var uid uint32
		var date sql.NullInt64
		if err := rows.Scan(&uid, &date); err != nil {
			return err
		}
		for i < len(e.uids) && e.uids[i] < uid {
			i++
		}
		if i < len(e.uids) && e.uids[i] == uid && date.Valid {
			sent[i] = date.Int64
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	e.sent = sent
	return nil
}

// catchUp applies the rows and expunges with a MODSEQ above e.modSeq.
func (e *selectEntry) catchUp(ctx context.Context, tx *sql.Tx, mb *store.Mailbox) error {
	if e.modSeq == mb.HighestModSeq {
		return nil
	}
	withSent := e.sent != nil
	query := "SELECT " + cachedColumns
	if withSent {
		query += ", c.sent_date"
	}
	query += " FROM mailbox_messages AS mm INDEXED BY mailbox_messages_modseq"
	if withSent {
		query += " JOIN contents c ON c.id = mm.content_id"
	}
	query += " WHERE mm.mailbox_id = ? AND mm.modseq > ? ORDER BY mm.uid"
	rows, err := tx.QueryContext(ctx, query, mb.ID, e.modSeq)
	if err != nil {
		return err
	}
	var r cachedRow
	for rows.Next() {
		r.sent = sql.NullInt64{}
		if err := scanCachedRow(rows, &r, withSent); err != nil {
			rows.Close()
			return err
		}
		e.put(&r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	gone, err := tx.QueryContext(ctx, `SELECT uid FROM expunged INDEXED BY expunged_modseq
		WHERE mailbox_id = ? AND modseq > ?`, mb.ID, e.modSeq)
	if err != nil {
		return err
	}
	var expunged []uint32
	for gone.Next() {
		var uid uint32
		if err := gone.Scan(&uid); err != nil {
			gone.Close()
			return err
		}
		expunged = append(expunged, uid)
	}
	gone.Close()
	if err := gone.Err(); err != nil {
		return err
	}
	e.remove(expunged)
	e.modSeq = mb.HighestModSeq
	return nil
}

// count adds (sign 1) or removes (sign -1) message i from the counts.
func (e *selectEntry) count(i int, sign int) {
	if e.bits[i]&bitSeen == 0 {
		e.unseen += uint32(sign)
	}
	if e.bits[i]&bitDeleted != 0 {
		e.deleted += uint32(sign)
	}
	e.size += int64(sign) * e.sizes[i]
}

// put records a message's current state. New UIDs are above every cached
// one in practice (UIDs only grow), so they are appended.
func (e *selectEntry) put(r *cachedRow) {
	i, found := len(e.uids), false
	if i > 0 && r.uid <= e.uids[i-1] {
		i, found = slices.BinarySearch(e.uids, r.uid)
	}
	if found {
		e.count(i, -1)
	} else if i == len(e.uids) {
		e.uids = append(e.uids, r.uid)
		e.bits = append(e.bits, 0)
		e.modSeqs = append(e.modSeqs, 0)
		e.sizes = append(e.sizes, 0)
		e.internal = append(e.internal, 0)
		e.zones = append(e.zones, 0)
		e.saved = append(e.saved, 0)
		if e.sent != nil {
			e.sent = append(e.sent, noSentDate)
		}
	} else {
		e.uids = slices.Insert(e.uids, i, r.uid)
		e.bits = slices.Insert(e.bits, i, 0)
		e.modSeqs = slices.Insert(e.modSeqs, i, 0)
		e.sizes = slices.Insert(e.sizes, i, 0)
		e.internal = slices.Insert(e.internal, i, 0)
		e.zones = slices.Insert(e.zones, i, 0)
		e.saved = slices.Insert(e.saved, i, 0)
		if e.sent != nil {
			e.sent = slices.Insert(e.sent, i, int64(noSentDate))
		}
	}
	e.bits[i], e.modSeqs[i], e.sizes[i] = r.bits, r.modSeq, r.size
	e.internal[i], e.zones[i], e.saved[i] = r.internal, r.zone, r.saved
	if e.sent != nil && r.sent.Valid {
		e.sent[i] = r.sent.Int64
	}
	switch {
	case r.keywords != "":
		if e.keywords == nil {
			e.keywords = make(map[uint32]string)
		}
		e.keywords[r.uid] = r.keywords
	case e.keywords != nil:
		delete(e.keywords, r.uid)
	}
	e.count(i, 1)
}

// remove drops the given UIDs (those not cached are ignored).
func (e *selectEntry) remove(uids []uint32) {
	if len(uids) == 0 {
		return
	}
	drop := make(map[uint32]bool, len(uids))
	for _, u := range uids {
		drop[u] = true
	}
	j := 0
	for i, u := range e.uids {
		if drop[u] {
			e.count(i, -1)
			delete(e.keywords, u)
			continue
		}
		e.uids[j], e.bits[j], e.modSeqs[j], e.sizes[j] = u, e.bits[i], e.modSeqs[i], e.sizes[i]
		e.internal[j], e.zones[j], e.saved[j] = e.internal[i], e.zones[i], e.saved[i]
		if e.sent != nil {
			e.sent[j] = e.sent[i]
		}
		j++
	}
	e.uids, e.bits, e.modSeqs, e.sizes = e.uids[:j], e.bits[:j], e.modSeqs[:j], e.sizes[:j]
	e.internal, e.zones, e.saved = e.internal[:j], e.zones[:j], e.saved[:j]
	if e.sent != nil {
		e.sent = e.sent[:j]
	}
}

// fill sets snap's UIDs (a copy the caller owns) and counts.
func (e *selectEntry) fill(snap *store.Snapshot, recentUID uint32) {
	if len(e.uids) > 0 {
		snap.UIDs = slices.Clone(e.uids)
	}
	st := &snap.Status
	st.Unseen, st.Deleted, st.Size = e.unseen, e.deleted, e.size
	if e.unseen > 0 {
		for i, b := range e.bits {
			if b&bitSeen == 0 {
				snap.FirstUnseen = e.uids[i]
				break
			}
		}
	}
	first, _ := slices.BinarySearch(e.uids, recentUID)
	st.Recent = uint32(len(e.uids) - first)
	st.Messages = uint32(len(e.uids))
	// In UID order, so that of two spellings the oldest message's wins.
	withKeywords := make([]uint32, 0, len(e.keywords))
	for uid := range e.keywords {
		withKeywords = append(withKeywords, uid)
	}
	slices.Sort(withKeywords)
	var kw []string
	for _, uid := range withKeywords {
		for _, k := range decodeFlags(0, e.keywords[uid]).keywords {
			kw = addKeyword(kw, k)
		}
	}
	snap.Keywords = kw
}
