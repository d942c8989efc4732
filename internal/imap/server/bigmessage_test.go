package server

// A 50 MB message over a real socket: APPEND streams the literal to the
// store, and partial fetches read only what they answer. Heap use is
// measured in-process with runtime.ReadMemStats: TotalAlloc counts every
// allocation of the process (server and test client alike) between two
// points, so a path that buffered the message would show ~50 MB.

import (
	"encoding/base64"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The generated message: a short text part and an application/octet-stream
// attachment of bigLines base64 lines, each encoding bigLineRaw pseudo-random
// bytes as 76 characters and CRLF. 672,000 lines make the message 50 MiB.
const (
	bigLines    = 672_000
	bigLineRaw  = 57
	bigLineLen  = 78 // 76 base64 characters + CRLF
	bigBoundary = "big-boundary"
)

// bigHeader is the top-level header, blank line included.
const bigHeader = "From: Big Sender <big@example.org>\r\n" +
	"To: alice@example.org\r\n" +
	"Subject: fifty megabytes\r\n" +
	"Date: Mon, 02 Mar 2026 15:04:05 +0000\r\n" +
	"Message-ID: <big-1@example.org>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"" + bigBoundary + "\"\r\n" +
	"\r\n"

// bigPrefix is everything before the attachment's first base64 line.
const bigPrefix = bigHeader +
	"--" + bigBoundary + "\r\n" +
	"Content-Type: text/plain; charset=us-ascii\r\n" +
	"\r\n" +
	"The attachment is big.\r\n" +
	"--" + bigBoundary + "\r\n" +
	"Content-Type: application/octet-stream; name=\"big.bin\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n"

// bigSuffix closes the multipart; its leading CRLF is the last line break
// of the attachment, which belongs to the delimiter (RFC 2046 §5.1.1).
const bigSuffix = "--" + bigBoundary + "--\r\n"

const (
	bigSize     = int64(len(bigPrefix)) + bigLines*bigLineLen + int64(len(bigSuffix))
	bigPartSize = bigLines*bigLineLen - 2 // BODY[2]: without the delimiter's CRLF
	bigRawSize  = bigLines * bigLineRaw   // BINARY[2]
)

// bigRawByte is byte i of the attachment's decoded content.
func bigRawByte(i int64) byte {
	x := uint64(i+1) * 0x9E3779B97F4A7C15
	return byte(x >> 56)
}

// bigLine writes base64 line k of the attachment (with its CRLF) to dst.
func bigLine(dst *[bigLineLen]byte, k int64) {
	var raw [bigLineRaw]byte
	for j := range raw {
		raw[j] = bigRawByte(k*bigLineRaw + int64(j))
	}
	base64.StdEncoding.Encode(dst[:76], raw[:])
	dst[76], dst[77] = '\r', '\n'
}

// bigReader produces the message on the fly, without holding it.
type bigReader struct {
	pos  int64 // offset in the message of the next byte
	line [bigLineLen]byte
	k    int64 // line number held in line, -1 for none
}

func newBigReader() *bigReader { return &bigReader{k: -1} }

func (r *bigReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.pos < bigSize {
		c := bigMessageAt(r.pos, &r.line, &r.k, p[n:])
		n += c
		r.pos += int64(c)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// bigMessageAt copies bytes of the message starting at off into p, up to
// the end of the region (prefix, one base64 line, suffix) that holds off.
// line/k cache the last generated line.
func bigMessageAt(off int64, line *[bigLineLen]byte, k *int64, p []byte) int {
	prefix := int64(len(bigPrefix))
	switch {
	case off < prefix:
		return copy(p, bigPrefix[off:])
	case off < prefix+bigLines*bigLineLen:
		rel := off - prefix
		if want := rel / bigLineLen; *k != want {
			bigLine(line, want)
			*k = want
		}
		return copy(p, line[rel%bigLineLen:])
	default:
		return copy(p, bigSuffix[off-prefix-bigLines*bigLineLen:])
	}
}

// bigBytes returns n bytes of the message at off.
func bigBytes(off int64, n int) string {
	r := newBigReader()
	r.pos = off
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		panic(fmt.Sprintf("bigBytes(%d, %d): %v", off, n, err))
	}
	return string(buf)
}

// bigRaw returns decoded attachment bytes [off, off+n).
func bigRaw(off int64, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = bigRawByte(off + int64(i))
	}
	return string(b)
}

// allocated runs f and returns the bytes the whole process allocated
// meanwhile (after a GC, so that earlier garbage does not count).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// appendBig sends APPEND INBOX with the generated message as a
// synchronizing literal streamed from bigReader, and returns the tagged
// status.
func appendBig(t *testing.T, c *rawClient) string {
	t.Helper()
	tag := c.nextTag()
	c.writeLine(tag + " APPEND INBOX (\\Seen) {" + strconv.FormatInt(bigSize, 10) + "}")
	if line := c.readLine(); !strings.HasPrefix(line, "+ ") {
		t.Fatalf("APPEND: got %q, want a continuation", line)
	}
	c.conn.SetWriteDeadline(time.Now().Add(4 * ioTimeout))
	n, err := io.CopyBuffer(c.conn, io.LimitReader(newBigReader(), bigSize), make([]byte, 64<<10))
	if err != nil || n != bigSize {
		t.Fatalf("sending the literal: %d bytes, %v", n, err)
	}
	c.writeLine("")
	c.conn.SetReadDeadline(time.Now().Add(4 * ioTimeout))
	untagged, status := c.collect(tag)
	if len(untagged) != 0 {
		t.Fatalf("APPEND: unexpected untagged responses %q", untagged)
	}
	return status
}

// Heap bounds, in bytes, of what the process may allocate for one command
// on the 50 MB message. Measured (go test -v): APPEND about 190 KB,
// metadata and BODY partials about 10 KB, BINARY partials and BINARY.SIZE
// 150-350 KB. Each bound is a few times that, and far below the message.
const (
	// A partial BODY fetch, the header, BODYSTRUCTURE, RFC822.SIZE: the
	// answer is small and is read straight from the blob file, seeking
	// to the partial's origin.
	partialFetchAlloc = 1 << 20
	// APPEND streams the literal to a temporary file (64 KiB buffers),
	// and Stage parses the file mapped into memory, not copied onto the
	// heap (store/sqlite/parse_unix.go).
	appendAlloc = 4 << 20
	// BINARY[2]<offset.count> and BINARY.SIZE[2] decode the base64 part
	// as a stream from the blob in 32 KiB chunks: once to check it and
	// measure it, and once more up to the end of the answer, discarding
	// what comes before the origin (imapmime/transfer.go).
	binaryAlloc = 1 << 20
)

// TestBigMessagePartialFetch appends a 50 MB message over the socket and
// checks exact answers and allocation bounds of partial fetches.
func TestBigMessagePartialFetch(t *testing.T) {
	ts := newTestServer(t, nil)
	c := ts.login(t)

	var status string
	alloc := allocated(func() { status = appendBig(t, c) })
	t.Logf("APPEND of %d bytes allocated %d bytes", bigSize, alloc)
	if want := "OK [APPENDUID " + strconv.FormatUint(uint64(ts.mailbox(t, "INBOX").UIDValidity), 10) + " 1] APPEND completed."; status != want {
		t.Fatalf("APPEND: %q, want %q", status, want)
	}
	if alloc > uint64(appendAlloc) {
		t.Errorf("APPEND of %d bytes allocated %d bytes, want <= %d", bigSize, alloc, int64(appendAlloc))
	}
	c.ok("SELECT INBOX")

	// Each fetch with its exact answer; BINARY is checked separately below.
	fetches := []struct {
		cmd, want string
	}{
		{"FETCH 1 (RFC822.SIZE)", fmt.Sprintf("* 1 FETCH (RFC822.SIZE %d)", bigSize)},
		{"FETCH 1 (BODYSTRUCTURE)", fmt.Sprintf(`* 1 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 22 0 NIL NIL NIL NIL)`+
			`("application" "octet-stream" ("name" "big.bin") NIL NIL "base64" %d NIL NIL NIL NIL) "mixed" ("boundary" "%s") NIL NIL NIL))`,
			bigPartSize, bigBoundary)},
		{"FETCH 1 (BODY.PEEK[]<0.100>)", "* 1 FETCH (BODY[]<0> {100}\r\n" + bigPrefix[:100] + ")"},
		{"FETCH 1 (BODY.PEEK[HEADER])", fmt.Sprintf("* 1 FETCH (BODY[HEADER] {%d}\r\n%s)", len(bigHeader), bigHeader)},
		{"FETCH 1 (BODY.PEEK[2]<1000000.100>)", "* 1 FETCH (BODY[2]<1000000> {100}\r\n" +
			bigBytes(int64(len(bigPrefix))+1_000_000, 100) + ")"},
		// In the middle and near the end: a partial fetch must not read
		// its way there.
		{"FETCH 1 (BODY.PEEK[]<25000000.100>)", "* 1 FETCH (BODY[]<25000000> {100}\r\n" + bigBytes(25_000_000, 100) + ")"},
		{fmt.Sprintf("FETCH 1 (BODY.PEEK[]<%d.100>)", bigSize-100), fmt.Sprintf("* 1 FETCH (BODY[]<%d> {100}\r\n%s)",
			bigSize-100, bigBytes(bigSize-100, 100))},
	}
	for _, f := range fetches {
		var got []string
		var st string
		alloc := allocated(func() { got, st = c.do(f.cmd) })
		t.Logf("%s allocated %d bytes", f.cmd, alloc)
		if st != "OK Fetch completed." || len(got) != 1 || got[0] != f.want {
			t.Fatalf("%s:\n got %q %q\nwant %q", f.cmd, got, st, f.want)
		}
		if alloc > partialFetchAlloc {
			t.Errorf("%s allocated %d bytes, want <= %d", f.cmd, alloc, partialFetchAlloc)
		}
	}

	binaries := []struct {
		cmd, want string
	}{
		{"FETCH 1 (BINARY.PEEK[2]<0.100>)", "* 1 FETCH (BINARY[2]<0> ~{100}\r\n" + bigRaw(0, 100) + ")"},
		{"FETCH 1 (BINARY.PEEK[2]<30000000.100>)", "* 1 FETCH (BINARY[2]<30000000> ~{100}\r\n" + bigRaw(30_000_000, 100) + ")"},
		{"FETCH 1 (BINARY.SIZE[2])", fmt.Sprintf("* 1 FETCH (BINARY.SIZE[2] %d)", bigRawSize)},
	}
	for _, f := range binaries {
		var got []string
		var st string
		alloc := allocated(func() { got, st = c.do(f.cmd) })
		t.Logf("%s allocated %d bytes", f.cmd, alloc)
		if st != "OK Fetch completed." || len(got) != 1 || got[0] != f.want {
			t.Fatalf("%s:\n got %.300q %q\nwant %.300q", f.cmd, got, st, f.want)
		}
		if alloc > uint64(binaryAlloc) {
			t.Errorf("%s allocated %d bytes, want <= %d", f.cmd, alloc, int64(binaryAlloc))
		}
	}
}
