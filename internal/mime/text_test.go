package mime

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// TestSearchTextPrefixMatchesWholeBody checks that decoding growing
// prefixes of a big body keeps exactly the text that decoding it whole
// would keep, for every transfer encoding and a range of charsets,
// including stateful, multi-byte and byte-order-guessing ones, with
// invalid bytes sprinkled in.
func TestSearchTextPrefixMatchesWholeBody(t *testing.T) {
	const budget = 3000
	rng := rand.New(rand.NewPCG(7, 11))
	words := []string{"plain ", "café ", "日本語 ", "한국어 ", "Ünïcödé ", "x+y ", "=3D ", "\r\n", "\t", "€ "}
	var text strings.Builder
	for text.Len() < 300<<10 {
		text.WriteString(words[rng.IntN(len(words))])
	}
	charsets := []string{"utf-8", "iso-8859-1", "windows-1252", "shift_jis", "euc-kr", "gb18030", "iso-2022-jp", "big5", "utf-16", "utf-16le", "utf-7", "bogus"}
	for _, charset := range charsets {
		raw := encodeCharset(t, charset, text.String())
		// A few invalid bytes for the charset, away from the start.
		for i := 1; i <= 5; i++ {
			raw[len(raw)*i/7] = 0xff
		}
		for _, enc := range []string{"7bit", "base64", "quoted-printable"} {
			body := transferEncode(enc, raw)
			whole := toUTF8(charset, DecodeTransferLenient(enc, body))
			got := searchText(body, enc, charset, budget)
			if len(whole) > budget && (len(got) < budget || got[:budget] != whole[:budget]) {
				t.Fatalf("%s %s: prefix decoding differs from whole-body decoding within the first %d bytes", charset, enc, budget)
			}
			if len(whole) <= budget && got != whole {
				t.Fatalf("%s %s: short text %q, want %q", charset, enc, got, whole)
			}
		}
	}
}

// encodeCharset converts UTF-8 text to charset (characters it cannot
// represent become '?'); unknown names keep UTF-8.
func encodeCharset(t *testing.T, charset, s string) []byte {
	t.Helper()
	switch charset {
	case "utf-7":
		var b strings.Builder
		for _, r := range s {
			if r < 0x80 && r != '+' {
				b.WriteRune(r)
			} else {
				b.WriteString("+AOk-") // é
			}
		}
		return []byte(b.String())
	case "utf-16le":
		var b []byte
		for _, r := range s {
			if r > 0xffff {
				r = '?'
			}
			b = append(b, byte(r), byte(r>>8))
		}
		return b
	}
	e := lookupCharset(charset)
	if e == nil {
		return []byte(s)
	}
	var out []byte
	enc := e.NewEncoder()
	for _, r := range s {
		b, err := enc.Bytes([]byte(string(r)))
		if err != nil {
			b = []byte{'?'}
		}
		out = append(out, b...)
	}
	return out
}

func transferEncode(enc string, raw []byte) []byte {
	switch enc {
	case "base64":
		s := base64.StdEncoding.EncodeToString(raw)
		var b bytes.Buffer
		for len(s) > 76 {
			b.WriteString(s[:76] + "\r\n")
			s = s[76:]
		}
		b.WriteString(s)
		return b.Bytes()
	case "quoted-printable":
		var b bytes.Buffer
		w := quotedprintable.NewWriter(&b)
		w.Write(raw)
		w.Close()
		return b.Bytes()
	}
	return raw
}
