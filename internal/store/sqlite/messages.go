package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"roost/internal/mime"
	"roost/internal/search/sortkeys"
	"roost/internal/store"
)

// Stage implements store.Backend: the bytes go to an fsynced temporary
// file, then are parsed from it without being loaded onto the heap
// (parseStaged).
func (s *Store) Stage(ctx context.Context, r io.Reader, limit int64) (*store.Staged, error) {
	t, err := s.blobs.Write(r, limit)
	if err != nil {
		return nil, err
	}
	parsed, err := parseStaged(t.Path, t.Size)
	if err != nil {
		s.blobs.Discard(t.Path)
		return nil, fmt.Errorf("sqlite: parsing staged message: %w", err)
	}
	return &store.Staged{Size: t.Size, BlobID: t.ID, Parsed: parsed, TempPath: t.Path}, nil
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

// ensureContent returns the content row for a blob, creating it if this is
// the first message with these bytes.
// find is the prepared "SELECT id FROM contents WHERE blob_id = ?".
func ensureContent(ctx context.Context, tx *sql.Tx, find *sql.Stmt, st *store.Staged, ec encodedContent) (int64, error) {
	var id int64
	err := find.QueryRowContext(ctx, st.BlobID).Scan(&id)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO contents (blob_id, size, sent_date) VALUES (?, ?, ?)", st.BlobID, st.Size, ec.sentDate)
	if err != nil {
		return 0, err
	}
	if id, err = res.LastInsertId(); err != nil {
		return 0, err
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
		return 0, err
	}
	return id, insertSortKeys(ctx, tx, id, ec.sortKeys)
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
	err := s.write(ctx, func(tx *sql.Tx, st *txState) error {
		mb, err := getSelectable(ctx, tx, mailboxID)
		if err != nil {
			return err
		}
		validity = mb.UIDValidity
		uid, modseq := mb.UIDNext, mb.HighestModSeq
		now := time.Now()
		ins, err := tx.PrepareContext(ctx, `INSERT INTO mailbox_messages
			(mailbox_id, uid, content_id, flags, keywords, modseq, internal_date, internal_tz, save_date, size)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		// Prepared once per transaction rather than parsed again for
		// every message of a large (MULTI)APPEND.
		find, err := tx.PrepareContext(ctx, "SELECT id FROM contents WHERE blob_id = ?")
		if err != nil {
			return err
		}
		defer find.Close()
		uids = uids[:0]
		for i, m := range msgs {
			if err := s.blobs.Commit(m.Staged.TempPath, m.Staged.BlobID); err != nil {
				return err
			}
			contentID, err := ensureContent(ctx, tx, find, m.Staged, enc[i])
			if err != nil {
				return err
			}
			date := m.InternalDate
			if date.IsZero() {
				date = now
			}
			fs := parseFlags(m.Flags)
			modseq++
			if _, err := ins.ExecContext(ctx, mailboxID, uid, contentID, fs.bits, fs.keywordText(), modseq,
				date.Unix(), zoneOffset(date), now.Unix(), m.Staged.Size); err != nil {
				return err
			}
			st.publish(store.Change{Kind: store.MessageAdded, MailboxID: mailboxID, UID: uid, Flags: fs.list(), ModSeq: modseq})
			uids = append(uids, uid)
			uid++
		}
		_, err = tx.ExecContext(ctx, "UPDATE mailboxes SET uidnext = ?, highestmodseq = ? WHERE id = ?", uid, modseq, mailboxID)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return validity, uids, nil
}

// Select implements store.Backend, reading everything in one transaction
// so that the snapshot is consistent with Mailbox.HighestModSeq.
func (s *Store) Select(ctx context.Context, mailboxID int64) (*store.Snapshot, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapErr(err)
	}
	defer tx.Rollback()
	mb, err := getSelectable(ctx, tx, mailboxID)
	if err != nil {
		return nil, mapErr(err)
	}
	var recentUID uint32
	if err := tx.QueryRowContext(ctx, "SELECT recent_uid FROM mailboxes WHERE id = ?", mailboxID).Scan(&recentUID); err != nil {
		return nil, mapErr(err)
	}
	snap := &store.Snapshot{Mailbox: *mb, Status: store.Status{
		UIDNext: mb.UIDNext, UIDValidity: mb.UIDValidity, HighestModSeq: mb.HighestModSeq,
	}}
	rows, err := tx.QueryContext(ctx, "SELECT uid, flags, size FROM mailbox_messages WHERE mailbox_id = ? ORDER BY uid", mailboxID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var uid uint32
		var flags, size int64
		if err := rows.Scan(&uid, &flags, &size); err != nil {
			return nil, mapErr(err)
		}
		snap.UIDs = append(snap.UIDs, uid)
		if flags&bitSeen == 0 {
			snap.Status.Unseen++
			if snap.FirstUnseen == 0 {
				snap.FirstUnseen = uid
			}
		}
		if flags&bitDeleted != 0 {
			snap.Status.Deleted++
		}
		if uid >= recentUID {
			snap.Status.Recent++
		}
		snap.Status.Size += size
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	snap.Status.Messages = uint32(len(snap.UIDs))
	return snap, nil
}

// ClaimRecent implements store.Backend. It returns the lowest UID of a
// message that was still \Recent, or 0 if there was none; either way no
// message with a UID below the mailbox's UIDNext is recent afterwards.
func (s *Store) ClaimRecent(ctx context.Context, mailboxID int64) (uint32, error) {
	var first uint32
	err := s.write(ctx, func(tx *sql.Tx, st *txState) error {
		if _, err := getSelectable(ctx, tx, mailboxID); err != nil {
			return err
		}
		var recentUID, uidNext uint32
		if err := tx.QueryRowContext(ctx, "SELECT recent_uid, uidnext FROM mailboxes WHERE id = ?", mailboxID).Scan(&recentUID, &uidNext); err != nil {
			return err
		}
		if recentUID >= uidNext {
			return nil
		}
		var min sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT min(uid) FROM mailbox_messages WHERE mailbox_id = ? AND uid >= ?", mailboxID, recentUID).Scan(&min); err != nil {
			return err
		}
		first = uint32(min.Int64)
		_, err := tx.ExecContext(ctx, "UPDATE mailboxes SET recent_uid = ? WHERE id = ?", uidNext, mailboxID)
		return err
	})
	return first, err
}

// Messages implements store.Backend. Parse results are read (and decoded)
// only when opts asks for them.
func (s *Store) Messages(ctx context.Context, mailboxID int64, uids []uint32, opts store.FetchOptions) ([]store.Message, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapErr(err)
	}
	defer tx.Rollback()
	if _, err := getSelectable(ctx, tx, mailboxID); err != nil {
		return nil, mapErr(err)
	}
	query := `SELECT mm.uid, mm.modseq, mm.flags, mm.keywords, mm.internal_date, mm.internal_tz, mm.save_date,
		mm.size, c.blob_id, c.sent_date`
	join := ""
	if opts.Structure {
		query += ", p.parsed"
	}
	if opts.SearchText {
		query += ", p.headers, p.body_text"
	}
	if opts.Structure || opts.SearchText {
		join = " JOIN content_parsed p ON p.content_id = mm.content_id"
	}
	if opts.SortKeys {
		query += sortKeyColumns
		join += sortKeyJoin
	}
	query += ` FROM mailbox_messages mm JOIN contents c ON c.id = mm.content_id` + join +
		` WHERE mm.mailbox_id = ? AND mm.uid BETWEEN ? AND ? ORDER BY mm.uid`
	z := zones{}
	var saveDate, internalDate int64
	var tz int
	var flags int64
	var keywords string
	var sent sql.NullInt64
	var parsed, headers []byte
	var bodyText string
	var sk sortKeyRow
	msgs, err := queryUIDs(ctx, tx, mailboxID, uids, query, func(rows *sql.Rows) (store.Message, uint32, error) {
		var m store.Message
		dest := []any{&m.UID, &m.ModSeq, &flags, &keywords, &internalDate, &tz, &saveDate, &m.Size, &m.BlobID, &sent}
		if opts.Structure {
			dest = append(dest, &parsed)
		}
		if opts.SearchText {
			dest = append(dest, &headers, &bodyText)
		}
		if opts.SortKeys {
			dest = append(dest, sk.dest()...)
		}
		if err := rows.Scan(dest...); err != nil {
			return m, 0, err
		}
		m.Flags = flagList(flags, keywords)
		m.InternalDate = z.at(internalDate, tz)
		m.SaveDate = time.Unix(saveDate, 0).UTC()
		if opts.SortKeys {
			m.Sort = sk.keys(sent)
		}
		if !opts.Structure && !opts.SearchText {
			return m, m.UID, nil
		}
		p := &mime.Message{}
		if opts.Structure && len(parsed) > 0 {
			var err error
			if p, err = mime.Unmarshal(parsed); err != nil {
				return m, 0, fmt.Errorf("sqlite: decoding parse results of UID %d: %w", m.UID, err)
			}
		}
		if p.Date.IsZero() && sent.Valid {
			p.Date = time.Unix(sent.Int64, 0).UTC()
		}
		if opts.SearchText {
			var err error
			if p.Headers, err = decodeHeaders(headers); err != nil {
				return m, 0, err
			}
			p.BodyText = bodyText
		}
		m.Parsed = p
		return m, m.UID, nil
	})
	return msgs, mapErr(err)
}

// OpenBlob implements store.Backend.
func (s *Store) OpenBlob(ctx context.Context, blobID string) (store.Blob, error) {
	f, err := s.blobs.Open(blobID)
	if err != nil {
		return nil, err
	}
	return f, nil
}
