package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"roost/internal/mime"
	"roost/internal/objectid"
	"roost/internal/store"
	"roost/internal/store/blob"
)

// Threads (RFC 8474 THREADID) and previews (RFC 8970 PREVIEW), both
// computed once when a message is appended.
//
// A thread belongs to a user and groups contents: every message of the
// user with the same content is in the same thread (RFC 8474 §5.2 "the
// same THREADID for all messages with the same EMAILID"), and COPY, MOVE
// and RENAME INBOX, which keep the content row, keep the thread.
// thread_msgids remembers every Message-ID a user's message had or
// referred to, with its thread: a reply finds its parent's thread, and a
// parent appended after its reply finds the reply's thread through the
// reference the reply left. A thread never changes once assigned (§5.2).

// objectIDSchema is the migration that added the tables; afterMigration
// (sortkeys.go) recognises it by its text and runs backfillThreads. It is
// idempotent (IF NOT EXISTS, and the backfill skips threaded contents), so
// re-running it over a database that has the tables is harmless.
const objectIDSchema = `
CREATE TABLE IF NOT EXISTS thread_members (
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	content_id INTEGER NOT NULL REFERENCES contents(id) ON DELETE CASCADE,
	thread_id  INTEGER NOT NULL,
	PRIMARY KEY (user_id, content_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS thread_members_thread ON thread_members(user_id, thread_id);

CREATE TABLE IF NOT EXISTS thread_msgids (
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	message_id TEXT NOT NULL, -- normalized, as in content_sortkeys
	thread_id  INTEGER NOT NULL,
	PRIMARY KEY (user_id, message_id)
) WITHOUT ROWID;

-- FETCH PREVIEW text; a content without a row predates previews and has
-- its preview computed from the message file when asked.
CREATE TABLE IF NOT EXISTS content_previews (
	content_id INTEGER PRIMARY KEY REFERENCES contents(id) ON DELETE CASCADE,
	preview    TEXT NOT NULL
);
`

// emailIDSchema is the migration that added random EMAILIDs: one per
// account and content, made when the content first enters the account
// (assignThread). A message without a row was stored before and keeps the
// EMAILID derived from its content address (objectid.EmailID).
const emailIDSchema = `
CREATE TABLE IF NOT EXISTS email_ids (
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	content_id INTEGER NOT NULL REFERENCES contents(id) ON DELETE CASCADE,
	email_id   TEXT NOT NULL,
	PRIMARY KEY (user_id, content_id)
) WITHOUT ROWID;
`

// maxThreadRefs bounds how many Message-IDs of one message take part in
// threading: the newest references and the message's own ID are what link
// it; a References field of thousands of IDs must not cost thousands of
// lookups.
const maxThreadRefs = 100

// addPreview computes the preview of a staged message from its file.
func (s *Store) addPreview(st *store.Staged) (*store.Staged, error) {
	f, err := blob.OpenFile(st.TempPath)
	if err == nil {
		st.Preview, err = mime.Preview(st.Parsed, f)
		f.Close()
	}
	if err != nil {
		s.blobs.Discard(st.TempPath)
		return nil, fmt.Errorf("sqlite: computing preview: %w", err)
	}
	return st, nil
}

// storeObjectData records the thread of a content for userID and its
// preview; both are kept if the content already had them.
func storeObjectData(ctx context.Context, tx querier, userID, contentID int64, preview string, keys *store.SortKeys) error {
	if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO content_previews (content_id, preview) VALUES (?, ?)", contentID, preview); err != nil {
		return err
	}
	return assignThread(ctx, tx, userID, contentID, keys, true)
}

