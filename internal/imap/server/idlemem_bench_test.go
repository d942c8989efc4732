package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"testing"

	"roost/internal/auth"
	"roost/internal/store/sqlite"
)

// BenchmarkIdleConnectionMemory opens 500 connections that log in, select
// INBOX and IDLE, and reports the heap and goroutine stacks they add, per
// connection (bytes/conn), measured after a GC on both sides. The clients
// are bare sockets reading through a shared small buffer, so nearly all of
// the growth is the server's.
//
//	go test -run '^$' -bench IdleConnectionMemory -benchtime 1x ./internal/imap/server
func BenchmarkIdleConnectionMemory(b *testing.B) {
	const conns = 500
	restore := auth.UseParams(auth.TestParams)
	defer restore()
	st, err := sqlite.Open(b.TempDir(), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	hash, err := auth.Hash("secret")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateUser(context.Background(), "idler", hash); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := New(Config{Backend: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		MaxConnsPerIP: -1, MaxConnsPerUser: -1})
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	buf := make([]byte, 4096)
	// expect reads until a line starting with prefix.
	expect := func(c net.Conn, prefix string) {
		var acc []byte
		for range 1000 {
			n, err := c.Read(buf)
			if err != nil {
				b.Fatalf("waiting for %q: %v (got %q)", prefix, err, acc)
			}
			acc = append(acc, buf[:n]...)
			if strings.Contains(string(acc), prefix) {
				return
			}
		}
		b.Fatalf("never got %q", prefix)
	}
	measure := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse + ms.StackInuse
	}
	for b.Loop() {
		before := measure()
		var open []net.Conn
		for range conns {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			open = append(open, c)
			expect(c, "* OK")
			io.WriteString(c, "a LOGIN idler secret\r\nb SELECT INBOX\r\nc IDLE\r\n")
			expect(c, "+ idling")
		}
		after := measure()
		b.ReportMetric(float64(after-before)/conns, "bytes/conn")
		for _, c := range open {
			c.Close()
		}
	}
}
