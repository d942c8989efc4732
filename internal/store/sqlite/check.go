package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Check implements store.Backend. It reads everything, so it is for
// maintenance (roost check, tests), not for the serving path. Blobs that no
// content refers to are not problems: a crash between a blob's commit and
// its metadata's leaves one, and GC removes it.
func (s *Store) Check(ctx context.Context) ([]string, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	rows, err := s.r.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, mapErr(err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return nil, mapErr(err)
		}
		if line != "ok" {
			add("integrity_check: %s", line)
		}
	}
	rows.Close()

	// Each query returns rows describing one problem each.
	checks := []struct{ what, query string }{
		{"foreign key violation", "SELECT \"table\" || ' rowid ' || coalesce(rowid, '?') || ' -> ' || parent FROM pragma_foreign_key_check"},
		{"content without parse results", "SELECT 'content ' || id FROM contents WHERE id NOT IN (SELECT content_id FROM content_parsed)"},
		{"content no message refers to", "SELECT 'content ' || id FROM contents WHERE id NOT IN (SELECT content_id FROM mailbox_messages)"},
		{"message size differs from content size", `SELECT 'mailbox ' || mm.mailbox_id || ' uid ' || mm.uid FROM mailbox_messages mm
			JOIN contents c ON c.id = mm.content_id WHERE mm.size != c.size`},
		{"UID not below UIDNEXT", `SELECT 'mailbox ' || m.id || ' uid ' || max(mm.uid) || ' uidnext ' || m.uidnext
			FROM mailboxes m JOIN mailbox_messages mm ON mm.mailbox_id = m.id GROUP BY m.id HAVING max(mm.uid) >= m.uidnext`},
		{"expunged UID not below UIDNEXT", `SELECT 'mailbox ' || m.id || ' uid ' || max(e.uid)
			FROM mailboxes m JOIN expunged e ON e.mailbox_id = m.id GROUP BY m.id HAVING max(e.uid) >= m.uidnext`},
		{"MODSEQ above HIGHESTMODSEQ", `SELECT 'mailbox ' || m.id || ' modseq ' || max(mm.modseq) || ' highest ' || m.highestmodseq
			FROM mailboxes m JOIN mailbox_messages mm ON mm.mailbox_id = m.id GROUP BY m.id HAVING max(mm.modseq) > m.highestmodseq`},
		{"expunge MODSEQ above HIGHESTMODSEQ", `SELECT 'mailbox ' || m.id || ' modseq ' || max(e.modseq)
			FROM mailboxes m JOIN expunged e ON e.mailbox_id = m.id GROUP BY m.id HAVING max(e.modseq) > m.highestmodseq`},
		{"UID both present and expunged", `SELECT 'mailbox ' || e.mailbox_id || ' uid ' || e.uid FROM expunged e
			JOIN mailbox_messages mm ON mm.mailbox_id = e.mailbox_id AND mm.uid = e.uid`},
		{"recent mark above UIDNEXT", "SELECT 'mailbox ' || id FROM mailboxes WHERE recent_uid > uidnext"},
		{"messages in a \\Noselect mailbox", "SELECT DISTINCT 'mailbox ' || mailbox_id FROM mailbox_messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE noselect)"},
		{"UIDVALIDITY shared by two mailboxes", "SELECT 'uidvalidity ' || uidvalidity FROM mailboxes GROUP BY uidvalidity HAVING count(*) > 1"},
		{"UIDVALIDITY above the counter", "SELECT 'mailbox ' || id FROM mailboxes WHERE uidvalidity > (SELECT value FROM counters WHERE name = 'uidvalidity')"},
		{"unknown flag bits", fmt.Sprintf("SELECT 'mailbox ' || mailbox_id || ' uid ' || uid FROM mailbox_messages WHERE flags & ~%d != 0", allBits)},
	}
	checks = append(checks, quotaChecks...)    // quota.go
	checks = append(checks, metadataChecks...) // metadata.go
	for _, c := range checks {
		rows, err := s.r.QueryContext(ctx, c.query)
		if err != nil {
			return nil, fmt.Errorf("sqlite: check %q: %w", c.what, mapErr(err))
		}
		for rows.Next() {
			var detail string
			if err := rows.Scan(&detail); err != nil {
				rows.Close()
				return nil, mapErr(err)
			}
			add("%s: %s", c.what, detail)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapErr(err)
		}
	}

	// Every content's blob must exist with the recorded size.
	rows, err = s.r.QueryContext(ctx, "SELECT blob_id, size FROM contents")
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var size int64
		if err := rows.Scan(&id, &size); err != nil {
			return nil, mapErr(err)
		}
		got, err := s.blobs.Size(id)
		switch {
		case errors.Is(err, os.ErrNotExist):
			add("blob %s missing", id)
		case err != nil:
			add("blob %s: %v", id, err)
		case got != size:
			add("blob %s has %d bytes, content says %d", id, got, size)
		}
	}
	return problems, mapErr(rows.Err())
}
