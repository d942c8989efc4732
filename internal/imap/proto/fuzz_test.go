package proto

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"roost/internal/imap/wire"
)

// fuzzSeeds are commands as real clients send them (Thunderbird, iOS Mail,
// mutt, mbsync, K-9, Outlook), plus some edge cases.
var fuzzSeeds = []string{
	"a1 UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])\r\n",
	"1 capability\r\n2 authenticate PLAIN\r\n",
	"3 ID (\"name\" \"Thunderbird\" \"version\" \"115.3.1\")\r\n",
	"4 enable CONDSTORE\r\n5 select \"INBOX\" (CONDSTORE)\r\n",
	"6 UID fetch 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n",
	"7 list (SUBSCRIBED) \"\" \"*\" RETURN (SPECIAL-USE)\r\n",
	"8 UID store 42 +FLAGS (\\Seen)\r\n9 IDLE\r\nDONE\r\n",
	"a2 LSUB \"\" \"*\"\r\na3 STATUS \"Sent Messages\" (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)\r\n",
	"4.1 UID FETCH 1:* (FLAGS UID BODY.PEEK[HEADER.FIELDS (DATE FROM SUBJECT)] BODYSTRUCTURE)\r\n",
	"5.2 UID SEARCH RETURN (ALL) UNDELETED SINCE 1-Jan-2024\r\n",
	"a0003 SELECT \"INBOX\"\r\na0004 FETCH 1:20 (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (DATE FROM SENDER SUBJECT TO CC MESSAGE-ID REFERENCES CONTENT-TYPE CONTENT-DESCRIPTION IN-REPLY-TO REPLY-TO LINES LIST-POST X-LABEL)])\r\n",
	"a0005 UID STORE 7 FLAGS.SILENT (\\Seen \\Flagged)\r\na0006 EXPUNGE\r\n",
	"a0007 APPEND \"Sent\" (\\Seen) {11}\r\nHello World\r\n",
	"2 APPEND INBOX (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {3+}\r\nabc ~{2+}\r\nxy\r\n",
	"3 UID MOVE 1:5 \"[Gmail]/Trash\"\r\n4 UID EXPUNGE 1:5\r\n",
	"5 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541 (1:3 5:7)))\r\n",
	"6 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n",
	"7 SEARCH CHARSET UTF-8 OR (FROM {3+}\r\nbob NOT SEEN) (HEADER X-Foo \"\" MODSEQ \"/flags/\\\\draft\" all 5)\r\n",
	"8 FETCH 1 (BODY[1.2.HEADER.FIELDS.NOT (X-A)]<0.100> BINARY.PEEK[1]<5.6> BINARY.SIZE[2] BODY[3.MIME])\r\n",
	"9 CREATE \"Entw&APw-rfe\" (USE (\\Drafts))\r\n10 RENAME a b\r\n11 DELETE {1}\r\nx\r\n",
	"12 LOGIN {4+}\r\nfred {6}\r\nsecret\r\n13 NAMESPACE\r\n",
	"14 SEARCH NOT NOT (OR 1:3 $ (UID 5,7:*))\r\n15 COPY $ Archive\r\n",
	"x STORE 1 (UNCHANGEDSINCE 7) -FLAGS $Junk \\Deleted\r\n",
	"bad\r\n\r\nz FOO {5+}\r\nhello\r\ny NOOP\r\n",
	"a AUTHENTICATE PLAIN AGZyZWQAcHc=\r\nb AUTHENTICATE XOAUTH2 =\r\n",
	// 4294967295 is a number, "*" the largest number in use.
	"a UID SEARCH UID 7:4294967295\r\nb UID FETCH 3:4294967295 (UID)\r\nc UID STORE 4294967295:* +FLAGS (\\Seen)\r\nd UID EXPUNGE 4294967295,*\r\n",
	"e SELECT INBOX (QRESYNC (1 2 1:4294967295 (1,2:4294967295 1,2:4294967295)))\r\nf UID MOVE 1:4294967295 Trash\r\n",
	"bad FETCH 4294967296 (UID)\r\ng UID COPY 0:4294967295 x\r\n",
	// "~" is an atom character unless "{" follows (a literal8).
	"a LIST \"\" ~foo\r\nb LIST ~ (~f% ~)\r\nc SELECT ~foo\r\nd SEARCH SUBJECT ~s KEYWORD ~k\r\ne APPEND ~foo (~flag) ~{3+}\r\nabc\r\n",
	"bad CREATE ~{3+}\r\nabc\r\ny SETMETADATA INBOX (/private/c ~v)\r\nz LIST \"\" ~{1}\r\n",
}

func FuzzReadCommand(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, utf8 := range []bool{false, true} {
			d := wire.NewDecoder(strings.NewReader(string(data)), wire.DecoderOptions{
				MaxLine: 256, MaxLiteral: 1024, Continue: func() error { return nil }})
			p := NewParser(d)
			p.UTF8 = utf8
			drive(t, p, len(data))
		}
	})
}

// drive parses commands until the stream ends or breaks; every step must
// consume input, so the number of commands is bounded by its length.
func drive(t *testing.T, p *Parser, n int) {
	for i := 0; i <= n+1; i++ {
		cmd, err := p.ReadCommand()
		var perr *Error
		if errors.As(err, &perr) {
			if perr.Fatal {
				return
			}
			continue
		}
		if err != nil {
			return
		}
		if cmd.Name != "APPEND" {
			continue
		}
		for j := 0; j <= n; j++ {
			m, r, err := p.ReadAppendMessage()
			if err != nil {
				break
			}
			got, err := io.Copy(io.Discard, r)
			if err != nil {
				return
			}
			if got != m.Size {
				t.Fatalf("literal of %d bytes gave %d", m.Size, got)
			}
			more, err := p.AppendEnd()
			if err != nil || !more {
				break
			}
		}
	}
	t.Fatalf("more commands than bytes in %d bytes of input", n)
}

// FuzzParseNumSet: a set that parses prints as a set that parses to the
// same value, and only "*" reads as Star.
func FuzzParseNumSet(f *testing.F) {
	for _, s := range []string{"1", "*", "1:*", "3:4294967295", "4294967295:*", "5:2,7,9:*", "$", "0", "4294967296"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseNumSet(s)
		if err != nil {
			return
		}
		again, err := ParseNumSet(set.String())
		if err != nil || !slices.Equal(again.Ranges, set.Ranges) || again.Dollar != set.Dollar {
			t.Fatalf("ParseNumSet(%q) = %v, printed %q, parsed again %v, %v", s, set, set.String(), again, err)
		}
		if set.HasStar() != strings.Contains(s, "*") {
			t.Fatalf("ParseNumSet(%q).HasStar() = %v", s, set.HasStar())
		}
	})
}

func TestFuzzSeeds(t *testing.T) {
	for _, s := range fuzzSeeds {
		p := newTestParser(s, wire.DecoderOptions{})
		for {
			cmd, err := p.ReadCommand()
			if err == io.EOF {
				break
			}
			var perr *Error
			if errors.As(err, &perr) && strings.HasPrefix(s, "bad") {
				continue
			}
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			if cmd.Name == "APPEND" {
				for {
					_, r, err := p.ReadAppendMessage()
					if err != nil {
						t.Fatalf("%q: %v", s, err)
					}
					_, _ = io.Copy(io.Discard, r)
					if more, err := p.AppendEnd(); err != nil || !more {
						break
					}
				}
			}
			if cmd.Name == "IDLE" {
				if line, err := p.ReadLine(); string(line) != "DONE" || err != nil {
					t.Fatalf("%q: DONE: %q %v", s, line, err)
				}
			}
		}
	}
}
