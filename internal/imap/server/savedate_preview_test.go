package server

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roost/internal/store"
)

// TestSaveDate: FETCH SAVEDATE and the SAVED* search keys (RFC 8514) use
// the time a message arrived in this mailbox, not its INTERNALDATE; COPY
// gives the copy a new save date.
func TestSaveDate(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	msg := "Subject: s\r\n\r\nbody\r\n"
	c.ok(`APPEND INBOX "01-Jan-2001 10:00:00 +0000" {` + itoa(uint32(len(msg))) + "+}\r\n" + msg)
	ms, err := ts.store.Messages(context.Background(), ts.mailbox(t, "INBOX").ID, []uint32{1}, store.FetchOptions{})
	if err != nil || len(ms) != 1 {
		t.Fatalf("Messages: %v %v", ms, err)
	}
	saved := ms[0].SaveDate
	if d := time.Since(saved); d < -time.Second || d > time.Minute {
		t.Fatalf("save date %v is not now", saved)
	}
	day := func(d int) string { return saved.AddDate(0, 0, d).Format("2-Jan-2006") }
	c.ok("SELECT INBOX")
	c.want("FETCH 1 (SAVEDATE INTERNALDATE)", "OK Fetch completed.",
		`* 1 FETCH (SAVEDATE "`+saved.Format(internalDateLayout)+`" INTERNALDATE "01-Jan-2001 10:00:00 +0000")`)
	c.want("SEARCH SAVEDON "+day(0), "OK Search completed.", "* SEARCH 1")
	c.want("SEARCH SAVEDSINCE "+day(0), "OK Search completed.", "* SEARCH 1")
	c.want("SEARCH SAVEDSINCE "+day(1), "OK Search completed.", "* SEARCH")
	c.want("SEARCH SAVEDBEFORE "+day(1), "OK Search completed.", "* SEARCH 1")
	c.want("SEARCH SAVEDBEFORE "+day(0), "OK Search completed.", "* SEARCH")
	c.want("SEARCH SAVEDBEFORE 1-Jan-2002", "OK Search completed.", "* SEARCH")
	c.want("SEARCH BEFORE 1-Jan-2002", "OK Search completed.", "* SEARCH 1")
	c.want("SEARCH SAVEDATESUPPORTED", "OK Search completed.", "* SEARCH 1")
	c.want("SEARCH NOT SAVEDATESUPPORTED", "OK Search completed.", "* SEARCH")
	c.want("SEARCH SAVEDON 1-Foo-2001", `BAD Invalid date "1-Foo-2001"`)
	c.want("SEARCH SAVEDSINCE", "BAD Expected SP after SAVEDSINCE")

	// The copy's save date is its own, not the original's.
	time.Sleep(1100 * time.Millisecond) // save dates have one-second resolution
	c.ok("COPY 1 Archive")
	cp, err := ts.store.Messages(context.Background(), ts.mailbox(t, "Archive").ID, []uint32{1}, store.FetchOptions{})
	if err != nil || len(cp) != 1 || !cp[0].SaveDate.After(saved) {
		t.Fatalf("copy: %+v %v (original saved %v)", cp, err, saved)
	}
}

