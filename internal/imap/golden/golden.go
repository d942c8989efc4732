// Package golden reads the reference corpus: real-world messages and the
// exact responses Dovecot gave for them (see shared/corpus/README.md), so
// that tests can compare Roost's answers with them byte for byte.
package golden

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"testing"

	"roost/internal/testenv"
)

// Block is one recorded command and its answer.
type Block struct {
	Item   string // e.g. "BODY.PEEK[1.MIME]" or `SEARCH TEXT "word"`
	Data   []byte // every untagged response, verbatim
	Status string // the tagged reply without its tag, e.g. "OK Fetch completed."
}

// File is the golden file of one message.
type File struct {
	Message string // "0004.eml"
	Seq     int
	Blocks  []Block
}

var (
	firstLine = regexp.MustCompile(`^#GOLDEN v1 message=(\S+) seq=(\d+)$`)
	itemLine  = regexp.MustCompile(`^### (.*) \{(\d+)\}$`)
)

// Read parses one golden file. The format is binary-safe: each block's data
// is read by its announced length, never split on newlines.
func Read(path string) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := bufio.NewReader(bytes.NewReader(raw))
	line, err := readLine(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m := firstLine.FindStringSubmatch(line)
	if m == nil {
		return nil, fmt.Errorf("%s: bad first line %q", path, line)
	}
	f := &File{Message: m[1]}
	f.Seq, _ = strconv.Atoi(m[2])
	for {
		line, err := readLine(r)
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		m := itemLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("%s: expected item line, got %q", path, line)
		}
		n, _ := strconv.Atoi(m[2])
		data := make([]byte, n)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, fmt.Errorf("%s: item %s: %w", path, m[1], err)
		}
		st, err := readLine(r)
		if err != nil {
			return nil, fmt.Errorf("%s: item %s: %w", path, m[1], err)
		}
		const prefix = "#STATUS "
		if len(st) < len(prefix) || st[:len(prefix)] != prefix {
			return nil, fmt.Errorf("%s: item %s: expected status line, got %q", path, m[1], st)
		}
		f.Blocks = append(f.Blocks, Block{Item: m[1], Data: data, Status: st[len(prefix):]})
	}
}

func readLine(r *bufio.Reader) (string, error) {
	s, err := r.ReadString('\n')
	if err != nil {
		if err == io.EOF && s != "" {
			return "", io.ErrUnexpectedEOF
		}
		return "", err
	}
	return s[:len(s)-1], nil
}

// Corpus is the located corpus directory.
type Corpus struct{ Dir string }

// Find locates shared/corpus: $ROOST_CORPUS, or the first ancestor of the
// working directory that has shared/corpus/messages (the repository's
// sibling "shared" in CI, since ancestors include the repository's parent).
func Find() (*Corpus, error) {
	if d := os.Getenv("ROOST_CORPUS"); d != "" {
		if st, err := os.Stat(filepath.Join(d, "messages")); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("ROOST_CORPUS=%s has no messages directory", d)
		}
		return &Corpus{Dir: d}, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		c := filepath.Join(dir, "shared", "corpus")
		if st, err := os.Stat(filepath.Join(c, "messages")); err == nil && st.IsDir() {
			return &Corpus{Dir: c}, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, errors.New("corpus not found: set ROOST_CORPUS or put shared/corpus beside the repository")
		}
		dir = parent
	}
}

// ForTest locates the corpus for a test. When it is absent (a bare clone
// with nothing beside it) the test skips with the reason, except under
// CI=true, where the corpus is always present and its absence fails.
func ForTest(tb testing.TB) *Corpus {
	tb.Helper()
	c, err := Find()
	if err != nil {
		testenv.Missing(tb, "the shared corpus is not beside the repository (../shared/corpus)", err)
	}
	return c
}

// Messages lists the message names ("0001.eml", ...) in order.
func (c *Corpus) Messages() ([]string, error) {
	names, err := filepath.Glob(filepath.Join(c.Dir, "messages", "*.eml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names, nil
}

// Message returns the bytes of one message.
func (c *Corpus) Message(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(c.Dir, "messages", name))
}

// ReadAll returns every message's name and bytes, in order.
func (c *Corpus) ReadAll() (names []string, raws [][]byte, err error) {
	names, err = c.Messages()
	if err != nil {
		return nil, nil, err
	}
	for _, n := range names {
		b, err := c.Message(n)
		if err != nil {
			return nil, nil, err
		}
		raws = append(raws, b)
	}
	return names, raws, nil
}

// Golden returns the golden file of one message.
func (c *Corpus) Golden(name string) (*File, error) {
	base := name[:len(name)-len(filepath.Ext(name))]
	return Read(filepath.Join(c.Dir, "dovecot", base+".txt"))
}
