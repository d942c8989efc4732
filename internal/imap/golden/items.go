package golden

import (
	_ "embed"
	"fmt"
	"strings"
)

// ItemKind names the class of a recorded item for match tables, folding
// part numbers and search words away: "BODY.PEEK[1.2.MIME]" is
// "BODY[n.MIME]", `SEARCH TEXT "word"` is "SEARCH TEXT".
func ItemKind(item string) string {
	switch {
	case item == "ENVELOPE", item == "BODYSTRUCTURE", item == "BODY", item == "RFC822.SIZE":
		return item
	case strings.HasPrefix(item, "SEARCH "):
		if i := strings.IndexByte(item, '"'); i > 0 {
			return strings.TrimSpace(item[:i])
		}
		return item
	case strings.HasPrefix(item, "BODY.PEEK[HEADER.FIELDS"):
		return "HEADER.FIELDS"
	case item == "BODY.PEEK[]<0.100>":
		return "BODY[]<0.100>"
	case item == "BODY.PEEK[HEADER]":
		return "BODY[HEADER]"
	case item == "BODY.PEEK[TEXT]":
		return "BODY[TEXT]"
	case strings.HasPrefix(item, "BINARY.SIZE["):
		return "BINARY.SIZE[n]"
	case strings.HasPrefix(item, "BINARY.PEEK["):
		return "BINARY[n]"
	case strings.HasSuffix(item, ".MIME]"):
		return "BODY[n.MIME]"
	case strings.HasSuffix(item, ".HEADER]"):
		return "BODY[n.HEADER]"
	case strings.HasSuffix(item, ".TEXT]"):
		return "BODY[n.TEXT]"
	case strings.HasPrefix(item, "BODY.PEEK["):
		return "BODY[n]"
	}
	return "OTHER"
}

// Status reduces a tagged reply to what a comparison should look at: "OK",
// or "NO"/"BAD" with its response code ("NO [UNKNOWN-CTE]"). The text after
// it is free-form and differs between servers.
func Status(s string) string {
	kind, rest, _ := strings.Cut(s, " ")
	if kind == "OK" {
		return kind
	}
	if strings.HasPrefix(rest, "[") {
		if i := strings.IndexByte(rest, ']'); i > 0 {
			return kind + " " + rest[:i+1]
		}
	}
	return kind
}

// Exception is a deliberate deviation from Dovecot's answer, with the RFC
// section that decides it.
type Exception struct {
	Message string // "0001"
	Item    string // as in the golden file
	RFC     string
	Reason  string
}

//go:embed exceptions.txt
var exceptionsText string

// Exceptions returns the documented deviations, keyed by message and item.
func Exceptions() (map[[2]string]Exception, error) {
	out := map[[2]string]Exception{}
	for _, line := range strings.Split(exceptionsText, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("exceptions.txt: bad line %q", line)
		}
		out[[2]string{f[0], f[1]}] = Exception{f[0], f[1], f[2], f[3]}
	}
	return out, nil
}
