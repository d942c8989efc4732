package imapmime

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"roost/internal/imap/proto"
	"roost/internal/mime"
)

// decodeInChunks runs a streaming decoder over in, fed size bytes at a time.
func decodeInChunks(t mime.TransferEncoding, in []byte, size int) ([]byte, error) {
	d := newTransferDecoder(t)
	var out []byte
	for len(in) > 0 {
		n := min(size, len(in))
		var err error
		if out, err = d.decode(out, in[:n]); err != nil {
			return out, err
		}
		in = in[n:]
	}
	return d.finish(out)
}

// checkDecoders compares the streaming decoders, fed in chunks of several
// sizes, with decoding the whole input at once: same bytes, same error.
func checkDecoders(t *testing.T, in []byte) {
	t.Helper()
	refs := []struct {
		enc mime.TransferEncoding
		ref func(dst, b []byte) ([]byte, error)
	}{
		{mime.TransferBase64, refBase64Decoded},
		{mime.TransferQuotedPrintable, refQPDecoded},
	}
	for _, r := range refs {
		want, wantErr := r.ref(nil, in)
		for _, size := range []int{1, 2, 3, 7, len(in) + 1} {
			got, err := decodeInChunks(r.enc, in, size)
			if err != wantErr || (err == nil && !bytes.Equal(got, want)) {
				t.Fatalf("encoding %d, chunks of %d, input %q:\n got %q, %v\nwant %q, %v", r.enc, size, in, got, err, want, wantErr)
			}
		}
		if wantErr != nil {
			continue
		}
		n, err := decodedSize(bytes.NewReader(in), newTransferDecoder(r.enc))
		if err != nil || n != int64(len(want)) {
			t.Fatalf("encoding %d, input %q: decodedSize %d, %v; want %d", r.enc, in, n, err, len(want))
		}
	}
}

func TestStreamingDecodersEdgeCases(t *testing.T) {
	cases := []string{
		"", "QQ==", "QUJD", "QUI=", "QQ", "QQ=", "QQ===", "QQ==QQ==", "QQ== ", "Q\r\nU\tJ D",
		"QUJD!", "=QQ", "QQ=Q",
		"a=\r\nb", "a=  \r\nb", "a = \nb", "a=\r\rb", "a=\r", "a= \r", "a=", "a= ", "a=4", "a=4 ", "a=4 \r",
		"a=41", "a=4g", "a=G1", "a=4\n", "a=4\r\n", "a=4 \n", "a= x", "a=4 x", "a \r \n", "a\r\r\n",
		"a \t\r\nb", "a \t", "a \r", "a\r", "trailing   \n  lead", "x\x00y=00\n", "=\n=\r\n==",
		"caf=E9 =\r\n  ok\r\n", "line \r\n\r\n \r\n",
	}
	for _, c := range cases {
		checkDecoders(t, []byte(c))
	}
}

// TestStreamingDecodersRandom compares the decoders on many short inputs
// over an alphabet that hits every state of both.
func TestStreamingDecodersRandom(t *testing.T) {
	const alphabet = "AQz9+/=\r\n \t4fG\x00x"
	rng := rand.New(rand.NewPCG(1, 2))
	in := make([]byte, 0, 24)
	for range 20000 {
		in = in[:0]
		for range rng.IntN(24) {
			in = append(in, alphabet[rng.IntN(len(alphabet))])
		}
		checkDecoders(t, in)
	}
}

func FuzzStreamingDecoders(f *testing.F) {
	f.Add([]byte("QUJD\r\nRA=="))
	f.Add([]byte("caf=E9 =\r\n  ok \r\n=4"))
	f.Fuzz(func(t *testing.T, in []byte) { checkDecoders(t, in) })
}

// partPaths lists every part number of a message (and nil, the whole
// message).
func partPaths(root *mime.Part) [][]int {
	out := [][]int{nil}
	var walk func(list []*mime.Part, prefix []int, depth int)
	walk = func(list []*mime.Part, prefix []int, depth int) {
		if depth > 20 {
			return
		}
		for i, p := range list {
			path := append(append([]int(nil), prefix...), i+1)
			out = append(out, path)
			switch {
			case p.IsMultipart():
				walk(p.Children, path, depth+1)
			case p.Message != nil:
				walk(messageParts(p.Message), path, depth+1)
			}
		}
	}
	walk(messageParts(root), nil, 0)
	return out
}

