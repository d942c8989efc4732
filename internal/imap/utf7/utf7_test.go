package utf7

import (
	"errors"
	"testing"
	"unicode/utf8"
)

func TestEncode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"INBOX", "INBOX"},
		{"&", "&-"},
		{"a&b", "a&-b"},
		{"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
		{"Entwürfe", "Entw&APw-rfe"},
		{"Gelöschte Elemente", "Gel&APY-schte Elemente"},
		{"éé", "&AOkA6Q-"},
		{"é&é", "&AOk-&-&AOk-"},
		{"😀", "&2D3eAA-"},
		{"\t", "&AAk-"},
		{"a\x7fb", "a&AH8-b"},
	}
	for _, tt := range tests {
		if got := Encode(tt.in); got != tt.want {
			t.Errorf("Encode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"", "", nil},
		{"INBOX", "INBOX", nil},
		{"&-", "&", nil},
		{"&--", "&-", nil},
		{"~peter/mail/&U,BTFw-/&ZeVnLIqe-", "~peter/mail/台北/日本語", nil},
		{"Entw&APw-rfe", "Entwürfe", nil},
		{"&2D3eAA-", "😀", nil},
		{"&AOk-&-&AOk-", "é&é", nil},
		{"&AGE-&AGI-", "", ErrNonCanonical},   // encodes printable ASCII
		{"&AOk-&AOk-", "", ErrNonCanonical},   // adjacent shifts
		{"&AGE-", "", ErrNonCanonical},        // 'a' must be direct
		{"&ACY-", "", ErrNonCanonical},        // '&' must be "&-"
		{"&AOk", "", ErrUnterminated},         // no '-'
		{"abc&", "", ErrUnterminated},         //
		{"&AO/-", "", ErrBadBase64},           // '/' is not modified base64
		{"&AO=-", "", ErrBadBase64},           // padding
		{"&AOl-", "", ErrBadBase64},           // non-zero trailing bits
		{"&AOkA-", "", ErrBadBase64},          // leftover full sextet
		{"&AO-", "", ErrBadBase64},            // 12 bits: not a full unit
		{"&2D0-", "", ErrBadUTF16},            // lone high surrogate
		{"&3gA-", "", ErrBadUTF16},            // lone low surrogate
		{"&2D3YPQ-", "", ErrBadUTF16},         // high followed by high
		{"Entwürfe", "", ErrBadByte},          // raw 8-bit
		{"a\tb", "", ErrBadByte},              // control
		{"a\x00b", "", ErrBadByte},            //
		{"&AOk-a&AOk-", "é" + "a" + "é", nil}, // separated shifts are fine
		{"a-b&-&-", "a-b&&", nil},             //
		{"&U,BTFw-", "台北", nil},               //
		{"&U,BTF2XlZyyKng-", "台北日本語", nil},    //
		{"&AAk-", "\t", nil},                  //
	}
	for _, tt := range tests {
		got, err := Decode(tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("Decode(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func FuzzUTF7(f *testing.F) {
	for _, s := range []string{"", "INBOX", "&", "Entwürfe", "台北/日本語", "😀&x", "\x00\xff", "&AGE-&AGI-", "&U,BTFw-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Decode never accepts what Encode would not produce.
		if d, err := Decode(s); err == nil {
			if e := Encode(d); e != s {
				t.Fatalf("Decode(%q) = %q, but Encode gives back %q", s, d, e)
			}
		}
		if !utf8.ValidString(s) {
			return
		}
		e := Encode(s)
		d, err := Decode(e)
		if err != nil || d != s {
			t.Fatalf("round trip of %q via %q: %q, %v", s, e, d, err)
		}
	})
}
