package main

// The built-in message set: deterministic (the same seed gives the same
// bytes on every machine and Go version, math/rand/v2's PCG being fully
// specified), and shaped like real mail so that APPEND, parsing and FETCH
// do realistic work on any server without a corpus:
//   - sizes from a few hundred bytes to about 2 MB (most small, a few
//     large), as in a real mailbox;
//   - text/plain (some UTF-8 quoted-printable), multipart/alternative with
//     HTML, and multipart/mixed with one to three base64 attachments;
//   - RFC 2047 encoded-words in From, To and Subject (Q and B encodings),
//     RFC 2231 encoded attachment file names;
//   - a unique Message-ID per (seed, index), replies that refer to earlier
//     messages by In-Reply-To and References.

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	stdmime "mime"
	"mime/quotedprintable"
	"net/url"
	"strings"
	"time"
)

// DefaultSeed and DefaultMessageCount make the set the workloads use when
// no --messages directory is given.
const (
	DefaultSeed         = 1
	DefaultMessageCount = 200
)

// Generator makes message i (1-based) of the set named by Seed.
type Generator struct{ Seed uint64 }

// Messages returns messages 1..n.
func (g Generator) Messages(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = g.Message(i + 1)
	}
	return out
}

// messageID is the Message-ID of message i: unique per seed and index, and
// known without generating the message (replies refer to it).
func (g Generator) messageID(i int) string {
	return fmt.Sprintf("<%d.%d.imapload@generated.example>", g.Seed, i)
}

type person struct{ name, addr string }

// people: the non-ASCII names need RFC 2047 encoded-words in a header.
var people = []person{
	{"Alice Martin", "alice@example.com"}, {"Jürgen Weiß", "juergen@example.de"},
	{"Zoë Ødegaard", "zoe@example.no"}, {"山田 太郎", "yamada@example.jp"},
	{"Bob O'Neil", "bob@example.org"}, {"Élodie Château", "elodie@example.fr"},
	{"Иван Петров", "ivan@example.ru"}, {"Carol Smith", "carol@example.net"},
	{"", "noreply@notifications.example.com"}, {"Dana Kowalska-Nowak", "dana@example.pl"},
}

var subjects = []string{
	"Quarterly figures", "Meeting moved to Thursday", "Rückmeldung zum Angebot",
	"Draft for review", "Réunion de lundi", "Staging build is out", "会議の議事録",
	"Invoice 2024-%d", "Your weekly digest", "Отчёт за неделю", "Lunch?", "Photos from the trip",
}

var sentences = []string{
	"Please find the quarterly figures attached below for your review.",
	"The meeting has been moved to Thursday afternoon in the usual room.",
	"Let me know if anything in the draft needs another pass before Friday.",
	"We shipped the new build to the staging environment this morning.",
	"Thanks again for the quick turnaround on the last round of changes.",
	"Viele Grüße aus München, und danke für die schnelle Antwort.",
	"Merci beaucoup, à bientôt — le café était excellent.",
	"The numbers line up with what we discussed on the call last week.",
}

var attachmentKinds = []struct{ typ, ext, magic string }{
	{"application/pdf", "pdf", "%PDF-1.7\n"}, {"image/png", "png", "\x89PNG\r\n\x1a\n"},
	{"image/jpeg", "jpg", "\xff\xd8\xff\xe0"}, {"application/zip", "zip", "PK\x03\x04"},
}

var attachmentNames = []string{"report", "Rückblick", "photo", "scan", "résumé", "data"}

// Message builds message i of the set.
func (g Generator) Message(i int) []byte {
	r := rand.New(rand.NewPCG(g.Seed, uint64(i)))
	var b bytes.Buffer
	from := people[r.IntN(len(people))]
	fmt.Fprintf(&b, "From: %s\r\n", address(r, from))
	to := []string{}
	for range 1 + r.IntN(3) {
		to = append(to, address(r, people[r.IntN(len(people))]))
	}
	fmt.Fprintf(&b, "To: %s\r\n", strings.Join(to, ",\r\n "))
	if r.IntN(4) == 0 {
		fmt.Fprintf(&b, "Cc: %s\r\n", address(r, people[r.IntN(len(people))]))
	}
	subject := subjects[r.IntN(len(subjects))]
	if strings.Contains(subject, "%d") {
		subject = fmt.Sprintf(subject, i)
	}
	reply := i > 1 && r.IntN(4) == 0
	if reply {
		subject = "Re: " + subject
	}
	fmt.Fprintf(&b, "Subject: %s\r\n", encodeHeader(r, subject))
	// Dates spread over a year in a scrambled order, in several zones.
	date := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(525600)) * time.Minute)
	zone := time.FixedZone("", []int{0, 3600, -5 * 3600, 9 * 3600, 5*3600 + 1800}[r.IntN(5)])
	fmt.Fprintf(&b, "Date: %s\r\n", date.In(zone).Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: %s\r\n", g.messageID(i))
	if reply {
		parent := 1 + r.IntN(i-1)
		fmt.Fprintf(&b, "In-Reply-To: %s\r\nReferences: %s\r\n", g.messageID(parent), g.messageID(parent))
	}
	b.WriteString("MIME-Version: 1.0\r\n")

	switch k := r.IntN(100); {
	case k < 55: // plain text, 300 B to 6 KB
		writeText(&b, r, 300+r.IntN(6000))
	case k < 80: // text and HTML alternatives, 2 to 20 KB
		writeAlternative(&b, r, 1000+r.IntN(9000))
	case k < 97: // a text with one to three attachments of 2 to 120 KB
		writeMixed(&b, r, 1+r.IntN(3), 2<<10, 120<<10)
	default: // one large attachment, 0.5 to 1.5 MB (base64: up to about 2 MB)
		writeMixed(&b, r, 1, 512<<10, 1536<<10)
	}
	return b.Bytes()
}

