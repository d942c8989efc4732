package server

// Large-mailbox performance: a test that metadata FETCHes never open a
// message body, and benchmarks over a real loopback socket on a
// 100,000-message mailbox. Run the benchmarks with
//
//	go test -run '^$' -bench . -benchtime 3x ./internal/imap/server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"roost/internal/auth"
	"roost/internal/store"
	"roost/internal/store/sqlite"
)

// mailTemplates is how many distinct messages fill a big mailbox: message
// i (1-based) is template (i-1) % mailTemplates. Template 0 is the only one
// whose subject has "needle"; template 1 the only one whose body has
// "zebra".
const mailTemplates = 100

// fillBase is the internal date of message 0; message i is i seconds later.
var fillBase = time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)

// templateMessage is the text of template k.
func templateMessage(k int) string {
	subject := "report number " + strconv.Itoa(k)
	if k == 0 {
		subject = "quarterly needle report"
	}
	body := "plain body text number " + strconv.Itoa(k) + "\r\n"
	if k == 1 {
		body = "the haystack hides a zebra here\r\n"
	}
	return fmt.Sprintf("Date: Tue, 03 Mar 2026 %02d:%02d:00 +0000\r\n"+
		"From: Sender %d <sender%d@example.org>\r\n"+
		"To: alice@example.org\r\n"+
		"Subject: %s\r\n"+
		"Message-ID: <msg-%d@example.org>\r\n"+
		"Content-Type: text/plain; charset=us-ascii\r\n"+
		"\r\n%s", 10+k/60, k%60, k, k, subject, k, body)
}

// templateBody is the body of template k (what BODYSTRUCTURE measures).
func templateBody(k int) string {
	m := templateMessage(k)
	return m[strings.Index(m, "\r\n\r\n")+4:]
}

// fillFlags are the flags message i is stored with.
func fillFlags(i int) []string {
	var f []string
	if i%3 == 0 {
		f = append(f, store.FlagSeen)
	}
	if i%5 == 0 {
		f = append(f, store.FlagFlagged)
	}
	return f
}

// fillMailbox appends n messages (UIDs 1..n in an empty mailbox) through
// the store: each template is staged once and appended many times, 1,000
// messages per transaction, so that filling 100,000 takes seconds.
func fillMailbox(tb testing.TB, b store.Backend, mailboxID int64, n int) {
	tb.Helper()
	ctx := context.Background()
	staged := make([]*store.Staged, mailTemplates)
	for k := range staged {
		st, err := b.Stage(ctx, strings.NewReader(templateMessage(k)), 0)
		if err != nil {
			tb.Fatal(err)
		}
		staged[k] = st
	}
	const batch = 1000
	msgs := make([]store.AppendMessage, 0, batch)
	for i := 1; i <= n; i++ {
		msgs = append(msgs, store.AppendMessage{
			Staged:       staged[(i-1)%mailTemplates],
			Flags:        fillFlags(i),
			InternalDate: fillBase.Add(time.Duration(i) * time.Second),
		})
		if len(msgs) == batch || i == n {
			if _, _, err := b.Append(ctx, mailboxID, msgs); err != nil {
				tb.Fatal(err)
			}
			msgs = msgs[:0]
		}
	}
}

// countingBackend is the real store with counters on the calls that read
// message content: instrumentation, every call goes through.
type countingBackend struct {
	*sqlite.Store
	blobOpens    atomic.Int64 // OpenBlob calls
	messageLoads atomic.Int64 // Messages calls
	parsedLoads  atomic.Int64 // Messages calls that asked for parse results
}

func (c *countingBackend) OpenBlob(ctx context.Context, blobID string) (store.Blob, error) {
	c.blobOpens.Add(1)
	return c.Store.OpenBlob(ctx, blobID)
}

func (c *countingBackend) Messages(ctx context.Context, mailboxID int64, uids []uint32, opts store.FetchOptions) ([]store.Message, error) {
	c.messageLoads.Add(1)
	if opts.Structure || opts.SearchText {
		c.parsedLoads.Add(1)
	}
	return c.Store.Messages(ctx, mailboxID, uids, opts)
}

func (c *countingBackend) reset() {
	c.blobOpens.Store(0)
	c.messageLoads.Store(0)
	c.parsedLoads.Store(0)
}

