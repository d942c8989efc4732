package mime

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// preview parses msg and computes its preview.
func preview(t *testing.T, msg string) string {
	t.Helper()
	p, err := Preview(ParseBytes([]byte(msg)), strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPreview(t *testing.T) {
	long := strings.Repeat("word ", 100)
	tests := []struct {
		name, msg, want string
	}{
		{"plain", "Subject: x\r\n\r\nHello,\r\n\r\n  this is   the body.\r\n", "Hello, this is the body."},
		{"no body", "Subject: x\r\n\r\n", ""},
		{"qp latin1", "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 =\r\nnoir\r\n", "Café noir"},
		{"html only", "Content-Type: text/html\r\n\r\n<html><head><title>T</title><style>p{x:y}</style></head><body><p>Hi&nbsp;there &amp; <b>you</b></p><!-- c --><script>var a;</script></body></html>\r\n", "Hi there & you"},
		{"plain preferred over html", "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b\r\nContent-Type: text/plain\r\n\r\nplain text\r\n--b--\r\n", "plain text"},
		{"attachment skipped", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nfile\r\n--b\r\nContent-Type: image/png\r\n\r\nxx\r\n--b--\r\n", ""},
		{"base64", "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n", "hello world"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := preview(t, tt.msg); got != tt.want {
				t.Errorf("Preview = %q, want %q", got, tt.want)
			}
		})
	}
	got := preview(t, "Subject: x\r\n\r\n"+long+"\r\n")
	// 40 words are 199 characters; the space before a 41st would be the
	// 200th, and a preview never ends in a space.
	if got != strings.TrimSpace(strings.Repeat("word ", 40)) {
		t.Errorf("long preview = %q (%d chars)", got, utf8.RuneCountInString(got))
	}
	got = preview(t, "Subject: x\r\n\r\n"+strings.Repeat("é", 300)+"\r\n")
	if got != strings.Repeat("é", PreviewMaxChars) {
		t.Errorf("multi-byte preview has %d chars", utf8.RuneCountInString(got))
	}
}
