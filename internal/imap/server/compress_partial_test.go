package server

import (
	"bufio"
	"bytes"
	stdflate "compress/flate"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	kflate "github.com/klauspost/compress/flate"
)

// partialFlusher produces what zlib's deflate(..., Z_PARTIAL_FLUSH) puts on
// the wire, as isync/mbsync sends it: each chunk's blocks end with an empty
// fixed-code block (3 header bits and a 7-bit end-of-block code) of which
// only the whole bytes go out; the bits left over stay behind until the
// next chunk. Go has no such flush, so each chunk is compressed on its
// own, its bits cut at the end of its last data block and re-packed.
type partialFlusher struct {
	level   int
	pending uint64 // bits not yet sent (fewer than 8), least significant first
	npend   uint
	out     []byte
}

// flush returns the wire bytes for chunk and the BTYPE of its first block
// (RFC 1951 §3.2.3: 0 stored, 1 fixed, 2 dynamic codes).
func (p *partialFlusher) flush(t *testing.T, chunk []byte) (wire []byte, btype byte) {
	t.Helper()
	var buf bytes.Buffer
	w, err := stdflate.NewWriter(&buf, p.level) // picks fixed codes for short chunks, as zlib does
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(chunk); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil { // data blocks, then an empty stored block
		t.Fatal(err)
	}
	compressed := buf.Bytes()
	// Where each block ends, in bits: the last is the stored marker, the
	// one before it the end of the data.
	var ends []int64
	r := kflate.NewReaderOpts(bytes.NewReader(compressed), kflate.WithEobCallback(func(cp kflate.InflateCheckpoint) {
		ends = append(ends, cp.CompressedOffset*8+int64(cp.BitOffset))
	}))
	if got, err := io.ReadAll(io.LimitReader(r, int64(len(chunk)))); err != nil || !bytes.Equal(got, chunk) {
		t.Fatalf("decoding the helper's own output: %v", err)
	}
	if len(ends) < 2 {
		t.Fatalf("helper: %d block ends in %d bytes", len(ends), len(compressed))
	}
	btype = compressed[0] >> 1 & 3
	if btype == 0 {
		// Stored: its padding to a byte boundary depends on where it
		// starts in the stream, so re-emit it rather than copy its bits.
		if len(ends) != 2 || len(chunk) > 0xffff {
			t.Fatalf("helper: %d stored blocks for %d bytes", len(ends)-1, len(chunk))
		}
		p.put(0, 3)
		p.put(0, (8-p.npend%8)%8)
		n := uint64(len(chunk))
		p.put(n|(^n&0xffff)<<16, 32)
		for _, c := range chunk {
			p.put(uint64(c), 8)
		}
	} else {
		for i := range ends[len(ends)-2] { // up to the end of the data
			p.put(uint64(compressed[i>>3]>>(i&7)&1), 1)
		}
	}
	p.put(1<<1, 3) // BFINAL 0, BTYPE 01 (fixed codes)
	p.put(0, 7)    // end of block: fixed code 256 is seven zero bits
	wire, p.out = p.out, nil
	return wire, btype
}

// put appends the n low bits of v; whole bytes move to out.
func (p *partialFlusher) put(v uint64, n uint) {
	p.pending |= v << p.npend
	p.npend += n
	for p.npend >= 8 {
		p.out = append(p.out, byte(p.pending))
		p.pending >>= 8
		p.npend -= 8
	}
}

// partialFlushConn is a client connection whose every Write is one
// Z_PARTIAL_FLUSH chunk, and whose reads inflate the server's stream.
type partialFlushConn struct {
	net.Conn
	t      *testing.T
	r      io.Reader
	f      *partialFlusher
	btypes []byte // BTYPE of each chunk's first block
}

func (c *partialFlushConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *partialFlushConn) Write(p []byte) (int, error) {
	wire, btype := c.f.flush(c.t, p)
	c.btypes = append(c.btypes, btype)
	if _, err := c.Conn.Write(wire); err != nil {
		return 0, err
	}
	return len(p), nil
}

