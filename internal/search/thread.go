package search

import (
	"cmp"
	"slices"
	"strconv"

	"roost/internal/store"
)

// Thread is one node of a THREAD result (RFC 5256 §4): a message, or a
// dummy (UID 0) standing for a parent that is missing or was not found by
// the search, which only the top level keeps.
type Thread struct {
	UID      uint32
	Children []*Thread
}

// threadNode is a container of the REFERENCES algorithm: a message, or a
// dummy when e is nil.
type threadNode struct {
	e        *sortEntry
	parent   *threadNode
	children []*threadNode
}

func (n *threadNode) dummy() bool { return n.e == nil }

// sortKey is the node's place among siblings: its sent date and mailbox
// position, or, for a dummy, those of its first child (RFC 5256 §3 steps
// 4 and 6).
func (n *threadNode) sortKey() (int64, int) {
	for n.e == nil {
		if len(n.children) == 0 {
			return 0, 0
		}
		n = n.children[0]
	}
	return n.e.date, n.e.pos
}

func compareNodes(a, b *threadNode) int {
	da, pa := a.sortKey()
	db, pb := b.sortKey()
	if c := cmp.Compare(da, db); c != 0 {
		return c
	}
	return cmp.Compare(pa, pb)
}

// ThreadOrderedSubject threads msgs (mailbox order, loaded with SortNeeds)
// by the ORDEREDSUBJECT algorithm of RFC 5256 §3: messages sorted by base
// subject and sent date, one thread per base subject whose first message
// is the root and all others its children, threads ordered by the sent
// date of their first message.
func ThreadOrderedSubject(msgs []store.Message) []*Thread {
	es := entries(msgs)
	slices.SortFunc(es, func(a, b sortEntry) int {
		if c := cmp.Compare(a.keys.Subject, b.keys.Subject); c != 0 {
			return c
		}
		if c := cmp.Compare(a.date, b.date); c != 0 {
			return c
		}
		return cmp.Compare(a.pos, b.pos)
	})
	type group struct {
		first sortEntry
		root  *Thread
	}
	var groups []group
	for i := 0; i < len(es); {
		j := i + 1
		for j < len(es) && es[j].keys.Subject == es[i].keys.Subject {
			j++
		}
		root := &Thread{UID: es[i].uid}
		for _, e := range es[i+1 : j] {
			root.Children = append(root.Children, &Thread{UID: e.uid})
		}
		groups = append(groups, group{es[i], root})
		i = j
	}
	slices.SortFunc(groups, func(a, b group) int {
		if c := cmp.Compare(a.first.date, b.first.date); c != 0 {
			return c
		}
		return cmp.Compare(a.first.pos, b.first.pos)
	})
	out := make([]*Thread, len(groups))
	for i, g := range groups {
		out[i] = g.root
	}
	return out
}

// ThreadReferences threads msgs (mailbox order, loaded with SortNeeds) by
// the REFERENCES algorithm of RFC 5256 §3, steps 1 to 6.
func ThreadReferences(msgs []store.Message) []*Thread {
	es := entries(msgs)
	t := referenceThreader{byID: make(map[string]*threadNode, len(es))}
	for i := range es {
		t.add(&es[i])
	}
	// (2) The messages without parent are the threads.
	var root []*threadNode
	for _, n := range t.all {
		if n.parent == nil {
			root = append(root, n)
		}
	}
	root = pruneDummies(root, true) // (3)
	for _, n := range root {        // (4)
		if n.dummy() {
			slices.SortStableFunc(n.children, compareNodes)
		}
	}
	slices.SortStableFunc(root, compareNodes)
	root = mergeBySubject(root) // (5)
	sortSiblings(root)          // (6)
	out := make([]*Thread, 0, len(root))
	for _, n := range root {
		out = append(out, exportThread(n))
	}
	return out
}

// referenceThreader holds the containers of step 1, by Message ID.
type referenceThreader struct {
	byID map[string]*threadNode
	all  []*threadNode // every container in creation order (deterministic)
}

func (t *referenceThreader) node(id string) *threadNode {
	n := t.byID[id]
	if n == nil {
		n = &threadNode{}
		t.byID[id] = n
		t.all = append(t.all, n)
	}
	return n
}

// add is step 1 for one message.
func (t *referenceThreader) add(e *sortEntry) {
	var self *threadNode
	id := e.keys.MessageID
	if n := t.byID[id]; id != "" && (n == nil || n.dummy()) {
		self = t.node(id)
		self.e = e
	} else {
		// No valid Message-ID, or one used by an earlier message: a
		// unique ID nobody can reference.
		self = &threadNode{e: e}
		t.all = append(t.all, self)
	}
	refs := e.keys.References
	// (A) Link the references in order, first as parent of second...,
	// keeping existing parents and never making a loop.
	for i := 0; i+1 < len(refs); i++ {
		parent, child := t.node(refs[i]), t.node(refs[i+1])
		if child.parent == nil && !reaches(child, parent) {
			link(parent, child)
		}
	}
	// (B) The last reference is this message's parent, replacing any
	// parent it got from another message's truncated References.
	var parent *threadNode
	if len(refs) > 0 {
		parent = t.node(refs[len(refs)-1])
	}
	if self.parent != nil {
		unlink(self)
	}
	if parent != nil && !reaches(self, parent) {
		link(parent, self)
	}
}

