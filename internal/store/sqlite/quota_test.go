package sqlite

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"roost/internal/store"
)

// quotaFixture is a store with one user and helpers to read its quota.
type quotaFixture struct {
	t    *testing.T
	s    *Store
	user *store.User
}

func newQuotaFixture(t *testing.T) *quotaFixture {
	t.Helper()
	s := openTest(t, t.TempDir())
	t.Cleanup(func() { s.Close() })
	u, err := s.CreateUser(context.Background(), "alice", "x")
	if err != nil {
		t.Fatal(err)
	}
	return &quotaFixture{t: t, s: s, user: u}
}

func (f *quotaFixture) mailbox(name string) int64 {
	f.t.Helper()
	mb, err := f.s.Mailbox(context.Background(), f.user.ID, name)
	if err != nil {
		f.t.Fatal(err)
	}
	return mb.ID
}

// usage requires the quota usage to be bytes and messages, and the store
// to pass Check (which recounts it).
func (f *quotaFixture) usage(bytes, messages int64) {
	f.t.Helper()
	q, err := f.s.Quota(context.Background(), f.user.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	if q.Bytes != bytes || q.Messages != messages {
		f.t.Fatalf("usage = %d bytes %d messages, want %d bytes %d messages", q.Bytes, q.Messages, bytes, messages)
	}
	problems, err := f.s.Check(context.Background())
	if err != nil || len(problems) > 0 {
		f.t.Fatalf("Check = %q, %v", problems, err)
	}
}

// stage stages a message of exactly size bytes.
func (f *quotaFixture) stage(size int, tag string) *store.Staged {
	f.t.Helper()
	st, err := f.s.Stage(context.Background(), strings.NewReader(tag+strings.Repeat("x", size-len(tag))), 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

func TestQuotaUsageFollowsEveryChange(t *testing.T) {
	ctx := context.Background()
	f := newQuotaFixture(t)
	inbox, archive := f.mailbox("INBOX"), f.mailbox("Archive")
	f.usage(0, 0)

	_, uids, err := f.s.Append(ctx, inbox, []store.AppendMessage{{Staged: f.stage(1000, "a")}, {Staged: f.stage(2000, "b")}})
	if err != nil {
		t.Fatal(err)
	}
	f.usage(3000, 2)
	// A copy counts again although the blob is shared.
	if _, err := f.s.Copy(ctx, inbox, uids[:1], archive); err != nil {
		t.Fatal(err)
	}
	f.usage(4000, 3)
	if _, err := f.s.Move(ctx, inbox, uids[1:], archive); err != nil {
		t.Fatal(err)
	}
	f.usage(4000, 3)
	if _, _, err := f.s.StoreFlags(ctx, inbox, uids[:1], store.FlagsAdd, []string{store.FlagDeleted}, 0); err != nil {
		t.Fatal(err)
	}
	if n, err := f.s.DeletedSize(ctx, inbox); err != nil || n != 1000 {
		t.Fatalf("DeletedSize = %d, %v; want 1000", n, err)
	}
	if _, err := f.s.Expunge(ctx, inbox, nil); err != nil {
		t.Fatal(err)
	}
	f.usage(3000, 2)
	if err := f.s.RenameMailbox(ctx, f.user.ID, "Archive", "Old"); err != nil {
		t.Fatal(err)
	}
	f.usage(3000, 2)
	if _, err := f.s.CreateMailbox(ctx, f.user.ID, "Old/Child", ""); err != nil {
		t.Fatal(err)
	}
	// DELETE of a mailbox with children keeps it \Noselect, without messages.
	if err := f.s.DeleteMailbox(ctx, f.user.ID, "Old"); err != nil {
		t.Fatal(err)
	}
	f.usage(0, 0)
	if _, _, err := f.s.Append(ctx, f.mailbox("Old/Child"), []store.AppendMessage{{Staged: f.stage(500, "c")}}); err != nil {
		t.Fatal(err)
	}
	f.usage(500, 1)
	if err := f.s.DeleteMailbox(ctx, f.user.ID, "Old/Child"); err != nil {
		t.Fatal(err)
	}
	f.usage(0, 0)
	if _, _, err := f.s.Append(ctx, inbox, []store.AppendMessage{{Staged: f.stage(700, "d")}}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RenameMailbox(ctx, f.user.ID, "INBOX", "Moved"); err != nil {
		t.Fatal(err)
	}
	f.usage(700, 1)
	if err := f.s.DeleteUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Quota(ctx, f.user.ID); !errors.Is(err, store.ErrNoUser) {
		t.Fatalf("Quota of a deleted user: %v", err)
	}
	if problems, err := f.s.Check(ctx); err != nil || len(problems) > 0 {
		t.Fatalf("Check = %q, %v", problems, err)
	}
}

func TestQuotaLimitsRefuseAndKeepNothing(t *testing.T) {
	ctx := context.Background()
	f := newQuotaFixture(t)
	inbox, archive := f.mailbox("INBOX"), f.mailbox("Archive")
	if err := f.s.SetQuota(ctx, f.user.ID, store.QuotaLimits{StorageKiB: 3, Messages: 3}); err != nil {
		t.Fatal(err)
	}
	q, err := f.s.Quota(ctx, f.user.ID)
	if err != nil || q.Limits != (store.QuotaLimits{StorageKiB: 3, Messages: 3}) {
		t.Fatalf("Quota = %+v, %v", q, err)
	}
	_, uids, err := f.s.Append(ctx, inbox, []store.AppendMessage{{Staged: f.stage(1024, "a")}, {Staged: f.stage(1024, "b")}})
	if err != nil {
		t.Fatal(err)
	}
	// 2048 + 1025 > 3072: refused, and the new blob is not left behind.
	big := f.stage(1025, "c")
	if _, _, err := f.s.Append(ctx, inbox, []store.AppendMessage{{Staged: big}}); !errors.Is(err, store.ErrOverQuota) {
		t.Fatalf("Append over STORAGE: %v", err)
	}
	f.s.Discard(big)
	if _, err := f.s.blobs.Size(big.BlobID); err == nil {
		t.Fatal("the refused message's blob was stored")
	}
	f.usage(2048, 2)
	if _, _, err := f.s.Append(ctx, inbox, []store.AppendMessage{{Staged: f.stage(1024, "d")}}); err != nil {
		t.Fatalf("Append up to the limit: %v", err)
	}
	f.usage(3072, 3)
	if _, err := f.s.Copy(ctx, inbox, uids[:1], archive); !errors.Is(err, store.ErrOverQuota) {
		t.Fatalf("Copy over the limit: %v", err)
	}
	f.usage(3072, 3)
	// MOVE inside the account does not grow it: allowed at the limit.
	if _, err := f.s.Move(ctx, inbox, uids, archive); err != nil {
		t.Fatalf("Move at the limit: %v", err)
	}
	f.usage(3072, 3)
	// A lowered limit: usage may stay above it, additions are refused,
	// moves still work, expunges free space.
	if err := f.s.SetQuota(ctx, f.user.ID, store.QuotaLimits{StorageKiB: 1, Messages: store.NoLimit}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Move(ctx, archive, uids[:1], inbox); err != nil {
		t.Fatalf("Move above a lowered limit: %v", err)
	}
	if _, _, err := f.s.Append(ctx, inbox, []store.AppendMessage{{Staged: f.stage(10, "e")}}); !errors.Is(err, store.ErrOverQuota) {
		t.Fatalf("Append above a lowered limit: %v", err)
	}
	f.usage(3072, 3)
	if err := f.s.SetQuota(ctx, f.user.ID, store.Unlimited); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.Append(ctx, inbox, []store.AppendMessage{{Staged: f.stage(10, "f")}}); err != nil {
		t.Fatalf("Append without limits: %v", err)
	}
	f.usage(3082, 4)
	// MESSAGE limit alone.
	if err := f.s.SetQuota(ctx, f.user.ID, store.QuotaLimits{StorageKiB: store.NoLimit, Messages: 4}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.Append(ctx, inbox, []store.AppendMessage{{Staged: f.stage(10, "g")}}); !errors.Is(err, store.ErrOverQuota) {
		t.Fatalf("Append over MESSAGE: %v", err)
	}
	f.usage(3082, 4)
}

func TestAdminFlag(t *testing.T) {
	ctx := context.Background()
	f := newQuotaFixture(t)
	for _, want := range []bool{false, true, true, false} {
		if want {
			if err := f.s.SetAdmin(ctx, f.user.ID, true); err != nil {
				t.Fatal(err)
			}
		} else if err := f.s.SetAdmin(ctx, f.user.ID, false); err != nil {
			t.Fatal(err)
		}
		if got, err := f.s.Admin(ctx, f.user.ID); err != nil || got != want {
			t.Fatalf("Admin = %v, %v; want %v", got, err, want)
		}
	}
	if err := f.s.SetAdmin(ctx, 9999, true); !errors.Is(err, store.ErrNoUser) {
		t.Fatalf("SetAdmin of a missing user: %v", err)
	}
}

// TestQuotaMigrationBackfill opens a database made before the quota
// tables existed and checks that usage is computed from the messages.
func TestQuotaMigrationBackfill(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	u, err := s.CreateUser(ctx, "alice", "x")
	if err != nil {
		t.Fatal(err)
	}
	mb, err := s.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	appendRaw(t, s, mb.ID, "Subject: a\r\n\r\nhello\r\n", "Subject: b\r\n\r\nworld!\r\n")
	version := 0
	for i, m := range migrations {
		if m == quotaSchema {
			version = i
		}
	}
	for _, q := range []string{
		"DROP TRIGGER quota_user_created", "DROP TRIGGER quota_message_added", "DROP TRIGGER quota_message_removed",
		"DROP TRIGGER quota_message_moved", "DROP TRIGGER quota_mailbox_owner", "DROP TRIGGER quota_mailbox_deleted",
		"DROP TABLE quota", "DROP TABLE quota_pending", "DROP TABLE admins",
		"PRAGMA user_version = " + strconv.Itoa(version),
	} {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	s = openTest(t, dir)
	defer s.Close()
	q, err := s.Quota(ctx, u.ID)
	if err != nil || q.Bytes != int64(len("Subject: a\r\n\r\nhello\r\n")+len("Subject: b\r\n\r\nworld!\r\n")) || q.Messages != 2 {
		t.Fatalf("Quota after migration = %+v, %v", q, err)
	}
	if problems, err := s.Check(ctx); err != nil || len(problems) > 0 {
		t.Fatalf("Check = %q, %v", problems, err)
	}
}