// TestCompressPartialFlushMbsync replays the traffic of mbsync's second
// run (isync 1.4: zlib with Z_PARTIAL_FLUSH): a few commands, each its own
// flush, then flag changes, CHECK and a LITERAL+ APPEND pipelined in one
// flush that zlib codes as a dynamic-code block. The server must answer
// them all without waiting for bits the client has not sent. Before the
// inflater, the dynamic block's end was only decoded once the client's
// next data came, which it sends only after these answers: a stall until
// mbsync's timeout.
func TestCompressPartialFlushMbsync(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 1; i <= 3; i++ {
		ts.appendMsg(t, "INBOX", fmt.Sprintf("Message-ID: <sync%d@e2e>\r\nSubject: m%d\r\n\r\nbody %d\r\n", i, i, i))
	}
	c := ts.login(t)
	c.want("COMPRESS DEFLATE", "OK DEFLATE active")
	pc := &partialFlushConn{
		Conn: c.conn,
		t:    t,
		r:    kflate.NewReaderOpts(c.conn, kflate.WithPartialBlock()),
		f:    &partialFlusher{level: 6},
	}
	c.conn = pc
	c.r = bufio.NewReader(pc)

	c.ok("NAMESPACE")
	c.ok(`LIST "" "*"`)
	c.ok("SELECT INBOX")
	c.want("UID FETCH 1:3 (UID FLAGS)", "OK Fetch completed.",
		`* 1 FETCH (UID 1 FLAGS (\Recent))`, `* 2 FETCH (UID 2 FLAGS (\Recent))`, `* 3 FETCH (UID 3 FLAGS (\Recent))`)

	msg := "Message-ID: <sync4@e2e>\r\nFrom: offline@example.org\r\nTo: syncer@example.org\r\n" +
		"Subject: fourth\r\nX-TUID: PljTslEVxZsq\r\n\r\nwritten offline\r\n"
	batch := strings.Join([]string{
		`B7 UID STORE 1 +FLAGS.SILENT (\Answered)`,
		`B8 UID STORE 2 +FLAGS.SILENT (\Deleted)`,
		`B9 UID STORE 3 +FLAGS.SILENT (\Flagged)`,
		`B10 CHECK`,
		fmt.Sprintf(`B11 APPEND "INBOX" {%d+}`, len(msg)) + "\r\n" + msg,
	}, "\r\n") + "\r\n"
	if _, err := pc.Write([]byte(batch)); err != nil {
		t.Fatal(err)
	}
	if got := pc.btypes[len(pc.btypes)-1]; got != 2 {
		t.Fatalf("the pipelined chunk was coded with BTYPE %d; the test needs a dynamic-code block (2)", got)
	}
	for _, want := range []struct{ tag, status, untagged string }{
		{"B7", "OK Store completed.", ""},
		{"B8", "OK Store completed.", ""},
		{"B9", "OK Store completed.", ""},
		{"B10", "OK CHECK completed.", ""},
		{"B11", "OK [APPENDUID ", "* 4 EXISTS\n* 4 RECENT"},
	} {
		untagged, status := c.collect(want.tag)
		if !strings.HasPrefix(status, want.status) || strings.Join(untagged, "\n") != want.untagged {
			t.Fatalf("%s: %q %q, want %q %q", want.tag, untagged, status, want.untagged, want.status)
		}
	}
	c.want("UID FETCH 1:4 (UID FLAGS)", "OK Fetch completed.",
		`* 1 FETCH (UID 1 FLAGS (\Answered \Recent))`, `* 2 FETCH (UID 2 FLAGS (\Deleted \Recent))`,
		`* 3 FETCH (UID 3 FLAGS (\Flagged \Recent))`, `* 4 FETCH (UID 4 FLAGS (\Recent))`)
	c.want("LOGOUT", "OK LOGOUT completed.", "* BYE Logging out")
}