// reaches reports whether to is from or one of its descendants, that is
// whether making from a child of to would close a loop.
func reaches(from, to *threadNode) bool {
	for n := to; n != nil; n = n.parent {
		if n == from {
			return true
		}
	}
	return false
}

func link(parent, child *threadNode) {
	child.parent = parent
	parent.children = append(parent.children, child)
}

func unlink(child *threadNode) {
	p := child.parent
	if i := slices.Index(p.children, child); i >= 0 {
		p.children = slices.Delete(p.children, i, i+1)
	}
	child.parent = nil
}

// pruneDummies is step 3 on a list of siblings: dummies without children
// go, dummies with children are replaced by their children, except at the
// top level when they have more than one.
func pruneDummies(list []*threadNode, top bool) []*threadNode {
	out := make([]*threadNode, 0, len(list))
	for _, n := range list {
		n.children = pruneDummies(n.children, false)
		switch {
		case !n.dummy():
			out = append(out, n)
		case len(n.children) == 0:
		case top && len(n.children) > 1:
			out = append(out, n)
		default:
			for _, c := range n.children {
				c.parent = n.parent
				if top {
					c.parent = nil
				}
			}
			out = append(out, n.children...)
		}
	}
	return out
}

// threadSubject is the base subject of a top-level node: its own, or its
// first child's if it is a dummy (step 5.B.i).
func threadSubject(n *threadNode) string {
	if n.dummy() {
		if len(n.children) == 0 || n.children[0].e == nil {
			return ""
		}
		return n.children[0].e.keys.Subject
	}
	return n.e.keys.Subject
}

func isReply(n *threadNode) bool { return n.e != nil && n.e.keys.SubjectReply }

// mergeBySubject is step 5: threads whose subjects are the same base
// subject are gathered under one message or one dummy.
func mergeBySubject(root []*threadNode) []*threadNode {
	table := make(map[string]*threadNode)
	for _, n := range root { // (B)
		subj := threadSubject(n)
		if subj == "" {
			continue
		}
		old := table[subj]
		if old == nil || !old.dummy() && (n.dummy() || isReply(old) && !isReply(n)) {
			table[subj] = n
		}
	}
	removed := make(map[*threadNode]bool)
	for i := 0; i < len(root); i++ { // (C)
		n := root[i]
		subj := threadSubject(n)
		if subj == "" {
			continue
		}
		old := table[subj]
		if old == n {
			continue
		}
		switch {
		case old.dummy() && n.dummy():
			for _, c := range n.children {
				c.parent = old
			}
			old.children = append(old.children, n.children...)
			n.children = nil
		case old.dummy() || isReply(n) && !isReply(old):
			n.parent = old
			old.children = append(old.children, n)
		default:
			d := &threadNode{}
			at := slices.Index(root, old)
			root[at] = d
			old.parent, n.parent = d, d
			d.children = []*threadNode{old, n}
			table[subj] = d
		}
		removed[n] = true
	}
	return slices.DeleteFunc(root, func(n *threadNode) bool { return removed[n] })
}

// sortSiblings is step 6: every set of siblings by sent date, the deepest
// first, so that a dummy sorts by its (already sorted) first child.
func sortSiblings(list []*threadNode) {
	for _, n := range list {
		sortSiblings(n.children)
	}
	slices.SortStableFunc(list, compareNodes)
}

func exportThread(n *threadNode) *Thread {
	t := &Thread{}
	if n.e != nil {
		t.UID = n.e.uid
	}
	for _, c := range n.children {
		t.Children = append(t.Children, exportThread(c))
	}
	return t
}

// AppendThreads appends the THREAD response data of threads (RFC 5256 §4:
// thread-list per thread, no separator), numbering each message with
// num(uid): its sequence number, or its UID for UID THREAD.
func AppendThreads(dst []byte, threads []*Thread, num func(uid uint32) uint32) []byte {
	for _, t := range threads {
		dst = append(dst, '(')
		dst = appendMembers(dst, t, num)
		dst = append(dst, ')')
	}
	return dst
}

// appendMembers writes thread-members: a chain of single children as
// numbers, then the sub-threads of a split as nested lists. A dummy has
// no number: its children are the nested lists.
func appendMembers(dst []byte, t *Thread, num func(uint32) uint32) []byte {
	first := true
	for {
		if t.UID != 0 {
			if !first {
				dst = append(dst, ' ')
			}
			dst = strconv.AppendUint(dst, uint64(num(t.UID)), 10)
			first = false
			if len(t.Children) == 1 {
				t = t.Children[0]
				continue
			}
		}
		if len(t.Children) == 0 {
			return dst
		}
		if !first {
			dst = append(dst, ' ')
		}
		for _, c := range t.Children {
			dst = append(dst, '(')
			dst = appendMembers(dst, c, num)
			dst = append(dst, ')')
		}
		return dst
	}
}
