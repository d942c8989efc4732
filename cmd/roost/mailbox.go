package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"roost/internal/store"
	"roost/internal/store/sqlite"
)

const mailboxDescription = `
Manages team mailboxes: mailboxes that belong to no single user, seen by
IMAP clients as "Shared/NAME" (docs/sharing.md). These commands work while
the server is running.

  roost mailbox share create NAME              create the team mailbox NAME
  roost mailbox share grant NAME USER RIGHTS   give USER (or "anyone") RIGHTS on it
  roost mailbox share revoke NAME USER         remove USER's entry
  roost mailbox share delete NAME              delete it with all its messages
  roost mailbox list-shared                    list team mailboxes and their ACLs

RIGHTS are RFC 4314 letters: l (see it), r (read), s (keep own \Seen),
w (write flags), i (insert), p (post), k (create children), x (delete),
t (delete messages), e (expunge), a (administer the ACL). "c" means k and
"d" means xte. Typical: lrswite for a team member, lr for read-only.
Owners of personal mailboxes share them with IMAP SETACL instead.`

func runMailbox(e *env, args []string) error {
	e.usage, e.helpName = "mailbox <share|list-shared> ...", "mailbox"
	if len(args) == 0 {
		return usagef("missing subcommand: share or list-shared")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fs := newFlagSet(e, "mailbox", "mailbox <share|list-shared> ...", mailboxDescription)
		fs.Usage()
		return nil
	case "share":
		return runMailboxShare(e, args[1:])
	case "list-shared":
		return runMailboxListShared(e, args[1:])
	}
	return usagef("unknown subcommand %q (want share or list-shared)", args[0])
}

// shareSub describes one `mailbox share` subcommand: its arguments and
// what it does with the store.
type shareSub struct {
	args, desc string
	n          int
	do         func(ctx context.Context, e *env, b *sqlite.Store, args []string) error
}

var shareSubs = map[string]shareSub{
	"create": {"NAME", "Creates the team mailbox NAME (Shared/NAME for IMAP clients). Nobody has rights on it yet.", 1, shareCreate},
	"grant":  {"NAME USER RIGHTS", "Gives USER (or anyone) exactly RIGHTS on the team mailbox NAME.", 3, shareGrant},
	"revoke": {"NAME USER", "Removes USER's (or anyone's) entry from the ACL of the team mailbox NAME.", 2, shareRevoke},
	"delete": {"NAME", "Deletes the team mailbox NAME and its messages. There is no undo.", 1, shareDelete},
}

func runMailboxShare(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("missing subcommand: create, grant, revoke or delete")
	}
	if h := args[0]; h == "-h" || h == "-help" || h == "--help" || h == "help" {
		fs := newFlagSet(e, "mailbox share", "mailbox share <create|grant|revoke|delete> ...", mailboxDescription)
		fs.Usage()
		return nil
	}
	sub, ok := shareSubs[args[0]]
	if !ok {
		return usagef("unknown subcommand %q (want create, grant, revoke or delete)", args[0])
	}
	fs := newFlagSet(e, "mailbox share "+args[0], "mailbox share "+args[0]+" "+sub.args+" [--data DIR] [--config FILE]", sub.desc)
	sf := addStoreFlags(fs)
	positional, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(positional) != sub.n {
		return usagef("want %d argument(s): %s", sub.n, sub.args)
	}
	b, err := openForTool(e, sf)
	if err != nil {
		return err
	}
	defer b.Close()
	return sub.do(context.Background(), e, b, positional)
}

// teamMailbox finds the team mailbox name.
func teamMailbox(ctx context.Context, b *sqlite.Store, name string) (*store.Mailbox, error) {
	u, err := b.SharedAccount(ctx, false)
	if errors.Is(err, store.ErrNoSharedAccount) {
		return nil, fmt.Errorf("no team mailbox %q", name)
	}
	if err != nil {
		return nil, err
	}
	mb, err := b.Mailbox(ctx, u.ID, name)
	if errors.Is(err, store.ErrNoMailbox) {
		return nil, fmt.Errorf("no team mailbox %q", name)
	}
	return mb, err
}

