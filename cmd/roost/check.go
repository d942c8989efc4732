package main

import (
	"context"
	"fmt"

	"roost/internal/app"
)

func runCheck(e *env, args []string) error {
	fs := newFlagSet(e, "check", "check [--data DIR] [--config FILE] [--full | --sample N]", `
Verifies the store: that every message's blob exists with the recorded
size, that UIDs and MODSEQs are consistent (every UID below UIDNEXT, every
MODSEQ at most HIGHESTMODSEQ), that no row is orphaned, and whatever else
the store knows to check, and how many stored messages still await a parse
by the current parser. It also re-reads message files and compares them
with their SHA-256: a random sample (--sample, default 200), or all of them
with --full. Prints each problem found and exits 1 if there is any. Safe to
run while the server is running.`)
	sf := addStoreFlags(fs)
	full := fs.Bool("full", false, "re-read and hash every message file")
	sample := fs.Int("sample", 200, "re-read and hash `N` message files chosen at random")
	positional, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usagef("unexpected argument %q", positional[0])
	}
	if *sample < 0 {
		return usagef("--sample %d: want a number of files, 0 or more", *sample)
	}
	cfg, err := sf.load(e)
	if err != nil {
		return err
	}
	b, err := app.OpenStore(cfg.Data, app.ForTool)
	if err != nil {
		return err
	}
	defer b.Close()
	problems, err := b.Check(context.Background())
	if err != nil {
		return err
	}
	n := *sample
	if *full {
		n = 0 // every file
	}
	if n > 0 || *full {
		more, checked, err := b.CheckContents(context.Background(), n)
		if err != nil {
			return err
		}
		problems = append(problems, more...)
		if checked > 0 {
			fmt.Fprintf(e.stdout, "%d message file(s) re-read and hashed\n", checked)
		}
	}
	// Not a problem: the server parses them again in the background.
	awaiting, err := b.AwaitingReparse(context.Background())
	if err != nil {
		return err
	}
	if awaiting > 0 {
		fmt.Fprintf(e.stdout, "%d stored message(s) await a parse by the current parser (the server does it in the background)\n", awaiting)
	}
	for _, p := range problems {
		fmt.Fprintln(e.stdout, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(e.stderr, "roost check: %d problem(s) in %s\n", len(problems), cfg.Data)
		return errReported
	}
	fmt.Fprintf(e.stdout, "ok: no problems found in %s\n", cfg.Data)
	return nil
}
