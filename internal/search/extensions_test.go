package search

import (
	"testing"
	"time"

	"roost/internal/imap/proto"
	"roost/internal/store"
)

func TestMatchExtensions(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 3, d, 0, 0, 0, 0, time.UTC) }
	m := &store.Message{UID: 1, BlobID: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		ThreadID: 35, SaveDate: time.Date(2024, 3, 5, 23, 59, 0, 0, time.UTC)}
	noThread := &store.Message{UID: 2, BlobID: m.BlobID}
	ctx := &Context{Now: time.Now()}
	tests := []struct {
		key  proto.SearchKey
		msg  *store.Message
		want bool
	}{
		{proto.SearchKey{Op: proto.SearchEmailID, Value: "M0123456789abcdef0123456789abcdef"}, m, true},
		{proto.SearchKey{Op: proto.SearchEmailID, Value: "M0123456789ABCDEF0123456789ABCDEF"}, m, false},
		{proto.SearchKey{Op: proto.SearchThreadID, Value: "Tz"}, m, true},
		{proto.SearchKey{Op: proto.SearchThreadID, Value: "T10"}, m, false},
		{proto.SearchKey{Op: proto.SearchThreadID, Value: "T0"}, noThread, false},
		{proto.SearchKey{Op: proto.SearchSavedOn, Date: day(5)}, m, true},
		{proto.SearchKey{Op: proto.SearchSavedOn, Date: day(6)}, m, false},
		{proto.SearchKey{Op: proto.SearchSavedBefore, Date: day(6)}, m, true},
		{proto.SearchKey{Op: proto.SearchSavedBefore, Date: day(5)}, m, false},
		{proto.SearchKey{Op: proto.SearchSavedSince, Date: day(5)}, m, true},
		{proto.SearchKey{Op: proto.SearchSavedSince, Date: day(6)}, m, false},
		{proto.SearchKey{Op: proto.SearchSaveDateSupported}, m, true},
		{proto.SearchKey{Op: proto.SearchNot, Keys: []proto.SearchKey{{Op: proto.SearchSaveDateSupported}}}, m, false},
	}
	for _, tt := range tests {
		if got := Match([]proto.SearchKey{tt.key}, tt.msg, ctx); got != tt.want {
			t.Errorf("%+v on UID %d: %v, want %v", tt.key, tt.msg.UID, got, tt.want)
		}
	}
	if !Needs([]proto.SearchKey{{Op: proto.SearchNot, Keys: []proto.SearchKey{{Op: proto.SearchThreadID, Value: "T1"}}}}).ThreadID {
		t.Error("THREADID does not ask for the thread")
	}
}
