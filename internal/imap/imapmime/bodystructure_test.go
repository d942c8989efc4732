package imapmime

import (
	"bytes"
	"strings"
	"testing"
)

// A top-level text/plain part with nothing but the defaults (charset
// us-ascii, 7bit, no other Content-* field) is reported in lower case
// whatever its header says, as Dovecot does; a header with neither
// MIME-Version nor Content-Type has no MIME fields (RFC 2045 §4), so its
// Content-Transfer-Encoding shows as 7bit, while BINARY still decodes it
// as Dovecot's decoder does.
func TestBodyStructurePlainAndNonMIME(t *testing.T) {
	cases := []struct{ name, msg, body string }{
		{"upper-case defaults", "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\nContent-Transfer-Encoding: 7BIT\r\n\r\nhi\r\n",
			`("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 1 NIL NIL NIL NIL)`},
		{"mixed case, no parameter", "MIME-Version: 1.0\r\nContent-Type: Text/Plain\r\n\r\nhi\r\n",
			`("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 1 NIL NIL NIL NIL)`},
		{"quoted charset", "Content-Type: text/PLAIN; charset=\"Us-Ascii\"\r\n\r\nhi\r\n",
			`("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 1 NIL NIL NIL NIL)`},
		{"another parameter", "Content-Type: TEXT/PLAIN; charset=US-ASCII; format=flowed\r\n\r\nhi\r\n",
			`("TEXT" "PLAIN" ("charset" "US-ASCII" "format" "flowed") NIL NIL "7bit" 4 1 NIL NIL NIL NIL)`},
		{"another charset", "Content-Type: TEXT/PLAIN; CHARSET=UTF-8\r\n\r\nhi\r\n",
			`("TEXT" "PLAIN" ("CHARSET" "UTF-8") NIL NIL "7bit" 4 1 NIL NIL NIL NIL)`},
		{"Content-ID", "Content-Type: TEXT/PLAIN\r\nContent-ID: <x@y>\r\n\r\nhi\r\n",
			`("TEXT" "PLAIN" ("charset" "us-ascii") "<x@y>" NIL "7bit" 4 1 NIL NIL NIL NIL)`},
		{"Content-Language", "Content-Type: TEXT/PLAIN\r\nContent-Language: de\r\n\r\nhi\r\n",
			`("TEXT" "PLAIN" ("charset" "us-ascii") NIL NIL "7bit" 4 1 NIL NIL ("de") NIL)`},
		{"8bit", "Content-Type: TEXT/PLAIN\r\nContent-Transfer-Encoding: 8BIT\r\n\r\nhi\r\n",
			`("TEXT" "PLAIN" ("charset" "us-ascii") NIL NIL "8BIT" 4 1 NIL NIL NIL NIL)`},
		{"text/html", "Content-Type: TEXT/HTML\r\n\r\nhi\r\n",
			`("TEXT" "HTML" ("charset" "us-ascii") NIL NIL "7bit" 4 1 NIL NIL NIL NIL)`},
		{"not MIME: Content-* ignored", "Subject: x\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment\r\nContent-ID: <i@d>\r\n\r\naGk=\r\n",
			`("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 1 NIL NIL NIL NIL)`},
		{"MIME-Version alone makes it MIME", "MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n",
			`("text" "plain" ("charset" "us-ascii") NIL NIL "base64" 6 1 NIL NIL NIL NIL)`},
		// Only the top level: inside a message/rfc822 part the fields keep
		// their case, and a non-MIME encapsulated header loses its
		// Content-* fields there too.
		{"encapsulated", "Content-Type: message/rfc822\r\n\r\nContent-Type: TEXT/PLAIN\r\n\r\nx\r\n",
			`("message" "rfc822" NIL NIL NIL "7bit" 31 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("TEXT" "PLAIN" ("charset" "us-ascii") NIL NIL "7bit" 3 1 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)`},
		{"encapsulated, not MIME", "Content-Type: message/rfc822\r\n\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-ID: <a>\r\n\r\nx\r\n",
			`("message" "rfc822" NIL NIL NIL "7bit" 67 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 3 1 NIL NIL NIL NIL) 4 NIL NIL NIL NIL)`},
		// Body parts of a multipart are MIME without either field.
		{"body part", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: BASE64\r\n\r\naGk=\r\n--b--\r\n",
			`(("text" "plain" ("charset" "us-ascii") NIL NIL "BASE64" 4 0 NIL NIL NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := parseString(t, c.msg)
			if got := string(AppendBodyStructure(nil, m, true, false)); got != c.body {
				t.Errorf("BODYSTRUCTURE\n got %s\nwant %s", got, c.body)
			}
			// BODY is BODYSTRUCTURE without the extension data.
			body := c.body
			for _, ext := range []string{" NIL NIL NIL NIL)", ` NIL NIL ("de") NIL)`} {
				body = strings.ReplaceAll(body, ext, ")")
			}
			if got := string(AppendBodyStructure(nil, m, false, false)); !strings.HasPrefix(c.name, "encapsulated") && !strings.HasPrefix(c.name, "body part") && got != body {
				t.Errorf("BODY\n got %s\nwant %s", got, body)
			}
		})
	}

	// BINARY of the non-MIME base64 body decodes it (Dovecot's decoder
	// reads Content-Transfer-Encoding whatever MIME-Version says).
	msg := "Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n"
	m := parseString(t, msg)
	rd, size, _, err := BinarySectionLiteral8(m, strings.NewReader(msg), []int{1})
	if err != nil {
		t.Fatal(err)
	}
	if data := readAll(rd); !bytes.Equal(data, []byte("hi")) || size != 2 {
		t.Errorf("BINARY[1] = %q (size %d), want \"hi\"", data, size)
	}
}
