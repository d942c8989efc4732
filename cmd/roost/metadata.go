package main

import (
	"context"
	"fmt"
	"strings"

	"roost/internal/store"
)

// `roost metadata`: the shared server entries of RFC 5464, which IMAP
// clients read with GETMETADATA "" — notably /shared/admin, the
// administrator's contact (§3.2.1.1), which clients cannot change.

const metadataDescription = `
Shows and changes the shared server metadata (RFC 5464) that every IMAP
user can read with GETMETADATA "". These commands work while the server
is running.

  roost metadata get [ENTRY]         print the entries (below ENTRY)
  roost metadata set ENTRY VALUE     set an entry
  roost metadata delete ENTRY        remove an entry

ENTRY starts with /shared/. /shared/admin is how users reach the
administrator and must be a URI:
  roost metadata set /shared/admin mailto:postmaster@example.org`

// serverMetadataLimit bounds the shared server entries set here, like the
// server's own limit per scope.
const serverMetadataLimit = 100

func runMetadata(e *env, args []string) error {
	e.usage, e.helpName = "metadata <get|set|delete> ...", "metadata"
	if len(args) == 0 {
		return usagef("missing subcommand: get, set or delete")
	}
	sub := args[0]
	want := map[string]struct {
		synopsis string
		n        int
	}{"get": {"[ENTRY]", -1}, "set": {"ENTRY VALUE", 2}, "delete": {"ENTRY", 1}}
	spec, ok := want[sub]
	if !ok {
		if sub == "-h" || sub == "-help" || sub == "--help" || sub == "help" {
			fs := newFlagSet(e, "metadata", "metadata <get|set|delete> ...", metadataDescription)
			fs.Usage()
			return nil
		}
		return usagef("unknown subcommand %q (want get, set or delete)", sub)
	}
	fs := newFlagSet(e, "metadata "+sub, "metadata "+sub+" "+spec.synopsis+" [--data DIR] [--config FILE]", metadataDescription)
	sf := addStoreFlags(fs)
	positional, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if (spec.n >= 0 && len(positional) != spec.n) || (spec.n < 0 && len(positional) > 1) {
		return usagef("want %s", spec.synopsis)
	}
	entry := ""
	if len(positional) > 0 {
		if entry, err = serverEntryName(positional[0], sub != "get"); err != nil {
			return usagef("%v", err)
		}
	}
	b, err := openForTool(e, sf)
	if err != nil {
		return err
	}
	defer b.Close()
	ctx := context.Background()
	scope := store.MetadataScope{} // server, shared entries
	switch sub {
	case "set":
		return b.SetMetadata(ctx, scope, []store.MetadataEntry{{Name: entry, Value: []byte(positional[1])}}, serverMetadataLimit)
	case "delete":
		return b.SetMetadata(ctx, scope, []store.MetadataEntry{{Name: entry}}, serverMetadataLimit)
	}
	if entry == "" {
		entry = "/shared"
	}
	entries, err := b.Metadata(ctx, scope, entry)
	if err != nil {
		return err
	}
	var out strings.Builder
	for _, en := range entries {
		fmt.Fprintf(&out, "%s %q\n", en.Name, en.Value)
	}
	_, err = fmt.Fprint(e.stdout, out.String())
	return err
}

// serverEntryName checks an entry name the way the IMAP parser does (RFC
// 5464 §3.2) and that it is shared; it returns it lower case.
func serverEntryName(s string, set bool) (string, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '*' || c == '%' {
			return "", fmt.Errorf("invalid character in entry name %q", s)
		}
	}
	s = strings.ToLower(s)
	if s != "/shared" && !strings.HasPrefix(s, "/shared/") {
		return "", fmt.Errorf("entry name %q does not start with /shared/", s)
	}
	if strings.Contains(s, "//") || strings.HasSuffix(s, "/") || (set && s == "/shared") {
		return "", fmt.Errorf("invalid entry name %q", s)
	}
	return s, nil
}
