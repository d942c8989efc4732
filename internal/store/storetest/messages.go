package storetest

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"roost/internal/store"
)

func testAppendAndMessages(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	before := time.Now().Add(-time.Second)
	validity, got, err := b.Append(ctx, inbox.ID, []store.AppendMessage{
		{Staged: stage(t, b, Message(1))},
		{Staged: stage(t, b, Message(2)), Flags: []string{store.FlagSeen}},
		{Staged: stage(t, b, Message(3))},
	})
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().Add(time.Second)
	equal(t, "UIDVALIDITY", validity, inbox.UIDValidity)
	equal(t, "UIDs", got, uids(1, 2, 3))
	equal(t, "next Append UIDs", appendN(t, b, inbox.ID, 4, 1), uids(4))

	// Missing UIDs are skipped; unsorted input is fine.
	msgs := messages(t, b, inbox.ID, uids(4, 2, 9, 1, 7))
	equal(t, "UIDs loaded", uidsOf(msgs), uids(1, 2, 4))
	equal(t, "flags", flagsOf(msgs), [][]string{{}, {store.FlagSeen}, {}})
	for i, n := range []int{1, 2, 4} {
		m := msgs[i]
		want := Message(n)
		if m.Size != int64(len(want)) || m.BlobID != blobID(want) || m.Parsed != nil {
			t.Fatalf("message %d: size %d blob %s parsed %v; want %d %s nil", m.UID, m.Size, m.BlobID, m.Parsed, len(want), blobID(want))
		}
		if m.InternalDate.Before(before) || m.InternalDate.After(after) || m.SaveDate.Before(before) || m.SaveDate.After(after) {
			t.Fatalf("message %d dates %v / %v not within [%v, %v]", m.UID, m.InternalDate, m.SaveDate, before, after)
		}
		if m.ModSeq <= inbox.HighestModSeq {
			t.Fatalf("message %d MODSEQ %d not above the empty mailbox's %d", m.UID, m.ModSeq, inbox.HighestModSeq)
		}
		blob, err := b.OpenBlob(ctx, m.BlobID)
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(io.NewSectionReader(blob, 0, blob.Size()))
		blob.Close()
		if err != nil || string(content) != want {
			t.Fatalf("blob of message %d = %q, %v; want %q", m.UID, content, err, want)
		}
	}
	// Each message took its own MODSEQ, in UID order.
	all := messages(t, b, inbox.ID, uidRange(1, 4))
	for i, m := range all {
		equal(t, "MODSEQ of UID", m.ModSeq, inbox.HighestModSeq+uint64(i)+1)
	}
	equal(t, "HIGHESTMODSEQ", mailbox(t, b, u.ID, "INBOX").HighestModSeq, inbox.HighestModSeq+4)
	equal(t, "Messages(empty)", len(messages(t, b, inbox.ID, nil)), 0)

	// Identical content is stored once.
	dup := appendN(t, b, inbox.ID, 1, 1)
	equal(t, "duplicate's blob", messages(t, b, inbox.ID, dup)[0].BlobID, blobID(Message(1)))
}

func testFlagsNormalised(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	in := []string{"$Label", `\draft`, "zeta", `\Recent`, "Alpha", `\SEEN`, "$label", `\Flagged`, `\Deleted`, `\Answered`}
	got := appendN(t, b, inbox.ID, 1, 1, in...)
	want := []string{store.FlagSeen, store.FlagAnswered, store.FlagFlagged, store.FlagDeleted, store.FlagDraft, "$Label", "Alpha", "zeta"}
	equal(t, "flags", messages(t, b, inbox.ID, got)[0].Flags, want)
}

