package server

import (
	"context"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

func TestMetadataMailboxEntries(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.want(`GETMETADATA "INBOX" /private/comment`, "OK GETMETADATA completed.", `* METADATA "INBOX" (/private/comment NIL)`)
	c.want(`SETMETADATA INBOX (/private/comment "My own comment" /Shared/Comment {18+}`+"\r\nline one\r\nline two)",
		"OK SETMETADATA completed.")
	c.want(`GETMETADATA INBOX (/shared/comment /private/comment)`, "OK GETMETADATA completed.",
		"* METADATA \"INBOX\" (/shared/comment {18}\r\nline one\r\nline two /private/comment \"My own comment\")")
	// Options after the mailbox (RFC 5464's examples) and before it (its ABNF).
	c.want(`GETMETADATA INBOX (MAXSIZE 15) (/shared/comment /private/comment)`, "OK [METADATA LONGENTRIES 18] GETMETADATA completed.",
		`* METADATA "INBOX" (/private/comment "My own comment")`)
	// Everything too long: no METADATA response, whose entry list may not
	// be empty (RFC 5464 §5).
	c.want(`GETMETADATA INBOX (MAXSIZE 5) (/shared/comment /private/comment)`, "OK [METADATA LONGENTRIES 18] GETMETADATA completed.")
	c.want(`GETMETADATA (MAXSIZE 100) INBOX /shared/comment`, "OK GETMETADATA completed.",
		"* METADATA \"INBOX\" (/shared/comment {18}\r\nline one\r\nline two)")

	// DEPTH.
	c.ok(`SETMETADATA INBOX (/private/filters/values/small "SMALLER 5000" /private/filters/values/boss "FROM \"boss@example.com\"" /private/filters/values/boss/x "deep")`)
	c.want(`GETMETADATA INBOX (DEPTH 1) (/private/filters/values)`, "OK GETMETADATA completed.",
		`* METADATA "INBOX" (/private/filters/values NIL /private/filters/values/boss "FROM \"boss@example.com\"" /private/filters/values/small "SMALLER 5000")`)
	c.want(`GETMETADATA INBOX (DEPTH infinity) /private/filters`, "OK GETMETADATA completed.",
		`* METADATA "INBOX" (/private/filters NIL /private/filters/values/boss "FROM \"boss@example.com\"" /private/filters/values/boss/x "deep" /private/filters/values/small "SMALLER 5000")`)
	c.want(`GETMETADATA INBOX (DEPTH 0) /private/filters`, "OK GETMETADATA completed.", `* METADATA "INBOX" (/private/filters NIL)`)
	// Removal with NIL.
	c.ok(`SETMETADATA INBOX (/private/filters/values/boss NIL /private/filters/values/boss/x NIL /private/filters/values/small NIL)`)
	c.want(`GETMETADATA INBOX (DEPTH infinity) (/private)`, "OK GETMETADATA completed.",
		`* METADATA "INBOX" (/private NIL /private/comment "My own comment")`)

	// /private/specialuse mirrors the special use and is read-only.
	c.want(`GETMETADATA Drafts /private/specialuse`, "OK GETMETADATA completed.", `* METADATA "Drafts" (/private/specialuse "\\Drafts")`)
	c.want(`GETMETADATA INBOX /private/specialuse`, "OK GETMETADATA completed.", `* METADATA "INBOX" (/private/specialuse NIL)`)
	c.want(`SETMETADATA Drafts (/private/specialuse "\\Sent")`, `NO [CANNOT] /private/specialuse is read-only; CREATE (USE (...)) sets special use.`)

	// Refusals.
	c.want(`GETMETADATA Nope /shared/comment`, `NO [NONEXISTENT] Mailbox doesn't exist: Nope`)
	c.want(`SETMETADATA Nope (/shared/comment "x")`, `NO [NONEXISTENT] Mailbox doesn't exist: Nope`)
	c.want(`GETMETADATA INBOX /comment`, `BAD Entry name "/comment" must start with /private or /shared`)
	c.want(`GETMETADATA INBOX /shared//x`, `BAD Empty component in entry name "/shared//x"`)
	c.want(`GETMETADATA INBOX "/shared/a*"`, `BAD Invalid character in entry name "/shared/a*"`)
	c.want(`SETMETADATA INBOX (/shared "x")`, `BAD Entry name "/shared" names a whole scope`)
	c.want(`SETMETADATA INBOX (/shared/vendor/acme "x")`, `BAD Vendor entry name "/shared/vendor/acme" needs a name below /vendor/<vendor-token>`)
	c.want(`GETMETADATA INBOX (DEPTH 2) /shared`, `BAD Invalid DEPTH "2" (want 0, 1 or infinity)`)
	c.want(`GETMETADATA INBOX (COLOR 1) /shared`, `BAD Unknown GETMETADATA option "COLOR"`)
	big := strings.Repeat("z", proto.MaxMetadataValue+1)
	c.want(`SETMETADATA INBOX (/shared/comment {65537}`, `NO [METADATA MAXSIZE 65536] Metadata value too big`)
	c.want(`SETMETADATA INBOX (/shared/comment {65537+}`+"\r\n"+big+")", `NO [METADATA MAXSIZE 65536] Metadata value too big`)
	c.want(`GETMETADATA INBOX /shared/comment`, "OK GETMETADATA completed.", "* METADATA \"INBOX\" (/shared/comment {18}\r\nline one\r\nline two)")
	// TOOMANY: the limit counts per scope, and a failing command changes
	// nothing at all.
	var b strings.Builder
	for i := range maxMetadataEntries - 1 {
		b.WriteString(" /shared/n" + itoa(uint32(i)) + ` "x"`)
	}
	c.want(`SETMETADATA INBOX (/private/comment "changed"`+b.String()+` /shared/extra "y")`, `NO [METADATA TOOMANY] Too many metadata entries.`)
	c.want(`GETMETADATA INBOX (/private/comment /shared/n0)`, "OK GETMETADATA completed.",
		`* METADATA "INBOX" (/private/comment "My own comment" /shared/n0 NIL)`)
	c.ok(`SETMETADATA INBOX (/private/comment "changed"` + b.String() + `)`)
	c.want(`SETMETADATA INBOX (/shared/extra "y")`, `NO [METADATA TOOMANY] Too many metadata entries.`)
	c.ok(`SETMETADATA INBOX (/private/extra "y")`)

	// Rename carries the entries; delete drops them; RENAME INBOX copies.
	c.ok(`CREATE Work`)
	c.ok(`SETMETADATA Work (/shared/comment "work")`)
	c.ok(`RENAME Work Job`)
	c.want(`GETMETADATA Job /shared/comment`, "OK GETMETADATA completed.", `* METADATA "Job" (/shared/comment "work")`)
	c.ok(`DELETE Job`)
	c.ok(`CREATE Job`)
	c.want(`GETMETADATA Job /shared/comment`, "OK GETMETADATA completed.", `* METADATA "Job" (/shared/comment NIL)`)
	c.ok(`RENAME INBOX Old`)
	c.want(`GETMETADATA Old /private/comment`, "OK GETMETADATA completed.", `* METADATA "Old" (/private/comment "changed")`)
	c.want(`GETMETADATA INBOX /private/comment`, "OK GETMETADATA completed.", `* METADATA "INBOX" (/private/comment "changed")`)
	ts.checkStore(t)
}

func TestMetadataServerEntriesAndUsers(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := context.Background()
	ts.addUser(t, "bob")
	if err := ts.store.SetMetadata(ctx, store.MetadataScope{}, []store.MetadataEntry{{Name: "/shared/admin", Value: []byte("mailto:postmaster@example.org")}}, 100); err != nil {
		t.Fatal(err)
	}
	a, b := ts.login(t), ts.loginAs(t, "bob")
	a.want(`GETMETADATA "" /shared/admin`, "OK GETMETADATA completed.", `* METADATA "" (/shared/admin "mailto:postmaster@example.org")`)
	a.want(`SETMETADATA "" (/shared/admin "mailto:me@example.org")`, "NO [CANNOT] /shared/admin is read-only.")
	a.want(`SETMETADATA "" (/shared/comment "hello all")`, "NO [NOPERM] Only administrators may set shared server metadata.")
	ts.makeAdmin(t, ts.user.ID)
	a.ok(`SETMETADATA "" (/shared/comment "hello all")`)
	a.want(`SETMETADATA "" (/shared/admin "mailto:me@example.org")`, "NO [CANNOT] /shared/admin is read-only.")
	// Private server entries are per user; shared ones are seen by all.
	a.ok(`SETMETADATA "" (/private/vendor/roost/theme "dark")`)
	b.ok(`SETMETADATA "" (/private/vendor/roost/theme "light")`)
	a.want(`GETMETADATA "" (DEPTH infinity) (/private /shared)`, "OK GETMETADATA completed.",
		`* METADATA "" (/private NIL /private/vendor/roost/theme "dark" /shared NIL /shared/admin "mailto:postmaster@example.org" /shared/comment "hello all")`)
	b.want(`GETMETADATA "" (DEPTH infinity) (/private /shared)`, "OK GETMETADATA completed.",
		`* METADATA "" (/private NIL /private/vendor/roost/theme "light" /shared NIL /shared/admin "mailto:postmaster@example.org" /shared/comment "hello all")`)
	// bob cannot reach alice's mailboxes.
	a.ok(`SETMETADATA INBOX (/private/comment "alice only")`)
	b.want(`GETMETADATA "Other Users/alice/INBOX" /private/comment`, `NO [NONEXISTENT] Mailbox doesn't exist: Other Users/alice/INBOX`)
	b.want(`GETMETADATA INBOX /private/comment`, "OK GETMETADATA completed.", `* METADATA "INBOX" (/private/comment NIL)`)

	// go-imap's client.
	ic := ts.client(t, nil)
	v := []byte("via go-imap")
	if err := ic.SetMetadata("Archive", map[string]*[]byte{"/private/comment": &v}).Wait(); err != nil {
		t.Fatal(err)
	}
	got, err := ic.GetMetadata("Archive", []string{"/private"}, &imapclient.GetMetadataOptions{Depth: imapclient.GetMetadataDepthInfinity}).Wait()
	if err != nil || len(got.Entries) != 3 || got.Entries["/private"] != nil || got.Entries["/private/comment"] == nil ||
		string(*got.Entries["/private/comment"]) != "via go-imap" || string(*got.Entries["/private/specialuse"]) != `\Archive` {
		t.Fatalf("GetMetadata = %+v, %v", got, err)
	}
	ts.checkStore(t)
}