// assignThread puts a content into a thread of userID: the thread of the
// first of its references (oldest first) or of its own Message-ID that
// the user has seen, else a new one. A content new to the user also gets
// its random EMAILID when withEmailID is set (not when the migration that
// added threads backfills them: those messages keep their old EMAILID).
func assignThread(ctx context.Context, tx querier, userID, contentID int64, keys *store.SortKeys, withEmailID bool) error {
	var thread int64
	err := tx.QueryRowContext(ctx, "SELECT thread_id FROM thread_members WHERE user_id = ? AND content_id = ?", userID, contentID).Scan(&thread)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var ids []string
	if keys != nil {
		refs := keys.References
		if len(refs) > maxThreadRefs-1 {
			refs = refs[len(refs)-(maxThreadRefs-1):]
		}
		ids = append(ids, refs...)
		if keys.MessageID != "" {
			ids = append(ids, keys.MessageID)
		}
	}
	for _, id := range ids {
		err := tx.QueryRowContext(ctx, "SELECT thread_id FROM thread_msgids WHERE user_id = ? AND message_id = ?", userID, id).Scan(&thread)
		if err == nil {
			break
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	if thread == 0 {
		if thread, err = nextThreadID(ctx, tx, userID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO thread_members (user_id, content_id, thread_id) VALUES (?, ?, ?)", userID, contentID, thread); err != nil {
		return err
	}
	if withEmailID {
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO email_ids (user_id, content_id, email_id) VALUES (?, ?, ?)",
			userID, contentID, objectid.NewEmailID()); err != nil {
			return err
		}
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO thread_msgids (user_id, message_id, thread_id) VALUES (?, ?, ?)", userID, id, thread); err != nil {
			return err
		}
	}
	return nil
}

// nextThreadID hands out a random thread number (RFC 8474 §8: a THREADID
// reveals nothing about other threads or accounts; the counter that older
// threads took theirs from did). Numbers are per user; one the user
// already has is drawn again.
func nextThreadID(ctx context.Context, tx querier, userID int64) (int64, error) {
	for range 8 {
		n := objectid.RandomRowID()
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM thread_members WHERE user_id = ? AND thread_id = ? LIMIT 1", userID, n).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
	return 0, errors.New("sqlite: no free thread number")
}

// assignCopiedContent gives a content that a COPY or MOVE brings into
// another account (a shared mailbox) that account's thread and EMAILID,
// unless the account already has the content: the copy then shares what
// the account's other messages with it carry (RFC 8474 §5.1).
func assignCopiedContent(ctx context.Context, tx querier, userID, contentID int64) error {
	return assignThread(ctx, tx, userID, contentID, nil, true)
}

// backfillThreads threads the messages stored before threads were kept,
// in content order (roughly arrival order), from their stored sort keys.
func backfillThreads(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT mb.user_id, mm.content_id, k.message_id, k.refs
		FROM mailbox_messages mm JOIN mailboxes mb ON mb.id = mm.mailbox_id
		LEFT JOIN content_sortkeys k ON k.content_id = mm.content_id
		ORDER BY mm.content_id, mb.user_id`)
	if err != nil {
		return err
	}
	type pending struct {
		user, content int64
		keys          store.SortKeys
	}
	var all []pending
	for rows.Next() {
		var p pending
		var msgID, refs sql.NullString
		if err := rows.Scan(&p.user, &p.content, &msgID, &refs); err != nil {
			rows.Close()
			return err
		}
		p.keys.MessageID = msgID.String
		if refs.String != "" {
			p.keys.References = strings.Split(refs.String, " ")
		}
		all = append(all, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range all {
		if err := assignThread(ctx, tx, p.user, p.content, &p.keys, false); err != nil {
			return fmt.Errorf("content %d: %w", p.content, err)
		}
	}
	return nil
}

// objectColumns are what Messages selects and joins for the thread and
// preview options.
func objectColumns(opts store.FetchOptions) (cols, join string) {
	if opts.ThreadID {
		cols += ", tm.thread_id"
		join += ` LEFT JOIN thread_members tm ON tm.content_id = mm.content_id
			AND tm.user_id = (SELECT user_id FROM mailboxes WHERE id = mm.mailbox_id)`
	}
	if opts.EmailID {
		cols += ", eid.email_id"
		join += ` LEFT JOIN email_ids eid ON eid.content_id = mm.content_id
			AND eid.user_id = (SELECT user_id FROM mailboxes WHERE id = mm.mailbox_id)`
	}
	if opts.Preview {
		cols += ", cp.preview"
		join += " LEFT JOIN content_previews cp ON cp.content_id = mm.content_id"
	}
	return cols, join
}

// objectRow receives the objectColumns of one row.
type objectRow struct {
	thread  sql.NullInt64
	emailID sql.NullString
	preview sql.NullString
}

func (r *objectRow) dest(opts store.FetchOptions) []any {
	var d []any
	if opts.ThreadID {
		d = append(d, &r.thread)
	}
	if opts.EmailID {
		d = append(d, &r.emailID)
	}
	if opts.Preview {
		d = append(d, &r.preview)
	}
	return d
}

func (r *objectRow) apply(m *store.Message, opts store.FetchOptions) {
	if opts.ThreadID {
		m.ThreadID = r.thread.Int64
	}
	if opts.EmailID {
		m.EmailID = r.emailID.String
	}
	if opts.Preview {
		m.Preview, m.HasPreview = r.preview.String, r.preview.Valid
	}
}
