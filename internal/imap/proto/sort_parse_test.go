package proto

import "testing"

func TestSortThreadParse(t *testing.T) {
	sortCmd := func(uid bool, s *Sort) *Command { return &Command{Tag: "a", Name: "SORT", UID: uid, Args: s} }
	threadCmd := func(uid bool, th *Thread) *Command { return &Command{Tag: "a", Name: "THREAD", UID: uid, Args: th} }
	all := []SearchKey{{Op: SearchAll}}
	runCmdTests(t, []cmdTest{
		// RFC 5256 §3 examples.
		{in: "a SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994", want: sortCmd(false, &Sort{
			Criteria: []SortCriterion{{Key: SortSubject}}, Charset: "UTF-8",
			Keys: []SearchKey{{Op: SearchSince, Date: day(1994, 2, 1)}}})},
		{in: "a SORT (SUBJECT REVERSE DATE) UTF-8 ALL", want: sortCmd(false, &Sort{
			Criteria: []SortCriterion{{Key: SortSubject}, {Key: SortDate, Reverse: true}}, Charset: "UTF-8", Keys: all})},
		{in: `a uid sort (arrival cc date from size subject to displayfrom reverse displayto) "us-ascii" TEXT "not in mailbox" UNSEEN`,
			want: sortCmd(true, &Sort{
				Criteria: []SortCriterion{{Key: SortArrival}, {Key: SortCc}, {Key: SortDate}, {Key: SortFrom}, {Key: SortSize},
					{Key: SortSubject}, {Key: SortTo}, {Key: SortDisplayFrom}, {Key: SortDisplayTo, Reverse: true}},
				Charset: "US-ASCII", Keys: []SearchKey{{Op: SearchText, Value: "not in mailbox"}, {Op: SearchUnseen}}})},
		// RFC 5267 §3.3 example and CONTEXT options.
		{in: "a UID SORT RETURN () (REVERSE DATE) UTF-8 UNDELETED UNKEYWORD $Junk", want: sortCmd(true, &Sort{
			Return: []SearchReturn{}, Criteria: []SortCriterion{{Key: SortDate, Reverse: true}}, Charset: "UTF-8",
			Keys: []SearchKey{{Op: SearchUndeleted}, {Op: SearchUnkeyword, Value: "$Junk"}}})},
		{in: "a SORT RETURN (min MAX COUNT update context partial 10:1) (SIZE) UTF-8 ALL", want: sortCmd(false, &Sort{
			Return:  []SearchReturn{ReturnMin, ReturnMax, ReturnCount, ReturnUpdate, ReturnContext, ReturnPartial},
			Partial: &PartialRange{Low: 1, High: 10}, Criteria: []SortCriterion{{Key: SortSize}}, Charset: "UTF-8", Keys: all})},
		{in: "a SORT", err: "a BAD Expected SP after SORT"},
		{in: "a SORT () UTF-8 ALL", err: "a BAD Empty sort criteria"},
		{in: "a SORT (SUBJECT) UTF-8", err: "a BAD Expected SP after charset"},
		{in: "a SORT (SUBJECT)", err: "a BAD Expected SP after sort criteria"},
		{in: "a SORT (BOGUS) UTF-8 ALL", err: `a BAD Unknown sort criterion "BOGUS"`},
		{in: "a SORT (REVERSE) UTF-8 ALL", err: `a BAD Expected SP after REVERSE`},
		{in: "a SORT (REVERSE REVERSE DATE) UTF-8 ALL", err: `a BAD Unknown sort criterion "REVERSE"`},
		{in: "a SORT SUBJECT UTF-8 ALL", err: `a BAD Expected sort criteria, found "SUBJECT"`},
		{in: "a SORT RETURN (SAVE) (DATE) UTF-8 ALL", err: `a BAD SAVE is not a SORT RETURN option`},
		{in: "a SORT RETURN (ALL PARTIAL 1:5) (DATE) UTF-8 ALL", err: `a BAD PARTIAL and ALL cannot be combined`},
		{in: "a SORT RETURN (PARTIAL 1:5 PARTIAL 2:3) (DATE) UTF-8 ALL", err: `a BAD PARTIAL given twice`},
		{in: "a SORT RETURN (PARTIAL 0:5) (DATE) UTF-8 ALL", err: `a BAD Invalid PARTIAL range: expected a non-zero number`},
		{in: "a SORT RETURN (PARTIAL 1:*) (DATE) UTF-8 ALL", err: `a BAD Invalid PARTIAL range: expected number, found "*"`},
		{in: "a SORT (DATE) UTF-8 FOO", err: `a BAD Unknown search key "FOO"`},

		{in: "a THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000", want: threadCmd(false, &Thread{
			Algorithm: ThreadOrderedSubject, Charset: "UTF-8", Keys: []SearchKey{{Op: SearchSince, Date: day(2000, 3, 5)}}})},
		{in: `a UID THREAD references "utf-8" TEXT gewp 1:3`, want: threadCmd(true, &Thread{
			Algorithm: ThreadReferences, Charset: "UTF-8", Keys: []SearchKey{{Op: SearchText, Value: "gewp"},
				{Op: SearchSeqSet, Set: NumSet{Ranges: []Range{{1, 3}}}}}})},
		{in: "a THREAD XYZ UTF-8 ALL", want: threadCmd(false, &Thread{Algorithm: "XYZ", Charset: "UTF-8", Keys: all})},
		{in: "a THREAD REFERENCES UTF-8", err: "a BAD Expected SP after charset"},
		{in: "a THREAD", err: "a BAD Expected SP after THREAD"},

		{in: `a CANCELUPDATE "B01"`, want: &Command{Tag: "a", Name: "CANCELUPDATE", Args: &CancelUpdate{Tags: []string{"B01"}}}},
		{in: `a CANCELUPDATE "B01" "x y"`, want: &Command{Tag: "a", Name: "CANCELUPDATE", Args: &CancelUpdate{Tags: []string{"B01", "x y"}}}},
		{in: `a CANCELUPDATE`, err: "a BAD Expected SP after CANCELUPDATE"},
		{in: `a CANCELUPDATE B01`, err: `a BAD Expected quoted tag`},

		// SEARCH takes the RFC 5267 options too.
		{in: "a UID SEARCH RETURN (UPDATE PARTIAL 23500:24000 COUNT) UNDELETED", want: &Command{Tag: "a", Name: "SEARCH", UID: true,
			Args: &Search{Return: []SearchReturn{ReturnUpdate, ReturnPartial, ReturnCount},
				Partial: &PartialRange{Low: 23500, High: 24000}, Keys: []SearchKey{{Op: SearchUndeleted}}}}},
		{in: "a SEARCH RETURN (PARTIAL 1:5 ALL) UNDELETED", err: `a BAD PARTIAL and ALL cannot be combined`},
	}, false)
}
