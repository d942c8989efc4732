package server

import (
	"bufio"
	stdflate "compress/flate"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	kflate "github.com/klauspost/compress/flate"
)

// clientDeflate is the client side of COMPRESS=DEFLATE as most clients do
// it: zlib-style sync flush after every command (Go's compress/flate
// writer), and an inflater that returns what each block holds.
type clientDeflate struct {
	net.Conn
	r io.Reader
	w *stdflate.Writer
}

func (c *clientDeflate) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *clientDeflate) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err == nil {
		err = c.w.Flush()
	}
	return n, err
}

// compress sends COMPRESS DEFLATE, checks the uncompressed OK and switches
// the client to compression.
func (c *rawClient) compress() {
	c.t.Helper()
	c.want("COMPRESS DEFLATE", "OK DEFLATE active")
	if c.r.Buffered() != 0 {
		c.t.Fatalf("%d bytes after the OK before compression", c.r.Buffered())
	}
	w, err := stdflate.NewWriter(c.conn, stdflate.BestSpeed)
	if err != nil {
		c.t.Fatal(err)
	}
	dc := &clientDeflate{Conn: c.conn, r: kflate.NewReaderOpts(c.conn, kflate.WithPartialBlock()), w: w}
	c.conn = dc
	c.r = bufio.NewReader(dc)
}

// TestCompressSmallCommands is the trap test: every command is a small
// sync-flushed deflate block and the client waits for each answer. An
// inflater that waits for the next block before returning the data of a
// flushed one (golang/go#31514) hangs here, until the read deadline fails
// the test.
func TestCompressSmallCommands(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.compress()
	for i := range 50 {
		c.want("NOOP", "OK NOOP completed.")
		if i%10 == 0 {
			c.want("SELECT INBOX", "OK [READ-WRITE] SELECT completed.", selectInboxEmpty(t, ts)...)
			c.want("UNSELECT", "OK UNSELECT completed.")
		}
	}
	// A second COMPRESS is refused, and compression stays on.
	c.want("COMPRESS DEFLATE", "NO [COMPRESSIONACTIVE] DEFLATE is already active.")
	// A synchronizing literal: the continuation comes back compressed.
	tag := c.nextTag()
	c.writeLine(tag + " APPEND INBOX {21}")
	c.wantLine("+ Ready for literal data")
	c.writeLine("Subject: hi\r\n\r\nbody\r\n")
	if _, st := c.collect(tag); !strings.HasPrefix(st, "OK [APPENDUID ") {
		t.Fatalf("APPEND: %s", st)
	}
	c.want("LOGOUT", "OK LOGOUT completed.", "* BYE Logging out")
	c.wantClosed()
}

// selectInboxEmpty is the untagged part of SELECT INBOX on an empty inbox,
// taken from a plain session so the compression test compares exactly.
func selectInboxEmpty(t *testing.T, ts *testServer) []string {
	t.Helper()
	p := ts.login(t)
	got, st := p.do("SELECT INBOX")
	if st != "OK [READ-WRITE] SELECT completed." {
		t.Fatalf("plain SELECT: %s", st)
	}
	p.do("LOGOUT")
	return got
}

func TestCompressErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.dial(t)
	c.want("COMPRESS DEFLATE", "BAD Please authenticate first")
	c = ts.login(t)
	c.want("COMPRESS GZIP", "BAD Unsupported compression algorithm")
	c.want("COMPRESS", "BAD Expected SP after COMPRESS")
	// Still uncompressed after the failures.
	c.want("NOOP", "OK NOOP completed.")
	c.compress()
	c.want("NOOP", "OK NOOP completed.")
}

// TestCompressBigFetch fetches a 3 MB message through compression and
// compares it byte for byte.
func TestCompressBigFetch(t *testing.T) {
	ts := newTestServer(t, nil)
	var b strings.Builder
	b.WriteString("Subject: big\r\nContent-Type: text/plain\r\n\r\n")
	for i := 0; b.Len() < 3<<20; i++ {
		// Varied lines so that the data is not trivially compressible.
		fmt.Fprintf(&b, "line %d %x %d\r\n", i, uint64(i)*0x9e3779b97f4a7c15, i*i%7919)
	}
	raw := b.String()
	ts.appendMsg(t, "INBOX", raw)
	c := ts.login(t)
	c.compress()
	c.ok("SELECT INBOX")
	got, st := c.do("FETCH 1 BODY.PEEK[]")
	if st != "OK Fetch completed." || len(got) != 1 {
		t.Fatalf("FETCH: %s, %d untagged", st, len(got))
	}
	want := fmt.Sprintf("* 1 FETCH (BODY[] {%d}\r\n%s)", len(raw), raw)
	if got[0] != want {
		t.Fatalf("FETCH through compression differs: got %d bytes, want %d", len(got[0]), len(want))
	}
	c.want("NOOP", "OK NOOP completed.")
}

// TestCompressIdle: an EXISTS pushed during IDLE must arrive at once,
// flushed through the compressor.
func TestCompressIdle(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)
	c.compress()
	c.ok("ENABLE IMAP4rev2")
	c.ok("SELECT INBOX")
	c.writeLine("I1 IDLE")
	c.wantLine("+ idling")
	for i := 1; i <= 3; i++ {
		ts.appendMsg(t, "INBOX", "Subject: x\r\n\r\nbody\r\n")
		c.conn.SetReadDeadline(time.Now().Add(time.Second))
		line, err := c.r.ReadString('\n')
		if want := fmt.Sprintf("* %d EXISTS\r\n", i); err != nil || line != want {
			t.Fatalf("during IDLE: %q, %v; want %q within a second", line, err, want)
		}
	}
	c.writeLine("DONE")
	c.wantLine("I1 OK IDLE completed.")
}
