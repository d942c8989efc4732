package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roost/internal/mime"
)

// The same seed gives the same bytes; another seed gives other messages.
// The digest pins the set: a change of the generator changes what every
// benchmark stores, so it must be deliberate (update the digest).
func TestGeneratorDeterministic(t *testing.T) {
	a, b := Generator{Seed: 7}.Messages(50), Generator{Seed: 7}.Messages(50)
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("message %d differs between two runs with the same seed", i+1)
		}
	}
	if bytes.Equal(Generator{Seed: 8}.Message(1), a[0]) {
		t.Fatal("seeds 7 and 8 gave the same message 1")
	}
	h := sha256.New()
	set := Generator{Seed: DefaultSeed}.Messages(DefaultMessageCount)
	for _, m := range set {
		h.Write(m)
	}
	if got, want := fmt.Sprintf("%x", h.Sum(nil))[:16], "f6665ea4ecdc5cc4"; got != want {
		t.Errorf("digest of the default set = %s, want %s", got, want)
	}
}

// Every message parses with internal/mime into what the generator wrote:
// decoded RFC 2047 headers, multiparts with attachments, unique
// Message-IDs, CRLF only, and sizes from small to large.
func TestGeneratorShapes(t *testing.T) {
	msgs := Generator{Seed: DefaultSeed}.Messages(DefaultMessageCount)
	ids := map[string]int{}
	var attachments, alternatives, encodedWords, decodedNonASCII, replies int
	minSize, maxSize := len(msgs[0]), 0
	for i, raw := range msgs {
		if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
			t.Fatalf("message %d has a bare LF", i+1)
		}
		minSize, maxSize = min(minSize, len(raw)), max(maxSize, len(raw))
		m := mime.ParseBytes(raw)
		var id, subject, from string
		for _, f := range m.Headers {
			switch strings.ToLower(f.Name) {
			case "message-id":
				id = f.Value
			case "subject":
				subject = f.Value
			case "from":
				from = f.Value
			case "in-reply-to":
				replies++
			}
		}
		if id == "" || ids[id] != 0 {
			t.Fatalf("message %d: Message-ID %q missing or also in message %d", i+1, id, ids[id])
		}
		ids[id] = i + 1
		if strings.Contains(subject, "=?") || strings.Contains(from, "=?") {
			t.Fatalf("message %d: encoded-word left undecoded: %q / %q", i+1, subject, from)
		}
		if bytes.Contains(raw, []byte("=?UTF-8?")) {
			encodedWords++
		}
		if !isASCII(subject + from) {
			decodedNonASCII++
		}
		if m.Date.IsZero() {
			t.Fatalf("message %d: no date", i+1)
		}
		walk(m.Root, func(p *mime.Part) {
			if strings.EqualFold(p.Disposition, "attachment") {
				attachments++
				if p.Encoding != "base64" {
					t.Errorf("message %d: attachment encoded %q", i+1, p.Encoding)
				}
			}
			if strings.EqualFold(p.Subtype, "alternative") {
				alternatives++
			}
		})
		if !strings.Contains(m.BodyText, ".") {
			t.Fatalf("message %d: no body text found: %q", i+1, m.BodyText)
		}
	}
	if attachments < 20 || alternatives < 20 || encodedWords < 50 || decodedNonASCII < 50 || replies < 20 {
		t.Errorf("too little variety in %d messages: %d attachments, %d multipart/alternative, %d with encoded-words, %d with non-ASCII headers, %d replies",
			len(msgs), attachments, alternatives, encodedWords, decodedNonASCII, replies)
	}
	if minSize > 2000 || maxSize < 500_000 || maxSize > 2_200_000 {
		t.Errorf("sizes from %d to %d bytes, want some under 2 KB and some over 500 KB (at most 2.2 MB)", minSize, maxSize)
	}
}

func walk(p *mime.Part, f func(*mime.Part)) {
	f(p)
	for _, c := range p.Children {
		walk(c, f)
	}
}

// --messages DIR stores those files instead of the built-in set.
func TestMessagesFlag(t *testing.T) {
	dir := t.TempDir()
	var want [][]byte
	set := Generator{Seed: 99}.Messages(3)
	for i, m := range set {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.eml", i)), m, 0o644); err != nil {
			t.Fatal(err)
		}
		want = append(want, m)
	}
	got, err := loadMessages(dir)
	if err != nil || len(got) != 3 || !bytes.Equal(got[2], want[2]) {
		t.Fatalf("loadMessages = %d messages, %v", len(got), err)
	}
	addr := startRoost(t)
	var stdout, stderr strings.Builder
	code := realMain([]string{"-addr", addr, "-pass", testPass, "-users", "3", "-messages", dir,
		"-workloads", "append", "-append-clients", "1", "-append-count", "3"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), fmt.Sprintf("bytes=%d", totalSize(want))) {
		t.Errorf("stdout %q lacks bytes=%d", stdout.String(), totalSize(want))
	}
	code = realMain([]string{"-addr", addr, "-pass", testPass, "-messages", t.TempDir(), "-workloads", "append"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "imapload: --messages: no .eml files in") {
		t.Errorf("empty --messages dir: exit %d, stderr %q", code, stderr.String())
	}
}

// serverCPU reads this process's CPU time, which grows with work.
func TestServerCPU(t *testing.T) {
	before, err := serverCPU(os.Getpid(), false)
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	deadline := time.Now().Add(100 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	after, err := serverCPU(os.Getpid(), true)
	if err != nil || after <= before {
		t.Fatalf("CPU time %v then %v (%v), want it to grow", before, after, err)
	}
}
