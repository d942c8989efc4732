package mime

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const codecSample = "From: \"A, B\" <a@example.org>, group: c@d;\r\n" +
	"Date: Tue, 3 Feb 2009 04:05:06 +0100\r\n" +
	"Subject: =?utf-8?q?caf=C3=A9?=\r\n" +
	"Content-Type: multipart/mixed; boundary=b\r\n" +
	"\r\n" +
	"--b\r\n" +
	"Content-Type: text/plain; charset=iso-8859-1\r\n" +
	"Content-Disposition: inline; filename=x.txt\r\n" +
	"Content-Language: de, fr\r\n" +
	"\r\n" +
	"caf\xe9\r\n" +
	"--b\r\n" +
	"Content-Type: message/rfc822\r\n" +
	"\r\n" +
	"Subject: inner\r\n" +
	"\r\n" +
	"inner body\r\n" +
	"--b--\r\n"

func TestMarshalRoundTrip(t *testing.T) {
	m := ParseBytes([]byte(codecSample))
	b, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Date.Equal(m.Date) {
		t.Fatalf("date %v, want %v", got.Date, m.Date)
	}
	got.Date = m.Date
	if diff := cmp.Diff(m, got); diff != "" {
		t.Fatalf("round trip differs (-want +got):\n%s", diff)
	}
	if m.Date.Unix() != 1233630306 {
		t.Fatalf("date %v", m.Date)
	}
	if m.BodyText != "café\nSubject: inner\ninner body" {
		t.Fatalf("BodyText %q", m.BodyText)
	}
}

func TestUnmarshalCorruptFails(t *testing.T) {
	m := ParseBytes([]byte(codecSample))
	b, _ := Marshal(m)
	for n := 0; n < len(b); n++ {
		if _, err := Unmarshal(b[:n]); err == nil {
			t.Fatalf("truncated at %d: no error", n)
		}
	}
}
