package server

// Isolation between accounts: alice throws every mailbox-naming trick at the
// server (hierarchy escapes, other users' names, NUL and control
// characters, modified UTF-7 and UTF-8 look-alikes) through every command
// that takes a mailbox name, and must learn nothing about bob and change
// nothing of his.
//
// The proof is differential: every probe is run twice, once naming bob or
// one of his mailboxes and once naming a user and mailbox that exist
// nowhere ("nobody", "NoSuchBox"). The two transcripts must be identical
// (after mapping the names back and blanking UIDVALIDITY values, which
// differ for any two mailboxes), so a missing mailbox and a mailbox alice
// may not see get exactly the same answers. Meanwhile a guard around the
// real store fails the test if any call touches a mailbox ID of bob's, bob's
// store state must come out byte-identical, and bob's selected session must
// see no change at all.

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roost/internal/auth"
	"roost/internal/imap/utf7"
	"roost/internal/store"
	"roost/internal/store/sqlite"
)

const (
	isoBob       = "bob"
	isoBobPass   = "bob-secret-pw"
	isoSecret    = "bob-secret-token-7f3a"
	isoNobody    = "nobody"
	isoMissingMb = "NoSuchBox"
)

// bobMailboxes are created in bob's account; none exists for alice.
var bobMailboxes = []string{"BobSecret", "BobSecret/Deep", "Café", "Ünïcödé/Sub", "dot.ted", "..", "a/../b"}

// isoNames are the name templates alice probes: {U} is replaced by the
// user ("bob" or "nobody"), {M} by the mailbox ("BobSecret"... or
// "NoSuchBox").
var isoNames = []string{
	"{M}", "{M}/Deep", "{M}*", "{M}%", "{M}/*", "{M}/%",
	"../{U}", "../{U}/INBOX", "../{U}/{M}", "/{U}", "/{U}/INBOX", "//{U}", "{U}/INBOX", "{U}/{M}",
	"~{U}", "~{U}/INBOX", "~{U}/{M}", "#shared/{U}", "#user/{U}/INBOX", "#users/{U}/{M}",
	"Other Users/{U}/INBOX", "Shared Folders/{U}", "user/{U}/INBOX", "user.{U}.INBOX", "user.{U}.{M}",
	"INBOX/../..", "INBOX/../../{U}/INBOX", "INBOX/../{U}", "./{M}", "../../{M}", "INBOX/../{M}",
	"{U}\\{M}", "{U}:{M}", "{U}@localhost/INBOX", "{U}%00INBOX",
	// Modified UTF-7 (RFC 3501 §5.1.3): "&AC8-" is "/", "&AC4ALg-" is "..".
	"&AC4ALg-&AC8-{U}", "{U}&AC8-INBOX", "{M}&AC8-Deep", "&AC8-{U}&AC8-INBOX", "&-{U}", "&AC8",
	// Raw bytes: NUL, controls, DEL, C1, invalid and overlong UTF-8,
	// fullwidth solidus, zero-width and decomposed look-alikes.
	"{U}\x00INBOX", "{M}\x00", "\x00{M}", "{U}/\x01INBOX", "{M}\r", "{M}\x7f", "{M}\u0085",
	"\xc0\xaf{U}", "..\xc0\xaf{U}", "{M}\xff", "\uff0f{U}\uff0fINBOX", "{M}\u200b", "{M}\u0301",
}

// isoProbes are the commands run for each name; $N is the name as a
// quoted string or literal, $MSG a message literal.
var isoProbes = []string{
	"SELECT INBOX",
	"COPY 1 $N", "MOVE 1:2 $N", "UID COPY 1:* $N", "UID MOVE 2 $N",
	"STATUS $N (MESSAGES UIDNEXT UNSEEN RECENT SIZE)",
	"EXAMINE $N", "SELECT $N",
	`LIST "" $N`, `LIST $N "*"`, `LIST $N "%"`, `LSUB "" $N`, `LIST (SUBSCRIBED) "" $N`, `LIST "" $N RETURN (STATUS (MESSAGES))`,
	"APPEND $N $MSG",
	"RENAME $N IsoRenamed", "DELETE $N", "SUBSCRIBE $N", "UNSUBSCRIBE $N",
	"CREATE $N",
	"STATUS $N (MESSAGES UIDNEXT)", `LIST "" $N`,
	"APPEND $N $MSG",
	"SELECT INBOX", "COPY 1 $N",
	"EXAMINE $N", "FETCH 1:* (FLAGS BODY[])", "SEARCH TEXT " + isoSecret, "SEARCH ALL",
	"RENAME $N IsoRenamed", "DELETE IsoRenamed", "DELETE $N", "UNSUBSCRIBE $N",
	"SELECT INBOX", "UNSELECT", // every run ends in the same state
}

