package server

// Transcript tests: RFC-style C:/S: scripts in testdata/transcripts/*.txt,
// each run as a subtest (named after its file) against an in-process
// Server on a real loopback socket with a real sqlite store in t.TempDir().
//
// Script format, one directive per line:
//
//	# comment                 ignored (so are blank lines)
//	@config maxline N         server MaxLine (before the first session)
//	@config maxliteral N      server MaxLiteral (before the first session)
//	@config messagelimit N    server MessageLimit (before the first session)
//	@user NAME PASSWORD       creates an account (with the default mailboxes)
//	@mailbox USER NAME        creates a mailbox straight in the store
//	@append USER MAILBOX [(FLAGS)] ["DATE-TIME"]
//	| message line            delivers a message straight through the store; its
//	| ...                     lines are the "| " lines that follow, each ending CRLF
//	-- session NAME           switches to session NAME (connecting on first use;
//	                          the script then reads the greeting with S:). Before
//	                          any "-- session" line the session is "A".
//	C: text                   sends text and CRLF ("C:" alone sends CRLF)
//	S: text                   reads one server line and compares it exactly,
//	                          except for the {{...}} placeholders below
//	S~ regexp                 reads one server line; it must match the (anchored) RE2
//	@any-order                the untagged S: lines (and S~ lines) right after it
//	                          may arrive in any order
//	@closed                   the server must have closed the connection
//	@close                    the client closes the connection
//
// Literals are written as in the RFC examples. A C: line ending with {n},
// {n+}, ~{n} or ~{n+} makes the next C: lines the literal's n bytes: each
// line counts with its CRLF, except that when the literal ends exactly at
// the end of a line's text no CRLF is sent and the next C: line continues
// the command (" FLAGS)", or "C:" for the CRLF ending an APPEND). A
// synchronizing {n} must be followed by an S: line: if the server's line
// is a "+" continuation the literal is sent, otherwise (refused) it is
// dropped. Server literals work the same way: after an S: line ending in
// {n}, the next S: lines are compared, byte for byte, with the literal.
//
// Placeholders in S: lines: {{*}} any text (possibly empty), {{n}} a number,
// {{n:NAME}} a number remembered as NAME (later uses must be equal), {{$NAME}}
// the remembered value, {{date}} a quoted date-time, {{q:TEXT}} TEXT as an
// atom or a quoted string (both are valid for mailbox names), {{set:A B C}}
// the items in any order, separated by spaces (flag and attribute lists),
// {{i:TEXT}} TEXT in any case (ABNF literal strings, e.g. "7BIT"). In C: lines: {{$NAME}},
// {{rep:N:TEXT}} TEXT repeated N times, {{hex:ff fe}} raw bytes, {{cr}},
// {{lf}}, and {{noeol}} at the end of the line: no CRLF is appended.
//
// At the end of a script every open session is logged out: anything but
// "* BYE" before the tagged OK is an unexpected response and fails it.

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"roost/internal/auth"
	"roost/internal/store"
	"roost/internal/store/sqlite"
)

const (
	transcriptDir     = "testdata/transcripts"
	transcriptTimeout = 10 * time.Second
)

func TestTranscripts(t *testing.T) {
	files := transcriptFiles(t, transcriptDir)
	if len(files) == 0 {
		t.Fatal("no transcripts found")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			t.Parallel()
			runTranscript(t, file)
		})
	}
}

func transcriptFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// txStep is one directive of a script.
type txStep struct {
	line int    // line number in the file, for messages
	kind string // "C", "S", "S~", "@...", "session"
	text string
	args []string
	body string // @append message
}

