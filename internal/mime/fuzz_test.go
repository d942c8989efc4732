package mime_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"roost/internal/imap/golden"
	"roost/internal/imap/imapmime"
	"roost/internal/imap/proto"
	"roost/internal/mime"
	"roost/internal/testenv"
)

// corpusMessages returns the paths of the shared corpus messages. Without
// the corpus the caller skips (it fails under CI=true, see testenv).
func corpusMessages(tb testing.TB) []string {
	tb.Helper()
	files, err := corpusSeeds()
	if err != nil {
		testenv.Missing(tb, "the shared corpus is not beside the repository (../shared/corpus)", err)
	}
	return files
}

// corpusSeeds lists the corpus messages, or says why there are none.
func corpusSeeds() ([]string, error) {
	corpus, err := golden.Find()
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(corpus.Dir, "messages", "*.eml"))
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no messages in %s", corpus.Dir)
	}
	return files, err
}

// FuzzParse parses arbitrary bytes and checks that the result is usable:
// offsets nest inside the message, the structure renders, sections and
// BINARY can be read, and the storage encoding round-trips.
func FuzzParse(f *testing.F) {
	// The corpus seeds the fuzzer when it is there; in a bare clone the
	// regression seeds below still run (CI=true requires the corpus).
	seeds, err := corpusSeeds()
	if err != nil {
		if testenv.InCI() {
			f.Fatalf("the shared corpus is required under CI=true: %v", err)
		}
		f.Logf("seeding without the shared corpus: %v", err)
	}
	for _, path := range seeds {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, path := range mustGlob(f, filepath.Join("testdata", "fuzz-regressions", "*.eml")) {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		m, err := mime.Parse(bytes.NewReader(msg), int64(len(msg)))
		if err != nil {
			t.Fatal(err)
		}
		checkTree(t, m.Root, int64(len(msg)))
		_ = imapmime.AppendBodyStructure(nil, m, true, false)
		_ = imapmime.AppendBodyStructure(nil, m, false, true)
		_ = imapmime.AppendEnvelope(nil, m, false)
		blob := bytes.NewReader(msg)
		for _, part := range [][]int{nil, {1}, {1, 1}, {2}, {1, 2, 1}} {
			for _, spec := range []proto.SectionSpecifier{proto.SectionAll, proto.SectionHeader, proto.SectionText, proto.SectionMIME, proto.SectionHeaderFields} {
				if len(part) == 0 && spec == proto.SectionMIME {
					continue
				}
				sec := &proto.Section{Part: part, Specifier: spec, Fields: []string{"subject"}, Count: -1}
				r, size, err := imapmime.BodySection(m, blob, sec)
				if err != nil {
					t.Fatalf("BodySection %v %s: %v", part, spec, err)
				}
				var out bytes.Buffer
				if n, _ := out.ReadFrom(r); n != size {
					t.Fatalf("BodySection %v %s: read %d, size %d", part, spec, n, size)
				}
			}
			if r, size, err := imapmime.BinarySection(m, blob, part); err == nil {
				var out bytes.Buffer
				if n, _ := out.ReadFrom(r); n != size {
					t.Fatalf("BinarySection %v: read %d, size %d", part, n, size)
				}
			}
		}
		enc, err := mime.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		back, err := mime.Unmarshal(enc)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := imapmime.AppendBodyStructure(nil, m, true, false), imapmime.AppendBodyStructure(nil, back, true, false); !bytes.Equal(a, b) {
			t.Fatalf("BODYSTRUCTURE changed by Marshal/Unmarshal:\n%s\n%s", a, b)
		}
	})
}

func mustGlob(tb testing.TB, pattern string) []string {
	files, err := filepath.Glob(pattern)
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

// checkTree asserts that every part lies inside its parent.
func checkTree(t *testing.T, root *mime.Part, size int64) {
	t.Helper()
	var walk func(p *mime.Part, lo, hi int64, depth int)
	walk = func(p *mime.Part, lo, hi int64, depth int) {
		if depth > 1000 {
			t.Fatal("tree deeper than 1000")
		}
		if !(lo <= p.HeaderStart && p.HeaderStart <= p.BodyStart && p.BodyStart <= p.BodyEnd && p.BodyEnd <= hi) {
			t.Fatalf("offsets %d/%d/%d outside [%d,%d]", p.HeaderStart, p.BodyStart, p.BodyEnd, lo, hi)
		}
		if p.Lines < 0 || p.Lines > p.BodyEnd-p.BodyStart {
			t.Fatalf("lines %d for body of %d bytes", p.Lines, p.BodyEnd-p.BodyStart)
		}
		prev := p.BodyStart
		for _, c := range p.Children {
			if c.HeaderStart < prev {
				t.Fatalf("children overlap: %d < %d", c.HeaderStart, prev)
			}
			walk(c, p.BodyStart, p.BodyEnd, depth+1)
			prev = c.BodyEnd
		}
		if p.Message != nil {
			walk(p.Message, p.BodyStart, p.BodyEnd, depth+1)
		}
	}
	walk(root, 0, size, 0)
}