// TestPreview: FETCH PREVIEW and PREVIEW (LAZY) (RFC 8970), for a stored
// preview, a message without text, and a message stored before previews
// were kept (NIL with LAZY, computed without).
func TestPreview(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMsg(t, "INBOX", "Subject: a\r\n\r\nHello,\r\n\r\n  this is\tthe body.\r\n")
	ts.appendMsg(t, "INBOX", "Content-Type: image/png\r\n\r\nxx\r\n")
	ts.appendMsg(t, "INBOX", "Content-Type: text/html; charset=utf-8\r\n\r\n<p>Caf\xc3\xa9 <b>ol\xc3\xa9</b></p>\r\n")
	legacy := "Subject: old\r\n\r\nOld message text\r\n"
	ts.appendMsg(t, "INBOX", legacy)
	forgetPreview(t, ts, legacy)

	c := ts.login(t)
	c.ok("SELECT INBOX")
	c.want("FETCH 1:3 (PREVIEW)", "OK Fetch completed.",
		`* 1 FETCH (PREVIEW "Hello, this is the body.")`,
		`* 2 FETCH (PREVIEW "")`,
		"* 3 FETCH (PREVIEW {10}\r\nCafé olé)")
	c.want("FETCH 1 (PREVIEW (LAZY) UID)", "OK Fetch completed.", `* 1 FETCH (PREVIEW "Hello, this is the body." UID 1)`)
	c.want("FETCH 4 PREVIEW (LAZY)", "OK Fetch completed.", "* 4 FETCH (PREVIEW NIL)")
	c.want("FETCH 4 PREVIEW", "OK Fetch completed.", `* 4 FETCH (PREVIEW "Old message text")`)
	c.want("FETCH 1 (PREVIEW (LAZY FAST))", `BAD Unknown PREVIEW modifier "FAST"`)
	c.want("FETCH 1 (PREVIEW (FAST))", `BAD Invalid fetch attribute: expected fetch attribute, found "("`)

	// In UTF-8 mode the non-ASCII preview is a quoted string.
	c2 := ts.login(t)
	c2.ok("ENABLE UTF8=ACCEPT")
	c2.ok("EXAMINE INBOX")
	c2.want("FETCH 3 PREVIEW", "OK Fetch completed.", `* 3 FETCH (PREVIEW "Café olé")`)
}

// forgetPreview deletes the stored preview of the message with these
// bytes, as if it had been stored by a version without previews.
func forgetPreview(t *testing.T, ts *testServer, raw string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(ts.dir, "roost.db")+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`DELETE FROM content_previews WHERE content_id =
		(SELECT id FROM contents WHERE blob_id = ?)`, blobIDOf(raw))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("deleted %d previews", n)
	}
}

// TestWithin: OLDER and YOUNGER (RFC 5032) compare INTERNALDATE with now.
func TestWithin(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	msg := "Subject: w\r\n\r\nw\r\n"
	c.ok(`APPEND INBOX "01-Jan-2001 10:00:00 +0000" {` + itoa(uint32(len(msg))) + "+}\r\n" + msg)
	c.ok("APPEND INBOX {" + itoa(uint32(len(msg))) + "+}\r\n" + msg)
	c.ok("SELECT INBOX")
	c.want("SEARCH OLDER 3600", "OK Search completed.", "* SEARCH 1")
	c.want("SEARCH YOUNGER 3600", "OK Search completed.", "* SEARCH 2")
	c.want("UID SEARCH OR YOUNGER 3600 OLDER 3600", "OK Search completed.", "* SEARCH 1 2")
	c.want("SEARCH NOT YOUNGER 4000000000", "OK Search completed.", "* SEARCH")
	c.want("SEARCH OLDER 0", "BAD Invalid OLDER interval: expected a non-zero number")
	c.want("SEARCH YOUNGER -5", `BAD Invalid YOUNGER interval: expected number, found "-"`)
}

// TestMultiAppendAtomic: when a later message of a MULTIAPPEND fails,
// none of them is stored (RFC 3502 §6.3.11).
func TestMultiAppendAtomic(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.want("APPEND INBOX {3+}\r\nabc (\\Seen) {0+}\r\n", "NO Can't save a zero byte message.")
	c.want("APPEND INBOX {3+}\r\nabc (\\Bogus) {1+}\r\nx", `BAD Unknown system flag "\\Bogus"`)
	c.want("STATUS INBOX (MESSAGES UIDNEXT)", "OK STATUS completed.", `* STATUS "INBOX" (MESSAGES 0 UIDNEXT 1)`)
	_, st := c.do("APPEND INBOX {3+}\r\nabc {3+}\r\ndef")
	if !strings.HasPrefix(st, "OK [APPENDUID ") || !strings.HasSuffix(st, " 1:2] APPEND completed.") {
		t.Fatalf("MULTIAPPEND: %q", st)
	}
	if untagged, _ := c.do("CAPABILITY"); !strings.Contains(untagged[0], " MULTIAPPEND ") {
		t.Fatalf("MULTIAPPEND not advertised: %q", untagged)
	}
}
