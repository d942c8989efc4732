package sqlite

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roost/internal/mime"
)

// stagedSample exercises every string the parse result holds: envelope
// addresses and groups, encoded words, Content-* fields and parameters,
// an encapsulated message, and decoded text in several encodings.
const stagedSample = "From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>\r\n" +
	"To: team: a@example.org, \"B\" <b@example.org>;\r\n" +
	"Subject: =?iso-8859-1?q?caf=E9?= staging\r\n" +
	"Date: Tue, 03 Mar 2026 10:00:00 +0100\r\n" +
	"Message-ID: <s-1@example.org>\r\n" +
	"In-Reply-To: <s-0@example.org>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: text/plain; charset=iso-8859-1; format=flowed\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"Content-ID: <part1@example.org>\r\n" +
	"Content-Description: first\r\n" +
	"Content-Language: en, de\r\n" +
	"\r\n" +
	"caf=E9 au lait=\r\n and more\r\n" +
	"--outer\r\n" +
	"Content-Type: message/rfc822\r\n" +
	"Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.eml\r\n" +
	"\r\n" +
	"From: inner@example.org\r\n" +
	"Subject: inner\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+aGVsbG8gd29ybGQ8L3A+\r\n" +
	"--outer--\r\n"

// TestParseStagedDoesNotAliasTheFile parses a staged file (mapped where
// the platform can), then checks the result against parsing a heap copy
// after the file has been overwritten and removed: a string still pointing
// into the removed mapping would fault or differ.
func TestParseStagedDoesNotAliasTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "staged")
	if err := os.WriteFile(path, []byte(stagedSample), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := parseStaged(path, int64(len(stagedSample)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Repeat([]byte{'#'}, len(stagedSample)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	want := mime.ParseBytes([]byte(stagedSample))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("parseStaged differs from parsing in memory (-want +got):\n%s", diff)
	}
	if got.BodyText == "" || len(got.Headers) != 8 || got.Root.Children[1].Message == nil {
		t.Fatalf("sample parsed too little: %d headers, body text %q", len(got.Headers), got.BodyText)
	}
}

// TestParseStagedEmpty: an empty file cannot be mapped and still parses.
func TestParseStagedEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := parseStaged(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mime.ParseBytes(nil), got); diff != "" {
		t.Fatalf("empty message (-want +got):\n%s", diff)
	}
}
