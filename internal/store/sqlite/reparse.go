package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"roost/internal/mime"
	"roost/internal/store/blob"
)

// A message is parsed once, when it is staged, and everything the server
// answers about its structure comes from what was stored then
// (content_parsed, and what is derived from the parse: content_search,
// content_sortkeys, content_previews, contents.sent_date). When the parser
// changes what it finds, messages stored before the change would keep the
// old answers for ever, and the same message would get different ENVELOPE
// or BODYSTRUCTURE answers depending on when it arrived. So each content
// records the version of the parser that made its results
// (content_parse_version), and contents of an older version are parsed
// again from their files, after Open, in the background (StartReparse):
// small batches, each parsed outside the write lock and stored in one
// short write of its own, so that a store of a million messages starts at
// once and clients are served meanwhile, from the old results until their
// batch commits. A kill midway loses at most the batch in flight, which
// the next start does again.

// ParserVersion is the version of the parse results this program stores.
// Bump it when a parser change alters stored results (internal/mime, or
// what encodeContent, search.IndexedHeaders, sortkeys.Compute or
// mime.Preview derive from the parse): every content parsed by an older
// version is then parsed again from its file after the next start.
//
//	1: ENVELOPE addresses inside <...> and address lists as Dovecot reads
//	   them; mime.FlagNotMIME. (Contents without a version row predate it.)
const ParserVersion = 1

// parseVersionSchema is the migration that added content_parse_version.
// A content without a row was parsed before versions were recorded, which
// is older than any version: no backfill, and running it again over its
// own result changes nothing.
const parseVersionSchema = `
CREATE TABLE IF NOT EXISTS content_parse_version (
	content_id INTEGER PRIMARY KEY REFERENCES contents(id) ON DELETE CASCADE,
	version    INTEGER NOT NULL -- ParserVersion of the stored parse results
);
`

// reparsedCounter names the counters row that holds the ParserVersion of
// the last re-parse that left no content behind: a start after that looks
// for none (every APPEND since records the current version).
const reparsedCounter = "parser_version_complete"

// reparseBatch is how many contents one re-parse write stores, at most;
// reparseBatchBytes bounds the stored results a batch holds in memory
// (each message's search text alone may be mime.MaxBodyText).
const (
	reparseBatch      = 100
	reparseBatchBytes = 8 << 20
)

// reparsePause is the rest between two batches, leaving the write lock and
// the processor to clients a little longer than the commit alone would.
const reparsePause = 2 * time.Millisecond

var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// ReparseStats counts what a re-parse did.
type ReparseStats struct {
	Reparsed int // contents whose parse results were computed again
	Missing  int // skipped: the message file is missing
	Failed   int // skipped: the file could not be read or has the wrong size
}

// pendingContent is a content whose stored parse is older than
// ParserVersion.
type pendingContent struct {
	id     int64
	blobID string
	size   int64
}

// reparsedContent is the new parse of a pendingContent, in stored form.
type reparsedContent struct {
	pendingContent
	parsed  *mime.Message
	enc     encodedContent
	preview string
}

// pendingParseCondition selects, with the contents row c, the contents
// whose stored parse is older than ParserVersion.
const pendingParseCondition = `NOT EXISTS (SELECT 1 FROM content_parse_version v
	WHERE v.content_id = c.id AND v.version >= ?)`

// AwaitingReparse returns how many contents have parse results older than
// ParserVersion (roost check reports it).
func (s *Store) AwaitingReparse(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM contents c WHERE "+pendingParseCondition, ParserVersion).Scan(&n)
	return n, mapErr(err)
}

