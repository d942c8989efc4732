package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"roost/internal/mime"
	"roost/internal/search/sortkeys"
	"roost/internal/store"
	"roost/internal/store/blob"
)

// Stage implements store.Backend: the bytes go to an fsynced temporary
// file, then are parsed from it without being loaded onto the heap
// (parseStaged).
func (s *Store) Stage(ctx context.Context, r io.Reader, limit int64) (*store.Staged, error) {
	// The fsync runs in the background while the message is parsed;
	// Append waits for it (blob/pending.go) before anything refers to
	// the file.
	t, err := s.blobs.WriteUnsynced(r, limit)
	if err != nil {
		return nil, err
	}
	parsed, err := parseStaged(t.Path, t.Size)
	if err != nil {
		s.blobs.Discard(t.Path)
		return nil, fmt.Errorf("sqlite: parsing staged message: %w", err)
	}
	return s.addPreview(&store.Staged{Size: t.Size, BlobID: t.ID, Parsed: parsed, TempPath: t.Path}) // objectid.go
}

// Discard implements store.Backend.
func (s *Store) Discard(st *store.Staged) {
	if st != nil {
		s.blobs.Discard(st.TempPath)
	}
}

// encodedContent is a staged message's parse results in stored form,
// prepared before taking the write lock.
type encodedContent struct {
	parsed   []byte
	headers  []byte
	bodyText string
	sentDate sql.NullInt64
	sortKeys *store.SortKeys // sortkeys.go
}

func encodeContent(p *mime.Message) (encodedContent, error) {
	var ec encodedContent
	if p == nil {
		return ec, nil
	}
	b, err := mime.Marshal(&mime.Message{Root: p.Root, Date: p.Date})
	if err != nil {
		return ec, fmt.Errorf("sqlite: encoding parse results: %w", err)
	}
	ec.parsed = b
	ec.headers = encodeHeaders(p.Headers)
	ec.bodyText = p.BodyText
	ec.sortKeys = sortkeys.Compute(p)
	if !p.Date.IsZero() {
		ec.sentDate = sql.NullInt64{Int64: p.Date.Unix(), Valid: true}
	}
	return ec, nil
}

// ensureContent returns the content row for a blob, creating it (created)
// if this is the first message with these bytes.
// find is the prepared "SELECT id FROM contents WHERE blob_id = ?".
func ensureContent(ctx context.Context, tx querier, find *sql.Stmt, st *store.Staged, ec encodedContent) (id int64, created bool, err error) {
	err = find.QueryRowContext(ctx, st.BlobID).Scan(&id)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return id, false, err
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO contents (blob_id, size, sent_date) VALUES (?, ?, ?)", st.BlobID, st.Size, ec.sentDate)
	if err != nil {
		return 0, false, err
	}
	if id, err = res.LastInsertId(); err != nil {
		return 0, false, err
	}
	parsed := ec.parsed
	if parsed == nil {
		parsed = []byte{}
	}
	headers := ec.headers
	if headers == nil {
		headers = []byte{}
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO content_parsed (content_id, parsed, headers, body_text) VALUES (?, ?, ?, ?)",
		id, parsed, headers, ec.bodyText)
	if err != nil {
		return 0, false, err
	}
	if err := insertHeaderSearch(ctx, tx, id, st.Parsed); err != nil { // headersearch.go
		return 0, false, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO content_parse_version (content_id, version) VALUES (?, ?)", id, ParserVersion); err != nil { // reparse.go
		return 0, false, err
	}
	return id, true, insertSortKeys(ctx, tx, id, ec.sortKeys)
}

