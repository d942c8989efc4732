package server

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentSessionsModel runs several clients of one account at once,
// each doing APPEND, FETCH (flags and bodies), STORE of keywords, EXPUNGE,
// MOVE within the mailbox and LOGOUT at random for a bounded time, and
// checks on every connection what a client keeping a message model relies
// on:
//   - every keyword in a FETCH was announced earlier in a FLAGS response on
//     that connection (RFC 9051 §7.3.5);
//   - no command fails: in particular no FETCH of a message another session
//     just expunged answers NO [SERVERBUG], and no APPEND that races the
//     removal of identical content fails;
//   - EXPUNGE and FETCH sequence numbers stay within the count the client
//     was told.
//
// Bodies repeat (a few distinct texts), so that appends and expunges of
// identical content share blobs.
func TestConcurrentSessionsModel(t *testing.T) {
	if testing.Short() {
		t.Skip("concurrent load test")
	}
	ts := newTestServer(t, nil)
	const clients = 4
	// CI runs it for 3 s; ROOST_STRESS_TIME=60s runs it longer by hand.
	duration := 3 * time.Second
	if d, err := time.ParseDuration(os.Getenv("ROOST_STRESS_TIME")); err == nil && d > 0 {
		duration = min(d, 10*time.Minute)
	}
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	var totals [clients]int
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			for time.Now().Before(deadline) {
				n, err := modelSession(ts.addr, rng, deadline)
				totals[i] += n
				if err != nil {
					errs <- fmt.Errorf("client %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	sum := 0
	for _, n := range totals {
		sum += n
	}
	if sum < 50 {
		t.Errorf("only %d commands ran", sum)
	}
	t.Logf("%d commands in %v over %d clients", sum, duration, clients)
}

// modelConn is one raw connection with its model of the mailbox.
type modelConn struct {
	conn   net.Conn
	r      *bufio.Reader
	tag    int
	exists int
	known  map[string]bool // keywords announced by FLAGS, lower case
}

// modelSession logs in, selects INBOX, runs random commands until the
// deadline or a random LOGOUT, and returns how many commands ran.
func modelSession(addr string, rng *rand.Rand, deadline time.Time) (int, error) {
	conn, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	c := &modelConn{conn: conn, r: bufio.NewReader(conn), known: make(map[string]bool)}
	if _, err := c.line(); err != nil {
		return 0, err
	}
	for _, cmd := range []string{"LOGIN " + harnessUser + " " + harnessPass, "ENABLE IMAP4rev2", "SELECT INBOX"} {
		if err := c.run(cmd, ""); err != nil {
			return 0, err
		}
	}
	n := 0
	for time.Now().Before(deadline) {
		var cmd, literal string
		kw := "kw" + strconv.Itoa(rng.IntN(40))
		switch rng.IntN(10) {
		case 0, 1:
			literal = "Subject: s\r\n\r\nbody " + strconv.Itoa(rng.IntN(3)) + "\r\n"
			cmd = "APPEND INBOX (" + kw + ") {" + strconv.Itoa(len(literal)) + "+}"
		case 2, 3:
			cmd = "UID STORE " + strconv.Itoa(1+rng.IntN(200)) + ":* +FLAGS (" + kw + ")"
		case 4:
			cmd = "UID FETCH 1:* (FLAGS)"
		case 5:
			if c.exists == 0 {
				continue
			}
			cmd = "FETCH " + strconv.Itoa(1+rng.IntN(c.exists)) + " (FLAGS BODY[])"
		case 6:
			cmd = "UID STORE " + strconv.Itoa(1+rng.IntN(200)) + ` +FLAGS.SILENT (\Deleted)`
		case 7:
			cmd = "EXPUNGE"
		case 8:
			if c.exists == 0 {
				continue
			}
			cmd = "MOVE " + strconv.Itoa(1+rng.IntN(c.exists)) + " INBOX"
		default:
			if rng.IntN(3) == 0 {
				return n, c.run("LOGOUT", "")
			}
			cmd = "NOOP"
		}
		if err := c.run(cmd, literal); err != nil {
			return n, err
		}
		n++
	}
	return n, c.run("LOGOUT", "")
}

// run sends one command and reads up to its tagged response, which must be
// OK, checking every untagged response against the model.
func (c *modelConn) run(cmd, literal string) error {
	c.tag++
	tag := "m" + strconv.Itoa(c.tag)
	c.conn.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c.conn, tag+" "+cmd+"\r\n"+literal); err != nil {
		return err
	}
	if literal != "" {
		if _, err := io.WriteString(c.conn, "\r\n"); err != nil {
			return err
		}
	}
	for {
		l, err := c.line()
		if err != nil {
			return err
		}
		if rest, ok := strings.CutPrefix(l, tag+" "); ok {
			if !strings.HasPrefix(rest, "OK") {
				return fmt.Errorf("%s: %s", cmd, rest)
			}
			return nil
		}
		if err := c.check(l); err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
	}
}

// check applies one untagged response to the model.
func (c *modelConn) check(l string) error {
	if list, ok := strings.CutPrefix(l, "* FLAGS ("); ok {
		for _, f := range strings.Fields(strings.TrimSuffix(list, ")")) {
			c.known[strings.ToLower(f)] = true
		}
		return nil
	}
	fields := strings.Fields(l)
	if len(fields) < 3 || fields[0] != "*" {
		return nil
	}
	num, err := strconv.Atoi(fields[1])
	if err != nil {
		return nil
	}
	switch fields[2] {
	case "EXISTS":
		c.exists = num
	case "EXPUNGE":
		if num < 1 || num > c.exists {
			return fmt.Errorf("%q with %d messages known", l, c.exists)
		}
		c.exists--
	case "FETCH":
		if num < 1 || num > c.exists {
			return fmt.Errorf("%q with %d messages known", l, c.exists)
		}
		_, flags, ok := strings.Cut(l, "FLAGS (")
		if !ok {
			return nil
		}
		flags, _, _ = strings.Cut(flags, ")")
		for _, f := range strings.Fields(flags) {
			if !strings.HasPrefix(f, `\`) && !c.known[strings.ToLower(f)] {
				return fmt.Errorf("%q: keyword %s never announced in FLAGS", l, f)
			}
		}
	}
	return nil
}

// line reads one response line; a literal at its end is read and skipped,
// and the line continues after it.
func (c *modelConn) line() (string, error) {
	var b strings.Builder
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			return "", err
		}
		l = strings.TrimSuffix(l, "\r\n")
		if i := strings.LastIndexByte(l, '{'); i >= 0 && strings.HasSuffix(l, "}") {
			if n, err := strconv.Atoi(l[i+1 : len(l)-1]); err == nil {
				b.WriteString(l[:i])
				if _, err := io.CopyN(io.Discard, c.r, int64(n)); err != nil {
					return "", err
				}
				continue
			}
		}
		b.WriteString(l)
		return b.String(), nil
	}
}
