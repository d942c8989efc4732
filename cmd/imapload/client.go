package main

// A deliberately small IMAP client speaking the raw protocol, so that the
// numbers measure the server and not a client library: commands are written
// as bytes, responses are read as logical lines (literals inlined) and only
// the few things a workload needs are parsed out of them.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// DialOptions say how to reach and log in to the server.
type DialOptions struct {
	Addr     string
	TLS      string // "none", "starttls" or "tls"
	Insecure bool   // accept any certificate (self-signed test servers)
	Timeout  time.Duration
}

// Client is one IMAP connection. It is not safe for concurrent use.
type Client struct {
	conn    net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	timeout time.Duration
	tagSeq  uint64
	caps    map[string]bool
	line    []byte // reused by readLine
}

// StatusError is a tagged NO or BAD.
type StatusError struct {
	Command string
	Line    string
}

func (e *StatusError) Error() string { return fmt.Sprintf("%s: %s", e.Command, e.Line) }

// Dial connects, reads the greeting and performs STARTTLS when asked.
func Dial(ctx context.Context, o DialOptions) (*Client, error) {
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	d := net.Dialer{Timeout: o.Timeout}
	nc, err := d.DialContext(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, err
	}
	tlsConf := &tls.Config{InsecureSkipVerify: o.Insecure, ServerName: hostOf(o.Addr)}
	if o.TLS == "tls" {
		tc := tls.Client(nc, tlsConf)
		tc.SetDeadline(time.Now().Add(o.Timeout))
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("tls handshake: %w", err)
		}
		nc = tc
	}
	c := newClient(nc, o.Timeout)
	greeting, err := c.readLine()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if !bytes.HasPrefix(greeting, []byte("* OK")) && !bytes.HasPrefix(greeting, []byte("* PREAUTH")) {
		c.Close()
		return nil, fmt.Errorf("greeting: %q", greeting)
	}
	c.parseCapabilityCode(greeting)
	if o.TLS == "starttls" {
		if err := c.Do("STARTTLS", nil); err != nil {
			c.Close()
			return nil, err
		}
		tc := tls.Client(nc, tlsConf)
		tc.SetDeadline(time.Now().Add(o.Timeout))
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, fmt.Errorf("starttls handshake: %w", err)
		}
		// RFC 9051 §6.2.1: capabilities learnt before STARTTLS are discarded.
		*c = *newClient(tc, o.Timeout)
	}
	return c, nil
}

func newClient(nc net.Conn, timeout time.Duration) *Client {
	return &Client{
		conn:    nc,
		r:       bufio.NewReaderSize(nc, 32<<10),
		w:       bufio.NewWriterSize(nc, 32<<10),
		timeout: timeout,
	}
}

func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// Close drops the connection without LOGOUT.
func (c *Client) Close() error { return c.conn.Close() }

// Has reports whether the server advertised capability name (upper case).
func (c *Client) Has(name string) bool { return c.caps[name] }

// Login sends LOGIN and records the capabilities the server announces after it.
func (c *Client) Login(user, pass string) error {
	return c.Do("LOGIN "+quote(user)+" "+quote(pass), nil)
}

// Capability asks for the capabilities explicitly.
func (c *Client) Capability() error { return c.Do("CAPABILITY", nil) }

// Logout ends the session politely and closes the connection.
func (c *Client) Logout() error {
	err := c.Do("LOGOUT", nil)
	c.Close()
	return err
}

// Do sends one command (without tag and CRLF) and reads until its tagged
// response. Every untagged line is passed to fn, when fn is not nil; the
// slice is only valid during the call. NO and BAD become *StatusError.
func (c *Client) Do(command string, fn func(line []byte)) error {
	tag := c.nextTag()
	c.setDeadline()
	c.w.WriteString(tag)
	c.w.WriteByte(' ')
	c.w.WriteString(command)
	c.w.WriteString("\r\n")
	if err := c.w.Flush(); err != nil {
		return err
	}
	return c.readUntilTagged(tag, command, fn)
}

// readUntilTagged reads responses until the one tagged tag.
func (c *Client) readUntilTagged(tag, command string, fn func(line []byte)) error {
	for {
		line, err := c.readLine()
		if err != nil {
			return fmt.Errorf("%s: %w", verb(command), err)
		}
		if rest, ok := cutTag(line, tag); ok {
			c.parseCapabilityCode(rest)
			if bytes.HasPrefix(rest, []byte("OK")) {
				return nil
			}
			return &StatusError{Command: verb(command), Line: string(line)}
		}
		if bytes.HasPrefix(line, []byte("* CAPABILITY ")) {
			c.setCaps(line[len("* CAPABILITY "):])
		}
		if fn != nil {
			fn(line)
		}
	}
}

func verb(command string) string {
	if i := strings.IndexByte(command, ' '); i > 0 {
		if strings.HasPrefix(command, "UID ") {
			if j := strings.IndexByte(command[i+1:], ' '); j > 0 {
				return command[:i+1+j]
			}
		}
		return command[:i]
	}
	return command
}