// TestMetadataFetchOpensNoBlob fetches flags, envelopes, structures, sizes
// and dates of 10,000 messages and searches their subjects: exact answers
// for every message, and not one message body opened.
func TestMetadataFetchOpensNoBlob(t *testing.T) {
	const n = 10_000
	var cb *countingBackend
	ts := newTestServerOpts(t, testOptions{backend: func(st *sqlite.Store) store.Backend {
		cb = &countingBackend{Store: st}
		return cb
	}})
	fillMailbox(t, ts.store, ts.mailbox(t, "INBOX").ID, n)
	c := ts.login(t)
	c.ok("SELECT INBOX")
	batches := int64((n + fetchBatch - 1) / fetchBatch)

	flags := func(i int) string {
		f := append(fillFlags(i), `\Recent`) // the first session to select sees every message as recent
		return strings.Join(f, " ")
	}
	checks := []struct {
		cmd         string
		line        func(i int) string
		parsedLoads int64
	}{
		{"UID FETCH 1:* (UID FLAGS)", func(i int) string {
			return fmt.Sprintf("* %d FETCH (UID %d FLAGS (%s))", i, i, flags(i))
		}, 0},
		{"FETCH 1:* (ENVELOPE)", func(i int) string {
			k := (i - 1) % mailTemplates
			subject := "report number " + strconv.Itoa(k)
			if k == 0 {
				subject = "quarterly needle report"
			}
			from := fmt.Sprintf(`(("Sender %d" NIL "sender%d" "example.org"))`, k, k)
			return fmt.Sprintf(`* %d FETCH (ENVELOPE ("Tue, 03 Mar 2026 %02d:%02d:00 +0000" "%s" %s %s %s ((NIL NIL "alice" "example.org")) NIL NIL NIL "<msg-%d@example.org>"))`,
				i, 10+k/60, k%60, subject, from, from, from, k)
		}, batches},
		{"FETCH 1:* (BODYSTRUCTURE)", func(i int) string {
			k := (i - 1) % mailTemplates
			return fmt.Sprintf(`* %d FETCH (BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" %d 1 NIL NIL NIL NIL))`,
				i, len(templateBody(k)))
		}, batches},
		{"FETCH 1:* (RFC822.SIZE INTERNALDATE)", func(i int) string {
			k := (i - 1) % mailTemplates
			return fmt.Sprintf(`* %d FETCH (RFC822.SIZE %d INTERNALDATE "%s")`,
				i, len(templateMessage(k)), fillBase.Add(time.Duration(i)*time.Second).Format(internalDateLayout))
		}, 0},
	}
	for _, ch := range checks {
		cb.reset()
		// Under load the FETCH may report INPROGRESS (RFC 9585): checked
		// and counted apart, the rest is compared exactly.
		got, st, _ := c.doLong(ch.cmd, n)
		if st != "OK Fetch completed." || len(got) != n {
			t.Fatalf("%s: %d responses, %q; want %d, OK", ch.cmd, len(got), st, n)
		}
		for i, line := range got {
			if want := ch.line(i + 1); line != want {
				t.Fatalf("%s: response %d\n got %q\nwant %q", ch.cmd, i+1, line, want)
			}
		}
		if opens := cb.blobOpens.Load(); opens != 0 {
			t.Errorf("%s opened %d blobs, want 0", ch.cmd, opens)
		}
		if loads := cb.messageLoads.Load(); loads != batches {
			t.Errorf("%s loaded messages in %d calls, want %d", ch.cmd, loads, batches)
		}
		if loads := cb.parsedLoads.Load(); loads != ch.parsedLoads {
			t.Errorf("%s loaded parse results in %d calls, want %d", ch.cmd, loads, ch.parsedLoads)
		}
	}

	// SEARCH SUBJECT reads the stored header fields, not the messages.
	cb.reset()
	var want strings.Builder
	want.WriteString("* SEARCH")
	for i := 1; i <= n; i += mailTemplates {
		want.WriteString(" " + strconv.Itoa(i))
	}
	if got, st, _ := c.doLong("UID SEARCH SUBJECT needle", n); st != "OK Search completed." || len(got) != 1 || got[0] != want.String() {
		t.Fatalf("UID SEARCH SUBJECT needle: %q %q, want [%q]", got, st, want.String())
	}
	if opens := cb.blobOpens.Load(); opens != 0 {
		t.Errorf("UID SEARCH SUBJECT opened %d blobs, want 0", opens)
	}
}

// benchServer is a server on a store in a benchmark's temporary directory.
type benchServer struct {
	store *sqlite.Store
	addr  string
	mbox  int64
}