func parseTranscript(file string) ([]txStep, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var steps []txStep
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		raw := strings.TrimSuffix(lines[i], "\r")
		st := txStep{line: i + 1}
		switch {
		case raw == "" || strings.HasPrefix(raw, "#"):
			continue
		case raw == "C:" || strings.HasPrefix(raw, "C: "):
			st.kind, st.text = "C", strings.TrimPrefix(strings.TrimPrefix(raw, "C:"), " ")
		case raw == "S:" || strings.HasPrefix(raw, "S: "):
			st.kind, st.text = "S", strings.TrimPrefix(strings.TrimPrefix(raw, "S:"), " ")
		case strings.HasPrefix(raw, "S~ "):
			st.kind, st.text = "S~", raw[3:]
			if _, err := regexp.Compile(st.text); err != nil {
				return nil, fmt.Errorf("line %d: %v", i+1, err)
			}
		case strings.HasPrefix(raw, "-- session "):
			st.kind, st.text = "session", strings.TrimSpace(raw[len("-- session "):])
		case strings.HasPrefix(raw, "@"):
			f := strings.Fields(raw)
			st.kind, st.args = f[0], f[1:]
			switch st.kind {
			case "@append":
				if len(st.args) < 2 {
					return nil, fmt.Errorf("line %d: @append USER MAILBOX [(FLAGS)] [\"DATE\"]", i+1)
				}
				if parts := strings.SplitN(raw, " ", 4); len(parts) == 4 {
					st.text = strings.TrimSpace(parts[3]) // flags and date
				}
				var body strings.Builder
				for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "|") {
					i++
					body.WriteString(strings.TrimPrefix(strings.TrimPrefix(lines[i], "|"), " "))
					body.WriteString("\r\n")
				}
				st.body = body.String()
			case "@config", "@user", "@mailbox":
				if len(st.args) != 2 {
					return nil, fmt.Errorf("line %d: %s takes two arguments", i+1, st.kind)
				}
			case "@any-order", "@closed", "@close":
			default:
				return nil, fmt.Errorf("line %d: unknown directive %s", i+1, st.kind)
			}
		default:
			return nil, fmt.Errorf("line %d: unrecognised line %q", i+1, raw)
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// txRun is the state of one running script.
type txRun struct {
	t        *testing.T
	file     string
	store    *sqlite.Store
	users    map[string]*store.User
	cfg      Config
	srv      *Server
	addr     string
	done     chan struct{}
	sessions map[string]*txSession
	cur      *txSession
	vars     map[string]string
}

// txSession is one client connection of a script.
type txSession struct {
	name   string
	conn   net.Conn
	r      *bufio.Reader
	closed bool
	// clientLit is how many bytes of a client literal are still to be sent;
	// syncPending: a synchronizing literal waits for the server's "+".
	clientLit   int
	syncPending bool
	// serverLit is how many bytes of a server literal are still to be read.
	serverLit int
}

func runTranscript(t *testing.T, file string) {
	steps, err := parseTranscript(file)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &txRun{t: t, file: filepath.Base(file), store: st, users: map[string]*store.User{},
		sessions: map[string]*txSession{}, vars: map[string]string{}}
	r.cfg = Config{Backend: st, Logger: slog.New(slog.NewTextHandler(testLogWriter{t}, nil))}
	t.Cleanup(func() {
		r.stopServer()
		st.Close()
	})
	for i := 0; i < len(steps); i++ {
		s := steps[i]
		if s.kind == "@any-order" {
			j := i + 1
			// The group is the untagged lines: a tagged response ends it.
			for j < len(steps) && (steps[j].kind == "S~" || steps[j].kind == "S" && strings.HasPrefix(steps[j].text, "*")) {
				j++
			}
			if err := r.expectUnordered(steps[i+1 : j]); err != nil {
				t.Fatalf("%s:%d: %v", r.file, s.line, err)
			}
			i = j - 1
			continue
		}
		if err := r.step(s); err != nil {
			t.Fatalf("%s:%d: %v", r.file, s.line, err)
		}
	}
	r.logoutAll()
}

func (r *txRun) step(s txStep) error {
	ctx := context.Background()
	switch s.kind {
	case "@config":
		if r.srv != nil {
			return errors.New("@config after the server started")
		}
		n, err := strconv.Atoi(s.args[1])
		if err != nil {
			return err
		}
		switch s.args[0] {
		case "maxline":
			r.cfg.MaxLine = n
		case "maxliteral":
			r.cfg.MaxLiteral = int64(n)
		case "messagelimit":
			r.cfg.MessageLimit = n
		default:
			return fmt.Errorf("unknown @config %s", s.args[0])
		}
	case "@user":
		hash, err := auth.Hash(s.args[1])
		if err != nil {
			return err
		}
		u, err := r.store.CreateUser(ctx, s.args[0], hash)
		if err != nil {
			return err
		}
		r.users[s.args[0]] = u
	case "@mailbox":
		u, ok := r.users[s.args[0]]
		if !ok {
			return fmt.Errorf("no @user %s", s.args[0])
		}
		_, err := r.store.CreateMailbox(ctx, u.ID, s.args[1], "")
		return err
	case "@append":
		return r.deliver(ctx, s)
	case "session":
		return r.switchSession(s.text)
	case "C":
		return r.send(s.text)
	case "S", "S~":
		return r.expectOne(s)
	case "@closed":
		return r.expectClosed()
	case "@close":
		if r.cur == nil {
			return errors.New("no session")
		}
		r.cur.closed = true
		return r.cur.conn.Close()
	}
	return nil
}

// deliver runs @append USER MAILBOX [(FLAGS)] ["DATE"].
func (r *txRun) deliver(ctx context.Context, s txStep) error {
	u, ok := r.users[s.args[0]]
	if !ok {
		return fmt.Errorf("no @user %s", s.args[0])
	}
	mb, err := r.store.Mailbox(ctx, u.ID, s.args[1])
	if err != nil {
		return err
	}
	rest := s.text
	var msg store.AppendMessage
	if strings.HasPrefix(rest, "(") {
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return errors.New("@append: unbalanced flag list")
		}
		msg.Flags = strings.Fields(rest[1:end])
		rest = strings.TrimSpace(rest[end+1:])
	}
	if rest != "" {
		d, err := time.Parse("_2-Jan-2006 15:04:05 -0700", strings.Trim(rest, `"`))
		if err != nil {
			return fmt.Errorf("@append date: %v", err)
		}
		msg.InternalDate = d
	}
	staged, err := r.store.Stage(ctx, strings.NewReader(s.body), 1<<30)
	if err != nil {
		return err
	}
	msg.Staged = staged
	_, _, err = r.store.Append(ctx, mb.ID, []store.AppendMessage{msg})
	return err
}

