package server

import (
	"strings"

	"roost/internal/store"
)

// maxPattern bounds a LIST pattern; longer ones match nothing.
const maxPattern = 4 * maxMailboxName

// matchPattern reports whether name matches a LIST pattern (RFC 9051
// §6.3.9): "*" matches anything, "%" anything but the hierarchy delimiter.
// It simulates the pattern as an automaton, so the cost is
// O(len(pattern)·len(name)) whatever the wildcards.
func matchPattern(pattern, name string) bool {
	if len(pattern) > maxPattern {
		return false
	}
	m := len(pattern)
	cur := make([]bool, m+1)
	next := make([]bool, m+1)
	closure := func(st []bool) {
		for j := 0; j < m; j++ {
			if st[j] && (pattern[j] == '*' || pattern[j] == '%') {
				st[j+1] = true
			}
		}
	}
	cur[0] = true
	closure(cur)
	for i := 0; i < len(name); i++ {
		c := name[i]
		clear(next)
		any := false
		for j := 0; j < m; j++ {
			if !cur[j] {
				continue
			}
			switch p := pattern[j]; {
			case p == '*', p == '%' && c != '/':
				next[j] = true
				any = true
			case p == c:
				next[j+1] = true
				any = true
			}
		}
		if !any {
			return false
		}
		closure(next)
		cur, next = next, cur
	}
	return cur[m]
}

// canonicalPattern joins reference and pattern (RFC 9051 §6.3.9) and
// spells a leading INBOX in upper case, since INBOX is case-insensitive.
func canonicalPattern(reference, pattern string) string {
	p := reference + pattern
	if len(p) >= 5 && strings.EqualFold(p[:5], "INBOX") {
		p = "INBOX" + p[5:]
	}
	return p
}

// mailboxTree indexes a user's mailboxes by name and knows which names
// have children. Names that only exist as ancestors of others (which the
// store normally prevents) appear with a nil mailbox.
type mailboxTree struct {
	nodes map[string]*treeNode
}

type treeNode struct {
	mbox        *store.Mailbox
	hasChildren bool
}

func newMailboxTree(mboxes []store.Mailbox) *mailboxTree {
	t := &mailboxTree{nodes: make(map[string]*treeNode, len(mboxes))}
	for i := range mboxes {
		n := t.node(mboxes[i].Name)
		n.mbox = &mboxes[i]
	}
	for i := range mboxes {
		forEachParent(mboxes[i].Name, func(p string) { t.node(p).hasChildren = true })
	}
	return t
}

func (t *mailboxTree) node(name string) *treeNode {
	n := t.nodes[name]
	if n == nil {
		n = &treeNode{}
		t.nodes[name] = n
	}
	return n
}

// mailbox returns the existing mailbox called name, or nil.
func (t *mailboxTree) mailbox(name string) *store.Mailbox {
	if n := t.nodes[name]; n != nil {
		return n.mbox
	}
	return nil
}

// forEachParent calls f with every proper ancestor of name: "a/b/c" gives
// "a" and "a/b".
func forEachParent(name string, f func(string)) {
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			f(name[:i])
		}
	}
}

// lessMailbox orders LIST output: INBOX first, then by name.
func lessMailbox(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "INBOX":
		return -1
	case b == "INBOX":
		return 1
	}
	return strings.Compare(a, b)
}
