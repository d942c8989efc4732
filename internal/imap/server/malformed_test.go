package server

// The malformed-input suite: thousands of generated broken commands,
// deterministic (fixed seed), sent over several connections at once. Each
// must be answered (tagged BAD/NO, an untagged BAD when there is no tag to
// answer, or "* BYE" and a closed connection when the stream cannot be
// resynchronised), the server must log no panic or internal error, and
// afterwards an ordinary session works and the store is intact.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	malformedSeed        = 0x6d616c66
	malformedConns       = 4
	malformedPerConn     = 1000
	malformedHugeLines   = 4       // 1 MiB lines, per connection
	malformedTruncations = 20      // connections dropped mid-literal
	malformedHugeLine    = 1 << 20 // bytes
)

// malformedCommands are the verbs the generator picks from: every command
// the server knows and some it does not.
var malformedCommands = []string{
	"CAPABILITY", "NOOP", "LOGOUT", "LOGIN", "AUTHENTICATE", "STARTTLS", "ENABLE", "ID", "NAMESPACE",
	"SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB",
	"STATUS", "APPEND", "IDLE", "CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE",
	"COPY", "MOVE", "UID", "UID FETCH", "UID STORE", "UID SEARCH", "UID EXPUNGE", "UID COPY", "UID MOVE",
	"SORT", "THREAD", "NOTIFY", "COMPRESS", "GETQUOTAROOT", "XYZZY", "UID XYZZY", "",
}

// malformedArgs are argument fragments: bad sequence sets, unbalanced
// parentheses, huge numbers, invalid dates, bad names and literals.
var malformedArgs = []string{
	"0", "0:*", "1::2", "*:-1", "-1", "1,,2", ",", "1:2:3", "4294967296", "4294967295:4294967296",
	"99999999999999999999", "1:99999999999999999999", "$", "$$", "1:*,*:1,5",
	"(", ")", "((", "))", "(FLAGS", "FLAGS)", "(FLAGS (\\Seen)", "((((((((((((((((((((", "))))))))))))))",
	"BODY[", "BODY[]<", "BODY[]<0.>", "BODY[1.2.3.4.5.6.7.8.9.10.11.12]", "BODY[HEADER.FIELDS ()]", "BODY.PEEK[]<99999999999999999999.1>",
	"BINARY[0]", "BINARY[1.0]", "RFC822.SIZE.", "ENVELOPE)", "ALL FAST", "(UID FLAGS) (CHANGEDSINCE)", "(CHANGEDSINCE -1)",
	"32-Jan-2020", "0-Foo-0000", "\"31-Feb-2020 25:61:61 +9999\"", "\"7-Feb-1994 21:52:25\"", "SINCE", "BEFORE 1-Jan-99999",
	"LARGER", "LARGER 99999999999999999999", "OR", "OR 1", "NOT", "NOT NOT NOT", "HEADER", "HEADER X", "CHARSET", "CHARSET BOGUS-8 ALL",
	"+FLAGS", "-FLAGS (", "FLAGS.SILENT \\Bogus", "+FLAGS (\\Recent)", "(UNCHANGEDSINCE x) FLAGS ()",
	"\"\"", "\"", "\"unterminated", "\"bad\\escape\"", "\"\x00\"", "NIL", "nil", "~", "{", "{}", "{x}", "{-1}", "{1", "{1+", "~{1}",
	"&", "&-", "&Jjo", "&AGE-", "&ZeVnLIqe-", "&U,BTF2XlZyyiYA-", "&AC8-&AC8-", "\xff\xfe\xfd", "\xc0\xaf", "\xed\xa0\x80", "Caf\xc3",
	"INBOX", "\"INBOX\"", "inbox", "INBOX/", "/", "//", "*", "%", "\"\" \"*\"", "\"\" %", "(SUBSCRIBED)", "RETURN", "RETURN (", "RETURN (STATUS ())",
	"(MESSAGES", "(MESSAGES UNSEEN BOGUS)", "()", "(UID)", "IMAP4rev2", "CONDSTORE", "QRESYNC", "UTF8=ACCEPT",
	"PLAIN", "PLAIN =", "PLAIN AGFsaWNlAGJhZA==", "XOAUTH2", "alice", "alice alice-secret", "\x00", "\t", "\x7f", "\x1b[0m",
	"(SELECTED (MessageNew", "SET", "SET STATUS", "NONE", "DEFLATE", "(REVERSE)", "(DATE) UTF-8", "REFERENCES", "ORDEREDSUBJECT US-ASCII",
}

// malformedGen produces one broken command body (without tag) per call.
type malformedGen struct {
	rng *rand.Rand
}