// isoUIDValidityRE matches the values that differ between any two
// mailboxes or commands: UIDVALIDITY, tags, and object IDs (RFC 8474).
// isoUTF7RE matches the modified UTF-7 runs of a rev1 answer, decoded
// before the names are mapped back.
var isoUTF7RE = regexp.MustCompile(`&[A-Za-z0-9+,]*-`)

var isoUIDValidityRE = regexp.MustCompile(`(UIDVALIDITY|APPENDUID|COPYUID|TAG) "?[A-Z]?\d+"?|(MAILBOXID|EMAILID|THREADID) \([^)]*\)`)

// isoGuard is the real store with a check on every call that names a
// mailbox by ID: while armed, an ID of a forbidden user is a failure.
type isoGuard struct {
	store.Backend
	st *sqlite.Store
	t  *testing.T

	mu        sync.Mutex
	forbidden map[int64]bool // mailbox IDs alice must never reach
	violated  []string
}

func (g *isoGuard) arm(ids map[int64]bool) {
	g.mu.Lock()
	g.forbidden = ids
	g.mu.Unlock()
}

func (g *isoGuard) check(method string, ids ...int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, id := range ids {
		if g.forbidden[id] {
			g.violated = append(g.violated, fmt.Sprintf("%s(mailbox %d)", method, id))
		}
	}
}

func (g *isoGuard) WatchUser(userID int64) *store.Watcher { return g.st.WatchUser(userID) }

func (g *isoGuard) Status(ctx context.Context, id int64) (*store.Status, error) {
	g.check("Status", id)
	return g.Backend.Status(ctx, id)
}

func (g *isoGuard) Append(ctx context.Context, id int64, msgs []store.AppendMessage) (uint32, []uint32, error) {
	g.check("Append", id)
	return g.Backend.Append(ctx, id, msgs)
}

func (g *isoGuard) Select(ctx context.Context, id int64) (*store.Snapshot, error) {
	g.check("Select", id)
	return g.Backend.Select(ctx, id)
}

func (g *isoGuard) ClaimRecent(ctx context.Context, id int64, through uint32) (uint32, error) {
	g.check("ClaimRecent", id)
	return g.Backend.ClaimRecent(ctx, id, through)
}

func (g *isoGuard) Messages(ctx context.Context, id int64, uids []uint32, opts store.FetchOptions) ([]store.Message, error) {
	g.check("Messages", id)
	return g.Backend.Messages(ctx, id, uids, opts)
}

func (g *isoGuard) StoreFlags(ctx context.Context, id int64, uids []uint32, op store.FlagOp, flags []string, unchangedSince uint64) ([]store.FlagUpdate, []uint32, error) {
	g.check("StoreFlags", id)
	return g.Backend.StoreFlags(ctx, id, uids, op, flags, unchangedSince)
}

func (g *isoGuard) Expunge(ctx context.Context, id int64, uids []uint32) ([]uint32, error) {
	g.check("Expunge", id)
	return g.Backend.Expunge(ctx, id, uids)
}

func (g *isoGuard) Copy(ctx context.Context, src int64, uids []uint32, dst int64) (*store.CopyResult, error) {
	g.check("Copy", src, dst)
	return g.Backend.Copy(ctx, src, uids, dst)
}

func (g *isoGuard) Move(ctx context.Context, src int64, uids []uint32, dst int64) (*store.CopyResult, error) {
	g.check("Move", src, dst)
	return g.Backend.Move(ctx, src, uids, dst)
}

func (g *isoGuard) Watch(id int64) *store.Watcher {
	g.check("Watch", id)
	return g.Backend.Watch(id)
}

// isoMailboxName writes name as an IMAP astring: quoted when it can be,
// else a non-synchronizing literal (RFC 7888), which carries any byte.
func isoMailboxName(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c >= 0x7f {
			return fmt.Sprintf("{%d+}\r\n%s", len(name), name)
		}
	}
	return strconv.Quote(name) // only '"' and '\\' get escaped in printable ASCII
}

