package main

import (
	"context"
	"fmt"

	"roost/internal/app"
)

func runCheck(e *env, args []string) error {
	fs := newFlagSet(e, "check", "check [--data DIR] [--config FILE]", `
Verifies the store: that every message's blob exists and matches, that UIDs
and MODSEQs are consistent, and whatever else the store knows to check.
Prints each problem found and exits 1 if there is any. Safe to run while the
server is running.`)
	sf := addStoreFlags(fs)
	positional, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usagef("unexpected argument %q", positional[0])
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
