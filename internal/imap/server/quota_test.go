package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"

	"roost/internal/store"
)

func (ts *testServer) setQuota(t *testing.T, userID int64, storageKiB, messages int64) {
	t.Helper()
	if err := ts.store.SetQuota(context.Background(), userID, store.QuotaLimits{StorageKiB: storageKiB, Messages: messages}); err != nil {
		t.Fatal(err)
	}
}

func (ts *testServer) makeAdmin(t *testing.T, userID int64) {
	t.Helper()
	if err := ts.store.SetAdmin(context.Background(), userID, true); err != nil {
		t.Fatal(err)
	}
}

// checkStore requires the store to pass Check, which recounts quota usage.
func (ts *testServer) checkStore(t *testing.T) {
	t.Helper()
	problems, err := ts.store.Check(context.Background())
	if err != nil || len(problems) > 0 {
		t.Fatalf("Check = %q, %v", problems, err)
	}
}

// quotaAppend is an APPEND of body with a non-synchronizing literal.
func quotaAppend(mailbox, body string) string {
	return "APPEND " + mailbox + " {" + strconv.Itoa(len(body)) + "+}\r\n" + body
}

// sized is a message of exactly n bytes, distinct per tag.
func sized(tag string, n int) string {
	head := "Subject: " + tag + "\r\n\r\n"
	return head + strings.Repeat("q", n-len(head))
}

func TestQuotaCapabilities(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	caps := c.ok("CAPABILITY")
	for _, want := range []string{" QUOTA ", " QUOTA=RES-STORAGE ", " QUOTA=RES-MESSAGE ", " QUOTASET ", " METADATA"} {
		if !strings.Contains(caps[0]+" ", want) {
			t.Errorf("CAPABILITY lacks %q: %s", want, caps[0])
		}
	}
}

func TestGetQuotaAndRoot(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	// No limit: no root, and no QUOTA response, since "()" is no valid
	// quota-list (RFC 9208 §7).
	c.want("GETQUOTAROOT INBOX", "OK GETQUOTAROOT completed.", `* QUOTAROOT "INBOX"`)
	c.want("GETQUOTA \"\"", "OK GETQUOTA completed.")
	if roots, err := ts.client(t, nil).GetQuotaRoot("INBOX").Wait(); err != nil || len(roots) != 0 {
		t.Fatalf("GetQuotaRoot without limits = %+v, %v", roots, err)
	}
	ts.appendMsg(t, "INBOX", sized("a", 1500))
	ts.appendMsg(t, "Archive", sized("b", 100))
	ts.setQuota(t, ts.user.ID, 10, 5)
	c.want("GETQUOTA \"\"", "OK GETQUOTA completed.", `* QUOTA "" (STORAGE 2 10 MESSAGE 2 5)`)
	// The mailbox need not exist (RFC 9208 §4.1.2).
	c.want("GETQUOTAROOT Future/Box", "OK GETQUOTAROOT completed.", `* QUOTAROOT "Future/Box" ""`, `* QUOTA "" (STORAGE 2 10 MESSAGE 2 5)`)
	ts.setQuota(t, ts.user.ID, store.NoLimit, 5)
	c.want("GETQUOTA \"\"", "OK GETQUOTA completed.", `* QUOTA "" (MESSAGE 2 5)`)
	c.want("GETQUOTA nosuchroot", "NO [NONEXISTENT] No such quota root.")
	c.want(`GETQUOTA "Other Users/bob"`, "NO [NONEXISTENT] No such quota root.")
	c.want("GETQUOTA", "BAD Expected SP after GETQUOTA")
	c.want("GETQUOTAROOT", "BAD Expected SP after GETQUOTAROOT")

	// Another user's root is hidden, and so are the mailboxes.
	bob := ts.addUser(t, "bob")
	c.want(`GETQUOTA "Other Users/bob"`, "NO [NONEXISTENT] No such quota root.")
	c.want(`GETQUOTAROOT "Other Users/bob/INBOX"`, `NO [NONEXISTENT] Mailbox doesn't exist: Other Users/bob/INBOX`)
	// An administrator sees it.
	ts.makeAdmin(t, ts.user.ID)
	ts.setQuota(t, bob.ID, 100, store.NoLimit)
	c.want(`GETQUOTA "Other Users/bob"`, "OK GETQUOTA completed.", `* QUOTA "Other Users/bob" (STORAGE 0 100)`)

	// go-imap's client reads the same.
	ic := ts.client(t, nil)
	roots, err := ic.GetQuotaRoot("INBOX").Wait()
	if err != nil || len(roots) != 1 || roots[0].Root != "" ||
		fmt.Sprint(roots[0].Resources) != fmt.Sprint(map[imap.QuotaResourceType]struct{ Usage, Limit int64 }{"MESSAGE": {2, 5}}) {
		t.Fatalf("GetQuotaRoot = %+v, %v", roots, err)
	}
	q, err := ic.GetQuota("").Wait()
	if err != nil || q.Resources["MESSAGE"].Usage != 2 || q.Resources["MESSAGE"].Limit != 5 || len(q.Resources) != 1 {
		t.Fatalf("GetQuota = %+v, %v", q, err)
	}
}