// startBenchServer opens a store in dir with one user and serves it on
// loopback until the benchmark ends.
func startBenchServer(b *testing.B, dir string) *benchServer {
	b.Helper()
	st, err := sqlite.Open(dir, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	hash, err := auth.Hash(harnessPass) // cheap parameters: TestMain set them
	if err != nil {
		b.Fatal(err)
	}
	u, err := st.CreateUser(context.Background(), harnessUser, hash)
	if err != nil {
		b.Fatal(err)
	}
	mb, err := st.Mailbox(context.Background(), u.ID, "INBOX")
	if err != nil {
		b.Fatal(err)
	}
	srv := New(Config{Backend: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
		st.Close()
	})
	return &benchServer{store: st, addr: ln.Addr().String(), mbox: mb.ID}
}

// benchClient is a minimal protocol client for benchmarks: it counts
// responses instead of keeping them.
type benchClient struct {
	b    *testing.B
	conn net.Conn
	r    *bufio.Reader
	n    int
}

func (s *benchServer) login(b *testing.B) *benchClient {
	b.Helper()
	conn, err := net.DialTimeout("tcp", s.addr, ioTimeout)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	c := &benchClient{b: b, conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}
	c.line()
	c.run("LOGIN " + harnessUser + " " + harnessPass)
	return c
}

// line reads one line (without CRLF), skipping a literal at its end.
func (c *benchClient) line() string {
	c.b.Helper()
	c.conn.SetReadDeadline(time.Now().Add(4 * ioTimeout))
	var all string
	for range 1000 {
		l, err := c.r.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			c.b.Fatalf("read: %v", err)
		}
		s := strings.TrimSuffix(string(l), "\r\n")
		all += s
		if err == bufio.ErrBufferFull {
			continue
		}
		n, ok := trailingLiteral(s)
		if !ok {
			return all
		}
		if _, err := io.CopyN(io.Discard, c.r, int64(n)); err != nil {
			c.b.Fatalf("read literal: %v", err)
		}
	}
	c.b.Fatal("response too long")
	return ""
}

// run sends a command, requires a tagged OK and returns the number of
// untagged responses and the last of them.
func (c *benchClient) run(command string) (untagged int, last string) {
	c.b.Helper()
	c.n++
	tag := "B" + strconv.Itoa(c.n)
	c.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c.conn, tag+" "+command+"\r\n"); err != nil {
		c.b.Fatal(err)
	}
	for range 10_000_000 {
		l := c.line()
		if rest, ok := strings.CutPrefix(l, tag+" "); ok {
			if !strings.HasPrefix(rest, "OK") {
				c.b.Fatalf("%s: %s", command, rest)
			}
			return untagged, last
		}
		untagged++
		last = l
	}
	c.b.Fatalf("%s: no tagged response", command)
	return 0, ""
}

// BenchmarkMailbox100k measures commands on a 100,000-message INBOX,
// filled once for all its sub-benchmarks (in its temporary directory, so
// that it is removed afterwards).
func BenchmarkMailbox100k(b *testing.B) {
	const n = 100_000
	srv := startBenchServer(b, b.TempDir())
	start := time.Now()
	fillMailbox(b, srv.store, srv.mbox, n)
	b.Logf("filled %d messages in %v", n, time.Since(start))
	c := srv.login(b)
	c.run("SELECT INBOX")

	cases := []struct {
		name, cmd string
		want      int // untagged responses
		lastWant  string
	}{
		{"Select", "SELECT INBOX", -1, ""},
		{"UIDFetchFlags", "UID FETCH 1:* (UID FLAGS)", n, fmt.Sprintf("* %d FETCH (UID %d FLAGS (%s))", n, n, strings.Join(fillFlags(n), " "))},
		{"FetchEnvelope", "FETCH 1:* (ENVELOPE)", n, ""},
		{"FetchBodyStructure", "FETCH 1:* (BODYSTRUCTURE)", n, ""},
		{"SearchSubject", "UID SEARCH SUBJECT needle", 1, ""},
		{"SearchBody", "UID SEARCH BODY zebra", 1, ""},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			c.b = b
			for b.Loop() {
				got, last := c.run(bc.cmd)
				if bc.want >= 0 && got != bc.want {
					b.Fatalf("%s: %d untagged responses, want %d", bc.cmd, got, bc.want)
				}
				if bc.lastWant != "" && last != bc.lastWant {
					b.Fatalf("%s: last response %q, want %q", bc.cmd, last, bc.lastWant)
				}
			}
		})
	}
}

// BenchmarkAppend is one durable APPEND over the socket of a small,
// distinct message (LITERAL+, so one round trip).
func BenchmarkAppend(b *testing.B) {
	srv := startBenchServer(b, b.TempDir())
	c := srv.login(b)
	i := 0
	for b.Loop() {
		i++
		msg := fmt.Sprintf("X-Bench: %d\r\n", i) + templateMessage(i%mailTemplates)
		c.run("APPEND INBOX {" + strconv.Itoa(len(msg)) + "+}\r\n" + msg)
	}
}

// BenchmarkPartialFetch50MB fetches 100 bytes from the middle of the
// attachment of the 50 MB message, a new blob open each time.
func BenchmarkPartialFetch50MB(b *testing.B) {
	srv := startBenchServer(b, b.TempDir())
	ctx := context.Background()
	st, err := srv.store.Stage(ctx, io.LimitReader(newBigReader(), bigSize), 0)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := srv.store.Append(ctx, srv.mbox, []store.AppendMessage{{Staged: st}}); err != nil {
		b.Fatal(err)
	}
	c := srv.login(b)
	c.run("SELECT INBOX")
	for b.Loop() {
		if got, _ := c.run("FETCH 1 (BODY.PEEK[2]<25000000.100>)"); got != 1 {
			b.Fatalf("%d responses", got)
		}
	}
}