func testInternalDate(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	date := time.Date(2020, 2, 29, 23, 59, 58, 0, time.FixedZone("", -(3*3600+30*60)))
	_, got, err := b.Append(ctx, inbox.ID, []store.AppendMessage{{Staged: stage(t, b, Message(1)), InternalDate: date}})
	if err != nil {
		t.Fatal(err)
	}
	m := messages(t, b, inbox.ID, got)[0]
	_, off := m.InternalDate.Zone()
	if !m.InternalDate.Equal(date) || off != -(3*3600+30*60) {
		t.Fatalf("InternalDate = %v, want %v in the same zone", m.InternalDate, date)
	}
}

func testFetchOptions(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	got := appendN(t, b, inbox.ID, 7, 1)
	wantDate := time.Date(2006, 1, 2, 15, 4, 5, 0, time.FixedZone("", -7*3600))

	load := func(opts store.FetchOptions) store.Message {
		msgs, err := b.Messages(ctx, inbox.ID, got, opts)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("Messages(%+v) = %v, %v", opts, msgs, err)
		}
		return msgs[0]
	}
	if m := load(store.FetchOptions{}); m.Parsed != nil {
		t.Fatalf("no options: Parsed = %+v, want nil", m.Parsed)
	}
	m := load(store.FetchOptions{Structure: true})
	if m.Parsed == nil || m.Parsed.Root == nil || !m.Parsed.Date.Equal(wantDate) {
		t.Fatalf("Structure: Parsed = %+v, want Root and Date %v", m.Parsed, wantDate)
	}
	if len(m.Parsed.Headers) != 0 || m.Parsed.BodyText != "" {
		t.Fatalf("Structure only: search text loaded too: %+v", m.Parsed)
	}
	m = load(store.FetchOptions{SearchText: true})
	if m.Parsed == nil || !m.Parsed.Date.Equal(wantDate) {
		t.Fatalf("SearchText: Parsed = %+v, want Date %v", m.Parsed, wantDate)
	}
	subject := ""
	for _, f := range m.Parsed.Headers {
		if strings.EqualFold(f.Name, "Subject") {
			subject = f.Value
		}
	}
	equal(t, "Subject header", subject, "message 7")
	equal(t, "header count", len(m.Parsed.Headers), 5)
	if !strings.Contains(m.Parsed.BodyText, "body 7") {
		t.Fatalf("BodyText = %q, want it to contain %q", m.Parsed.BodyText, "body 7")
	}
	m = load(store.FetchOptions{Structure: true, SearchText: true})
	if m.Parsed == nil || m.Parsed.Root == nil || len(m.Parsed.Headers) != 5 || !strings.Contains(m.Parsed.BodyText, "body 7") {
		t.Fatalf("both options: Parsed = %+v", m.Parsed)
	}
}

func testStageLimit(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	msg := Message(1)
	_, err := b.Stage(ctx, strings.NewReader(msg), int64(len(msg))-1)
	wantErr(t, "Stage(over limit)", err, store.ErrTooLarge)
	s, err := b.Stage(ctx, strings.NewReader(msg), int64(len(msg)))
	if err != nil {
		t.Fatalf("Stage(at limit): %v", err)
	}
	if s.Size != int64(len(msg)) || s.BlobID != blobID(msg) || s.Parsed == nil {
		t.Fatalf("Staged = %+v", s)
	}
	b.Discard(s)
	// A discarded message was never appended.
	snap, err := b.Select(ctx, inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "UIDs", snap.UIDs, []uint32{})
	_, err = b.OpenBlob(ctx, blobID(msg))
	if err == nil {
		t.Fatal("OpenBlob of a discarded message succeeded")
	}
}

func testUIDsNeverReused(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	appendN(t, b, inbox.ID, 1, 3, store.FlagDeleted)
	removed, err := b.Expunge(ctx, inbox.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "expunged", removed, uids(1, 2, 3))
	equal(t, "UIDs after expunging all", appendN(t, b, inbox.ID, 1, 2), uids(4, 5))
	equal(t, "UIDNext", mailbox(t, b, u.ID, "INBOX").UIDNext, uint32(6))
}

