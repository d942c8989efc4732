package imapmime

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"roost/internal/imap/proto"
	"roost/internal/mime"
)

// The golden test renders every FETCH item recorded from Dovecot 2.3 for
// the shared corpus (see shared/corpus/README.md) without a server and
// compares the response byte for byte.

// findCorpus returns the corpus directory (the one holding messages/ and
// dovecot/): $ROOST_CORPUS, or shared/corpus found walking up from here.
func findCorpus(t testing.TB) string {
	t.Helper()
	if env := os.Getenv("ROOST_CORPUS"); env != "" {
		if filepath.Base(env) == "messages" {
			env = filepath.Dir(env)
		}
		if _, err := os.Stat(filepath.Join(env, "messages")); err != nil {
			t.Fatalf("ROOST_CORPUS=%s: %v", env, err)
		}
		return env
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		c := filepath.Join(dir, "shared", "corpus")
		if st, err := os.Stat(filepath.Join(c, "messages")); err == nil && st.IsDir() {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("corpus not found: no shared/corpus/messages above the package directory (set ROOST_CORPUS)")
		}
		dir = parent
	}
}

// goldenBlock is one recorded command: the item, the untagged data and the
// tagged status without the tag.
type goldenBlock struct {
	Item   string
	Data   []byte
	Status string
}

var blockHeader = regexp.MustCompile(`^### (.*) \{(\d+)\}$`)

// readGolden parses a golden file (binary-safe, LEN-prefixed blocks).
func readGolden(path string) ([]goldenBlock, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	nl := bytes.IndexByte(raw, '\n')
	if nl < 0 || !bytes.HasPrefix(raw, []byte("#GOLDEN v1 ")) {
		return nil, fmt.Errorf("%s: bad first line", path)
	}
	pos := nl + 1
	var out []goldenBlock
	for pos < len(raw) {
		nl = bytes.IndexByte(raw[pos:], '\n')
		if nl < 0 {
			return nil, fmt.Errorf("%s: truncated block header at %d", path, pos)
		}
		m := blockHeader.FindSubmatch(raw[pos : pos+nl])
		if m == nil {
			return nil, fmt.Errorf("%s: bad block header %q", path, raw[pos:pos+nl])
		}
		n, _ := strconv.Atoi(string(m[2]))
		pos += nl + 1
		if pos+n > len(raw) {
			return nil, fmt.Errorf("%s: truncated data", path)
		}
		b := goldenBlock{Item: string(m[1]), Data: raw[pos : pos+n]}
		pos += n
		nl = bytes.IndexByte(raw[pos:], '\n')
		if nl < 0 || !bytes.HasPrefix(raw[pos:], []byte("#STATUS ")) {
			return nil, fmt.Errorf("%s: missing #STATUS after %s", path, b.Item)
		}
		b.Status = string(raw[pos+len("#STATUS ") : pos+nl])
		pos += nl + 1
		out = append(out, b)
	}
	return out, nil
}

// itemKind names the class of an item for the match table.
func itemKind(item string) string {
	switch {
	case item == "ENVELOPE", item == "BODYSTRUCTURE", item == "BODY", item == "RFC822.SIZE":
		return item
	case strings.HasPrefix(item, "SEARCH"):
		return "SEARCH"
	case strings.HasPrefix(item, "BODY.PEEK[HEADER.FIELDS"):
		return "HEADER.FIELDS"
	case item == "BODY.PEEK[]<0.100>":
		return "BODY[]<0.100>"
	case item == "BODY.PEEK[HEADER]":
		return "BODY[HEADER]"
	case item == "BODY.PEEK[TEXT]":
		return "BODY[TEXT]"
	case strings.HasPrefix(item, "BINARY.SIZE["):
		return "BINARY.SIZE[n]"
	case strings.HasPrefix(item, "BINARY.PEEK["):
		return "BINARY[n]"
	case strings.HasSuffix(item, ".MIME]"):
		return "BODY[n.MIME]"
	case strings.HasSuffix(item, ".HEADER]"):
		return "BODY[n.HEADER]"
	case strings.HasSuffix(item, ".TEXT]"):
		return "BODY[n.TEXT]"
	case strings.HasPrefix(item, "BODY.PEEK["):
		return "BODY[n]"
	}
	return "OTHER"
}

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

// goldenStatus reduces a golden status line to "OK" or "NO [CODE]".
func goldenStatus(s string) string {
	if strings.HasPrefix(s, "OK") {
		return "OK"
	}
	if strings.HasPrefix(s, "NO [") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return s[:i+1]
		}
	}
	return s
}

func readAll(r interface{ Read([]byte) (int, error) }) []byte {
	var b bytes.Buffer
	_, _ = b.ReadFrom(r)
	return b.Bytes()
}

// exception is a deliberate deviation from Dovecot.
type exception struct{ msg, item, rfc, reason string }

// loadExceptions reads testdata/exceptions.txt: tab-separated message
// (NNNN), item (as in the golden file), RFC section, reason.
func loadExceptions(t *testing.T) map[[2]string]exception {
	out := map[[2]string]exception{}
	f, err := os.Open(filepath.Join("testdata", "exceptions.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			t.Fatalf("exceptions.txt: bad line %q", line)
		}
		out[[2]string{f[0], f[1]}] = exception{f[0], f[1], f[2], f[3]}
	}
	return out
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
	corpus := findCorpus(t)
	files, err := filepath.Glob(filepath.Join(corpus, "messages", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no messages in %s", corpus)
	}
	exceptions := loadExceptions(t)
	usedExceptions := map[[2]string]bool{}
	floors := loadFloors(t)
	table := map[string]*tally{}
	var diffs strings.Builder
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".eml")
		seq, _ := strconv.Atoi(name)
		blob, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := readGolden(filepath.Join(corpus, "dovecot", name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
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
			kind := itemKind(b.Item)
			if kind == "SEARCH" {
				continue
			}
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
			want := goldenStatus(b.Status)
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
		if !usedExceptions[key] {
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
		t.Logf("exception: %s %s (%s): %s", e.msg, e.item, e.rfc, e.reason)
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

func sortedExceptions(m map[[2]string]exception) []exception {
	out := make([]exception, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].msg != out[j].msg {
			return out[i].msg < out[j].msg
		}
		return out[i].item < out[j].item
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
