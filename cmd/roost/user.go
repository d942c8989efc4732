package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"roost/internal/app"
	"roost/internal/auth"
	"roost/internal/store"
)

const userDescription = `
Manages accounts in the data directory. These commands work while the
server is running.

  roost user add NAME [--password-stdin]     create an account
  roost user add NAME --password-hash HASH   create it with an existing argon2id hash
  roost user passwd NAME [--password-stdin | --password-hash HASH]  change its password
  roost user list                            list the accounts
  roost user delete NAME [--yes]             delete an account and all its mail
  roost user quota NAME [--storage 2G] [--messages N]  show or set its quota
  roost user quota --shared [...]            the same for the team mailboxes
  roost user admin NAME [on|off]             show or set the administrator flag

Every subcommand takes --data DIR and --config FILE, and --help.

A user NAME is a local part of an address (letters, digits, dots that do not
begin, end or double, and ! # $ & ' + - = ? ^ _ { | } ~), optionally
followed by @ and a domain: alice, alice.smith, alice@example.org. It may
not contain / (the hierarchy separator), whitespace, control characters,
quotes, % or *, nor begin with -; "anyone" is taken by ACLs.

Without --password-stdin, add and passwd generate a strong password and
print it once. With it, the password is the first line of standard input:
  printf '%s\n' "$PASSWORD" | roost user add alice --password-stdin

delete asks for confirmation when standard input is a terminal; --yes
skips the question, and is required when standard input is not a
terminal (scripts), so that nothing is deleted by accident.
` + passwordHashHelp

// passwordHashHelp explains --password-hash, in `roost user --help` and in
// the help of add and passwd.
const passwordHashHelp = `
--password-hash imports a hash made elsewhere, as when moving accounts from
another server: an argon2id hash in PHC form,
  $argon2id$v=19$m=65536,t=2,p=2$<salt>$<key>
(from Dovecot's {ARGON2ID} scheme, drop the {ARGON2ID} prefix). It is checked
by verifying it once. The account gets its SCRAM-SHA-256 verifier at its
first password login, and a hash with weaker parameters than the server's is
replaced by a fresh one then.`

// maxPasswordInput bounds what --password-stdin reads.
const maxPasswordInput = 4096

// userSubcommands names the subcommands in usage errors.
const userSubcommands = "add, passwd, list, delete, quota or admin"

func runUser(e *env, args []string) error {
	const synopsis = "user <add|passwd|list|delete|quota|admin> [flags] [NAME]"
	e.usage, e.helpName = synopsis, "user"
	if len(args) == 0 {
		return usagef("missing subcommand: " + userSubcommands)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fs := newFlagSet(e, "user", synopsis, userDescription)
		fs.Usage()
		return nil
	case "add":
		return runUserSetPassword(e, "add", args[1:])
	case "passwd":
		return runUserSetPassword(e, "passwd", args[1:])
	case "list":
		return runUserList(e, args[1:])
	case "delete":
		return runUserDelete(e, args[1:])
	case "quota":
		return runUserQuota(e, args[1:])
	case "admin":
		return runUserAdmin(e, args[1:])
	}
	return usagef("unknown subcommand %q (want %s)", args[0], userSubcommands)
}

// runUserSetPassword is `user add` and `user passwd`: both take a name and a
// password from stdin or the generator.
func runUserSetPassword(e *env, sub string, args []string) error {
	synopsis, desc := "user add NAME [--password-stdin] [--data DIR] [--config FILE]",
		"Creates the account NAME with the default mailboxes (INBOX, Drafts, Sent, Trash, Junk, Archive),\nsubscribed. NAME is a local part of an address, optionally with @ and a domain\n(see roost user --help)."
	if sub == "passwd" {
		synopsis, desc = "user passwd NAME [--password-stdin] [--data DIR] [--config FILE]",
			"Replaces the password of the account NAME. Open sessions stay logged in."
	}
	synopsis = strings.Replace(synopsis, "[--password-stdin]", "[--password-stdin | --password-hash HASH]", 1)
	fs := newFlagSet(e, "user "+sub, synopsis, desc+"\nWithout --password-stdin a strong password is generated and printed once.\n"+passwordHashHelp)
	sf := addStoreFlags(fs)
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	hash := fs.String("password-hash", "", "use this argon2id `HASH` ($argon2id$v=19$m=...) instead of a password")
	name, err := oneName(fs, args)
	if err != nil {
		return err
	}
	if sub == "add" {
		// Only new names: an account made before the rule must stay
		// manageable.
		if err := app.ValidateUsername(name); err != nil {
			return usagef("%v", err)
		}
	}
	if *hash != "" {
		if *fromStdin {
			return usagef("--password-stdin and --password-hash exclude each other")
		}
		return runUserImportHash(e, sub, sf, name, *hash)
	}

	password := ""
	if *fromStdin {
		if password, err = readPassword(e.stdin); err != nil {
			return err
		}
	} else {
		password = auth.GeneratePassword()
	}
	if err := app.ValidatePassword(password); err != nil {
		return err
	}

	b, err := openStoreAs(e, sf, storeMode(sub))
	if err != nil {
		return err
	}
	defer b.Close()

	ctx := context.Background()
	if sub == "add" {
		_, err = app.AddUser(ctx, b, name, password)
	} else {
		err = app.SetPassword(ctx, b, name, password)
	}
	if err != nil {
		return err
	}
	if sub == "add" {
		fmt.Fprintf(e.stderr, "created user %s\n", name)
	} else {
		fmt.Fprintf(e.stderr, "changed the password of %s\n", name)
	}
	if !*fromStdin {
		// The only time this password is shown: the store keeps a hash.
		fmt.Fprintf(e.stderr, "generated password (shown only now):\n")
		fmt.Fprintln(e.stdout, password)
	}
	return nil
}

