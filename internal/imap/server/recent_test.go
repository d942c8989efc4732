package server

import "testing"

func TestRecentSet(t *testing.T) {
	var r recentSet
	r.add(5, 9)
	r.add(10, 12) // adjacent: merged
	r.add(20, 20)
	r.add(30, 25) // empty
	if len(r.runs) != 2 || r.runs[0] != (uidRange{5, 12}) || r.runs[1] != (uidRange{20, 20}) {
		t.Fatalf("runs = %v, want [{5 12} {20 20}]", r.runs)
	}
	for uid, want := range map[uint32]bool{4: false, 5: true, 12: true, 13: false, 19: false, 20: true, 21: false} {
		if got := r.has(uid); got != want {
			t.Errorf("has(%d) = %v, want %v", uid, got, want)
		}
	}
	// The session's UIDs after 6, 11 and 20 were expunged.
	if got := r.count([]uint32{1, 4, 5, 7, 8, 9, 10, 12, 15, 21}); got != 6 {
		t.Errorf("count = %d, want 6", got)
	}
}
