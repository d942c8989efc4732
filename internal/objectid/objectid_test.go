package objectid

import (
	"strings"
	"testing"
)

// TestRandomIDs: random IDs stay within the objectid grammar of RFC 8474
// §7 and the ranges the store relies on, and do not repeat.
func TestRandomIDs(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		n := RandomRowID()
		if n < 1<<32 || n >= 1<<62 {
			t.Fatalf("RandomRowID() = %d, outside [2^32, 2^62)", n)
		}
		for _, id := range []string{NewEmailID(), ThreadID(n), MailboxID(n, 1796694918)} {
			if !Valid(id) || seen[id] {
				t.Fatalf("%q: valid %v, seen before %v", id, Valid(id), seen[id])
			}
			seen[id] = true
		}
	}
	if e := NewEmailID(); len(e) != 27 || !strings.HasPrefix(e, "E") || e[1:] != strings.ToLower(e[1:]) {
		t.Fatalf("NewEmailID() = %q", e)
	}
	if got := EmailID("", strings.Repeat("ab", 32)); got != "M"+strings.Repeat("ab", 16) {
		t.Fatalf("EmailID of an older message = %q", got)
	}
}