func (g *malformedGen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *malformedGen) command() string {
	switch g.rng.IntN(10) {
	case 0: // binary garbage, no CR or LF
		b := make([]byte, 1+g.rng.IntN(200))
		for i := range b {
			b[i] = byte(g.rng.IntN(256))
			if b[i] == '\r' || b[i] == '\n' {
				b[i] = 0
			}
		}
		return string(b)
	case 1: // a huge number somewhere
		return g.pick(malformedCommands) + " " + strconv.FormatUint(g.rng.Uint64(), 10) + strings.Repeat("9", g.rng.IntN(30))
	case 2: // deep nesting
		n := 1 + g.rng.IntN(2000)
		return g.pick([]string{"SEARCH", "FETCH 1", "STORE 1 FLAGS", "LIST", "STATUS INBOX", "SORT"}) + " " + strings.Repeat("(", n) + "ALL" + strings.Repeat(")", g.rng.IntN(n+2))
	case 3: // a long sequence set
		var b strings.Builder
		for i := range 1 + g.rng.IntN(5000) {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%d:%d", g.rng.Uint32(), g.rng.Uint32())
		}
		return g.pick([]string{"FETCH", "UID FETCH", "STORE", "COPY", "UID SEARCH UID", "UID EXPUNGE"}) + " " + b.String() + " FLAGS"
	default: // a verb with the wrong arguments
		parts := []string{g.pick(malformedCommands)}
		for range g.rng.IntN(6) {
			parts = append(parts, g.pick(malformedArgs))
		}
		return strings.Join(parts, " ")
	}
}

// malformedClient sends commands and waits for their answers.
type malformedClient struct {
	t     *testing.T
	addr  string
	login bool
	conn  net.Conn
	r     *bufio.Reader
	n     int
	last  string // the command being answered, for failure messages
	// counts
	sent, tagged, untaggedBad, byes int
}

// fail ends this client's goroutine (not the test's: FailNow may only be
// called from that) after recording the failure.
func (c *malformedClient) fail(format string, args ...any) {
	c.t.Errorf(format, args...)
	runtime.Goexit()
}

func (c *malformedClient) connect() {
	conn, err := net.DialTimeout("tcp", c.addr, ioTimeout)
	if err != nil {
		c.fail("%v", err)
	}
	c.conn, c.r = conn, bufio.NewReaderSize(conn, 64<<10)
	if line, ended := c.readLine(); ended || !strings.HasPrefix(line, "* OK") {
		c.fail("greeting: %q", line)
	}
	if c.login {
		if st, ended := c.exchange("LOGIN "+harnessUser+" "+harnessPass, ""); ended || !strings.Contains(st, " OK ") {
			c.fail("LOGIN: %q", st)
		}
		if st, ended := c.exchange("SELECT INBOX", ""); ended || !strings.Contains(st, " OK ") {
			c.fail("SELECT: %q", st)
		}
	}
}

// readLine reads one line (skipping any literal in it); ended reports the
// end of the connection.
func (c *malformedClient) readLine() (string, bool) {
	var b strings.Builder
	for range 1000 {
		c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
		line, err := c.r.ReadString('\n')
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				c.fail("no answer to %.300q within %v (after %q)", c.last, ioTimeout, b.String()+line)
			}
			return b.String() + line, true
		}
		line = strings.TrimSuffix(line, "\r\n")
		b.WriteString(line)
		n, ok := trailingLiteral(line)
		if !ok {
			return b.String(), false
		}
		if _, err := io.CopyN(io.Discard, c.r, int64(n)); err != nil {
			return b.String(), true
		}
	}
	c.fail("%s", "response line too long")
	return "", true
}

// exchange sends one command (tagged, plus literal data if any) and reads
// up to its answer. A "+" continuation is answered: a literal's data, DONE
// for IDLE, "*" to cancel anything else.
func (c *malformedClient) exchange(body, literal string) (status string, ended bool) {
	c.n++
	tag := "M" + strconv.Itoa(c.n)
	c.sent++
	c.last = tag + " " + body
	c.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c.conn, tag+" "+body+"\r\n"); err != nil {
		// The server hung up while a huge line was still arriving: it
		// must have said BYE first.
		return c.expectBye(tag)
	}
	bye := false
	for range 100000 {
		line, gone := c.readLine()
		switch {
		case gone && bye:
			c.byes++
			return line, true
		case gone:
			c.fail("%.200q: connection closed without BYE (last %q)", body, line)
		case strings.HasPrefix(line, tag+" "):
			c.tagged++
			return line, bye // after "* BYE" (LOGOUT) the server hangs up
		case strings.HasPrefix(line, "* BAD"):
			c.untaggedBad++
			return line, false
		case strings.HasPrefix(line, "* BYE"):
			bye = true
		case strings.HasPrefix(line, "+"):
			reply := "*\r\n"
			switch {
			case literal != "":
				reply, literal = literal+"\r\n", ""
			case strings.Contains(strings.ToUpper(body), "IDLE"):
				reply = "DONE\r\n"
			}
			c.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
			io.WriteString(c.conn, reply)
		}
	}
	c.fail("%.200q: endless response", body)
	return "", true
}

