package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"roost/internal/auth"
	"roost/internal/config"
	"roost/internal/store"
)

// The demo account. Its password is public, which is why --demo only runs
// on loopback listeners (CheckDemoListeners).
const (
	DemoUser     = "demo"
	DemoPassword = "demo"
)

// CheckDemoAccount refuses to serve a data directory made with --demo on
// a listener reachable from the network while the account demo still has
// the password everybody knows: it verifies "demo" against the stored
// hash, so an account renamed to the purpose by a new password passes.
func CheckDemoAccount(ctx context.Context, b store.Backend, dataDir string, addrs config.Listen) error {
	exposed := ""
	for _, l := range []struct{ name, addr string }{{"imap", addrs.IMAP}, {"imaps", addrs.IMAPS}} {
		if l.addr != "" && !IsLoopback(l.addr) {
			exposed = fmt.Sprintf("the %s listener %q", l.name, l.addr)
			break
		}
	}
	if exposed == "" {
		return nil
	}
	u, err := b.User(ctx, DemoUser)
	if errors.Is(err, store.ErrNoUser) {
		return nil
	}
	if err != nil {
		return err
	}
	if ok, _, verr := auth.Verify(u.PasswordHash, DemoPassword); verr != nil || !ok {
		return nil
	}
	return fmt.Errorf("refusing to serve %s on %s: the account %s still has the public password %q (made by --demo); "+
		"delete it (roost user delete %s --data %s) or give it a new password (roost user passwd %s --data %s) first",
		dataDir, exposed, DemoUser, DemoPassword, DemoUser, dataDir, DemoUser, dataDir)
}

// WelcomeSubject is the subject of the message in the demo INBOX.
const WelcomeSubject = "Welcome to Roost"

// EnsureDemo makes sure the account demo exists with password demo, and puts
// the welcome message in its INBOX once: only while the INBOX has never held
// a message (UIDNEXT 1), so deleting the welcome message does not bring it
// back on the next start.
func EnsureDemo(ctx context.Context, b store.Backend) error {
	u, err := b.User(ctx, DemoUser)
	switch {
	case errors.Is(err, store.ErrNoUser):
		if u, err = auth.CreateUser(ctx, b, DemoUser, DemoPassword); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		// Someone changed the password; --demo promises demo/demo.
		if ok, _, verr := auth.Verify(u.PasswordHash, DemoPassword); verr != nil || !ok {
			if err := SetPassword(ctx, b, DemoUser, DemoPassword); err != nil {
				return err
			}
		}
	}

	inbox, err := b.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		return err
	}
	if inbox.UIDNext > 1 {
		return nil
	}
	msg, err := WelcomeMessage(time.Now())
	if err != nil {
		return err
	}
	staged, err := b.Stage(ctx, strings.NewReader(msg), int64(len(msg)))
	if err != nil {
		return fmt.Errorf("staging the welcome message: %w", err)
	}
	if _, _, err := b.Append(ctx, inbox.ID, []store.AppendMessage{{Staged: staged}}); err != nil {
		b.Discard(staged)
		return fmt.Errorf("appending the welcome message: %w", err)
	}
	return nil
}

// WelcomeMessage returns the RFC 5322 welcome message, dated now.
func WelcomeMessage(now time.Time) (string, error) {
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", err
	}
	lines := []string{
		"Date: " + now.Format(time.RFC1123Z),
		"From: Roost <postmaster@localhost>",
		"To: demo <demo@localhost>",
		"Subject: " + WelcomeSubject,
		"Message-ID: <welcome." + hex.EncodeToString(id[:]) + "@roost.localhost>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 7bit",
		"",
		"Hello, and welcome to Roost.",
		"",
		"Roost is an IMAP server written in Go: IMAP4rev2 (RFC 9051) and",
		"IMAP4rev1 (RFC 3501), with an embedded SQLite store that needs no",
		"setup. You are reading this message through it right now.",
		"",
		"This demo account (user demo, password demo) exists only because the",
		"server was started with --demo, which listens on this machine alone.",
		"Try things out: create folders, move this message around, flag it,",
		"search for it, or append your own messages.",
		"",
		"When you want a real account:",
		"",
		"    roost user add NAME",
		"",
		"prints a generated password once. `roost help` lists every command.",
		"",
		"Roost does not receive or send mail yet: there is no SMTP or LMTP",
		"delivery. Messages arrive through IMAP APPEND (drag and drop in your",
		"mail client) only.",
		"",
		"-- ",
		"Roost",
	}
	return strings.Join(lines, "\r\n") + "\r\n", nil
}