// startServer starts the server with the script's configuration.
func (r *txRun) startServer() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	r.srv = New(r.cfg)
	r.addr = ln.Addr().String()
	r.done = make(chan struct{})
	go func(srv *Server, done chan struct{}) {
		defer close(done)
		if err := srv.Serve(ln); err != nil {
			r.t.Errorf("Serve: %v", err)
		}
	}(r.srv, r.done)
	return nil
}

func (r *txRun) stopServer() {
	if r.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), transcriptTimeout)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		r.t.Errorf("Shutdown: %v", err)
	}
	<-r.done
	for _, s := range r.sessions {
		s.conn.Close()
	}
}

func (r *txRun) switchSession(name string) error {
	if s, ok := r.sessions[name]; ok {
		r.cur = s
		return nil
	}
	if r.srv == nil {
		if err := r.startServer(); err != nil {
			return err
		}
	}
	conn, err := net.DialTimeout("tcp", r.addr, transcriptTimeout)
	if err != nil {
		return err
	}
	s := &txSession{name: name, conn: conn, r: bufio.NewReader(conn)}
	r.sessions[name] = s
	r.cur = s
	return nil
}

// session returns the current session, connecting "A" if none was chosen.
func (r *txRun) session() (*txSession, error) {
	if r.cur == nil {
		if err := r.switchSession("A"); err != nil {
			return nil, err
		}
	}
	if r.cur.closed {
		return nil, fmt.Errorf("session %s is closed", r.cur.name)
	}
	return r.cur, nil
}

var (
	txMacro      = regexp.MustCompile(`\{\{([^}]*)\}\}`)
	txLiteralEnd = regexp.MustCompile(`~?\{([0-9]+)(\+?)\}$`)
)

// expandClient replaces the C: line macros; eol reports whether CRLF follows.
func (r *txRun) expandClient(text string) (out string, eol bool, err error) {
	eol = true
	if t, ok := strings.CutSuffix(text, "{{noeol}}"); ok {
		text, eol = t, false
	}
	out = txMacro.ReplaceAllStringFunc(text, func(m string) string {
		arg := m[2 : len(m)-2]
		switch {
		case arg == "cr":
			return "\r"
		case arg == "lf":
			return "\n"
		case strings.HasPrefix(arg, "$"):
			v, ok := r.vars[arg[1:]]
			if !ok && err == nil {
				err = fmt.Errorf("unbound %s", arg)
			}
			return v
		case strings.HasPrefix(arg, "hex:"):
			b, herr := hex.DecodeString(strings.ReplaceAll(arg[4:], " ", ""))
			if herr != nil && err == nil {
				err = herr
			}
			return string(b)
		case strings.HasPrefix(arg, "rep:"):
			n, s, _ := strings.Cut(arg[4:], ":")
			count, cerr := strconv.Atoi(n)
			if cerr != nil && err == nil {
				err = cerr
			}
			return strings.Repeat(s, count)
		}
		if err == nil {
			err = fmt.Errorf("unknown macro %s", m)
		}
		return m
	})
	return out, eol, err
}