// isoAccountState is everything of one account, for before/after equality.
type isoAccountState struct {
	Mailboxes     []store.Mailbox
	Messages      map[string][]store.Message
	Subscriptions []string
}

func isoState(t *testing.T, st *sqlite.Store, userID int64) isoAccountState {
	t.Helper()
	ctx := context.Background()
	mbs, err := st.Mailboxes(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	s := isoAccountState{Mailboxes: mbs, Messages: map[string][]store.Message{}}
	for _, mb := range mbs {
		if mb.NoSelect {
			continue
		}
		snap, err := st.Select(ctx, mb.ID)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := st.Messages(ctx, mb.ID, snap.UIDs, store.FetchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.Messages[mb.Name] = msgs
	}
	if s.Subscriptions, err = st.Subscriptions(ctx, userID); err != nil {
		t.Fatal(err)
	}
	return s
}

// isoSetupBob creates bob with his mailboxes, messages and subscriptions.
func isoSetupBob(t *testing.T, ts *testServer) *store.User {
	t.Helper()
	ctx := context.Background()
	hash, err := auth.Hash(isoBobPass)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := ts.store.CreateUser(ctx, isoBob, hash)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range bobMailboxes {
		if _, err := ts.store.CreateMailbox(ctx, bob.ID, name, ""); err != nil {
			t.Fatalf("bob's mailbox %q: %v", name, err)
		}
		if err := ts.store.Subscribe(ctx, bob.ID, name); err != nil {
			t.Fatal(err)
		}
	}
	for i, name := range append([]string{"INBOX"}, bobMailboxes...) {
		mb, err := ts.store.Mailbox(ctx, bob.ID, name)
		if err != nil {
			t.Fatal(err)
		}
		isoAppend(t, ts.store, mb.ID, fmt.Sprintf("Subject: for bob %d\r\n\r\n%s %d\r\n", i, isoSecret, i), `\Flagged`)
	}
	return bob
}

func isoAppend(t *testing.T, st *sqlite.Store, mailboxID int64, raw string, flags ...string) {
	t.Helper()
	ctx := context.Background()
	staged, err := st.Stage(ctx, strings.NewReader(raw), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Append(ctx, mailboxID, []store.AppendMessage{{Staged: staged, Flags: flags}}); err != nil {
		t.Fatal(err)
	}
}

// isoRun runs the probes for one name with one substitution and returns
// the normalised transcript.
func isoRun(c *rawClient, tmpl, user, mailbox string) []string {
	c.t.Helper()
	name := strings.NewReplacer("{U}", user, "{M}", mailbox).Replace(tmpl)
	const msg = "Subject: alice's probe\r\n\r\nhello\r\n"
	back := strings.NewReplacer(user, "{U}", mailbox, "{M}")
	var out []string
	for _, p := range isoProbes {
		cmd := strings.Replace(p, "$N", isoMailboxName(name), 1)
		cmd = strings.Replace(cmd, "$MSG", fmt.Sprintf("{%d+}\r\n%s", len(msg), msg), 1)
		untagged, status := c.do(cmd)
		for _, line := range append(untagged, "=> "+status) {
			line = isoUIDValidityRE.ReplaceAllString(line, "$1$2 *")
			line = isoUTF7RE.ReplaceAllStringFunc(line, func(enc string) string {
				if dec, err := utf7.Decode(enc); err == nil {
					return dec
				}
				return enc
			})
			out = append(out, back.Replace(line))
		}
	}
	return out
}

// isoEncodingTrick reports whether a name template holds bytes that
// IMAP4rev1 and IMAP4rev2 read differently: 8-bit, controls, "&".
func isoEncodingTrick(tmpl string) bool {
	return strings.ContainsFunc(tmpl, func(r rune) bool { return r < 0x20 || r >= 0x7f || r == '&' })
}

// isoReset deletes every mailbox alice's probes created (parents made by
// CREATE included), so that each run starts from the same state.
func isoReset(t *testing.T, ts *testServer) {
	t.Helper()
	ctx := context.Background()
	mbs, err := ts.store.Mailboxes(ctx, ts.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Children before parents: longer names first.
	slices.SortFunc(mbs, func(a, b store.Mailbox) int { return len(b.Name) - len(a.Name) })
	for _, mb := range mbs {
		if !slices.ContainsFunc(store.DefaultMailboxes, func(d struct{ Name, SpecialUse string }) bool { return d.Name == mb.Name }) {
			if err := ts.store.DeleteMailbox(ctx, ts.user.ID, mb.Name); err != nil {
				t.Fatalf("deleting alice's %q: %v", mb.Name, err)
			}
		}
	}
	// FETCH BODY[] in a failed EXAMINE's INBOX set \Seen: clear it.
	inbox := ts.mailbox(t, "INBOX")
	if _, _, err := ts.store.StoreFlags(ctx, inbox.ID, []uint32{1, 2, 3}, store.FlagsSet, nil, 0); err != nil {
		t.Fatal(err)
	}
	subs, err := ts.store.Subscriptions(ctx, ts.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range subs {
		if err := ts.store.Unsubscribe(ctx, ts.user.ID, name); err != nil {
			t.Fatal(err)
		}
	}
}

func TestIsolationBetweenAccounts(t *testing.T) {
	var guard *isoGuard
	ts := newTestServerOpts(t, testOptions{config: relaxLimits, backend: func(st *sqlite.Store) store.Backend {
		guard = &isoGuard{Backend: st, st: st, t: t}
		return guard
	}})
	bob := isoSetupBob(t, ts)
	for i := range 3 {
		ts.appendMsg(t, "INBOX", fmt.Sprintf("Subject: alice %d\r\n\r\nalice's own %d\r\n", i, i))
	}
	before := isoState(t, ts.store, bob.ID)

	// Bob is logged in with INBOX selected and NOTIFY on all his
	// mailboxes the whole time: he must see nothing of alice's probing.
	bc := ts.dial(t)
	bc.ok("LOGIN " + isoBob + " " + isoBobPass)
	bc.ok("SELECT INBOX")

	forbidden := map[int64]bool{}
	for _, mb := range before.Mailboxes {
		forbidden[mb.ID] = true
	}
	guard.arm(forbidden)

	rev1 := ts.login(t)
	rev2 := ts.login(t)
	rev2.want("ENABLE IMAP4rev2", "OK ENABLE completed.", "* ENABLED IMAP4rev2")
	// The first SELECT claims \Recent (RFC 3501 §2.3.2), once and for all.
	for _, c := range []*rawClient{rev1, rev2} {
		c.ok("SELECT INBOX")
		c.ok("UNSELECT")
	}
	probes := 0
	for ci, c := range []*rawClient{rev1, rev2} {
		for i, tmpl := range isoNames {
			// Each template naming a mailbox is tried with BobSecret and,
			// every other one, with one more of bob's names, in turn.
			if ci == 1 && !isoEncodingTrick(tmpl) {
				continue // rev2 differs from rev1 only in how names are encoded
			}
			mbs := []string{bobMailboxes[0]}
			if strings.Contains(tmpl, "{M}") && (i+ci)%2 == 0 {
				mbs = append(mbs, bobMailboxes[1+(i+ci)%(len(bobMailboxes)-1)])
			}
			for _, mb := range mbs {
				got := isoRun(c, tmpl, isoBob, mb)
				isoReset(t, ts)
				want := isoRun(c, tmpl, isoNobody, isoMissingMb)
				isoReset(t, ts)
				probes += 2 * len(isoProbes)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("name %q with %q/%q answers differently than with %q/%q (-nobody +bob):\n%s",
						tmpl, isoBob, mb, isoNobody, isoMissingMb, diff)
				}
			}
		}
	}
	t.Logf("%d commands sent probing %d name templates", probes, len(isoNames))

	isoCheckAliceSeesNothing(t, ts, rev2)
	if diff := cmp.Diff(before, isoState(t, ts.store, bob.ID)); diff != "" {
		t.Errorf("bob's account changed (-before +after):\n%s", diff)
	}
	bc.want("NOOP", "OK NOOP completed.")
	// Bob still sees exactly his own mailboxes, none of alice's.
	untagged, st := bc.do(`LIST "" "*"`)
	if st != "OK LIST completed." || len(untagged) != len(before.Mailboxes) {
		t.Errorf("bob's LIST: %q %q, want %d mailboxes", untagged, st, len(before.Mailboxes))
	}
	isoCheckNotify(t, ts, bob)
	guard.arm(nil)
	guard.mu.Lock()
	if len(guard.violated) > 0 {
		t.Errorf("alice's commands reached bob's mailboxes: %v", guard.violated)
	}
	guard.mu.Unlock()
	problems, err := ts.store.Check(context.Background())
	if err != nil || len(problems) > 0 {
		t.Errorf("store check: %v %q", err, problems)
	}
}

// isoCheckAliceSeesNothing reads every message of every mailbox alice has
// after the probes: none may hold bob's text, and LIST shows none of bob's
// mailboxes that alice did not create herself.
func isoCheckAliceSeesNothing(t *testing.T, ts *testServer, c *rawClient) {
	t.Helper()
	mbs, err := ts.store.Mailboxes(context.Background(), ts.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	listed, st := c.do(`LIST "" "*"`)
	if st != "OK LIST completed." {
		t.Fatalf("LIST: %s", st)
	}
	if len(listed) != len(mbs) {
		t.Errorf("alice's LIST has %d lines, her store %d mailboxes:\n%s", len(listed), len(mbs), strings.Join(listed, "\n"))
	}
	read := 0
	for _, mb := range mbs {
		if mb.NoSelect {
			continue
		}
		untagged, st := c.do("EXAMINE " + isoMailboxName(mb.Name))
		if !strings.HasPrefix(st, "OK ") {
			t.Errorf("EXAMINE %q: %s", mb.Name, st)
			continue
		}
		if slices.Contains(untagged, "* 0 EXISTS") {
			continue
		}
		fetched, st := c.do("FETCH 1:* (BODY.PEEK[] FLAGS)")
		if !strings.HasPrefix(st, "OK ") {
			t.Errorf("FETCH in %q: %s", mb.Name, st)
		}
		read += len(fetched)
		for _, line := range fetched {
			if strings.Contains(line, isoSecret) || strings.Contains(line, "for bob") || strings.Contains(line, `\Flagged`) {
				t.Errorf("alice's %q shows bob's mail: %q", mb.Name, line)
			}
		}
		untagged, st = c.do("SEARCH TEXT " + isoSecret)
		if want := `* ESEARCH (TAG "A` + strconv.Itoa(c.n) + `")`; !strings.HasPrefix(st, "OK ") || len(untagged) != 1 || untagged[0] != want {
			t.Errorf("SEARCH TEXT in %q: %q %q, want only %q", mb.Name, untagged, st, want)
		}
	}
	t.Logf("alice holds %d mailboxes after the probes; %d FETCH responses read, none of bob's", len(mbs), read)
}

// isoCheckNotify: alice's NOTIFY filters naming bob's mailboxes, in every
// spelling, deliver nothing when bob's mailboxes change, while her own
// still do (proving the feed is live).
func isoCheckNotify(t *testing.T, ts *testServer, bob *store.User) {
	t.Helper()
	c := ts.login(t)
	c.want(`NOTIFY SET (mailboxes (BobSecret "BobSecret/Deep" "../bob" "~bob/INBOX" "user/bob/INBOX")`+
		` (MessageNew MessageExpunge FlagChange)) (subtree ("BobSecret" "../bob" "/") (MessageNew MessageExpunge)) (personal (MessageNew MessageExpunge))`,
		"OK NOTIFY completed.")
	ctx := context.Background()
	for _, name := range append([]string{"INBOX"}, bobMailboxes...) {
		mb, err := ts.store.Mailbox(ctx, bob.ID, name)
		if err != nil {
			t.Fatal(err)
		}
		isoAppend(t, ts.store, mb.ID, "Subject: more for bob\r\n\r\n"+isoSecret+"\r\n")
		if _, _, err := ts.store.StoreFlags(ctx, mb.ID, []uint32{1}, store.FlagsAdd, []string{store.FlagSeen}, 0); err != nil {
			t.Fatal(err)
		}
	}
	ts.appendMsg(t, "Drafts", msgA)
	line := c.readLine()
	if !strings.HasPrefix(line, `* STATUS "Drafts" (MESSAGES `) {
		t.Fatalf("first notification after bob's changes and alice's Drafts append: %q", line)
	}
	c.want("NOOP", "OK NOOP completed.")
}
