package sqlite

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roost/internal/store"
)

func TestMetadata(t *testing.T) {
	ctx := context.Background()
	f := newQuotaFixture(t)
	s := f.s
	bob, err := s.CreateUser(ctx, "bob", "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateMailbox(ctx, f.user.ID, "Work", ""); err != nil {
		t.Fatal(err)
	}
	work := f.mailbox("Work")
	shared := store.MetadataScope{MailboxID: work, UserID: f.user.ID}
	private := shared
	server := store.MetadataScope{UserID: bob.ID}
	bobsView := store.MetadataScope{MailboxID: work, UserID: bob.ID}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	get := func(scope store.MetadataScope, prefix string) map[string]string {
		t.Helper()
		entries, err := s.Metadata(ctx, scope, prefix)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, e := range entries {
			out[e.Name] = string(e.Value)
		}
		return out
	}
	want := func(scope store.MetadataScope, prefix string, w map[string]string) {
		t.Helper()
		if diff := cmp.Diff(w, get(scope, prefix)); diff != "" {
			t.Fatalf("Metadata(%+v, %q) (-want +got):\n%s", scope, prefix, diff)
		}
	}
	must(s.SetMetadata(ctx, shared, []store.MetadataEntry{
		{Name: "/shared/comment", Value: []byte("team")},
		{Name: "/shared/vendor/x/a", Value: []byte("1")},
		{Name: "/shared/vendor/x/a/b", Value: []byte("2")},
		{Name: "/shared/vendorx", Value: []byte{}},
	}, 10))
	must(s.SetMetadata(ctx, private, []store.MetadataEntry{{Name: "/private/comment", Value: []byte("mine")}}, 10))
	must(s.SetMetadata(ctx, server, []store.MetadataEntry{{Name: "/private/comment", Value: []byte("bob's")}}, 10))
	want(shared, "/shared/vendor", map[string]string{"/shared/vendor/x/a": "1", "/shared/vendor/x/a/b": "2"})
	want(shared, "/shared/vendorx", map[string]string{"/shared/vendorx": ""})
	want(private, "/private", map[string]string{"/private/comment": "mine"})
	want(bobsView, "/private", map[string]string{})
	want(bobsView, "/shared/comment", map[string]string{"/shared/comment": "team"})
	want(server, "/private", map[string]string{"/private/comment": "bob's"})

	// Removal with nil, replacement, and the count limit: growth past it
	// fails and changes nothing.
	must(s.SetMetadata(ctx, shared, []store.MetadataEntry{{Name: "/shared/vendorx"}, {Name: "/shared/comment", Value: []byte("new")}}, 10))
	err = s.SetMetadata(ctx, shared, []store.MetadataEntry{{Name: "/shared/comment"}, {Name: "/shared/a", Value: []byte("1")}, {Name: "/shared/b", Value: []byte("1")}}, 3)
	if !errors.Is(err, store.ErrMetadataTooMany) {
		t.Fatalf("SetMetadata over the count: %v", err)
	}
	want(shared, "", map[string]string{"/shared/comment": "new", "/shared/vendor/x/a": "1", "/shared/vendor/x/a/b": "2", "/private/comment": "mine"})
	must(s.SetMetadata(ctx, shared, []store.MetadataEntry{{Name: "/shared/comment", Value: []byte("same count")}}, 2))

	// Rename keeps the entries; INBOX's are copied on request.
	must(s.RenameMailbox(ctx, f.user.ID, "Work", "Job"))
	want(private, "/private/comment", map[string]string{"/private/comment": "mine"})
	must(s.CopyMailboxMetadata(ctx, work, f.mailbox("INBOX")))
	want(store.MetadataScope{MailboxID: f.mailbox("INBOX"), UserID: f.user.ID}, "/private",
		map[string]string{"/private/comment": "mine"})

	// DELETE with children leaves a \Noselect name without entries.
	if _, err := s.CreateMailbox(ctx, f.user.ID, "Job/Sub", ""); err != nil {
		t.Fatal(err)
	}
	must(s.DeleteMailbox(ctx, f.user.ID, "Job"))
	want(shared, "", map[string]string{})
	sub := f.mailbox("Job/Sub")
	must(s.SetMetadata(ctx, store.MetadataScope{MailboxID: sub}, []store.MetadataEntry{{Name: "/shared/comment", Value: []byte("x")}}, 10))
	must(s.DeleteMailbox(ctx, f.user.ID, "Job/Sub"))
	want(store.MetadataScope{MailboxID: sub}, "", map[string]string{})
	if err := s.SetMetadata(ctx, store.MetadataScope{MailboxID: sub}, []store.MetadataEntry{{Name: "/shared/comment", Value: []byte("x")}}, 10); !errors.Is(err, store.ErrNoMailbox) {
		t.Fatalf("SetMetadata on a deleted mailbox: %v", err)
	}

	must(s.DeleteUser(ctx, "bob"))
	want(server, "", map[string]string{})
	if problems, err := s.Check(ctx); err != nil || len(problems) > 0 {
		t.Fatalf("Check = %q, %v", problems, err)
	}
}