// StartReparse re-parses, in the background, every content whose parse
// results are older than ParserVersion (Reparse); Close stops it. Progress
// and skipped files go to log (nil: nowhere).
func (s *Store) StartReparse(log *slog.Logger) {
	if log == nil {
		log = discardLog
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.reparseMu.Lock()
	s.stopReparse = append(s.stopReparse, func() { cancel(); <-done })
	s.reparseMu.Unlock()
	go func() {
		defer close(done)
		start := time.Now()
		st, err := s.Reparse(ctx, log)
		if st != (ReparseStats{}) || err != nil {
			log.Info("stored messages parsed again", "reparsed", st.Reparsed, "missing_files", st.Missing,
				"unreadable_files", st.Failed, "took", time.Since(start).Round(time.Millisecond), "err", err)
		}
	}()
}

// stopReparsing stops a StartReparse and waits for it (Close).
func (s *Store) stopReparsing() {
	s.reparseMu.Lock()
	stops := s.stopReparse
	s.stopReparse = nil
	s.reparseMu.Unlock()
	for _, stop := range stops {
		stop()
	}
}

// Reparse parses again, from their files, the contents whose parse results
// are older than ParserVersion, and stores the new results and everything
// derived from them, reparseBatch contents per write. A content whose file
// is missing or unreadable is logged, counted and skipped (it stays
// pending; Check reports the file). It returns when every content has been
// looked at once, or when ctx ends; what it stored before stays stored.
func (s *Store) Reparse(ctx context.Context, log *slog.Logger) (ReparseStats, error) {
	return s.reparse(ctx, log, reparseBatch)
}

func (s *Store) reparse(ctx context.Context, log *slog.Logger, batch int) (ReparseStats, error) {
	var st ReparseStats
	if log == nil {
		log = discardLog
	}
	var complete int64
	err := s.r.QueryRowContext(ctx, "SELECT value FROM counters WHERE name = ?", reparsedCounter).Scan(&complete)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, mapErr(err)
	}
	if complete >= ParserVersion {
		return st, nil
	}
	after := int64(0)
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		todo, err := s.pendingParses(ctx, after, batch)
		if err != nil {
			return st, err
		}
		if len(todo) == 0 {
			break
		}
		after = todo[len(todo)-1].id
		var parsed []reparsedContent
		held := 0
		flush := func() error {
			n, err := s.storeReparsed(ctx, parsed)
			st.Reparsed += n
			parsed, held = nil, 0
			time.Sleep(reparsePause)
			return err
		}
		for _, c := range todo {
			r, err := s.parseStored(c)
			switch {
			case errors.Is(err, os.ErrNotExist):
				st.Missing++
				log.Warn("re-parse: message file missing, skipped", "content", c.id, "blob", c.blobID)
			case err != nil:
				st.Failed++
				log.Warn("re-parse: message file unreadable, skipped", "content", c.id, "blob", c.blobID, "err", err)
			default:
				parsed = append(parsed, r)
				held += len(r.enc.parsed) + len(r.enc.headers) + len(r.enc.bodyText)
			}
			if held > reparseBatchBytes {
				if err := flush(); err != nil {
					return st, err
				}
			}
		}
		if err := flush(); err != nil {
			return st, err
		}
	}
	if st.Missing > 0 || st.Failed > 0 {
		return st, nil
	}
	// Nothing left behind: the next start need not look.
	err = s.write(ctx, func(tx *sql.Tx, _ *txState) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)`, reparsedCounter, ParserVersion)
		return err
	})
	return st, err
}

// pendingParses returns up to limit contents after the ID after whose
// parse results are older than ParserVersion, in ID order.
func (s *Store) pendingParses(ctx context.Context, after int64, limit int) ([]pendingContent, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT c.id, c.blob_id, c.size FROM contents c WHERE c.id > ? AND "+
		pendingParseCondition+" ORDER BY c.id LIMIT ?", after, ParserVersion, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var all []pendingContent
	for rows.Next() {
		var c pendingContent
		if err := rows.Scan(&c.id, &c.blobID, &c.size); err != nil {
			return nil, mapErr(err)
		}
		all = append(all, c)
	}
	return all, mapErr(rows.Err())
}

// parseStored parses a stored message file as Stage parses a new one
// (parseStaged, then the preview from the file). A missing file is
// os.ErrNotExist.
func (s *Store) parseStored(c pendingContent) (reparsedContent, error) {
	r := reparsedContent{pendingContent: c}
	path, err := s.blobs.Path(c.blobID)
	if err != nil {
		return r, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return r, err
	}
	if fi.Size() != c.size {
		// A mapping past the end of a shorter file would fault.
		return r, fmt.Errorf("file has %d bytes, the store says %d", fi.Size(), c.size)
	}
	if r.parsed, err = parseStaged(path, c.size); err != nil {
		return r, err
	}
	f, err := blob.OpenFile(path)
	if err != nil {
		return r, err
	}
	r.preview, err = mime.Preview(r.parsed, f)
	f.Close()
	if err != nil {
		return r, err
	}
	r.enc, err = encodeContent(r.parsed)
	return r, err
}

// storeReparsed replaces, in one write, the parse results of the contents
// and everything derived from them, as ensureContent and storeObjectData
// would write them for a new content, and records ParserVersion. A content
// removed, reused for other bytes or parsed by another process meanwhile is
// left alone. Threads stay as they are: a thread never changes once
// assigned (RFC 8474 §5.2). It returns how many contents it updated.
func (s *Store) storeReparsed(ctx context.Context, all []reparsedContent) (int, error) {
	if len(all) == 0 {
		return 0, nil
	}
	var updated int
	var sentChanged bool
	err := s.write(ctx, func(tx *sql.Tx, _ *txState) error {
		updated, sentChanged = 0, false
		for i := range all {
			r := &all[i]
			var blobID string
			var sent, version sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT c.blob_id, c.sent_date, v.version FROM contents c
				LEFT JOIN content_parse_version v ON v.content_id = c.id WHERE c.id = ?`, r.id).Scan(&blobID, &sent, &version)
			if errors.Is(err, sql.ErrNoRows) || err == nil && (blobID != r.blobID || version.Int64 >= ParserVersion) {
				continue
			}
			if err != nil {
				return err
			}
			if err := replaceParse(ctx, tx, r); err != nil {
				return fmt.Errorf("content %d: %w", r.id, err)
			}
			if sent != r.enc.sentDate {
				sentChanged = true
			}
			updated++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if sentChanged {
		// The select cache keeps sent dates and learns only of changes
		// that take a MODSEQ, which a re-parse does not.
		s.sel.clear()
	}
	return updated, nil
}