func TestSetQuota(t *testing.T) {
	ts := newTestServer(t, nil)
	bob := ts.addUser(t, "bob")
	c := ts.login(t)
	c.want(`SETQUOTA "" (STORAGE 100)`, "NO [NOPERM] Only administrators may change quotas.")
	ts.makeAdmin(t, ts.user.ID)
	c.want(`SETQUOTA "" (STORAGE 100 MESSAGE 7)`, "OK SETQUOTA completed.", `* QUOTA "" (STORAGE 0 100 MESSAGE 0 7)`)
	// Resources left out lose their limit (RFC 9208 §4.1.3).
	c.want(`SETQUOTA "" (message 9)`, "OK SETQUOTA completed.", `* QUOTA "" (MESSAGE 0 9)`)
	c.want(`SETQUOTA "" ()`, "OK SETQUOTA completed.")
	c.want("GETQUOTAROOT INBOX", "OK GETQUOTAROOT completed.", `* QUOTAROOT "INBOX"`)
	c.want(`SETQUOTA "Other Users/bob" (STORAGE 0)`, "OK SETQUOTA completed.", `* QUOTA "Other Users/bob" (STORAGE 0 0)`)
	q, err := ts.store.Quota(context.Background(), bob.ID)
	if err != nil || q.Limits != (store.QuotaLimits{StorageKiB: 0, Messages: store.NoLimit}) {
		t.Fatalf("bob's quota = %+v, %v", q, err)
	}
	c.want(`SETQUOTA "" (MAILBOX 3)`, "NO [CANNOT] Unsupported quota resource MAILBOX.")
	c.want(`SETQUOTA "" (STORAGE 1 STORAGE 2)`, "BAD Resource STORAGE given twice")
	c.want(`SETQUOTA "" (STORAGE 99999999999999)`, "NO [LIMIT] Quota limit too large.")
	c.want(`SETQUOTA "" (STORAGE x)`, "BAD Invalid resource limit: expected number, found \"x\"")
	c.want(`SETQUOTA "Other Users/nobody" (STORAGE 1)`, "NO [NONEXISTENT] No such quota root.")

	// bob, not an administrator, with a zero STORAGE limit: nothing fits.
	b := ts.loginAs(t, "bob")
	b.want(`SETQUOTA "" (STORAGE 100)`, "NO [NOPERM] Only administrators may change quotas.")
	b.want(quotaAppend("INBOX", sized("x", 40)), "NO [OVERQUOTA] Quota exceeded; nothing was stored.")

	// go-imap's client.
	ic := ts.client(t, nil)
	if err := ic.SetQuota("", map[imap.QuotaResourceType]int64{imap.QuotaResourceMessage: 3}).Wait(); err != nil {
		t.Fatal(err)
	}
	c.want(`GETQUOTA ""`, "OK GETQUOTA completed.", `* QUOTA "" (MESSAGE 0 3)`)
}