// runUserImportHash is `user add|passwd NAME --password-hash HASH`.
func runUserImportHash(e *env, sub string, sf *storeFlags, name, hash string) error {
	// Check the hash before touching (or creating) the data directory.
	checked, err := app.CheckPasswordHash(hash)
	if err != nil {
		return err
	}
	b, err := openStoreAs(e, sf, storeMode(sub))
	if err != nil {
		return err
	}
	defer b.Close()
	ctx := context.Background()
	if sub == "add" {
		if _, err := app.ImportUser(ctx, b, name, checked); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "created user %s with the given password hash\n", name)
		return nil
	}
	if err := app.SetPasswordHash(ctx, b, name, checked); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "changed the password hash of %s\n", name)
	return nil
}

func runUserList(e *env, args []string) error {
	fs := newFlagSet(e, "user list", "user list [--data DIR] [--config FILE]", "Prints the account names, one a line, sorted.")
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
	users, err := b.Users(context.Background())
	if err != nil {
		return err
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Name
	}
	sort.Strings(names)
	var out strings.Builder
	for _, n := range names {
		out.WriteString(n + "\n")
	}
	_, err = io.WriteString(e.stdout, out.String())
	return err
}

func runUserDelete(e *env, args []string) error {
	fs := newFlagSet(e, "user delete", "user delete NAME [--yes] [--data DIR] [--config FILE]",
		`Deletes the account NAME with all its mailboxes and messages. There is no
undo. Its sessions on a running server end within about a second ("* BYE").
On a terminal it asks first; --yes does not ask, and is required when
standard input is not a terminal.`)
	sf := addStoreFlags(fs)
	yes := fs.Bool("yes", false, "delete without asking")
	name, err := oneName(fs, args)
	if err != nil {
		return err
	}
	if !*yes {
		if !stdinIsTerminal(e) {
			return usagef("refusing to delete %s without --yes: standard input is not a terminal to ask on", name)
		}
		// Look the account up first: no question about one that does not exist.
		b, err := openForTool(e, sf)
		if err != nil {
			return err
		}
		_, err = b.User(context.Background(), name)
		b.Close()
		if errors.Is(err, store.ErrNoUser) {
			return fmt.Errorf("no user %q", name)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Delete the account %s with all its mail? There is no undo. Type yes to delete: ", name)
		answer, _ := bufio.NewReader(io.LimitReader(e.stdin, 1024)).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "yes" && a != "y" {
			fmt.Fprintf(e.stderr, "not deleted\n")
			return errReported
		}
	}
	b, err := openForTool(e, sf)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := app.DeleteUser(context.Background(), b, name); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "deleted user %s\n", name)
	return nil
}

// stdinIsTerminal reports whether standard input is a terminal (a
// character device), where a question can be asked.
func stdinIsTerminal(e *env) bool {
	if e.stdinTerminal != nil {
		return e.stdinTerminal()
	}
	f, ok := e.stdin.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// oneName parses the flags and exactly one positional argument.
func oneName(fs *flag.FlagSet, args []string) (string, error) {
	positional, err := parseArgs(fs, args)
	if err != nil {
		return "", err
	}
	switch len(positional) {
	case 0:
		return "", usagef("missing the user NAME")
	case 1:
		return positional[0], nil
	}
	return "", usagef("unexpected argument %q after the user name", positional[1])
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxPasswordInput+1))
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	if len(b) > maxPasswordInput {
		return "", fmt.Errorf("password input longer than %d bytes", maxPasswordInput)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return "", fmt.Errorf("no password on standard input")
	}
	return string(line), nil
}

// storeMode: `user add` may create the data directory; passwd may not.
func storeMode(sub string) app.StoreMode {
	if sub == "add" {
		return app.ForToolCreate
	}
	return app.ForTool
}
