package imapmime

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"roost/internal/imap/golden"
	"roost/internal/imap/proto"
	"roost/internal/mime"
)

// The golden test renders every FETCH item recorded from Dovecot 2.3 for
// the shared corpus (see shared/corpus/README.md) without a server and
// compares the response byte for byte.

// parseSection turns "1.2.MIME" / "HEADER.FIELDS (A B)" into a Section.
func parseSection(s string) (*proto.Section, error) {
	sec := &proto.Section{Count: -1}
	for s != "" {
		i := strings.IndexByte(s, '.')
		tok := s
		if i >= 0 {
			tok = s[:i]
		}
		n, err := strconv.Atoi(tok)
		if err != nil {
			break
		}
		sec.Part = append(sec.Part, n)
		if i < 0 {
			s = ""
		} else {
			s = s[i+1:]
		}
	}
	if sp := strings.IndexByte(s, ' '); sp >= 0 {
		list := strings.Trim(s[sp+1:], "()")
		sec.Fields = strings.Fields(list)
		s = s[:sp]
	}
	sec.Specifier = proto.SectionSpecifier(s)
	switch sec.Specifier {
	case proto.SectionAll, proto.SectionHeader, proto.SectionHeaderFields, proto.SectionHeaderFieldsNot,
		proto.SectionText, proto.SectionMIME:
		return sec, nil
	}
	return nil, fmt.Errorf("bad section %q", s)
}

// render produces what Roost would send for one golden item: the untagged
// data and the status ("OK" or "NO [CODE]").
func render(seq int, item string, m *mime.Message, blob []byte) (string, string, error) {
	prefix := fmt.Sprintf("* %d FETCH (", seq)
	r := bytes.NewReader(blob)
	switch item {
	case "ENVELOPE":
		return prefix + "ENVELOPE " + string(AppendEnvelope(nil, m, false)) + ")\r\n", "OK", nil
	case "BODYSTRUCTURE":
		return prefix + "BODYSTRUCTURE " + string(AppendBodyStructure(nil, m, true, false)) + ")\r\n", "OK", nil
	case "BODY":
		return prefix + "BODY " + string(AppendBodyStructure(nil, m, false, false)) + ")\r\n", "OK", nil
	case "RFC822.SIZE":
		return prefix + "RFC822.SIZE " + strconv.Itoa(len(blob)) + ")\r\n", "OK", nil
	}
	inner := func(p string) string { return p[strings.IndexByte(p, '[')+1 : strings.LastIndexByte(p, ']')] }
	noAnswer := prefix + fmt.Sprintf("UID %d)\r\n", seq)
	switch {
	case strings.HasPrefix(item, "BODY.PEEK["):
		sec, err := parseSection(inner(item))
		if err != nil {
			return "", "", err
		}
		partial := strings.HasSuffix(item, ">")
		rd, size, err := BodySection(m, r, sec)
		if err != nil {
			return "", "", err
		}
		data := readAll(rd)
		if int64(len(data)) != size {
			return "", "", fmt.Errorf("BodySection size %d, read %d", size, len(data))
		}
		name := "BODY[" + inner(item) + "]"
		if partial {
			name += "<0>"
			if len(data) > 100 {
				data = data[:100]
			}
		}
		return prefix + name + " {" + strconv.Itoa(len(data)) + "}\r\n" + string(data) + ")\r\n", "OK", nil
	case strings.HasPrefix(item, "BINARY.PEEK["):
		sec, err := parseSection(inner(item))
		if err != nil {
			return "", "", err
		}
		rd, size, lit8, err := BinarySectionLiteral8(m, r, sec.Part)
		if err != nil {
			return noAnswer, statusOf(err), nil
		}
		data := readAll(rd)
		if int64(len(data)) != size {
			return "", "", fmt.Errorf("BinarySection size %d, read %d", size, len(data))
		}
		lit := "{"
		if lit8 {
			lit = "~{"
		}
		return prefix + "BINARY[" + inner(item) + "] " + lit + strconv.Itoa(len(data)) + "}\r\n" + string(data) + ")\r\n", "OK", nil
	case strings.HasPrefix(item, "BINARY.SIZE["):
		sec, err := parseSection(inner(item))
		if err != nil {
			return "", "", err
		}
		size, err := BinarySize(m, r, sec.Part)
		if err != nil {
			return noAnswer, statusOf(err), nil
		}
		return prefix + "BINARY.SIZE[" + inner(item) + "] " + strconv.FormatInt(size, 10) + ")\r\n", "OK", nil
	}
	return "", "", fmt.Errorf("unknown item %q", item)
}

func statusOf(err error) string {
	switch {
	case errors.Is(err, ErrTruncatedContent):
		return "NO [SERVERBUG]"
	case errors.Is(err, ErrUnknownCTE):
		return "NO [UNKNOWN-CTE]"
	case errors.Is(err, ErrBadContent):
		return "NO [PARSE]"
	case errors.Is(err, ErrNoPart):
		return "NO [NONEXISTENT]"
	}
	return "NO [SERVERBUG]"
}

func readAll(r interface{ Read([]byte) (int, error) }) []byte {
	var b bytes.Buffer
	_, _ = b.ReadFrom(r)
	return b.Bytes()
}

