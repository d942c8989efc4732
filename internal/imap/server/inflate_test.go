package server

import (
	"bytes"
	stdflate "compress/flate"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	kflate "github.com/klauspost/compress/flate"
)

// errNoMoreYet is what chunkSource returns when the test has not released
// the next chunk: the inflater asking for it means it wanted bits the
// client had not sent.
var errNoMoreYet = errors.New("test: the client has sent nothing more yet")

// chunkSource hands out the bytes the test released, then errNoMoreYet.
type chunkSource struct{ buf bytes.Buffer }

func (c *chunkSource) Read(p []byte) (int, error) {
	if c.buf.Len() == 0 {
		return 0, errNoMoreYet
	}
	return c.buf.Read(p)
}

// readAvailable reads n decoded bytes, failing if the inflater needs more
// input first.
func readAvailable(t *testing.T, f *inflater, n int) []byte {
	t.Helper()
	got := make([]byte, n)
	if _, err := io.ReadFull(f, got); err != nil {
		t.Fatalf("reading %d decoded bytes: %v", n, err)
	}
	return got
}

// testChunks are commands of varied sizes: small ones zlib codes with fixed
// codes, bigger ones with dynamic codes, binary ones stored, and lengths
// that end the data at every bit offset.
func testChunks() [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var chunks [][]byte
	for i := range 64 {
		var b bytes.Buffer
		fmt.Fprintf(&b, "A%d UID STORE %d +FLAGS.SILENT (\\Seen)\r\n", i, i+1)
		for range rng.IntN(40) {
			fmt.Fprintf(&b, "X-Line-%d: %x\r\n", rng.IntN(1000), rng.Uint64())
		}
		if i%16 == 5 { // incompressible (an APPEND's binary literal): stored
			b.Reset()
			for range 300 {
				b.WriteByte(byte(rng.Uint32()))
			}
		}
		chunks = append(chunks, b.Bytes())
	}
	return chunks
}

// TestInflatePartialFlush: every chunk of a Z_PARTIAL_FLUSH stream decodes
// completely from the bytes sent so far, although the flush's trailing
// empty block is still incomplete on the wire.
func TestInflatePartialFlush(t *testing.T) {
	src := &chunkSource{}
	f := newInflater(src)
	pf := &partialFlusher{level: 6}
	seen := map[byte]bool{}
	for i, chunk := range testChunks() {
		wire, btype := pf.flush(t, chunk)
		seen[btype] = true
		src.buf.Write(wire)
		if got := readAvailable(t, f, len(chunk)); !bytes.Equal(got, chunk) {
			t.Fatalf("chunk %d: got %q, want %q", i, got, chunk)
		}
		if n, err := f.Read(make([]byte, 1)); n != 0 || err != errNoMoreYet {
			t.Fatalf("chunk %d: after its data: %d, %v; want 0, errNoMoreYet", i, n, err)
		}
	}
	if !seen[0] || !seen[1] || !seen[2] {
		t.Fatalf("block types seen %v: want stored (0), fixed (1) and dynamic (2)", seen)
	}
}

// TestInflateSyncFlush: the usual sync flush, from Go's and klauspost's
// writers at every level (stored, Huffman-only, fixed and dynamic codes),
// one byte at a time and in large pieces.
func TestInflateSyncFlush(t *testing.T) {
	chunks := testChunks()
	big := bytes.Repeat([]byte("0123456789abcdef, a line of a big literal\r\n"), 4000)
	chunks = append(chunks, big)
	for _, level := range []int{stdflate.HuffmanOnly, 0, 1, 5, 9} {
		for _, kind := range []string{"std", "klauspost"} {
			var buf bytes.Buffer
			var w interface {
				io.Writer
				Flush() error
			}
			if kind == "std" {
				w, _ = stdflate.NewWriter(&buf, level)
			} else {
				w, _ = kflate.NewWriter(&buf, level)
			}
			src := &chunkSource{}
			f := newInflater(src)
			for i, chunk := range chunks {
				w.Write(chunk)
				if err := w.Flush(); err != nil {
					t.Fatal(err)
				}
				src.buf.Write(buf.Bytes())
				buf.Reset()
				if got := readAvailable(t, f, len(chunk)); !bytes.Equal(got, chunk) {
					t.Fatalf("%s level %d chunk %d differs", kind, level, i)
				}
			}
		}
	}
}

// oneByteReader returns one byte per Read, like a slow network.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) { return o.r.Read(p[:min(len(p), 1)]) }

// TestInflateWholeStream decodes a whole stream (final block, io.EOF
// after it) that arrives one byte at a time, 1 MB with long matches.
func TestInflateWholeStream(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var plain bytes.Buffer
	for plain.Len() < 1<<20 {
		if rng.IntN(3) == 0 {
			fmt.Fprintf(&plain, "%x", rng.Uint64())
		} else {
			fmt.Fprintf(&plain, "line %d of the text\r\n", rng.IntN(50))
		}
	}
	var comp bytes.Buffer
	w, _ := kflate.NewWriter(&comp, 6)
	w.Write(plain.Bytes())
	w.Close()
	got, err := io.ReadAll(newInflater(oneByteReader{bytes.NewReader(comp.Bytes())}))
	if err != nil || !bytes.Equal(got, plain.Bytes()) {
		t.Fatalf("ReadAll: %d bytes, %v; want %d bytes", len(got), err, plain.Len())
	}
}

// TestInflateCorrupt: garbage ends in errCorruptDeflate, not a panic or a
// wait for more input.
func TestInflateCorrupt(t *testing.T) {
	for _, in := range [][]byte{
		{0x07},                         // BTYPE 11, reserved
		{0x00, 0x01, 0x00, 0x00, 0x00}, // stored: NLEN is not ^LEN
		{0x04, 0xff, 0xff, 0xff, 0xff}, // dynamic: 286+ literal codes...
		{0x03, 0x02},                   // fixed: length 3 at distance 1, nothing before
	} {
		src := &chunkSource{}
		src.buf.Write(in)
		_, err := io.ReadAll(newInflater(src))
		if err != errCorruptDeflate {
			t.Errorf("% x: %v, want errCorruptDeflate", in, err)
		}
	}
}

// BenchmarkInflate: an APPEND literal of mail text uploaded through
// COMPRESS=DEFLATE (bytes/s of decoded output).
func BenchmarkInflate(b *testing.B) {
	var plain bytes.Buffer
	for i := 0; plain.Len() < 4<<20; i++ {
		fmt.Fprintf(&plain, "line %d %x of a message body, some words repeat\r\n", i, uint64(i)*0x9e3779b97f4a7c15)
	}
	var comp bytes.Buffer
	w, _ := kflate.NewWriter(&comp, 5)
	w.Write(plain.Bytes())
	w.Close()
	b.SetBytes(int64(plain.Len()))
	buf := make([]byte, 32<<10)
	for b.Loop() {
		f := newInflater(bytes.NewReader(comp.Bytes()))
		for {
			if _, err := f.Read(buf); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}
