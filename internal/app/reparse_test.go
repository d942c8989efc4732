package app

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roost/internal/config"
	"roost/internal/store"
)

// TestRunReparses: a server started on a store holding a message parsed
// by an older parser parses it again in the background and logs it.
func TestRunReparses(t *testing.T) {
	fastHashes(t)
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Listen = config.Listen{IMAP: "127.0.0.1:0", IMAPS: "127.0.0.1:0"}
	ctx := context.Background()
	b, err := OpenStore(cfg.Data, ForToolCreate)
	if err != nil {
		t.Fatal(err)
	}
	u, err := AddUser(ctx, b, "carol", "pw")
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := b.Mailbox(ctx, u.ID, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	staged, err := b.Stage(ctx, strings.NewReader("From: <carol@example.org (Carol)>\r\nSubject: old\r\n\r\nbody\r\n"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Append(ctx, inbox.ID, []store.AppendMessage{{Staged: staged}}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	db, err := sql.Open("sqlite", filepath.Join(cfg.Data, "roost.db"))
	if err != nil {
		t.Fatal(err)
	}
	// As stored before parser versions were recorded.
	if _, err := db.Exec("DELETE FROM content_parse_version"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	var logBuf syncBuffer
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(runCtx, Options{Config: cfg, Logger: newTestLogger(&logBuf)}) }()
	waitListening(t, &logBuf, done)
	const want = `msg="stored messages parsed again" reparsed=1 missing_files=0 unreadable_files=0`
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logBuf.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in 30s:\n%s", want, logBuf.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30s of cancel")
	}
	b, err = OpenStore(cfg.Data, ForTool)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n, err := b.AwaitingReparse(ctx); err != nil || n != 0 {
		t.Fatalf("AwaitingReparse after the server ran = %d, %v; want 0", n, err)
	}
}
