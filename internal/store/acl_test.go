package store

import "testing"

// TestMayPost: the "p" right of RFC 4314 §4 decides who may post to a
// mailbox; the owner always may.
func TestMayPost(t *testing.T) {
	mb := &Mailbox{ID: 7, UserID: 1}
	alice, bob, carol := Sender{ID: 1, Name: "alice"}, Sender{ID: 2, Name: "bob"}, Sender{ID: 3, Name: "carol"}
	stranger := Sender{}
	for _, tc := range []struct {
		name string
		acl  []ACLEntry
		want map[string]bool // sender name ("" for the stranger) → may post
	}{
		{"no entries", nil, map[string]bool{"alice": true, "bob": false, "carol": false, "": false}},
		{"bob has p", []ACLEntry{{Identifier: "bob", Rights: "lp"}},
			map[string]bool{"alice": true, "bob": true, "carol": false, "": false}},
		{"bob has everything but p", []ACLEntry{{Identifier: "bob", Rights: "lrswikxtea"}},
			map[string]bool{"alice": true, "bob": false, "carol": false, "": false}},
		{"anyone has p", []ACLEntry{{Identifier: Anyone, Rights: "p"}},
			map[string]bool{"alice": true, "bob": true, "carol": true, "": true}},
		{"anyone but bob", []ACLEntry{{Identifier: Anyone, Rights: "p"}, {Identifier: "bob", Negative: true, Rights: "p"}},
			map[string]bool{"alice": true, "bob": false, "carol": true, "": true}},
		{"the owner cannot be locked out", []ACLEntry{{Identifier: "alice", Negative: true, Rights: "p"}},
			map[string]bool{"alice": true, "bob": false, "carol": false, "": false}},
	} {
		for _, s := range []Sender{alice, bob, carol, stranger} {
			if got := MayPost(mb, tc.acl, s); got != tc.want[s.Name] {
				t.Errorf("%s: MayPost(%q) = %v, want %v", tc.name, s.Name, got, tc.want[s.Name])
			}
		}
	}
}
