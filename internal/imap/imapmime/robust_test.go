package imapmime

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"roost/internal/imap/proto"
	"roost/internal/mime"
)

// Malformed input must still give a usable structure; each case pins the
// exact BODYSTRUCTURE (and ENVELOPE where the header is the point).
func TestMalformedMessages(t *testing.T) {
	cases := []struct {
		name, msg, body, env string
	}{
		{
			name: "empty message",
			msg:  "",
			body: `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)`,
			env:  `(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)`,
		},
		{
			name: "header without blank line or final newline",
			msg:  "Subject: only a header\r\nFrom: a@b",
			body: `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)`,
			env:  `(NIL "only a header" ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) NIL NIL NIL NIL NIL)`,
		},
		{
			name: "bare LF line endings",
			msg:  "Subject: lf\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nhello\n--x--\n",
			body: `(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 0 NIL NIL NIL NIL) "mixed" ("boundary" "x") NIL NIL NIL)`,
		},
		{
			name: "multipart without boundary parameter",
			msg:  "Content-Type: multipart/mixed\r\n\r\n--x\r\nbody\r\n",
			body: `(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" NIL NIL NIL NIL)`,
		},
		{
			name: "boundary never appears",
			msg:  "Content-Type: multipart/mixed; boundary=zz\r\n\r\n--x\r\nbody\r\n",
			body: `(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" ("boundary" "zz") NIL NIL NIL)`,
		},
		{
			name: "no close delimiter",
			msg:  "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\nContent-Type: text/html\r\n\r\ntwo\r\n",
			body: `(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 3 0 NIL NIL NIL NIL)("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 5 1 NIL NIL NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)`,
		},
		{
			name: "8-bit and NUL in header",
			msg:  "Subject: caf\xe9 \x00x\r\nFrom: J\xfcrgen <j@x>\r\n\r\nbody",
			body: `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 0 NIL NIL NIL NIL)`,
			// 8-bit text goes out as literals; NUL becomes 0x80.
			env: "(NIL {7}\r\ncaf\xe9 \x80x (({6}\r\nJ\xfcrgen NIL \"j\" \"x\")) (({6}\r\nJ\xfcrgen NIL \"j\" \"x\")) (({6}\r\nJ\xfcrgen NIL \"j\" \"x\")) NIL NIL NIL NIL NIL)",
		},
		{
			name: "RFC 2231 continuations",
			msg:  "Content-Type: application/x; name*1=\"b\"; name*0*=utf-8''%C3%A9; x=1\r\n\r\n",
			body: `("application" "x" ("x" "1" "name*" "utf-8''%C3%A9b") NIL NIL "7bit" 0 NIL NIL NIL NIL)`,
		},
		{
			name: "nested message with a broken header",
			msg:  "Content-Type: message/rfc822\r\n\r\nnot a header line\r\n",
			body: `("message" "rfc822" NIL NIL NIL "7bit" 19 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) 1 NIL NIL NIL NIL)`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := parseString(t, c.msg)
			if got := string(AppendBodyStructure(nil, m, true, false)); got != c.body {
				t.Errorf("BODYSTRUCTURE\n got %q\nwant %q", got, c.body)
			}
			if c.env != "" {
				if got := string(AppendEnvelope(nil, m, false)); got != c.env {
					t.Errorf("ENVELOPE\n got %q\nwant %q", got, c.env)
				}
			}
			checkOffsets(t, m.Root, int64(len(c.msg)))
		})
	}
}

