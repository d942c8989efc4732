package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"roost/internal/store"
	"roost/internal/store/storetest"
)

// These benchmarks are the measurements behind the design choices in
// doc.go. Run: go test -run '^$' -bench . -benchtime 3s ./internal/store/sqlite

func benchMessage(size int) string {
	head := storetest.Message(1)
	if size <= len(head) {
		return head
	}
	return head + strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", (size-len(head))/64+1)[:size-len(head)]
}

func benchStore(b *testing.B, opts Options) (*Store, int64) {
	b.Helper()
	s, err := Open(b.TempDir(), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	u, err := s.CreateUser(context.Background(), "bench", "x")
	if err != nil {
		b.Fatal(err)
	}
	mb, err := s.Mailbox(context.Background(), u.ID, "INBOX")
	if err != nil {
		b.Fatal(err)
	}
	return s, mb.ID
}

// BenchmarkAppend is one durable APPEND: stage (write, fsync, parse), then
// commit (rename, fsync dir, SQLite commit), per message.
func BenchmarkAppend(b *testing.B) {
	for _, mode := range []struct {
		name string
		opts Options
	}{{"WAL", Options{}}, {"RollbackJournal", Options{RollbackJournal: true}}} {
		for _, size := range []int{4 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("%s/%dKiB", mode.name, size>>10), func(b *testing.B) {
				s, mbox := benchStore(b, mode.opts)
				ctx := context.Background()
				body := benchMessage(size)
				b.SetBytes(int64(size))
				i := 0
				for b.Loop() {
					i++
					// Unique content, or deduplication would skip the blob write.
					st, err := s.Stage(ctx, strings.NewReader(fmt.Sprintf("X-N: %d\r\n", i)+body), 0)
					if err != nil {
						b.Fatal(err)
					}
					if _, _, err := s.Append(ctx, mbox, []store.AppendMessage{{Staged: st}}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// openBodyDB is the alternative design: message bodies as SQLite BLOBs.
func openBodyDB(b *testing.B, journal string) *sql.DB {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bodies.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_journal_mode="+journal+"&_synchronous=FULL&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	b.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE TABLE bodies (id INTEGER PRIMARY KEY, body BLOB NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkAppendBodyInDB stores each body as a BLOB in its own durable
// transaction: the write half of BenchmarkAppend without files or parsing.
func BenchmarkAppendBodyInDB(b *testing.B) {
	for _, journal := range []string{"WAL", "DELETE"} {
		for _, size := range []int{4 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("%s/%dKiB", journal, size>>10), func(b *testing.B) {
				db := openBodyDB(b, journal)
				body := []byte(benchMessage(size))
				b.SetBytes(int64(size))
				for b.Loop() {
					tx, err := db.Begin()
					if err != nil {
						b.Fatal(err)
					}
					if _, err := tx.Exec("INSERT INTO bodies (body) VALUES (?)", body); err != nil {
						b.Fatal(err)
					}
					if err := tx.Commit(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkMessagesFlags100k loads UID, flags, size and dates of 100,000
// messages, as a SELECT followed by FETCH 1:* (FLAGS) does.
func BenchmarkMessagesFlags100k(b *testing.B) {
	const n = 100_000
	s, mbox := benchStore(b, Options{})
	ctx := context.Background()
	st, err := s.Stage(ctx, strings.NewReader(storetest.Message(1)), 0)
	if err != nil {
		b.Fatal(err)
	}
	// The same staged content many times: one blob, n messages.
	batch := make([]store.AppendMessage, 1000)
	for i := range batch {
		batch[i] = store.AppendMessage{Staged: st}
		if i%3 == 0 {
			batch[i].Flags = []string{store.FlagSeen}
		}
	}
	for range n / len(batch) {
		if _, _, err := s.Append(ctx, mbox, batch); err != nil {
			b.Fatal(err)
		}
	}
	uids := make([]uint32, n)
	for i := range uids {
		uids[i] = uint32(i + 1)
	}
	b.Run("Messages", func(b *testing.B) {
		for b.Loop() {
			msgs, err := s.Messages(ctx, mbox, uids, store.FetchOptions{})
			if err != nil || len(msgs) != n {
				b.Fatalf("Messages: %d, %v", len(msgs), err)
			}
		}
	})
	b.Run("Select", func(b *testing.B) {
		for b.Loop() {
			snap, err := s.Select(ctx, mbox)
			if err != nil || len(snap.UIDs) != n {
				b.Fatalf("Select: %v", err)
			}
		}
	})
	b.Run("Status", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Status(ctx, mbox); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPartialRead50MB reads 64 KiB from the middle of a 50 MB message
// (FETCH BODY[]<25000000.65536>), from a blob file and from a SQLite BLOB.
func BenchmarkPartialRead50MB(b *testing.B) {
	const size, off, n = 50_000_000, 25_000_000, 64 << 10
	body := []byte(benchMessage(size))
	b.Run("File", func(b *testing.B) {
		s, mbox := benchStore(b, Options{})
		ctx := context.Background()
		st, err := s.Stage(ctx, bytes.NewReader(body), 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.Append(ctx, mbox, []store.AppendMessage{{Staged: st}}); err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, n)
		for b.Loop() {
			blob, err := s.OpenBlob(ctx, st.BlobID)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := blob.ReadAt(buf, off); err != nil && err != io.EOF {
				b.Fatal(err)
			}
			blob.Close()
		}
	})
	b.Run("SQLiteBLOB", func(b *testing.B) {
		db := openBodyDB(b, "WAL")
		if _, err := db.Exec("INSERT INTO bodies (id, body) VALUES (1, ?)", body); err != nil {
			b.Fatal(err)
		}
		var got []byte
		for b.Loop() {
			// substr on a BLOB counts bytes, 1-based.
			if err := db.QueryRow("SELECT substr(body, ?, ?) FROM bodies WHERE id = 1", off+1, n).Scan(&got); err != nil {
				b.Fatal(err)
			}
			if len(got) != n {
				b.Fatalf("read %d bytes", len(got))
			}
		}
	})
}