func cutTag(line []byte, tag string) ([]byte, bool) {
	if len(line) > len(tag) && line[len(tag)] == ' ' && string(line[:len(tag)]) == tag {
		return line[len(tag)+1:], true
	}
	return nil, false
}

func (c *Client) nextTag() string {
	c.tagSeq++
	return "L" + strconv.FormatUint(c.tagSeq, 10)
}

func (c *Client) setDeadline() { c.conn.SetDeadline(time.Now().Add(c.timeout)) }

// readLine reads one logical response line: a line plus, for every literal
// announced at its end, the literal bytes and the line that follows. The
// returned slice is reused by the next call.
func (c *Client) readLine() ([]byte, error) {
	c.setDeadline()
	return c.readLineNoDeadline()
}

// readLineNoDeadline is readLine under the deadline already set.
func (c *Client) readLineNoDeadline() ([]byte, error) {
	buf := c.line[:0]
	for {
		part, err := c.r.ReadSlice('\n')
		buf = append(buf, part...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			c.line = buf
			return nil, err
		}
		n, ok := trailingLiteral(buf)
		if !ok {
			c.line = buf
			return bytes.TrimRight(buf, "\r\n"), nil
		}
		if n > 1<<30 {
			return nil, fmt.Errorf("literal of %d bytes", n)
		}
		start := len(buf)
		buf = append(buf, make([]byte, n)...)
		if _, err := io.ReadFull(c.r, buf[start:]); err != nil {
			c.line = buf
			return nil, err
		}
	}
}

// trailingLiteral recognises "{N}\r\n" or "{N+}\r\n" at the end of buf.
func trailingLiteral(buf []byte) (int, bool) {
	b := bytes.TrimRight(buf, "\r\n")
	if len(b) < 3 || b[len(b)-1] != '}' {
		return 0, false
	}
	open := bytes.LastIndexByte(b, '{')
	if open < 0 {
		return 0, false
	}
	digits := bytes.TrimSuffix(b[open+1:len(b)-1], []byte("+"))
	n, err := strconv.Atoi(string(digits))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// parseCapabilityCode picks up "[CAPABILITY ...]" from a status line.
func (c *Client) parseCapabilityCode(line []byte) {
	i := bytes.Index(line, []byte("[CAPABILITY "))
	if i < 0 {
		return
	}
	rest := line[i+len("[CAPABILITY "):]
	if j := bytes.IndexByte(rest, ']'); j >= 0 {
		c.setCaps(rest[:j])
	}
}

func (c *Client) setCaps(list []byte) {
	c.caps = map[string]bool{}
	for _, f := range strings.Fields(string(list)) {
		c.caps[strings.ToUpper(f)] = true
	}
}

// quote makes an IMAP quoted string (the workloads only use plain ASCII).
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Select opens mailbox and returns its EXISTS count.
func (c *Client) Select(mailbox string) (uint32, error) {
	var exists uint32
	err := c.Do("SELECT "+quote(mailbox), func(line []byte) {
		if n, ok := untaggedNumber(line, "EXISTS"); ok {
			exists = n
		}
	})
	return exists, err
}

// untaggedNumber parses "* N WORD" lines (EXISTS, EXPUNGE, FETCH...).
func untaggedNumber(line []byte, word string) (uint32, bool) {
	if !bytes.HasPrefix(line, []byte("* ")) {
		return 0, false
	}
	rest := line[2:]
	sp := bytes.IndexByte(rest, ' ')
	if sp <= 0 {
		return 0, false
	}
	after := rest[sp+1:]
	if !bytes.HasPrefix(after, []byte(word)) || (len(after) > len(word) && after[len(word)] != ' ') {
		return 0, false
	}
	n, err := strconv.ParseUint(string(rest[:sp]), 10, 32)
	return uint32(n), err == nil
}

// searchCount counts the numbers in "* SEARCH ..." or "* SORT ..." and the
// COUNT of an ESEARCH answer.
func searchCount(line []byte) (int, bool) {
	switch {
	case bytes.HasPrefix(line, []byte("* SEARCH")), bytes.HasPrefix(line, []byte("* SORT")):
		f := bytes.Fields(line)
		return len(f) - 2, true
	case bytes.HasPrefix(line, []byte("* ESEARCH")):
		f := bytes.Fields(line)
		for i := 0; i+1 < len(f); i++ {
			if string(f[i]) == "COUNT" {
				n, err := strconv.Atoi(string(f[i+1]))
				return n, err == nil
			}
		}
		return 0, true
	}
	return 0, false
}

// EnsureMailbox creates mailbox, accepting that it already exists.
func (c *Client) EnsureMailbox(mailbox string) error {
	err := c.Do("CREATE "+quote(mailbox), nil)
	var se *StatusError
	if errors.As(err, &se) && strings.Contains(se.Line, " NO") {
		return nil // already there (ALREADYEXISTS) or similar
	}
	return err
}

// RecreateMailbox deletes mailbox if present and creates it empty.
func (c *Client) RecreateMailbox(mailbox string) error {
	err := c.Do("DELETE "+quote(mailbox), nil)
	var se *StatusError
	if err != nil && !errors.As(err, &se) {
		return err
	}
	return c.Do("CREATE "+quote(mailbox), nil)
}