func TestOverQuotaStoresNothing(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	ts.setQuota(t, ts.user.ID, 3, store.NoLimit)
	c.ok(quotaAppend("INBOX", sized("a", 1024)))
	c.ok(quotaAppend("INBOX", sized("b", 1024)))
	c.want(quotaAppend("INBOX", sized("c", 1025)), "NO [OVERQUOTA] Quota exceeded; nothing was stored.")
	// MULTIAPPEND is all or nothing.
	m1, m2 := sized("d", 600), sized("e", 600)
	c.want("APPEND Archive {600+}\r\n"+m1+" {600+}\r\n"+m2, "NO [OVERQUOTA] Quota exceeded; nothing was stored.")
	c.want("STATUS INBOX (MESSAGES SIZE)", "OK STATUS completed.", `* STATUS "INBOX" (MESSAGES 2 SIZE 2048)`)
	c.want("STATUS Archive (MESSAGES SIZE)", "OK STATUS completed.", `* STATUS "Archive" (MESSAGES 0 SIZE 0)`)
	c.ok(quotaAppend("INBOX", sized("f", 1024)))
	c.want(`GETQUOTA ""`, "OK GETQUOTA completed.", `* QUOTA "" (STORAGE 3 3)`)

	c.ok("SELECT INBOX")
	c.want("COPY 1 Archive", "NO [OVERQUOTA] Quota exceeded; nothing was stored.")
	c.want("STATUS Archive (MESSAGES)", "OK STATUS completed.", `* STATUS "Archive" (MESSAGES 0)`)
	// MOVE inside the account does not grow it.
	c.want("MOVE 1 Archive", "OK Move completed.", "* OK [COPYUID "+itoa(ts.mailbox(t, "Archive").UIDValidity)+" 1 1] Moved UIDs.", "* 1 EXPUNGE")
	c.want(`GETQUOTA ""`, "OK GETQUOTA completed.", `* QUOTA "" (STORAGE 3 3)`)
	// DELETED-STORAGE, then EXPUNGE frees the space.
	c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
	c.want("STATUS INBOX (DELETED DELETED-STORAGE)", "OK STATUS completed.", `* STATUS "INBOX" (DELETED 1 DELETED-STORAGE 1)`)
	c.want("EXPUNGE", "OK Expunge completed.", "* 1 EXPUNGE")
	c.want(`GETQUOTA ""`, "OK GETQUOTA completed.", `* QUOTA "" (STORAGE 2 3)`)
	c.want("STATUS INBOX (DELETED DELETED-STORAGE)", "OK STATUS completed.", `* STATUS "INBOX" (DELETED 0 DELETED-STORAGE 0)`)
	c.ok(quotaAppend("INBOX", sized("g", 1000)))
	ts.checkStore(t)

	// MESSAGE limit.
	ts.setQuota(t, ts.user.ID, store.NoLimit, 3)
	c.want(quotaAppend("INBOX", sized("h", 40)), "NO [OVERQUOTA] Quota exceeded; nothing was stored.")
	c.want(`GETQUOTAROOT INBOX`, "OK GETQUOTAROOT completed.", `* QUOTAROOT "INBOX" ""`, `* QUOTA "" (MESSAGE 3 3)`)

	// go-imap reads DELETED-STORAGE.
	ic := ts.client(t, nil)
	st, err := ic.Status("INBOX", &imap.StatusOptions{DeletedStorage: true, NumDeleted: true}).Wait()
	if err != nil || st.DeletedStorage == nil || *st.DeletedStorage != 0 || *st.NumDeleted != 0 {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	ts.checkStore(t)
}

// TestQuotaParallelAppends: 16 clients append 20 messages each into an
// account whose limits let only part of them in. Usage never exceeds the
// limits and equals the sum of what was stored; every refused APPEND got
// NO [OVERQUOTA] and left nothing.
func TestQuotaParallelAppends(t *testing.T) {
	const clients, perClient, size = 16, 20, 1000
	const limitKiB, limitMessages = 150, 200 // 153600 bytes: 153 messages of 1000
	ts := newTestServer(t, nil)
	ts.setQuota(t, ts.user.ID, limitKiB, limitMessages)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	var failures []string
	for i := range clients {
		c := ts.login(t)
		box := []string{"INBOX", "Archive", "Sent", "Drafts"}[i%4]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range perClient {
				tag := c.nextTag()
				c.conn.Write([]byte(tag + " " + quotaAppend(box, sized(fmt.Sprintf("%d-%d", i, j), size)) + "\r\n"))
				_, st := c.collect(tag)
				mu.Lock()
				switch {
				case strings.HasPrefix(st, "OK [APPENDUID "):
					ok++
				case st == "NO [OVERQUOTA] Quota exceeded; nothing was stored.":
					refused++
				default:
					failures = append(failures, st)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("unexpected answers: %q", failures)
	}
	if want := limitKiB * 1024 / size; ok != want || refused != clients*perClient-want {
		t.Fatalf("%d stored, %d refused; want %d stored", ok, refused, want)
	}
	q, err := ts.store.Quota(context.Background(), ts.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	if q.Bytes != int64(ok*size) || q.Messages != int64(ok) {
		t.Fatalf("usage %d bytes %d messages, want %d and %d", q.Bytes, q.Messages, ok*size, ok)
	}
	c := ts.login(t)
	var sizes, counts int
	for _, box := range []string{"INBOX", "Archive", "Sent", "Drafts", "Junk", "Trash"} {
		untagged := c.ok("STATUS " + box + " (MESSAGES SIZE)")
		var n, s int
		if _, err := fmt.Sscanf(untagged[0], `* STATUS "`+box+`" (MESSAGES %d SIZE %d)`, &n, &s); err != nil {
			t.Fatalf("%q: %v", untagged[0], err)
		}
		counts += n
		sizes += s
	}
	if sizes != ok*size || counts != ok {
		t.Fatalf("STATUS sums: %d messages %d bytes; want %d and %d", counts, sizes, ok, ok*size)
	}
	c.want(`GETQUOTA ""`, "OK GETQUOTA completed.",
		fmt.Sprintf(`* QUOTA "" (STORAGE %d %d MESSAGE %d %d)`, (ok*size+1023)/1024, limitKiB, ok, limitMessages))
	ts.checkStore(t)
}

// TestQuotaSharedRoot: team mailboxes count against the shared account's
// root "Shared", whose usage readers of its mailboxes may see.
func TestQuotaSharedRoot(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t, nil)
	ts.addUser(t, "bob")
	shared, err := ts.store.SharedAccount(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := ts.store.CreateMailbox(ctx, shared.ID, "support", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.store.SetACL(ctx, mb.ID, store.ACLEntry{Identifier: harnessUser, Rights: "lrswipkxtea"}); err != nil {
		t.Fatal(err)
	}
	if err := ts.store.SetACL(ctx, mb.ID, store.ACLEntry{Identifier: "bob", Rights: "l"}); err != nil {
		t.Fatal(err)
	}
	ts.setQuota(t, shared.ID, 2, store.NoLimit)
	c := ts.login(t)
	c.want(`GETQUOTAROOT Shared/support`, "OK GETQUOTAROOT completed.", `* QUOTAROOT "Shared/support" "Shared"`, `* QUOTA "Shared" (STORAGE 0 2)`)
	c.ok(quotaAppend("Shared/support", sized("s1", 1500)))
	c.want(quotaAppend("Shared/support", sized("s2", 1000)), "NO [OVERQUOTA] Quota exceeded; nothing was stored.")
	// alice's own account is not charged.
	c.ok(quotaAppend("INBOX", sized("own", 1000)))
	c.want(`GETQUOTA "Shared"`, "OK GETQUOTA completed.", `* QUOTA "Shared" (STORAGE 2 2)`)
	c.want(`GETQUOTA ""`, "OK GETQUOTA completed.")
	// COPY from alice's INBOX into the team mailbox is charged to it.
	c.ok("SELECT INBOX")
	c.want("COPY 1 Shared/support", "NO [OVERQUOTA] Quota exceeded; nothing was stored.")
	// bob can list but not read the team mailbox: no quota for him.
	b := ts.loginAs(t, "bob")
	b.want(`GETQUOTAROOT Shared/support`, "NO [NOPERM] Permission denied (needs right r).")
	b.want(`GETQUOTA "Shared"`, "NO [NONEXISTENT] No such quota root.")
	ts.checkStore(t)
}

// A COPY that would go over quota part-way through a large set stores
// nothing at all (RFC 9051 §6.4.7: on failure the destination is
// unchanged), however many messages it names. (MOVE within one account
// does not grow usage, so it is allowed at the limit.)
func TestLargeCopyOverQuotaIsAllOrNothing(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.appendMany(t, "INBOX", 1500)
	ts.setQuota(t, ts.user.ID, 0, 2000) // room for 500 more messages only
	c := ts.login(t)
	c.ok("SELECT INBOX")
	for _, cmd := range []string{"COPY 1:* Archive", "UID COPY 1:* Archive", "COPY 1:1200 Archive"} {
		untagged, st := c.do(cmd)
		if !strings.HasPrefix(st, "NO [OVERQUOTA]") || len(untagged) != 0 {
			t.Fatalf("%s: %q %q, want NO [OVERQUOTA] and nothing untagged", cmd, untagged, st)
		}
	}
	if got := c.ok(`STATUS Archive (MESSAGES)`); got[0] != `* STATUS "Archive" (MESSAGES 0)` {
		t.Fatalf("Archive after refused copies: %q", got)
	}
	if got := c.ok(`STATUS INBOX (MESSAGES)`); got[0] != `* STATUS "INBOX" (MESSAGES 1500)` {
		t.Fatalf("INBOX after refused copies: %q", got)
	}
	ts.checkStore(t)
}