// replaceParse writes r's results over the content's stored ones.
func replaceParse(ctx context.Context, tx *sql.Tx, r *reparsedContent) error {
	parsed, headers := r.enc.parsed, r.enc.headers
	if parsed == nil {
		parsed = []byte{}
	}
	if headers == nil {
		headers = []byte{}
	}
	statements := []struct {
		query string
		args  []any
	}{
		{"UPDATE contents SET sent_date = ? WHERE id = ?", []any{r.enc.sentDate, r.id}},
		{`INSERT INTO content_parsed (content_id, parsed, headers, body_text) VALUES (?, ?, ?, ?)
			ON CONFLICT (content_id) DO UPDATE SET parsed = excluded.parsed, headers = excluded.headers,
			body_text = excluded.body_text`, []any{r.id, parsed, headers, r.enc.bodyText}},
		{"DELETE FROM content_search WHERE content_id = ?", []any{r.id}},
		{"DELETE FROM content_sortkeys WHERE content_id = ?", []any{r.id}},
		{`INSERT INTO content_previews (content_id, preview) VALUES (?, ?)
			ON CONFLICT (content_id) DO UPDATE SET preview = excluded.preview`, []any{r.id, r.preview}},
		{`INSERT INTO content_parse_version (content_id, version) VALUES (?, ?)
			ON CONFLICT (content_id) DO UPDATE SET version = excluded.version`, []any{r.id, ParserVersion}},
	}
	for _, st := range statements {
		if _, err := tx.ExecContext(ctx, st.query, st.args...); err != nil {
			return err
		}
	}
	if err := insertHeaderSearch(ctx, tx, r.id, r.parsed); err != nil { // headersearch.go
		return err
	}
	return insertSortKeys(ctx, tx, r.id, r.enc.sortKeys) // sortkeys.go
}