// TestBinaryMatchesInMemoryOnCorpus compares the streaming BINARY with the
// in-memory reference on every part of every corpus message: content,
// size, literal8 and error, and a forward Seek to several offsets.
func TestBinaryMatchesInMemoryOnCorpus(t *testing.T) {
	corpus, files := findCorpus(t)
	checked := 0
	for _, file := range files {
		blob, err := corpus.Message(file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mime.Parse(bytes.NewReader(blob), int64(len(blob)))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range partPaths(m.Root) {
			checkBinary(t, file, m, blob, path)
			checked++
		}
	}
	if checked < len(files) {
		t.Fatalf("checked %d parts of %d messages", checked, len(files))
	}
}

func checkBinary(t *testing.T, file string, m *mime.Message, blob []byte, path []int) {
	t.Helper()
	want, decoded, wantErr := refBinaryContent(m, bytes.NewReader(blob), path)
	wantLit8 := decoded || bytes.IndexByte(want, 0) >= 0
	r, size, lit8, err := BinarySectionLiteral8(m, bytes.NewReader(blob), path)
	if err != wantErr {
		t.Fatalf("%s %v: error %v, want %v", file, path, err, wantErr)
	}
	bsize, berr := BinarySize(m, bytes.NewReader(blob), path)
	if berr != wantErr || (err == nil && bsize != int64(len(want))) {
		t.Fatalf("%s %v: BinarySize %d, %v; want %d, %v", file, path, bsize, berr, len(want), wantErr)
	}
	if err != nil {
		return
	}
	got, rerr := io.ReadAll(r)
	if rerr != nil || size != int64(len(want)) || lit8 != wantLit8 || !bytes.Equal(got, want) {
		t.Fatalf("%s %v: size %d literal8 %v read error %v, content equal %v; want size %d literal8 %v",
			file, path, size, lit8, rerr, bytes.Equal(got, want), len(want), wantLit8)
	}
	for _, off := range []int64{1, 77, size / 3, size - 1} {
		if off <= 0 || off >= size {
			continue
		}
		r, _, _, _ := BinarySectionLiteral8(m, bytes.NewReader(blob), path)
		pos, err := r.(io.Seeker).Seek(off, io.SeekCurrent)
		if err != nil || pos != off {
			t.Fatalf("%s %v: Seek(%d) = %d, %v", file, path, off, pos, err)
		}
		rest, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(rest, want[off:]) {
			t.Fatalf("%s %v: after Seek(%d) read %d bytes (%v), want %d", file, path, off, len(rest), err, len(want)-int(off))
		}
	}
}

// TestBinarySeekPastEncodedBody seeks within and across a decoded part
// whose header is rewritten, then refuses to seek backwards.
func TestBinarySeekPastEncodedBody(t *testing.T) {
	msg := "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n--b\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9=\r\n!\r\n--b--\r\n"
	m := parseString(t, msg)
	want, _, err := refBinaryContent(m, bytes.NewReader([]byte(msg)), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, size, lit8, err := BinarySectionLiteral8(m, bytes.NewReader([]byte(msg)), nil)
	if err != nil || size != int64(len(want)) || !lit8 {
		t.Fatalf("BinarySectionLiteral8: size %d literal8 %v %v; want %d true", size, lit8, err, len(want))
	}
	s := r.(io.Seeker)
	for _, step := range []int64{3, 60, 5, 1} {
		before, _ := s.Seek(0, io.SeekCurrent)
		pos, err := s.Seek(step, io.SeekCurrent)
		if err != nil || pos != before+step {
			t.Fatalf("Seek(%d) from %d = %d, %v", step, before, pos, err)
		}
		var b [1]byte
		if _, err := io.ReadFull(r, b[:]); err != nil || b[0] != want[pos] {
			t.Fatalf("byte at %d: %q %v, want %q", pos, b[0], err, want[pos])
		}
	}
	if _, err := s.Seek(0, io.SeekStart); err == nil {
		t.Fatal("Seek backwards succeeded")
	}
}

// TestBodySectionSeeks: the BODY reader seeks (and reads at offsets) so a
// partial fetch skips to its origin; NUL still shows as 0x80.
func TestBodySectionSeeks(t *testing.T) {
	msg := "Subject: s\r\n\r\n0123456789\x00abcdef"
	m := parseString(t, msg)
	r, size, err := BodySection(m, bytes.NewReader([]byte(msg)), &proto.Section{Specifier: proto.SectionText})
	if err != nil || size != 17 {
		t.Fatalf("BodySection: size %d, %v", size, err)
	}
	pos, err := r.(io.Seeker).Seek(8, io.SeekCurrent)
	if err != nil || pos != 8 {
		t.Fatalf("Seek(8) = %d, %v", pos, err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || string(rest) != "89\x80abcdef" {
		t.Fatalf("after Seek(8): %q, %v", rest, err)
	}
	var b [3]byte
	if n, err := r.(io.ReaderAt).ReadAt(b[:], 9); n != 3 || err != nil || string(b[:]) != "9\x80a" {
		t.Fatalf("ReadAt(9) = %q, %d, %v", b[:n], n, err)
	}
}