// address writes a mailbox with its display name, encoded if not ASCII.
func address(r *rand.Rand, p person) string {
	if p.name == "" {
		return p.addr
	}
	name := encodeHeader(r, p.name)
	if name == p.name && strings.ContainsAny(name, "'.,") {
		name = `"` + name + `"`
	}
	return name + " <" + p.addr + ">"
}

// encodeHeader makes RFC 2047 encoded-words of non-ASCII text, Q or B at
// random (mail in the wild uses both).
func encodeHeader(r *rand.Rand, s string) string {
	enc := stdmime.QEncoding
	if r.IntN(2) == 0 {
		enc = stdmime.BEncoding
	}
	return enc.Encode("UTF-8", s)
}

// paragraph returns about n bytes of sentences.
func paragraph(r *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(sentences[r.IntN(len(sentences))])
		if r.IntN(4) == 0 {
			b.WriteString("\r\n\r\n")
		} else {
			b.WriteString(" ")
		}
	}
	return b.String()
}

// writeText writes a text/plain body of about n bytes (a header block
// continuation: Content-Type, blank line, body).
func writeText(b *bytes.Buffer, r *rand.Rand, n int) {
	text := "Hello,\r\n\r\n" + paragraph(r, n) + "\r\n\r\n-- \r\nSent by the load generator\r\n"
	if !isASCII(text) || r.IntN(3) == 0 {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		w := quotedprintable.NewWriter(b)
		w.Write([]byte(text))
		w.Close()
		b.WriteString("\r\n")
		return
	}
	b.WriteString("Content-Type: text/plain; charset=us-ascii\r\n\r\n")
	b.WriteString(text)
}

func writeAlternative(b *bytes.Buffer, r *rand.Rand, n int) {
	boundary := fmt.Sprintf("=_alt_%016x", r.Uint64())
	fmt.Fprintf(b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary)
	b.WriteString("This is a multi-part message in MIME format.\r\n")
	text := paragraph(r, n)
	fmt.Fprintf(b, "--%s\r\n", boundary)
	writeText(b, r, n)
	fmt.Fprintf(b, "--%s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary)
	w := quotedprintable.NewWriter(b)
	fmt.Fprintf(w, "<html><body><p>%s</p></body></html>", strings.ReplaceAll(text, "\r\n\r\n", "</p>\r\n<p>"))
	w.Close()
	fmt.Fprintf(b, "\r\n--%s--\r\n", boundary)
}

// writeMixed writes a text (or text and HTML) part and count attachments
// of min to max bytes each.
func writeMixed(b *bytes.Buffer, r *rand.Rand, count, minSize, maxSize int) {
	boundary := fmt.Sprintf("=_mixed_%016x", r.Uint64())
	fmt.Fprintf(b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary)
	fmt.Fprintf(b, "--%s\r\n", boundary)
	if r.IntN(2) == 0 {
		writeText(b, r, 200+r.IntN(2000))
	} else {
		writeAlternative(b, r, 200+r.IntN(2000))
	}
	for range count {
		kind := attachmentKinds[r.IntN(len(attachmentKinds))]
		name := fmt.Sprintf("%s-%d.%s", attachmentNames[r.IntN(len(attachmentNames))], r.IntN(1000), kind.ext)
		fmt.Fprintf(b, "--%s\r\nContent-Type: %s; name=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n", boundary, kind.typ, stdmime.QEncoding.Encode("UTF-8", name))
		if isASCII(name) {
			fmt.Fprintf(b, "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n", name)
		} else { // RFC 2231 §4
			fmt.Fprintf(b, "Content-Disposition: attachment; filename*=UTF-8''%s\r\n\r\n", url.PathEscape(name))
		}
		size := minSize + r.IntN(maxSize-minSize+1)
		data := make([]byte, size+8) // random 8 bytes at a time, cut to size
		for j := 0; j < size; j += 8 {
			binary.LittleEndian.PutUint64(data[j:], r.Uint64())
		}
		data = data[:size]
		copy(data, kind.magic)
		writeBase64(b, data)
	}
	fmt.Fprintf(b, "--%s--\r\n", boundary)
}

// writeBase64 writes data in lines of 76 characters (RFC 2045 §6.8).
func writeBase64(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