// send writes one C: line, keeping track of literals.
func (r *txRun) send(text string) error {
	s, err := r.session()
	if err != nil {
		return err
	}
	if s.syncPending {
		return errors.New("synchronizing literal: expect the server's continuation (S: + ...) first")
	}
	out, eol, err := r.expandClient(text)
	if err != nil {
		return err
	}
	if s.clientLit > 0 {
		switch n := s.clientLit; {
		case n == len(out):
			eol = false
			s.clientLit = 0
		case n >= len(out)+2 && eol:
			s.clientLit -= len(out) + 2
		case n > len(out) && !eol:
			s.clientLit -= len(out) // part of a line ({{noeol}})
		default:
			return fmt.Errorf("literal has %d bytes left, line has %d (+CRLF)", n, len(out))
		}
	} else if m := txLiteralEnd.FindStringSubmatch(out); m != nil && eol {
		n, _ := strconv.Atoi(m[1])
		s.clientLit = n
		s.syncPending = m[2] == "" && n > 0
	}
	if eol {
		out += "\r\n"
	}
	s.conn.SetWriteDeadline(time.Now().Add(transcriptTimeout))
	_, err = io.WriteString(s.conn, out)
	return err
}

// readLine reads one server line, or the part of a server literal that
// want stands for.
func (r *txRun) readLine(s *txSession, want string) (string, error) {
	s.conn.SetReadDeadline(time.Now().Add(transcriptTimeout))
	if s.serverLit > 0 {
		n := len(want) + 2
		if s.serverLit == len(want) || s.serverLit < n {
			n = min(len(want), s.serverLit)
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(s.r, buf); err != nil {
			return "", fmt.Errorf("reading literal: %v (got %q)", err, buf)
		}
		s.serverLit -= n
		return strings.TrimSuffix(string(buf), "\r\n"), nil
	}
	line, err := s.r.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("reading: %v (got %q)", err, line)
	}
	line = strings.TrimSuffix(line, "\n")
	if l, ok := strings.CutSuffix(line, "\r"); ok {
		line = l
	} else {
		return "", fmt.Errorf("line not ended by CRLF: %q", line)
	}
	if m := txLiteralEnd.FindStringSubmatch(line); m != nil {
		s.serverLit, _ = strconv.Atoi(m[1])
	}
	return line, nil
}