func parseString(t *testing.T, s string) *mime.Message {
	t.Helper()
	m, err := mime.Parse(strings.NewReader(s), int64(len(s)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkOffsets asserts every part lies inside its parent and the message.
func checkOffsets(t *testing.T, p *mime.Part, size int64) {
	t.Helper()
	var walk func(p *mime.Part, lo, hi int64, depth int)
	walk = func(p *mime.Part, lo, hi int64, depth int) {
		if !(lo <= p.HeaderStart && p.HeaderStart <= p.BodyStart && p.BodyStart <= p.BodyEnd && p.BodyEnd <= hi) {
			t.Fatalf("part offsets %d %d %d outside [%d,%d]", p.HeaderStart, p.BodyStart, p.BodyEnd, lo, hi)
		}
		for _, c := range p.Children {
			walk(c, p.BodyStart, p.BodyEnd, depth+1)
		}
		if p.Message != nil {
			walk(p.Message, p.BodyStart, p.BodyEnd, depth+1)
		}
	}
	walk(p, 0, size, 0)
}

func TestMalformedEncodedWordsInHeaders(t *testing.T) {
	m := parseString(t, "Subject: =?utf-8?q?ok_=C3=A9?= =?utf-8?q?next?= =?bogus =?utf-8?b?!!!?= =?x-unknown?q?caf=E9?=\r\n\r\n")
	// Adjacent words join (RFC 2047 §6.2), an unfinished word stays as
	// text, undecodable base64 gives nothing, an unknown charset is read
	// as UTF-8.
	if got, want := m.Headers[0].Value, "ok énext =?bogus caf\uFFFD"; got != want {
		t.Fatalf("decoded subject %q, want %q", got, want)
	}
}

func TestUnknownCharsetBodyText(t *testing.T) {
	m := parseString(t, "Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nplain \xff text")
	if want := "plain \uFFFD text"; m.BodyText != want {
		t.Fatalf("BodyText %q, want %q", m.BodyText, want)
	}
}

func TestCharsetsBodyText(t *testing.T) {
	cases := []struct{ charset, cte, body, want string }{
		{"iso-8859-1", "quoted-printable", "caf=E9", "café"},
		{"windows-1251", "8bit", "\xcf\xf0\xe8\xe2\xe5\xf2", "Привет"},
		{"koi8-r", "8bit", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет"},
		{"shift_jis", "8bit", "\x93\xfa\x96\x7b", "日本"},
		{"iso-2022-jp", "7bit", "\x1b$BF|K\\\x1b(B", "日本"},
		{"euc-jp", "8bit", "\xc6\xfc\xcb\xdc", "日本"},
		{"gb2312", "8bit", "\xd6\xd0\xce\xc4", "中文"},
		{"big5", "8bit", "\xa4\xa4\xa4\xe5", "中文"},
		{"ks_c_5601-1987", "8bit", "\xc7\xd1\xb1\xb9", "한국"},
		{"utf-16", "base64", "/v8AaABp", "hi"},
		{"utf-7", "7bit", "Hi +AOk-t+AOk-", "Hi été"},
		{"utf-8", "base64", "w6k=", "é"},
	}
	for _, c := range cases {
		msg := "Content-Type: text/plain; charset=" + c.charset + "\r\nContent-Transfer-Encoding: " + c.cte + "\r\n\r\n" + c.body
		if got := parseString(t, msg).BodyText; got != c.want {
			t.Errorf("%s: BodyText %q, want %q", c.charset, got, c.want)
		}
	}
}

// Deep nesting is bounded: after 100 levels the rest is one opaque body,
// and rendering and sections still work.
func TestDeepNestingIsBounded(t *testing.T) {
	var b strings.Builder
	const depth = 1000
	for i := 0; i < depth; i++ {
		// Fixed-width boundaries: none is a prefix of another.
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=q%04d\r\n\r\n--q%04d\r\n", i, i)
	}
	b.WriteString("\r\ninnermost\r\n")
	msg := b.String()
	m := parseString(t, msg)
	levels := 0
	for p := m.Root; p.IsMultipart() && len(p.Children) > 0; p = p.Children[0] {
		levels++
	}
	if levels != 100 {
		t.Fatalf("nesting parsed to %d levels, want 100", levels)
	}
	bs := AppendBodyStructure(nil, m, true, false)
	if got := bytes.Count(bs, []byte(`"mixed"`)); got != 101 {
		t.Fatalf("BODYSTRUCTURE lists %d multiparts, want 101", got)
	}
	checkOffsets(t, m.Root, int64(len(msg)))
	part := make([]int, 100)
	for i := range part {
		part[i] = 1
	}
	r, size, err := BodySection(m, strings.NewReader(msg), &proto.Section{Part: part, Count: -1})
	if err != nil || size == 0 || r == nil {
		t.Fatalf("deep section: size %d err %v", size, err)
	}
}

func TestMissingPartIsEmpty(t *testing.T) {
	msg := "Subject: x\r\n\r\nbody\r\n"
	m := parseString(t, msg)
	_, size, err := BodySection(m, strings.NewReader(msg), &proto.Section{Part: []int{3}, Count: -1})
	if err != nil || size != 0 {
		t.Fatalf("BODY[3]: size %d, err %v; want empty", size, err)
	}
	if _, err := BinarySize(m, strings.NewReader(msg), []int{3}); err != ErrNoPart {
		t.Fatalf("BINARY.SIZE[3]: err %v, want ErrNoPart", err)
	}
}
