package server

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"roost/internal/imap/golden"
	"roost/internal/store"
)

var goldenSearch = regexp.MustCompile(`^SEARCH (CHARSET UTF-8 )?([A-Z ]+?) "(.*)"$`)

// TestFetchGoldenCorpus replays the Dovecot reference captures of the shared
// corpus (shared/corpus/README.md) over IMAP: every message is appended
// with the same internal date, and every recorded FETCH and SEARCH is sent
// as "FETCH <seq> <item>" / "SEARCH ... <seq> KEY term". The untagged data
// must be byte-identical and the tagged status the same.
//
// goldenKnownDiffs lists the responses that differ today. They come from
// message parsing (internal/mime, imapmime: BINARY of base64-encoded
// message/rfc822 parts and Dovecot's whole-message BINARY.SIZE failures,
// see the corpus README points 3 and 4) and from the few SEARCH terms
// Dovecot itself does not match; the FETCH/SEARCH plumbing of this package
// shows no difference. A listed response may start to match; any other
// difference fails the test.
func TestFetchGoldenCorpus(t *testing.T) {
	corpus, err := golden.Find()
	if err != nil {
		t.Fatal(err)
	}
	names, err := corpus.Messages()
	if err != nil {
		t.Fatal(err)
	}
	e := newMsgEnv(t)
	ctx := context.Background()
	inbox := e.mailbox("INBOX")
	date := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range names {
		raw, err := corpus.Message(n)
		if err != nil {
			t.Fatal(err)
		}
		staged, err := e.store.Stage(ctx, bytes.NewReader(raw), 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.store.Append(ctx, inbox.ID, []store.AppendMessage{{Staged: staged, InternalDate: date}}); err != nil {
			t.Fatal(err)
		}
	}
	c := e.dial("INBOX")

	diffs, known, blocks := 0, 0, 0
	for i, n := range names {
		g, err := corpus.Golden(n)
		if err != nil {
			t.Fatal(err)
		}
		seq := i + 1
		for _, b := range g.Blocks {
			blocks++
			command := "FETCH " + itoa(seq) + " " + b.Item
			if m := goldenSearch.FindStringSubmatch(b.Item); m != nil {
				term := m[3]
				arg := `"` + term + `"`
				if strings.IndexFunc(term, func(r rune) bool { return r < 0x20 || r >= 0x7f }) >= 0 {
					arg = "{" + itoa(len(term)) + "}\r\n" + term
				}
				command = "SEARCH " + m[1] + itoa(seq) + " " + m[2] + " " + arg
			}
			untagged, status := c.run(command)
			data := ""
			for _, u := range untagged {
				data += u + "\r\n"
			}
			if data == string(b.Data) && status == b.Status {
				continue
			}
			key := n + " " + b.Item
			if goldenKnownDiffs[key] {
				known++
				continue
			}
			diffs++
			if diffs <= 20 {
				t.Errorf("%s:\n got %q %q\nwant %q %q", key, clip(data), status, clip(string(b.Data)), b.Status)
			}
		}
	}
	t.Logf("%d of %d recorded responses differ as listed, %d otherwise", known, blocks, diffs)
	if blocks != 10069 {
		t.Fatalf("replayed %d responses, want 10069", blocks)
	}
	if diffs > 0 {
		t.Fatalf("%d responses differ from Dovecot's", diffs)
	}
}

var goldenKnownDiffs = map[string]bool{
	"0001.eml BINARY.PEEK[1]":                              true,
	"0001.eml BINARY.SIZE[1]":                              true,
	"0004.eml BINARY.PEEK[1]":                              true,
	"0004.eml BINARY.SIZE[1]":                              true,
	"0035.eml BINARY.SIZE[1]":                              true,
	"0035.eml BINARY.SIZE[2.1]":                            true,
	"0035.eml BINARY.SIZE[2.2.1]":                          true,
	"0043.eml BINARY.PEEK[1]":                              true,
	"0043.eml BINARY.SIZE[1]":                              true,
	"0049.eml BINARY.SIZE[1]":                              true,
	"0049.eml BINARY.SIZE[2]":                              true,
	"0049.eml BINARY.SIZE[3.1]":                            true,
	"0049.eml BINARY.SIZE[4]":                              true,
	"0049.eml BINARY.SIZE[5]":                              true,
	"0049.eml BINARY.SIZE[5.1]":                            true,
	"0064.eml SEARCH CHARSET UTF-8 BODY \"DISCOVERÃ\"":     true,
	"0069.eml BINARY.SIZE[1]":                              true,
	"0083.eml SEARCH CHARSET UTF-8 BODY \"스티해\"":           true,
	"0110.eml BINARY.SIZE[1]":                              true,
	"0116.eml BINARY.SIZE[1]":                              true,
	"0133.eml BINARY.SIZE[1]":                              true,
	"0135.eml BINARY.SIZE[1]":                              true,
	"0147.eml BINARY.SIZE[1]":                              true,
	"0147.eml BINARY.SIZE[3]":                              true,
	"0149.eml BINARY.SIZE[1]":                              true,
	"0150.eml BINARY.SIZE[1]":                              true,
	"0151.eml BINARY.SIZE[1]":                              true,
	"0153.eml BINARY.SIZE[1]":                              true,
	"0170.eml BINARY.PEEK[6]":                              true,
	"0170.eml BINARY.SIZE[6]":                              true,
	"0181.eml BINARY.SIZE[1]":                              true,
	"0181.eml BINARY.SIZE[3]":                              true,
	"0190.eml BINARY.SIZE[1]":                              true,
	"0248.eml BINARY.SIZE[1.1]":                            true,
	"0248.eml BINARY.SIZE[1.2]":                            true,
	"0266.eml BINARY.SIZE[1]":                              true,
	"0266.eml BINARY.SIZE[2]":                              true,
	"0266.eml BINARY.SIZE[4]":                              true,
	"0266.eml BINARY.SIZE[5]":                              true,
	"0266.eml BINARY.SIZE[5.1]":                            true,
	"0273.eml BINARY.PEEK[2]":                              true,
	"0273.eml BINARY.SIZE[2]":                              true,
	"0293.eml BINARY.SIZE[1]":                              true,
	"0306.eml BINARY.SIZE[1]":                              true,
	"0306.eml BINARY.SIZE[2.2]":                            true,
	"0307.eml BINARY.SIZE[1.2]":                            true,
	"0307.eml BINARY.SIZE[2]":                              true,
	"0326.eml BINARY.SIZE[1]":                              true,
	"0326.eml BINARY.SIZE[2.2]":                            true,
	"0352.eml BINARY.SIZE[1]":                              true,
	"0354.eml BINARY.SIZE[2]":                              true,
	"0378.eml SEARCH TEXT \"manufacturing\"":               true,
	"0378.eml SEARCH CHARSET UTF-8 BODY \"manufacturing\"": true,
	"0410.eml BINARY.SIZE[1.1]":                            true,
	"0410.eml BINARY.SIZE[1.2]":                            true,
	"0410.eml BINARY.SIZE[1.4]":                            true,
	"0431.eml BINARY.SIZE[1.1]":                            true,
	"0431.eml BINARY.SIZE[1.2]":                            true,
	"0461.eml BINARY.PEEK[1]":                              true,
	"0461.eml BINARY.SIZE[1]":                              true,
	"0462.eml BINARY.SIZE[1]":                              true,
	"0462.eml BINARY.SIZE[2]":                              true,
	"0462.eml BINARY.SIZE[3]":                              true,
	"0462.eml BINARY.SIZE[4]":                              true,
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "..."
	}
	return s
}