// compile turns an S:/S~ line into an anchored regexp and the names of its
// capture groups ("" for none).
func (r *txRun) compile(st txStep) (*regexp.Regexp, []string, error) {
	if st.kind == "S~" {
		re, err := regexp.Compile("^(?:" + st.text + ")$")
		return re, nil, err
	}
	var b strings.Builder
	var names []string
	b.WriteString("^")
	rest := st.text
	for {
		loc := txMacro.FindStringSubmatchIndex(rest)
		if loc == nil {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		b.WriteString(regexp.QuoteMeta(rest[:loc[0]]))
		arg := rest[loc[2]:loc[3]]
		switch {
		case arg == "*":
			b.WriteString("(.*?)")
			names = append(names, "")
		case arg == "n":
			b.WriteString("([0-9]+)")
			names = append(names, "")
		case strings.HasPrefix(arg, "n:"):
			b.WriteString("([0-9]+)")
			names = append(names, arg[2:])
		case strings.HasPrefix(arg, "set:"):
			// Flag and attribute lists are sets: any order will do.
			items := strings.Fields(arg[4:])
			var alts []string
			for _, p := range txPermutations(items) {
				alts = append(alts, regexp.QuoteMeta(strings.Join(p, " ")))
			}
			b.WriteString(`(?:` + strings.Join(alts, "|") + `)`)
		case strings.HasPrefix(arg, "i:"):
			// ABNF literal strings are case-insensitive (RFC 5234 §2.3).
			b.WriteString(`(?i:` + regexp.QuoteMeta(arg[2:]) + `)`)
		case strings.HasPrefix(arg, "q:"):
			// An astring: servers may quote what could be an atom.
			q := regexp.QuoteMeta(arg[2:])
			b.WriteString(`(?:` + q + `|"` + q + `")`)
		case arg == "date":
			b.WriteString(`("[ 0-3][0-9]-[A-Z][a-z]{2}-[0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [+-][0-9]{4}")`)
			names = append(names, "")
		case strings.HasPrefix(arg, "$"):
			v, ok := r.vars[arg[1:]]
			if !ok {
				return nil, nil, fmt.Errorf("unbound %s", arg)
			}
			b.WriteString(regexp.QuoteMeta(v))
		default:
			return nil, nil, fmt.Errorf("unknown placeholder {{%s}}", arg)
		}
		rest = rest[loc[1]:]
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return re, names, err
}

// txPermutations returns every order of items (few: flag lists).
func txPermutations(items []string) [][]string {
	if len(items) <= 1 {
		return [][]string{items}
	}
	var out [][]string
	for i := range items {
		rest := append(append([]string{}, items[:i]...), items[i+1:]...)
		for _, p := range txPermutations(rest) {
			out = append(out, append([]string{items[i]}, p...))
		}
	}
	return out
}

// match reports whether got matches st, binding its named numbers.
func (r *txRun) match(st txStep, got string, inLiteral bool) (bool, error) {
	if inLiteral {
		return got == st.text, nil
	}
	re, names, err := r.compile(st)
	if err != nil {
		return false, err
	}
	m := re.FindStringSubmatch(got)
	if m == nil {
		return false, nil
	}
	for i, name := range names {
		if name == "" {
			continue
		}
		if v, ok := r.vars[name]; ok && v != m[i+1] {
			return false, nil
		}
	}
	for i, name := range names {
		if name != "" {
			r.vars[name] = m[i+1]
		}
	}
	return true, nil
}

func (r *txRun) expectOne(st txStep) error {
	s, err := r.session()
	if err != nil {
		return err
	}
	inLiteral := s.serverLit > 0
	got, err := r.readLine(s, st.text)
	if err != nil {
		return fmt.Errorf("session %s: want %q: %v", s.name, st.text, err)
	}
	ok, err := r.match(st, got, inLiteral)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("session %s:\n want: %s\n  got: %s", s.name, st.text, got)
	}
	if s.syncPending {
		s.syncPending = false
		if !strings.HasPrefix(got, "+") {
			s.clientLit = 0 // refused: the literal is not sent
		}
	}
	return nil
}

// expectUnordered reads len(group) lines and matches them in any order.
func (r *txRun) expectUnordered(group []txStep) error {
	s, err := r.session()
	if err != nil {
		return err
	}
	var got []string
	for range group {
		line, err := r.readLine(s, "")
		if err != nil {
			return fmt.Errorf("session %s: %v (after %q)", s.name, err, got)
		}
		if s.serverLit > 0 {
			return errors.New("literals are not allowed in @any-order groups")
		}
		got = append(got, line)
	}
	used := make([]bool, len(got))
	for _, st := range group {
		found := false
		for i, line := range got {
			if used[i] {
				continue
			}
			ok, err := r.match(st, line, false)
			if err != nil {
				return err
			}
			if ok {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return fmt.Errorf("session %s: no line matches %q; got (any order):\n  %s", s.name, st.text, strings.Join(got, "\n  "))
		}
	}
	return nil
}

// expectClosed requires the server to have closed the current session.
func (r *txRun) expectClosed() error {
	s, err := r.session()
	if err != nil {
		return err
	}
	s.conn.SetReadDeadline(time.Now().Add(transcriptTimeout))
	if line, err := s.r.ReadString('\n'); err == nil || line != "" {
		return fmt.Errorf("session %s: connection still open, got %q", s.name, line)
	}
	s.closed = true
	return nil
}

// logoutAll ends every open session, failing on responses the script did
// not expect.
func (r *txRun) logoutAll() {
	for name, s := range r.sessions {
		if s.closed {
			continue
		}
		if s.clientLit > 0 || s.serverLit > 0 || s.syncPending {
			r.t.Errorf("%s: session %s ends inside a literal", r.file, name)
			continue
		}
		s.conn.SetDeadline(time.Now().Add(transcriptTimeout))
		if _, err := io.WriteString(s.conn, "zzLOGOUT LOGOUT\r\n"); err != nil {
			r.t.Errorf("%s: session %s: LOGOUT: %v", r.file, name, err)
			continue
		}
		for range 1000 {
			line, err := s.r.ReadString('\n')
			if err != nil {
				r.t.Errorf("%s: session %s: no LOGOUT response: %v", r.file, name, err)
				break
			}
			line = strings.TrimSuffix(line, "\r\n")
			if strings.HasPrefix(line, "zzLOGOUT ") {
				break
			}
			if !strings.HasPrefix(line, "* BYE") {
				r.t.Errorf("%s: session %s: unexpected response at the end: %q", r.file, name, line)
			}
		}
	}
}