func testSelectSnapshot(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	appendN(t, b, inbox.ID, 1, 2, store.FlagSeen)
	appendN(t, b, inbox.ID, 3, 2)
	if _, err := b.Expunge(ctx, inbox.ID, nil); err != nil {
		t.Fatal(err)
	}
	snap, err := b.Select(ctx, inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	cur := mailbox(t, b, u.ID, "INBOX")
	equal(t, "Snapshot", *snap, store.Snapshot{
		Mailbox:     *cur,
		UIDs:        uids(1, 2, 3, 4),
		FirstUnseen: 3,
		Status: store.Status{
			Messages: 4, Unseen: 2, Deleted: 0, Recent: 4,
			Size:    int64(len(Message(1)) + len(Message(2)) + len(Message(3)) + len(Message(4))),
			UIDNext: 5, UIDValidity: inbox.UIDValidity, HighestModSeq: inbox.HighestModSeq + 4,
		},
	})
	_, err = b.Select(ctx, 987654)
	wantErr(t, "Select(unknown id)", err, store.ErrNoMailbox)
}

func testStatus(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	appendN(t, b, inbox.ID, 1, 1, store.FlagSeen)
	appendN(t, b, inbox.ID, 2, 1, store.FlagDeleted)
	appendN(t, b, inbox.ID, 3, 1)
	st, err := b.Status(ctx, inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Status", *st, store.Status{
		Messages: 3, Unseen: 2, Deleted: 1, Recent: 3,
		Size:    int64(len(Message(1)) + len(Message(2)) + len(Message(3))),
		UIDNext: 4, UIDValidity: inbox.UIDValidity, HighestModSeq: inbox.HighestModSeq + 3,
	})
	empty, err := b.Status(ctx, mailbox(t, b, u.ID, "Trash").ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Status(empty)", *empty, store.Status{UIDNext: 1, UIDValidity: mailbox(t, b, u.ID, "Trash").UIDValidity, HighestModSeq: inbox.HighestModSeq})
}

func testClaimRecent(t *testing.T, b store.Backend) {
	u := newUser(t, b, "alice")
	inbox := mailbox(t, b, u.ID, "INBOX")
	claim := func(through, want uint32) {
		t.Helper()
		first, err := b.ClaimRecent(ctx, inbox.ID, through)
		if err != nil || first != want {
			t.Fatalf("ClaimRecent(through %d) = %d, %v; want %d", through, first, err, want)
		}
	}
	claim(0, 0) // empty mailbox
	appendN(t, b, inbox.ID, 1, 3)
	// A session that has seen UIDs 1-2 claims those; 3 stays recent for
	// whoever announces it first.
	claim(2, 1)
	st, _ := b.Status(ctx, inbox.ID)
	equal(t, "Recent after a claim through 2", st.Recent, uint32(1))
	claim(2, 0)
	claim(3, 3)
	claim(3, 0)
	st, _ = b.Status(ctx, inbox.ID)
	equal(t, "Recent after claim", st.Recent, uint32(0))

	appendN(t, b, inbox.ID, 4, 2)
	st, _ = b.Status(ctx, inbox.ID)
	equal(t, "Recent after new mail", st.Recent, uint32(2))
	claim(1, 0)
	claim(5, 4)
	// Copies are recent in their new mailbox.
	trash := mailbox(t, b, u.ID, "Trash")
	if _, err := b.Copy(ctx, inbox.ID, uids(1), trash.ID); err != nil {
		t.Fatal(err)
	}
	st, _ = b.Status(ctx, trash.ID)
	equal(t, "Recent of a copy", st.Recent, uint32(1))
	if _, err := b.ClaimRecent(ctx, 987654, 1); !errors.Is(err, store.ErrNoMailbox) {
		t.Fatalf("ClaimRecent(unknown) err = %v, want ErrNoMailbox", err)
	}
}