func (c *malformedClient) expectBye(tag string) (string, bool) {
	for range 1000 {
		line, gone := c.readLine()
		if strings.HasPrefix(line, "* BYE") {
			c.byes++
			return line, true
		}
		if strings.HasPrefix(line, tag+" ") {
			c.tagged++
			return line, false
		}
		if gone {
			c.fail("the server closed the connection without BYE (last %q)", line)
		}
	}
	return "", true
}

func (c *malformedClient) run(g *malformedGen, count int) {
	c.connect()
	for i := range count {
		body, literal := g.command(), ""
		switch {
		case i%(count/malformedHugeLines) == 0:
			body = "FETCH 1 (" + strings.Repeat("FLAGS ", malformedHugeLine/6) + ")"
		case g.rng.IntN(20) == 0: // a literal with wrong contents or size
			n := g.rng.IntN(300)
			body = fmt.Sprintf("%s {%d}", g.pick(malformedCommands), n)
			literal = strings.Repeat("\x00(", n/2) + strings.Repeat("x", n%2)
		}
		status, ended := c.exchange(body, literal)
		if strings.Contains(status, " OK ") && strings.Contains(strings.ToUpper(body), "COMPRESS") {
			ended = true // the stream is deflated from here on
		}
		if ended || strings.Contains(status, " OK ") && strings.Contains(strings.ToUpper(body), "STARTTLS") {
			c.conn.Close()
			c.connect()
		}
	}
	c.conn.Close()
}

func TestMalformedInput(t *testing.T) {
	errs := &errorLog{}
	ts := newTestServer(t, func(c *Config) {
		c.Logger = slog.New(errs)
		relaxLimits(c)
	})
	for i := range 5 {
		ts.appendMsg(t, "INBOX", fmt.Sprintf("Subject: m%d\r\n\r\nbody %d\r\n", i, i))
	}

	var wg sync.WaitGroup
	clients := make([]*malformedClient, malformedConns)
	for i := range clients {
		clients[i] = &malformedClient{t: t, addr: ts.addr, login: i > 0}
		g := &malformedGen{rng: rand.New(rand.NewPCG(malformedSeed, uint64(i)))}
		wg.Add(1)
		go func() {
			defer wg.Done()
			clients[i].run(g, malformedPerConn)
		}()
	}
	// Meanwhile, connections that die in the middle of a literal.
	var truncated atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range malformedTruncations {
			c := &malformedClient{t: t, addr: ts.addr, login: true}
			c.connect()
			fmt.Fprintf(c.conn, "T%d APPEND INBOX {%d+}\r\nSubject: cut\r\n\r\n%s", i, 1000+i, strings.Repeat("y", i*10))
			c.conn.Close()
			truncated.Add(1)
		}
	}()
	wg.Wait()

	var sent, tagged, bad, byes int
	for _, c := range clients {
		sent, tagged, bad, byes = sent+c.sent, tagged+c.tagged, bad+c.untaggedBad, byes+c.byes
	}
	t.Logf("malformed commands sent: %d on %d connections (answers: %d tagged, %d untagged BAD, %d BYE); %d connections cut mid-literal",
		sent, malformedConns, tagged, bad, byes, truncated.Load())
	if got := tagged + bad + byes; got != sent {
		t.Errorf("%d commands sent, %d answered", sent, got)
	}
	if e := errs.take(); len(e) > 0 {
		t.Errorf("the server logged errors (a recovered panic or SERVERBUG):\n%s", strings.Join(e, "\n"))
	}

	// An ordinary session still works, and the messages are intact.
	c := ts.login(t)
	untagged := c.ok("EXAMINE INBOX")
	if !strings.Contains(strings.Join(untagged, "\n"), " EXISTS") {
		t.Errorf("EXAMINE INBOX after the barrage: %q", untagged)
	}
	// COPY commands that happened to be valid may have added messages,
	// nothing can have set \Deleted: UID 5 is still the fifth message.
	if got := c.ok("UID FETCH 5 (BODY.PEEK[TEXT])"); len(got) != 1 || got[0] != "* 5 FETCH (UID 5 BODY[TEXT] {8}\r\nbody 4\r\n)" {
		t.Errorf("UID FETCH 5 after the barrage: %q", got)
	}
	c.ok("LOGOUT")
	problems, err := ts.store.Check(context.Background())
	if err != nil || len(problems) > 0 {
		t.Errorf("store check: %v %q", err, problems)
	}
}