// Append implements store.Backend. Each message's blob is moved into place
// and fsynced inside the transaction, before the commit that refers to it.
func (s *Store) Append(ctx context.Context, mailboxID int64, msgs []store.AppendMessage) (uint32, []uint32, error) {
	enc := make([]encodedContent, len(msgs))
	for i, m := range msgs {
		if m.Staged == nil {
			return 0, nil, errors.New("sqlite: Append of a message that was not staged")
		}
		var err error
		if enc[i], err = encodeContent(m.Staged.Parsed); err != nil {
			return 0, nil, err
		}
	}
	var validity uint32
	var uids []uint32
	wctx := context.WithoutCancel(ctx)                                      // see placeAndWrite
	err := s.placeAndWrite(ctx, msgs, func(tx *sql.Tx, st *txState) error { // pins.go
		ctx := wctx
		if err := appendFitsQuota(ctx, st.stmts, mailboxID, msgs); err != nil { // quota.go
			return err
		}
		var err error
		validity, uids, err = s.appendTx(ctx, tx, st, mailboxID, msgs, enc)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return validity, uids, nil
}

// placeBlobs makes the staged files of msgs durable in their final place
// (their fsyncs, started by Stage, the renames, and one fsync per
// directory) before the write lock is taken, so that the lock is held
// for the SQL and the commit alone and concurrent APPENDs do not queue
// behind each other's file system work. A placed blob no committed row
// refers to is garbage: placeAndWrite removes it after a failed write, the
// GC at Open otherwise. tmps[i] becomes blob ids[i].
func (s *Store) placeBlobs(tmps, ids []string) error {
	var dirs blob.DirSyncs
	err := s.blobs.Place(tmps, ids, &dirs)
	if werr := dirs.Wait(); err == nil {
		err = werr
	}
	return err
}

// appendTx is Append inside the caller's transaction (Replace uses it
// too); enc holds the encoded parse results of msgs.
func (s *Store) appendTx(ctx context.Context, tx *sql.Tx, st *txState, mailboxID int64, msgs []store.AppendMessage, enc []encodedContent) (uint32, []uint32, error) {
	// Statements kept prepared on the writer connection across
	// transactions (writestmts.go), rather than parsed again for every
	// APPEND and every message of a MULTIAPPEND.
	q := st.stmts
	mb, err := getSelectable(ctx, q, mailboxID)
	if err != nil {
		return 0, nil, err
	}
	uid, modseq := mb.UIDNext, mb.HighestModSeq
	now := time.Now()
	ins, err := q.prepare(ctx, `INSERT INTO mailbox_messages
		(mailbox_id, uid, content_id, flags, keywords, modseq, internal_date, internal_tz, save_date, size)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, nil, err
	}
	find, err := q.prepare(ctx, "SELECT id FROM contents WHERE blob_id = ?")
	if err != nil {
		return 0, nil, err
	}
	// The blobs are already durable in place (placeBlobs).
	uids := make([]uint32, 0, len(msgs))
	for i, m := range msgs {
		contentID, created, err := ensureContent(ctx, q, find, m.Staged, enc[i])
		if err != nil {
			return 0, nil, err
		}
		if created {
			// Placed before the write lock: a message with the same
			// bytes whose last copy was expunged meanwhile by another
			// process may have taken the file with it (this process
			// pins it, pins.go). A new row must never point at no
			// file; placeAndWrite places it again and retries.
			if _, err := s.blobs.Size(m.Staged.BlobID); err != nil {
				return 0, nil, fmt.Errorf("sqlite: stored message %s %w: %w", m.Staged.BlobID, errBlobVanished, err)
			}
		}
		if err := storeObjectData(ctx, q, mb.UserID, contentID, m.Staged.Preview, enc[i].sortKeys); err != nil {
			return 0, nil, err
		}
		date := m.InternalDate
		if date.IsZero() {
			date = now
		}
		fs := parseFlags(m.Flags)
		modseq++
		viewerSaw := viewerOf(ctx, mb) != 0 && fs.bits&bitSeen != 0 // per-user \Seen, seen.go
		if viewerSaw {
			fs.bits &^= bitSeen
		}
		if _, err := ins.ExecContext(ctx, mailboxID, uid, contentID, fs.bits, fs.keywordText(), modseq,
			date.Unix(), zoneOffset(date), now.Unix(), m.Staged.Size); err != nil {
			return 0, nil, err
		}
		if viewerSaw {
			if err := putSeen(ctx, tx, mailboxID, viewerOf(ctx, mb), uid, true, modseq); err != nil {
				return 0, nil, err
			}
		}
		st.publish(store.Change{Kind: store.MessageAdded, MailboxID: mailboxID, UID: uid, Flags: fs.list(), ModSeq: modseq})
		uids = append(uids, uid)
		uid++
	}
	if _, err := q.ExecContext(ctx, "UPDATE mailboxes SET uidnext = ?, highestmodseq = ? WHERE id = ?", uid, modseq, mailboxID); err != nil {
		return 0, nil, err
	}
	return mb.UIDValidity, uids, nil
}

// Select implements store.Backend, reading everything in one transaction
// so that the snapshot is consistent with Mailbox.HighestModSeq.
func (s *Store) Select(ctx context.Context, mailboxID int64) (*store.Snapshot, error) {
	tx, mb, err := s.readSelectable(ctx, mailboxID)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var recentUID uint32
	if err := tx.QueryRowContext(ctx, "SELECT recent_uid FROM mailboxes WHERE id = ?", mailboxID).Scan(&recentUID); err != nil {
		return nil, mapErr(err)
	}
	snap := &store.Snapshot{Mailbox: *mb, Status: store.Status{
		UIDNext: mb.UIDNext, UIDValidity: mb.UIDValidity, HighestModSeq: mb.HighestModSeq,
	}}
	// The counts and UIDs come from the select cache, which reads only
	// what changed since this mailbox was last selected (selectcache.go).
	if err := s.sel.snapshot(ctx, tx, snap, recentUID); err != nil {
		return nil, mapErr(err)
	}
	// A reader other than the owner has its own \Seen (seen.go).
	if err := viewerSnapshot(ctx, tx, snap); err != nil {
		return nil, mapErr(err)
	}
	return snap, nil
}

// ClaimRecent implements store.Backend. Messages with a UID at or above
// the mailbox's recent_uid are recent; a claim raises it past through.
func (s *Store) ClaimRecent(ctx context.Context, mailboxID int64, through uint32) (uint32, error) {
	if through == 0 || s.claimed.covers(mailboxID, through) { // recent.go
		return 0, nil
	}
	defer s.claimed.lockMailbox(mailboxID)()
	if s.claimed.covers(mailboxID, through) {
		return 0, nil
	}
	var first, claimedTo uint32
	err := s.write(ctx, func(tx *sql.Tx, st *txState) error {
		if _, err := getSelectable(ctx, tx, mailboxID); err != nil {
			return err
		}
		var recentUID uint32
		if err := tx.QueryRowContext(ctx, "SELECT recent_uid FROM mailboxes WHERE id = ?", mailboxID).Scan(&recentUID); err != nil {
			return err
		}
		if recentUID > through {
			claimedTo = recentUID
			return nil
		}
		var min sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT min(uid) FROM mailbox_messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ?",
			mailboxID, recentUID, through).Scan(&min); err != nil {
			return err
		}
		first = uint32(min.Int64)
		if _, err := tx.ExecContext(ctx, "UPDATE mailboxes SET recent_uid = ? WHERE id = ?", through+1, mailboxID); err != nil {
			return err
		}
		claimedTo = through + 1
		return nil
	})
	if err == nil {
		s.claimed.note(mailboxID, claimedTo)
	}
	return first, err
}

// Messages implements store.Backend. Parse results are read (and decoded)
// only when opts asks for them.
func (s *Store) Messages(ctx context.Context, mailboxID int64, uids []uint32, opts store.FetchOptions) ([]store.Message, error) {
	tx, mb, err := s.readSelectable(ctx, mailboxID)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if textOnly(opts) {
		msgs, err := searchTextOnly(ctx, tx, mailboxID, uids, opts) // messages_text.go
		return msgs, mapErr(err)
	}
	// The message's own columns (flags, MODSEQ, dates, size) come from the
	// select cache when it can give them (selectcache_fetch.go), which is
	// all a flag FETCH or a date SORT needs; the content tables supply the
	// rest (messages_content.go).
	full := servedByCache(opts)
	cacheOpts := opts
	if !full {
		cacheOpts = store.FetchOptions{NoBlobID: true}
	}
	msgs, cached, err := s.cachedMessages(ctx, tx, mb, uids, cacheOpts)
	switch {
	case err != nil:
	case !cached:
		msgs, err = loadRows(ctx, tx, mailboxID, uids, opts)
	case !full:
		err = loadContent(ctx, tx, mailboxID, msgs, opts)
	}
	if err == nil {
		err = overlayViewerSeen(ctx, tx, mb, msgs) // per-user \Seen, seen.go
	}
	return msgs, mapErr(err)
}

// OpenBlob implements store.Backend.
func (s *Store) OpenBlob(ctx context.Context, blobID string) (store.Blob, error) {
	f, err := s.blobs.Open(blobID)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %w", store.ErrNoContent, err)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}
