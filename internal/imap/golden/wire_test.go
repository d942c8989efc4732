package golden

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"roost/internal/auth"
	"roost/internal/imap/server"
	"roost/internal/store/sqlite"
)

// TestCorpusOverTheWire APPENDs every corpus message to a running server,
// sends exactly the FETCH and SEARCH commands Dovecot answered, and compares
// the untagged responses byte for byte and the tagged status (OK/NO and
// response code). The per-item table is printed; the test fails when an
// item falls below its floor in testdata/wire_floors.txt.
func TestCorpusOverTheWire(t *testing.T) {
	corpus := ForTest(t)
	names, err := corpus.Messages()
	if err != nil {
		t.Fatal(err)
	}
	c := startServer(t)
	c.ok(t, "LOGIN golden golden-pw")
	c.ok(t, "CREATE corpus")
	for _, n := range names {
		msg, err := corpus.Message(n)
		if err != nil {
			t.Fatal(err)
		}
		c.appendMessage(t, "corpus", msg)
	}
	c.ok(t, "EXAMINE corpus")

	exceptions, err := Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	stats := map[string]*[2]int{} // kind → matched, total
	var kinds []string
	var failures []string
	for _, n := range names {
		f, err := corpus.Golden(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range f.Blocks {
			kind := ItemKind(b.Item)
			st := stats[kind]
			if st == nil {
				st = &[2]int{}
				stats[kind] = st
				kinds = append(kinds, kind)
			}
			st[1]++
			data, status := c.run(t, wireCommand(f.Seq, b.Item))
			same := Status(status) == Status(b.Status) && (!strings.HasPrefix(status, "OK") || bytes.Equal(data, b.Data))
			if _, ok := exceptions[[2]string{strings.TrimSuffix(n, ".eml"), b.Item}]; ok || same {
				st[0]++
				continue
			}
			failures = append(failures, fmt.Sprintf("%s %s\n  want %q %q\n  got  %q %q",
				n, b.Item, clip(b.Data), b.Status, clip(data), status))
		}
	}
	sort.Strings(kinds)
	floors := readFloors(t)
	var table strings.Builder
	fmt.Fprintf(&table, "%-58s %9s %7s\n", "item", "matched", "%")
	failed := false
	for _, k := range kinds {
		st := stats[k]
		pct := 100 * float64(st[0]) / float64(st[1])
		mark := ""
		if floor, ok := floors[k]; ok && pct+1e-9 < floor {
			mark = fmt.Sprintf("  BELOW FLOOR %.2f%%", floor)
			failed = true
		}
		fmt.Fprintf(&table, "%-58s %4d/%-4d %6.2f%s\n", k, st[0], st[1], pct, mark)
	}
	t.Logf("corpus over the wire (%d messages):\n%s", len(names), table.String())
	if testing.Verbose() || failed {
		for i, f := range failures {
			if i == 40 {
				t.Logf("... and %d more mismatches", len(failures)-40)
				break
			}
			t.Log(f)
		}
	}
	if failed {
		t.Fatal("an item fell below its recorded floor")
	}
	for k := range floors {
		if stats[k] == nil {
			t.Errorf("floor for %q but no such item was run", k)
		}
	}
}

// wireCommand turns a golden item into the command the capture sent
// (corpus README: "FETCH <seq> <ITEM>", and
// "SEARCH [CHARSET UTF-8] <seq> <KEY> <term>").
func wireCommand(seq int, item string) string {
	if !strings.HasPrefix(item, "SEARCH ") {
		return fmt.Sprintf("FETCH %d %s", seq, item)
	}
	rest := item[len("SEARCH "):]
	prefix := ""
	if strings.HasPrefix(rest, "CHARSET UTF-8 ") {
		prefix = "CHARSET UTF-8 "
		rest = rest[len(prefix):]
	}
	q := strings.IndexByte(rest, '"')
	key, term := rest[:q], strings.TrimSuffix(rest[q+1:], `"`)
	arg := `"` + term + `"`
	if !printableASCII(term) {
		arg = fmt.Sprintf("{%d}\r\n%s%s", len(term), litSep, term)
	}
	return fmt.Sprintf("SEARCH %s%d %s%s", prefix, seq, key, arg)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

func readFloors(t *testing.T) map[string]float64 {
	floors := map[string]float64{}
	for _, line := range testdataLines(t, "wire_floors.txt") {
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("wire_floors.txt: bad line %q", line)
		}
		floors[strings.TrimSpace(line[:i])] = v
	}
	return floors
}

func testdataLines(t *testing.T, name string) []string {
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

// client is a minimal literal-aware IMAP client for exact comparisons.
type client struct {
	conn net.Conn
	r    *bufio.Reader
	n    int
}

func startServer(t *testing.T) *client {
	t.Helper()
	restore := auth.UseParams(auth.TestParams)
	t.Cleanup(restore)
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.Hash("golden-pw")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(context.Background(), "golden", hash); err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Backend: st})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		st.Close()
	})
	c := &client{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}
	if _, err := c.readResponse(); err != nil {
		t.Fatal(err)
	}
	return c
}

