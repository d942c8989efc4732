package proto

import "time"

// SearchOp is a search key's name, upper case as in RFC 9051 §6.4.4.
type SearchOp string

const (
	SearchAll        SearchOp = "ALL"
	SearchSeqSet     SearchOp = "SEQSET" // a bare sequence set; Set
	SearchUID        SearchOp = "UID"    // Set
	SearchAnswered   SearchOp = "ANSWERED"
	SearchDeleted    SearchOp = "DELETED"
	SearchDraft      SearchOp = "DRAFT"
	SearchFlagged    SearchOp = "FLAGGED"
	SearchNew        SearchOp = "NEW" // RECENT UNSEEN
	SearchOld        SearchOp = "OLD" // NOT RECENT
	SearchRecent     SearchOp = "RECENT"
	SearchSeen       SearchOp = "SEEN"
	SearchUnanswered SearchOp = "UNANSWERED"
	SearchUndeleted  SearchOp = "UNDELETED"
	SearchUndraft    SearchOp = "UNDRAFT"
	SearchUnflagged  SearchOp = "UNFLAGGED"
	SearchUnseen     SearchOp = "UNSEEN"
	SearchKeyword    SearchOp = "KEYWORD"   // Value: the flag
	SearchUnkeyword  SearchOp = "UNKEYWORD" // Value
	SearchBcc        SearchOp = "BCC"       // Value
	SearchCc         SearchOp = "CC"
	SearchFrom       SearchOp = "FROM"
	SearchTo         SearchOp = "TO"
	SearchSubject    SearchOp = "SUBJECT"
	SearchBody       SearchOp = "BODY"
	SearchText       SearchOp = "TEXT"
	SearchHeader     SearchOp = "HEADER" // Field and Value
	SearchBefore     SearchOp = "BEFORE" // Date (internal date, day granularity)
	SearchOn         SearchOp = "ON"
	SearchSince      SearchOp = "SINCE"
	SearchSentBefore SearchOp = "SENTBEFORE" // Date (Date: header)
	SearchSentOn     SearchOp = "SENTON"
	SearchSentSince  SearchOp = "SENTSINCE"
	SearchLarger     SearchOp = "LARGER"  // Number
	SearchSmaller    SearchOp = "SMALLER" // Number
	SearchNot        SearchOp = "NOT"     // Keys[0]
	SearchOr         SearchOp = "OR"      // Keys[0], Keys[1]
	SearchAnd        SearchOp = "AND"     // Keys: a parenthesised list, all must match
	SearchModSeq     SearchOp = "MODSEQ"  // Number (RFC 7162)
	SearchOlder      SearchOp = "OLDER"   // Number of seconds (RFC 5032)
	SearchYounger    SearchOp = "YOUNGER" // Number of seconds (RFC 5032)
)

// SearchKey is one node of a search program.
type SearchKey struct {
	Op     SearchOp
	Set    NumSet    // SEQSET, UID
	Field  string    // HEADER field name
	Value  string    // string argument (UTF-8) or keyword
	Date   time.Time // date keys: midnight UTC of the given day
	Number int64     // LARGER, SMALLER, MODSEQ, OLDER, YOUNGER
	Keys   []SearchKey
}

// SearchReturn is an ESEARCH return option (RFC 4731, RFC 5182).
type SearchReturn string

const (
	ReturnMin   SearchReturn = "MIN"
	ReturnMax   SearchReturn = "MAX"
	ReturnAll   SearchReturn = "ALL"
	ReturnCount SearchReturn = "COUNT"
	ReturnSave  SearchReturn = "SAVE"
)

// Search is SEARCH/UID SEARCH. The top-level keys are ANDed.
type Search struct {
	// Return is nil when there was no RETURN clause (plain SEARCH response
	// in IMAP4rev1); non-nil but empty for "RETURN ()", meaning ALL.
	Return  []SearchReturn
	Partial *PartialRange // PARTIAL of RFC 5267, when Return has it
	Charset string        // as given, upper-cased; "" if absent
	Keys    []SearchKey
}
