package server

import (
	"bytes"
	"slices"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// The go-imap v2 client understands every answer of the message commands.
func TestMessageCommandsWithGoIMAPClient(t *testing.T) {
	e := newMsgEnv(t)
	e.add("INBOX", simpleMsg, msgDate)
	e.add("INBOX", mpMsg, msgDate)
	e.add("INBOX", searchMsg3, msgDate, "$Work")
	e.claimRecent("INBOX")

	c, err := imapclient.DialInsecure(e.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(msgUser, msgPass).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}

	header := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	part1 := &imap.FetchItemBodySection{Part: []int{1}, Peek: true}
	inner := &imap.FetchItemBodySection{Part: []int{3}, Specifier: imap.PartSpecifierText, Peek: true}
	partial := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 6, Size: 4}}
	fields := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Subject"}, Peek: true}
	binary := &imap.FetchItemBinarySection{Part: []int{2}, Peek: true}
	msgs, err := c.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{
		UID: true, Flags: true, RFC822Size: true,
		BodySection:       []*imap.FetchItemBodySection{header, part1, inner, partial, fields},
		BinarySection:     []*imap.FetchItemBinarySection{binary},
		BinarySectionSize: []*imap.FetchItemBinarySectionSize{{Part: []int{1}}},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	checks := []struct {
		name      string
		got, want []byte
	}{
		{"HEADER", m.FindBodySection(header), []byte(mpHeader)},
		{"1", m.FindBodySection(part1), []byte(mpPart1Body)},
		{"3.TEXT", m.FindBodySection(inner), []byte(mpInnerBody)},
		{"<6.4>", m.FindBodySection(partial), []byte(mpMsg[6:10])},
		{"HEADER.FIELDS", m.FindBodySection(fields), []byte("Subject: Multi\r\n\r\n")},
		{"BINARY[2]", m.FindBinarySection(binary), []byte(mpPart2Decoded)},
	}
	for _, ch := range checks {
		if !bytes.Equal(ch.got, ch.want) {
			t.Errorf("%s: got %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if size, ok := m.FindBinarySectionSize([]int{1}); !ok || size != uint32(len(mpPart1Decoded)) {
		t.Errorf("BINARY.SIZE[1] = %d, %v", size, ok)
	}
	if m.UID != 2 || m.RFC822Size != int64(len(mpMsg)) || len(m.Flags) != 0 {
		t.Errorf("UID %d size %d flags %v", m.UID, m.RFC822Size, m.Flags)
	}

	data, err := c.Search(&imap.SearchCriteria{Body: []string{"crème"}}, &imap.SearchOptions{}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got := data.AllSeqNums(); !slices.Equal(got, []uint32{3}) {
		t.Errorf("SEARCH BODY crème = %v", got)
	}
	data, err = c.UIDSearch(&imap.SearchCriteria{Flag: []imap.Flag{"$work"}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := data.All.(imap.UIDSet).Nums(); !slices.Equal(got, []imap.UID{3}) {
		t.Errorf("UID SEARCH KEYWORD = %v", got)
	}

	stored, err := c.Store(imap.SeqSetNum(1, 2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || !slices.Equal(stored[1].Flags, []imap.Flag{imap.FlagDeleted}) {
		t.Errorf("STORE answered %+v", stored)
	}

	cp, err := c.Copy(imap.SeqSetNum(3), "Archive").Wait()
	if err != nil {
		t.Fatal(err)
	}
	if src, _ := cp.SourceUIDs.Nums(); !slices.Equal(src, []imap.UID{3}) || cp.UIDValidity != e.mailbox("Archive").UIDValidity {
		t.Errorf("COPY: %+v", cp)
	}
	mv, err := c.Move(imap.SeqSetNum(3), "Trash").Wait()
	if err != nil {
		t.Fatal(err)
	}
	if mv.UIDValidity != e.mailbox("Trash").UIDValidity {
		t.Errorf("MOVE: %+v", mv)
	}
	expunged, err := c.Expunge().Collect()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(expunged, []uint32{1, 1}) {
		t.Errorf("EXPUNGE reported %v", expunged)
	}
	if n := c.Mailbox().NumMessages; n != 0 {
		t.Errorf("client thinks INBOX has %d messages", n)
	}
}
