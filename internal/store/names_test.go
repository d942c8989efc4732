package store

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateUserName(t *testing.T) {
	for _, ok := range []string{
		"alice", "a", "alice.smith", "o'brien", "x+tag", "ab_c-d", "ÉloÏse", "用户", "alice@example.com",
		"a.b@mail.example-host.org", "bob#1", strings.Repeat("x", MaxUserNameLen),
	} {
		if err := ValidateUserName(ok); err != nil {
			t.Errorf("ValidateUserName(%q) = %v, want nil", ok, err)
		}
	}
	for name, why := range map[string]string{
		"":                        "user name is empty",
		strings.Repeat("x", 65):   "user name is longer than 64 bytes",
		"bad/name":                `user name "bad/name" contains '/'; use letters, digits and . - _ (and one @ before a domain)`,
		"a b":                     `user name "a b" contains ' '; use letters, digits and . - _ (and one @ before a domain)`,
		"tab\there":               `user name "tab\there" contains '\t'; use letters, digits and . - _ (and one @ before a domain)`,
		"nul\x00":                 `user name "nul\x00" contains '\x00'; use letters, digits and . - _ (and one @ before a domain)`,
		"nbsp\u00a0x":             `user name "nbsp\u00a0x" contains '\u00a0'; use letters, digits and . - _ (and one @ before a domain)`,
		`quo"te`:                  `user name "quo\"te" contains '"'; use letters, digits and . - _ (and one @ before a domain)`,
		`back\slash`:              `user name "back\\slash" contains '\\'; use letters, digits and . - _ (and one @ before a domain)`,
		"wild*":                   `user name "wild*" contains '*'; use letters, digits and . - _ (and one @ before a domain)`,
		"per%cent":                `user name "per%cent" contains '%'; use letters, digits and . - _ (and one @ before a domain)`,
		"(x)":                     `user name "(x)" contains '('; use letters, digits and . - _ (and one @ before a domain)`,
		".alice":                  `user name ".alice": a dot at the start or end`,
		"alice.":                  `user name "alice.": a dot at the start or end`,
		"al..ice":                 `user name "al..ice": two dots in a row`,
		"@example.com":            `user name "@example.com": nothing before the @`,
		"alice@":                  `user name "alice@": no domain after the @`,
		"a@b@c":                   `user name "a@b@c": "b@c" is not a domain name`,
		"a@-x.org":                `user name "a@-x.org": "-x.org" is not a domain name`,
		"a@x..org":                `user name "a@x..org": "x..org" is not a domain name`,
		"-bob":                    `user name "-bob" begins with '-', which ACLs read as negative rights`,
		"Anyone":                  `user name "Anyone" is the ACL identifier of everybody`,
		SharedAccountName:         `user name "$shared" is reserved for the team mailboxes`,
		string([]byte{0xff, 'a'}): "user name is not valid UTF-8",
	} {
		err := ValidateUserName(name)
		if !errors.Is(err, ErrInvalidUserName) || err.Error() != ErrInvalidUserName.Error()+": "+why {
			t.Errorf("ValidateUserName(%q) = %v, want %q", name, err, why)
		}
	}
}

func TestValidateMailboxName(t *testing.T) {
	for _, ok := range []string{"INBOX", "a/b/c", "Ünïcødé ✉", "with space", "per%cent"} {
		if err := ValidateMailboxName(ok); err != nil {
			t.Errorf("ValidateMailboxName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/a", "a/", "a//b", "a\x00b", "a\x7fb", "a\u0085b", "a\rb", string([]byte{0xff})} {
		if err := ValidateMailboxName(bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidateMailboxName(%q) = %v, want ErrInvalidName", bad, err)
		}
	}
}
