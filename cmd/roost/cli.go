package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"roost/internal/app"
	"roost/internal/config"
	"roost/internal/store/sqlite"
)

// env is the outside world of one invocation, passed explicitly so that
// commands have no hidden inputs.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// stdinTerminal reports whether stdin is a terminal (for the
	// confirmation of user delete); nil means: ask the operating system.
	stdinTerminal func() bool

	// usage is the synopsis of the (sub)command being parsed and helpName
	// its name, for the short usage printed after a command line mistake.
	usage, helpName string
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(e *env, args []string) error
}

// commands lists the subcommands in the order help shows them. It is a
// function, not a package variable, because help refers back to it.
func commands() []command {
	return []command{
		{"serve", "run the IMAP server", runServe},
		{"user", "add, list, delete accounts and change passwords", runUser},
		{"mailbox", "create team mailboxes and share them", runMailbox},
		{"metadata", "show and set shared server metadata", runMetadata},
		{"check", "verify the store's integrity", runCheck},
		{"version", "print the version", runVersion},
		{"help", "show help for roost or one command", runHelp},
	}
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line was wrong
)

// usageError is a command line mistake: exit code 2 and a hint to use --help.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// run executes one command line and returns the process exit code.
func run(args []string, e *env) int {
	if len(args) == 0 {
		printMainUsage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		printMainUsage(e.stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands() {
		if c.name == name {
			return exitCode(e, c.name, c.run(e, args[1:]))
		}
	}
	fmt.Fprintf(e.stderr, "roost: unknown command %q\nRun 'roost help' for the list of commands.\n", name)
	return exitUsage
}

func exitCode(e *env, name string, err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		// A short usage on stderr; the whole help is one --help away.
		if e.usage != "" {
			fmt.Fprintf(e.stderr, "roost %s: %s\nUsage: roost %s\nRun 'roost %s --help' for more.\n", name, ue.msg, e.usage, e.helpName)
		} else {
			fmt.Fprintf(e.stderr, "roost %s: %s\nRun 'roost %s --help' for usage.\n", name, ue.msg, name)
		}
		return exitUsage
	case errors.Is(err, errReported):
		return exitError
	default:
		fmt.Fprintf(e.stderr, "roost %s: %v\n", name, err)
		return exitError
	}
}

// errReported means the command already told the user what went wrong.
var errReported = errors.New("failure already reported")

func printMainUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("Roost is an IMAP4rev2/IMAP4rev1 mail server.\n\nUsage:\n  roost <command> [flags] [arguments]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	b.WriteString("\nTry it:  roost serve --demo\nMore:    roost help <command>   or   roost <command> --help\n")
	io.WriteString(w, b.String())
}

func runHelp(e *env, args []string) error {
	if len(args) == 0 {
		printMainUsage(e.stdout)
		return nil
	}
	if len(args) > 1 {
		return usagef("help takes at most one command name")
	}
	for _, c := range commands() {
		if c.name == args[0] && c.name != "help" {
			// Every command answers --help with its usage on stdout.
			return c.run(e, []string{"--help"})
		}
	}
	if args[0] == "help" {
		printMainUsage(e.stdout)
		return nil
	}
	return usagef("unknown command %q", args[0])
}

// newFlagSet returns a FlagSet for one command that reports errors instead
// of exiting, and prints usage (with the given synopsis and description)
// to e.stdout for --help and to e.stderr for mistakes.
func newFlagSet(e *env, name, synopsis, description string) *flag.FlagSet {
	e.usage, e.helpName = synopsis, name
	fs := flag.NewFlagSet("roost "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by exitCode, usage by parseArgs
	fs.Usage = func() {
		w := e.stdout
		fmt.Fprintf(w, "Usage:\n  roost %s\n\n%s\n", synopsis, strings.TrimSpace(description))
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintf(w, "\nFlags:\n")
			fs.SetOutput(w)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
		}
	}
	return fs
}

// parseArgs parses flags that may appear before, between or after the
// positional arguments (`roost user add NAME --password-stdin`), which the
// flag package alone does not allow. Everything after "--" is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	// The flag package calls Usage for -h and for every mistake; the whole
	// usage goes to stdout for -h only (a mistake gets the short one on
	// stderr, exitCode).
	printUsage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = printUsage }()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printUsage()
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// storeFlags are the flags of every command that opens the data directory.
type storeFlags struct {
	data   string
	config string
}

func addStoreFlags(fs *flag.FlagSet) *storeFlags {
	sf := &storeFlags{}
	fs.StringVar(&sf.data, "data", "", "data `DIR` (default $"+config.DataEnv+", else the config file's data, else "+config.DefaultDataDir+")")
	fs.StringVar(&sf.config, "config", "", "TOML config `FILE` (see docs/CONFIG.md)")
	return sf
}

// load resolves the configuration: defaults, then the config file, then
// $ROOST_DATA, then the --data flag.
func (sf *storeFlags) load(e *env) (config.Config, error) {
	cfg, err := config.Load(sf.config, e.getenv)
	if err != nil {
		return config.Config{}, err
	}
	if sf.data != "" {
		cfg.Data = sf.data
	}
	return cfg, nil
}

// openForTool opens the data directory of a short-lived CLI command.
func openForTool(e *env, sf *storeFlags) (*sqlite.Store, error) {
	return openStoreAs(e, sf, app.ForTool)
}

// openStoreAs is openForTool with a mode (user add creates the directory).
func openStoreAs(e *env, sf *storeFlags, mode app.StoreMode) (*sqlite.Store, error) {
	cfg, err := sf.load(e)
	if err != nil {
		return nil, err
	}
	return app.OpenStore(cfg.Data, mode)
}
