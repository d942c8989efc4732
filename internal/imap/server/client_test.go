package server

import (
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestGoIMAPClient drives the server with an independent client library.
func TestGoIMAPClient(t *testing.T) {
	ts := newTestServer(t, nil)
	ic := ts.client(t, nil)

	if !ic.Caps().Has(imap.CapIMAP4rev2) || !ic.Caps().Has(imap.CapIdle) || ic.Caps().Has(imap.CapLoginDisabled) {
		t.Fatalf("caps %v", ic.Caps())
	}
	if err := ic.Create("Projekte/Größe", &imap.CreateOptions{}).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := ic.Create("Archive", nil).Wait(); err == nil {
		t.Fatal("CREATE of an existing mailbox succeeded")
	}
	list, err := ic.List("", "*", &imap.ListOptions{ReturnStatus: &imap.StatusOptions{NumMessages: true}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range list {
		names = append(names, l.Mailbox)
		if l.Delim != '/' {
			t.Fatalf("delimiter %q", l.Delim)
		}
	}
	want := []string{"INBOX", "Archive", "Drafts", "Junk", "Projekte", "Projekte/Größe", "Sent", "Trash"}
	if !slices.Equal(names, want) {
		t.Fatalf("LIST: %q, want %q", names, want)
	}
	if list[0].Status == nil || list[0].Status.NumMessages == nil || *list[0].Status.NumMessages != 0 {
		t.Fatalf("LIST-STATUS of INBOX: %+v", list[0].Status)
	}

	msg := "From: a@example.org\r\nSubject: hello\r\n\r\nbody\r\n"
	app := ic.Append("INBOX", int64(len(msg)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}})
	if _, err := app.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	ad, err := app.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if ad.UID != 1 || ad.UIDValidity != ts.mailbox(t, "INBOX").UIDValidity {
		t.Fatalf("APPENDUID %+v", ad)
	}
	st, err := ic.Status("INBOX", &imap.StatusOptions{NumMessages: true, NumUnseen: true, Size: true, UIDNext: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if *st.NumMessages != 1 || *st.NumUnseen != 0 || *st.Size != int64(len(msg)) || st.UIDNext != 2 {
		t.Fatalf("STATUS %+v", st)
	}
	sel, err := ic.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 1 || sel.UIDNext != 2 || !slices.Contains(sel.PermanentFlags, imap.FlagWildcard) {
		t.Fatalf("SELECT %+v", sel)
	}
	if err := ic.Unselect().Wait(); err != nil {
		t.Fatal(err)
	}
	if err := ic.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestGoIMAPClientIdle checks that IDLE delivers a new message to a
// library client without polling.
func TestGoIMAPClientIdle(t *testing.T) {
	ts := newTestServer(t, nil)
	exists := make(chan uint32, 10)
	ic := ts.client(t, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				exists <- *d.NumMessages
			}
		},
	}})
	if _, err := ic.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := ic.Idle()
	if err != nil {
		t.Fatal(err)
	}
	ts.appendMsg(t, "INBOX", "Subject: x\r\n\r\nx\r\n")
	select {
	case n := <-exists:
		if n != 1 {
			t.Fatalf("EXISTS %d", n)
		}
	case <-time.After(ioTimeout):
		t.Fatal("no EXISTS during IDLE")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
}