func shareCreate(ctx context.Context, e *env, b *sqlite.Store, args []string) error {
	u, err := b.SharedAccount(ctx, true)
	if err != nil {
		return err
	}
	if _, err := b.CreateMailbox(ctx, u.ID, args[0], ""); err != nil {
		if errors.Is(err, store.ErrMailboxExists) {
			return fmt.Errorf("team mailbox %q already exists", args[0])
		}
		if errors.Is(err, store.ErrInvalidName) {
			// The store's one rule for mailbox names (store.ValidateMailboxName).
			return usagef("%q is not a mailbox name: no empty level (a / at the start or end, or //) and no control characters", args[0])
		}
		return err
	}
	fmt.Fprintf(e.stderr, "created team mailbox Shared/%s\n", args[0])
	return nil
}

// parseCLIRights checks RIGHTS like SETACL does: RFC 4314 letters, with
// the virtual c (k) and d (xte).
func parseCLIRights(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == 'c':
			b.WriteByte('k')
		case r == 'd':
			b.WriteString("xte")
		case strings.ContainsRune(store.AllRights, r):
			b.WriteRune(r)
		default:
			return "", usagef("unknown right %q in %q (rights are letters of %s, c and d)", r, s, store.AllRights)
		}
	}
	rights := store.CanonicalRights(b.String())
	if rights == "" {
		return "", usagef("no rights given; use revoke to remove an entry")
	}
	return rights, nil
}

// aclIdentifier turns USER into an ACL entry's identifier.
func aclIdentifier(user string) (string, bool) {
	name, negative := strings.CutPrefix(user, "-")
	if strings.EqualFold(name, store.Anyone) {
		name = store.Anyone
	}
	return name, negative
}

func shareGrant(ctx context.Context, e *env, b *sqlite.Store, args []string) error {
	rights, err := parseCLIRights(args[2])
	if err != nil {
		return err
	}
	mb, err := teamMailbox(ctx, b, args[0])
	if err != nil {
		return err
	}
	id, negative := aclIdentifier(args[1])
	err = b.SetACL(ctx, mb.ID, store.ACLEntry{Identifier: id, Negative: negative, Rights: rights})
	if errors.Is(err, store.ErrNoUser) {
		return fmt.Errorf("no user %q", id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%s now has %s on Shared/%s\n", args[1], rights, args[0])
	return nil
}

func shareRevoke(ctx context.Context, e *env, b *sqlite.Store, args []string) error {
	mb, err := teamMailbox(ctx, b, args[0])
	if err != nil {
		return err
	}
	id, negative := aclIdentifier(args[1])
	err = b.SetACL(ctx, mb.ID, store.ACLEntry{Identifier: id, Negative: negative})
	if errors.Is(err, store.ErrNoUser) {
		return fmt.Errorf("no user %q", id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "removed %s from Shared/%s\n", args[1], args[0])
	return nil
}

func shareDelete(ctx context.Context, e *env, b *sqlite.Store, args []string) error {
	mb, err := teamMailbox(ctx, b, args[0])
	if err != nil {
		return err
	}
	if err := b.DeleteMailbox(ctx, mb.UserID, mb.Name); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "deleted team mailbox Shared/%s\n", args[0])
	return nil
}

// runMailboxListShared prints "NAME<TAB>identifier=rights ..." per team
// mailbox, sorted by name.
func runMailboxListShared(e *env, args []string) error {
	fs := newFlagSet(e, "mailbox list-shared", "mailbox list-shared [--data DIR] [--config FILE]",
		"Prints each team mailbox, a tab, and its ACL entries (identifier=rights), one mailbox a line.")
	sf := addStoreFlags(fs)
	positional, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usagef("unexpected argument %q", positional[0])
	}
	b, err := openForTool(e, sf)
	if err != nil {
		return err
	}
	defer b.Close()
	ctx := context.Background()
	u, err := b.SharedAccount(ctx, false)
	if errors.Is(err, store.ErrNoSharedAccount) {
		return nil
	}
	if err != nil {
		return err
	}
	boxes, err := b.Mailboxes(ctx, u.ID)
	if err != nil {
		return err
	}
	var out strings.Builder
	for _, mb := range boxes {
		if mb.NoSelect {
			continue
		}
		acl, err := b.ACL(ctx, mb.ID)
		if err != nil {
			return err
		}
		out.WriteString(mb.Name + "\t")
		for i, a := range acl {
			if i > 0 {
				out.WriteByte(' ')
			}
			if a.Negative {
				out.WriteByte('-')
			}
			out.WriteString(a.Identifier + "=" + a.Rights)
		}
		out.WriteByte('\n')
	}
	_, err = fmt.Fprint(e.stdout, out.String())
	return err
}
