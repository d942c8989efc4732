package store

import (
	"context"
	"errors"
	"strings"
)

// Sharing: access control lists (RFC 4314) on mailboxes, the account that
// owns team mailboxes, and per-user \Seen.
//
// A mailbox always belongs to one account (Mailbox.UserID). Other users
// reach it through its ACL. Team mailboxes ("Shared/support" on the wire)
// belong to the shared account, a pseudo-user that cannot log in and that
// User and Users do not return; see docs/sharing.md.
//
// \Seen is per user in every mailbox read by someone other than its owner:
// the owner's \Seen is the message's own flag, every other reader's is
// kept apart. Backends apply that to the reader named by WithViewer: for
// such a context, Select, Status, Messages and ChangedSince report the
// viewer's \Seen (and a MODSEQ that includes the viewer's \Seen changes),
// StoreFlags, Append, Copy and Move change the viewer's \Seen and leave the
// owner's alone. A change of only the viewer's \Seen is published as a
// FlagsChanged with UserID set to the viewer: sessions of other users
// ignore it. Every FlagsChanged and MessageAdded of a mailbox with per-user
// \Seen carries SeenBy, the non-owners who have seen the message, so that
// each session can show its own user's \Seen.

// ErrNoSharedAccount: no shared mailbox was ever created.
var ErrNoSharedAccount = errors.New("no shared account")

// SharedAccountName is the name of the pseudo-user owning team mailboxes.
// It is not a valid login: User refuses it.
const SharedAccountName = "$shared"

// AllRights are the RFC 4314 rights, in the order Rights are spelled.
const AllRights = "lrswipkxtea"

// Anyone is the identifier of the ACL entry that applies to every user.
const Anyone = "anyone"

// ACLEntry is one identifier-rights pair of a mailbox's ACL.
type ACLEntry struct {
	// Identifier is a user name or Anyone.
	Identifier string
	// Negative entries take rights away (RFC 4314 §2: "-fred").
	Negative bool
	// Rights is a subset of AllRights in that order; never empty in a
	// stored entry.
	Rights string
}

// SharedMailbox is a mailbox of another account that one user has an ACL
// entry for (directly or through Anyone).
type SharedMailbox struct {
	Mailbox
	Owner string // the owner's name; SharedAccountName for team mailboxes
	ACL   []ACLEntry
}

// Sharer is implemented by backends that support sharing (the sqlite
// backend does). The server offers ACL and the other namespaces only with
// such a backend.
type Sharer interface {
	// SharedAccount returns the account owning team mailboxes, creating
	// it (without mailboxes) if create is set; without create, a store
	// that has none returns ErrNoSharedAccount.
	SharedAccount(ctx context.Context, create bool) (*User, error)
	// ACL returns the entries of a mailbox, ordered by identifier
	// (Anyone first), positive before negative.
	ACL(ctx context.Context, mailboxID int64) ([]ACLEntry, error)
	// SetACL replaces the entry for (Identifier, Negative); empty Rights
	// remove it. Identifier must be Anyone or an existing user
	// (ErrNoUser otherwise).
	SetACL(ctx context.Context, mailboxID int64, e ACLEntry) error
	// SharedWith returns the mailboxes of other accounts whose ACL has an
	// entry for userID or for Anyone, with their ACLs, ordered by owner
	// and name.
	SharedWith(ctx context.Context, userID int64) ([]SharedMailbox, error)
}

type viewerKey struct{}

// WithViewer returns a context whose store calls read and change the
// flags as userID sees them (per-user \Seen, above).
func WithViewer(ctx context.Context, userID int64) context.Context {
	return context.WithValue(ctx, viewerKey{}, userID)
}

// Viewer returns the user set by WithViewer, 0 if none: then the store
// shows the owner's flags.
func Viewer(ctx context.Context) int64 {
	id, _ := ctx.Value(viewerKey{}).(int64)
	return id
}

// EffectiveRights computes what user has from acl (RFC 4314 §2): the union
// of the positive entries for user and Anyone, minus the union of the
// negative ones. Ownership is the caller's business.
func EffectiveRights(acl []ACLEntry, user string) string {
	var plus, minus string
	for _, e := range acl {
		if e.Identifier != user && e.Identifier != Anyone {
			continue
		}
		if e.Negative {
			minus += e.Rights
		} else {
			plus += e.Rights
		}
	}
	var b strings.Builder
	for _, r := range AllRights {
		if strings.ContainsRune(plus, r) && !strings.ContainsRune(minus, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CanonicalRights returns the letters of AllRights present in s, in order.
func CanonicalRights(s string) string {
	var b strings.Builder
	for _, r := range AllRights {
		if strings.ContainsRune(s, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// RightPost is RFC 4314's "p" right: post, that is, send mail to the
// mailbox's submission address (RFC 4314 §4: not enforced by IMAP itself).
// APPEND needs "i", never "p"; "p" is checked only where mail is
// delivered to a mailbox on someone's behalf, through MayPost.
const RightPost = 'p'

// ErrPostDenied: the sender may not post to the mailbox (no "p").
var ErrPostDenied = errors.New("posting to this mailbox is not permitted")

// Sender is who posts to a mailbox: a user of this server (ID and Name
// set), or someone who is not (the zero Sender), to whom only the Anyone
// entries apply (RFC 4314 §2: "anyone" includes the anonymous).
type Sender struct {
	ID   int64
	Name string
}

// MayPost reports whether sender may post to mb, whose ACL is acl: the
// owner always may, anyone else needs RightPost (RFC 4314 §4). This is the
// one place the right is checked; delivery (LMTP, SMTP, Sieve fileinto
// into a mailbox of another account) asks it, with CheckPost.
func MayPost(mb *Mailbox, acl []ACLEntry, sender Sender) bool {
	if sender.ID != 0 && sender.ID == mb.UserID {
		return true
	}
	name := sender.Name
	if sender.ID == 0 {
		name = Anyone // only the Anyone entries count
	}
	return strings.IndexByte(EffectiveRights(acl, name), RightPost) >= 0
}

// CheckPost is MayPost with the ACL read from sh: nil if sender may post
// to mb, ErrPostDenied if not.
func CheckPost(ctx context.Context, sh Sharer, mb *Mailbox, sender Sender) error {
	if sender.ID != 0 && sender.ID == mb.UserID {
		return nil
	}
	acl, err := sh.ACL(ctx, mb.ID)
	if err != nil {
		return err
	}
	if !MayPost(mb, acl, sender) {
		return ErrPostDenied
	}
	return nil
}
