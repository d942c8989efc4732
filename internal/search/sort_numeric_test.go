package search

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

// numericTestMessages has many ties on every numeric key, some messages
// without a Date header, and UIDs with gaps.
func numericTestMessages(n int) []store.Message {
	r := rand.New(rand.NewPCG(1, 2))
	msgs := make([]store.Message, n)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range msgs {
		msgs[i] = store.Message{
			UID:          uint32(3*i + 1),
			InternalDate: base.Add(time.Duration(r.IntN(50)) * time.Hour),
			Size:         int64(r.IntN(20)),
			Sort:         &store.SortKeys{},
		}
		if r.IntN(4) > 0 {
			msgs[i].Sort.SentDate = base.Add(time.Duration(r.IntN(50)) * time.Hour)
		}
	}
	return msgs
}

// TestSortNumericMatchesGeneral: one date or size criterion takes the fast
// path; it must order exactly as the general comparison does.
func TestSortNumericMatchesGeneral(t *testing.T) {
	msgs := numericTestMessages(2000)
	// Keys too far apart to pack into one integer take the comparison.
	wide := numericTestMessages(2000)
	wide[7].Size = 1 << 40
	wide[9].InternalDate = wide[9].InternalDate.Add(time.Millisecond)
	for _, msgs := range [][]store.Message{msgs, wide} {
		checkNumericSort(t, msgs)
	}
}

func checkNumericSort(t *testing.T, msgs []store.Message) {
	t.Helper()
	for _, key := range []proto.SortKey{proto.SortArrival, proto.SortDate, proto.SortSize} {
		for _, rev := range []bool{false, true} {
			c := proto.SortCriterion{Key: key, Reverse: rev}
			got := Sort(msgs, []proto.SortCriterion{c})
			want := sortGeneral(msgs, []proto.SortCriterion{c})
			if !slices.Equal(got, want) {
				t.Fatalf("%v reverse=%v: fast path order differs from the general one", key, rev)
			}
		}
	}
}

func BenchmarkSortDate(b *testing.B) {
	msgs := numericTestMessages(100000)
	crit := []proto.SortCriterion{{Key: proto.SortDate}}
	for b.Loop() {
		Sort(msgs, crit)
	}
}
