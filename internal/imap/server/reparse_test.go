package server

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"roost/internal/mime"
	"roost/internal/store/sqlite"
)

// TestReparseOverTheWire: a message whose stored parse is an older
// parser's (a comment inside <...> taken for the display name, and a
// Content-Transfer-Encoding honoured in a header that is not MIME) answers
// FETCH ENVELOPE and BODYSTRUCTURE the old way until the store parses it
// again, and then exactly as a message appended now does.
func TestReparseOverTheWire(t *testing.T) {
	ts := newTestServer(t, nil)
	raw := "From: <alice@example.org (Alice)>\r\nSubject: hi\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n"
	ts.appendMsg(t, "INBOX", raw)
	const fetch = "UID FETCH 1 (ENVELOPE BODYSTRUCTURE)"
	newAnswer := `* 1 FETCH (UID 1 ENVELOPE (NIL "hi" ((NIL NIL "alice" "example.org")) ((NIL NIL "alice" "example.org")) ((NIL NIL "alice" "example.org")) NIL NIL NIL NIL NIL) BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 1 NIL NIL NIL NIL))`
	c := ts.login(t)
	c.ok("SELECT INBOX")
	c.want(fetch, "OK Fetch completed.", newAnswer)

	old := mime.ParseBytes([]byte(raw))
	old.Root.Flags &^= mime.FlagNotMIME
	old.Root.Envelope.From[0].Name = "Alice"
	old.Root.Envelope.From[0].Has |= mime.AddrName
	b, err := mime.Marshal(&mime.Message{Root: old.Root, Date: old.Date})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(ts.dir, "roost.db")+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("UPDATE content_parsed SET parsed = ?", b); err != nil {
		t.Fatal(err)
	}
	// No version row: parsed before versions were recorded.
	if _, err := db.Exec("DELETE FROM content_parse_version"); err != nil {
		t.Fatal(err)
	}
	c.want(fetch, "OK Fetch completed.", `* 1 FETCH (UID 1 ENVELOPE (NIL "hi" (("Alice" NIL "alice" "example.org")) (("Alice" NIL "alice" "example.org")) (("Alice" NIL "alice" "example.org")) NIL NIL NIL NIL NIL) BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "base64" 10 1 NIL NIL NIL NIL))`)

	st, err := ts.store.Reparse(context.Background(), nil)
	if err != nil || st != (sqlite.ReparseStats{Reparsed: 1}) {
		t.Fatalf("Reparse = %+v, %v; want 1 re-parsed", st, err)
	}
	c.want(fetch, "OK Fetch completed.", newAnswer)
}