// run sends one command and returns the untagged data and the tagged
// status (tag removed). A synchronising literal in the command waits for
// the server's continuation.
func (c *client) run(t *testing.T, cmd string) ([]byte, string) {
	t.Helper()
	c.n++
	tag := fmt.Sprintf("X%d", c.n)
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	// A literal's bytes may themselves contain "}\r\n", so the caller marks
	// where each synchronising literal starts with litSep.
	parts := strings.Split(tag+" "+cmd, litSep)
	for i, p := range parts {
		if _, err := io.WriteString(c.conn, p); err != nil {
			t.Fatal(err)
		}
		if i < len(parts)-1 {
			line, err := c.readResponse()
			if err != nil || !bytes.HasPrefix(line, []byte("+")) {
				t.Fatalf("%s: no continuation: %q %v", clip([]byte(cmd)), line, err)
			}
		}
	}
	if _, err := io.WriteString(c.conn, "\r\n"); err != nil {
		t.Fatal(err)
	}
	var data []byte
	for {
		resp, err := c.readResponse()
		if err != nil {
			t.Fatalf("%s: %v", clip([]byte(cmd)), err)
		}
		if bytes.HasPrefix(resp, []byte(tag+" ")) {
			return data, strings.TrimRight(string(resp[len(tag)+1:]), "\r\n")
		}
		data = append(data, resp...)
	}
}

func (c *client) ok(t *testing.T, cmd string) {
	t.Helper()
	if _, st := c.run(t, cmd); !strings.HasPrefix(st, "OK") {
		t.Fatalf("%s: %s", clip([]byte(cmd)), st)
	}
}

func (c *client) appendMessage(t *testing.T, mailbox string, msg []byte) {
	t.Helper()
	cmd := fmt.Sprintf(`APPEND %s "01-Jan-2020 00:00:00 +0000" {%d}`+"\r\n%s%s", mailbox, len(msg), litSep, msg)
	c.ok(t, cmd)
}

// litSep marks, inside a command string, the end of a synchronising
// literal's announcement: the client waits for "+" there.
const litSep = "\x00LIT\x00"

var literalAtEnd = regexp.MustCompile(`~?\{(\d+)\}\r\n$`)

// readResponse reads one whole response, following literals.
func (c *client) readResponse() ([]byte, error) {
	var out []byte
	for {
		line, err := c.r.ReadBytes('\n')
		out = append(out, line...)
		if err != nil {
			return out, err
		}
		m := literalAtEnd.FindSubmatch(line)
		if m == nil {
			return out, nil
		}
		n, _ := strconv.Atoi(string(m[1]))
		lit := make([]byte, n)
		if _, err := io.ReadFull(c.r, lit); err != nil {
			return out, err
		}
		out = append(out, lit...)
	}
}