// findCorpus locates the shared corpus and lists its messages.
func findCorpus(t testing.TB) (*golden.Corpus, []string) {
	t.Helper()
	corpus := golden.ForTest(t)
	files, err := corpus.Messages()
	if err != nil || len(files) == 0 {
		t.Fatalf("no messages in %s: %v", corpus.Dir, err)
	}
	return corpus, files
}

// loadFloors reads testdata/floors.txt: kind, minimum matched count.
func loadFloors(t *testing.T) map[string]int {
	out := map[string]int{}
	b, err := os.ReadFile(filepath.Join("testdata", "floors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		n, err := strconv.Atoi(f[len(f)-1])
		if len(f) != 2 || err != nil {
			t.Fatalf("floors.txt: bad line %q", line)
		}
		out[f[0]] = n
	}
	return out
}

type tally struct{ matched, total, excepted int }

func TestGoldenCorpus(t *testing.T) {
	corpus, files := findCorpus(t)
	exceptions, err := golden.Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	usedExceptions := map[[2]string]bool{}
	floors := loadFloors(t)
	table := map[string]*tally{}
	var diffs strings.Builder
	for _, file := range files {
		name := strings.TrimSuffix(file, ".eml")
		seq, _ := strconv.Atoi(name)
		blob, err := corpus.Message(file)
		if err != nil {
			t.Fatal(err)
		}
		gf, err := corpus.Golden(file)
		if err != nil {
			t.Fatal(err)
		}
		blocks := gf.Blocks
		parsed, err := mime.Parse(bytes.NewReader(blob), int64(len(blob)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		enc, err := mime.Marshal(parsed)
		if err != nil {
			t.Fatalf("%s: Marshal: %v", name, err)
		}
		m, err := mime.Unmarshal(enc)
		if err != nil {
			t.Fatalf("%s: Unmarshal: %v", name, err)
		}
		for _, b := range blocks {
			if strings.HasPrefix(b.Item, "SEARCH ") {
				continue
			}
			kind := golden.ItemKind(b.Item)
			tl := table[kind]
			if tl == nil {
				tl = &tally{}
				table[kind] = tl
			}
			tl.total++
			data, status, err := render(seq, b.Item, m, blob)
			if err != nil {
				t.Fatalf("%s %s: %v", name, b.Item, err)
			}
			want := golden.Status(b.Status)
			ok := status == want && (want != "OK" || data == string(b.Data))
			key := [2]string{name, b.Item}
			if _, exc := exceptions[key]; exc {
				usedExceptions[key] = true
				if ok {
					t.Errorf("exception %s %s is stale: output now matches Dovecot", name, b.Item)
				}
				tl.excepted++
				tl.matched++
				continue
			}
			if ok {
				tl.matched++
				continue
			}
			fmt.Fprintf(&diffs, "=== %s %s\n--- want %s\n%s\n+++ got %s\n%s\n", name, b.Item, want, clip(b.Data), status, clip([]byte(data)))
		}
	}
	for key := range exceptions {
		// SEARCH exceptions belong to the over-the-wire test.
		if !usedExceptions[key] && !strings.HasPrefix(key[1], "SEARCH ") {
			t.Errorf("exception %s %s matches no golden item", key[0], key[1])
		}
	}
	kinds := make([]string, 0, len(table))
	for k := range table {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var report strings.Builder
	fmt.Fprintf(&report, "\n%-16s %9s %7s %8s\n", "item", "matched", "total", "percent")
	for _, k := range kinds {
		tl := table[k]
		fmt.Fprintf(&report, "%-16s %9d %7d %7.2f%%", k, tl.matched, tl.total, 100*float64(tl.matched)/float64(tl.total))
		if tl.excepted > 0 {
			fmt.Fprintf(&report, "  (%d by exception)", tl.excepted)
		}
		report.WriteByte('\n')
	}
	t.Log(report.String())
	for _, e := range sortedExceptions(exceptions) {
		t.Logf("exception: %s %s (%s): %s", e.Message, e.Item, e.RFC, e.Reason)
	}
	if path := os.Getenv("ROOST_GOLDEN_DIFF"); path != "" {
		if err := os.WriteFile(path, []byte(diffs.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for k, floor := range floors {
		tl := table[k]
		if tl == nil {
			t.Errorf("floor for unknown item kind %s", k)
			continue
		}
		if tl.matched < floor {
			t.Errorf("%s: %d matched, floor is %d", k, tl.matched, floor)
		}
	}
	for _, k := range kinds {
		if _, ok := floors[k]; !ok {
			t.Errorf("no floor recorded for %s", k)
		}
	}
}

func sortedExceptions(m map[[2]string]golden.Exception) []golden.Exception {
	out := make([]golden.Exception, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Message != out[j].Message {
			return out[i].Message < out[j].Message
		}
		return out[i].Item < out[j].Item
	})
	return out
}

// clip shortens long data for the diff file.
func clip(b []byte) string {
	if len(b) > 3000 {
		return string(b[:1500]) + "\n[...]\n" + string(b[len(b)-1500:])
	}
	return string(b)
}
