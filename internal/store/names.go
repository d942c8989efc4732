package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidUserName: a new account's name breaks ValidateUserName.
var ErrInvalidUserName = errors.New("invalid user name")

// MaxUserNameLen is the longest user name in bytes: the longest local part
// of an address (RFC 5321 §4.5.3.1.1).
const MaxUserNameLen = 64

// HierarchySeparator separates the levels of mailbox names, and the user
// name from the mailbox in "Other Users/NAME/...".
const HierarchySeparator = '/'

// localSpecials are the characters other than letters and digits that an
// unquoted local part may hold (atext, RFC 5322 §3.2.3), less the hierarchy
// separator (a user name is one level of "Other Users/NAME/INBOX") and the
// LIST wildcards % and * (RFC 9051 §6.3.9: "Other Users/%" would match a
// name it does not spell).
const localSpecials = "!#$&'+-=?^_`{|}~"

// ValidateUserName is the rule for the name of every new account, in one
// place for the CLI, the server and the store: a local part of an address
// (letters, digits, the specials above, and dots that neither begin nor
// end it nor come two in a row: a dot-atom, RFC 5322 §3.2.3; letters and
// digits beyond ASCII as RFC 6531 allows), or such a local part, "@" and a
// domain, as people often log in with their address. It refuses
// whitespace, control characters, quotes, backslashes and the hierarchy
// separator, a leading "-" (RFC 4314 §2: "-NAME" names negative rights)
// and the ACL identifier "anyone" (RFC 4314 §3).
//
// Names of existing accounts are never checked again: an account made
// before this rule can still log in, change its password and be deleted.
func ValidateUserName(name string) error {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidUserName, fmt.Sprintf(format, args...))
	}
	switch {
	case name == "":
		return invalid("user name is empty")
	case len(name) > MaxUserNameLen:
		return invalid("user name is longer than %d bytes", MaxUserNameLen)
	case !utf8.ValidString(name):
		return invalid("user name is not valid UTF-8")
	}
	local, domain, hasDomain := strings.Cut(name, "@")
	for _, r := range name {
		if r == '@' || r == '.' || isNameLetter(r) || strings.ContainsRune(localSpecials, r) {
			continue
		}
		return invalid("user name %q contains %q; use letters, digits and . - _ (and one @ before a domain)", name, r)
	}
	if err := dotAtom(local); err != nil {
		return invalid("user name %q: %v", name, err)
	}
	if hasDomain {
		if err := domainName(domain); err != nil {
			return invalid("user name %q: %v", name, err)
		}
	}
	switch {
	case strings.HasPrefix(name, "-"):
		return invalid("user name %q begins with '-', which ACLs read as negative rights", name)
	case strings.EqualFold(name, Anyone):
		return invalid("user name %q is the ACL identifier of everybody", name)
	case name == SharedAccountName:
		return invalid("user name %q is reserved for the team mailboxes", name)
	}
	return nil
}

// isNameLetter: a letter or digit, in any script.
func isNameLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// dotAtom checks the dots of a local part (RFC 5322 §3.2.3).
func dotAtom(local string) error {
	switch {
	case local == "":
		return errors.New("nothing before the @")
	case strings.HasPrefix(local, ".") || strings.HasSuffix(local, "."):
		return errors.New("a dot at the start or end")
	case strings.Contains(local, ".."):
		return errors.New("two dots in a row")
	}
	return nil
}

// domainName checks the part after the @: dot-separated labels of letters,
// digits and inner hyphens (RFC 5321 §4.1.2).
func domainName(domain string) error {
	if domain == "" {
		return errors.New("no domain after the @")
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return fmt.Errorf("%q is not a domain name", domain)
		}
		for _, r := range label {
			if r != '-' && !isNameLetter(r) {
				return fmt.Errorf("%q is not a domain name", domain)
			}
		}
	}
	return nil
}

// ValidateMailboxName is the rule for every mailbox name a backend creates
// (CREATE, RENAME, SUBSCRIBE, team mailboxes, parents created on the way):
// no empty name or hierarchy level (RFC 9051 §5.1: a separator neither
// leads, trails nor doubles), valid UTF-8, no control characters (C0, DEL,
// C1). Names come here decoded (modified UTF-7 is the server's business).
func ValidateMailboxName(name string) error {
	sep := string(HierarchySeparator)
	bad := name == "" || strings.HasPrefix(name, sep) || strings.HasSuffix(name, sep) ||
		strings.Contains(name, sep+sep) || !utf8.ValidString(name)
	for _, r := range name {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			bad = true
		}
	}
	if bad {
		return fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	return nil
}

// UserDeletionCounter is implemented by backends that count account
// deletions, so that a server notices cheaply, by reading one number, that
// some account was deleted, by this process or another (roost user
// delete), and ends that account's sessions.
type UserDeletionCounter interface {
	// UserDeletions returns a number that changes whenever an account is
	// deleted.
	UserDeletions(ctx context.Context) (int64, error)
}
