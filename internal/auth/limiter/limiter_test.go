package limiter

import (
	"net/netip"
	"strconv"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTest(cfg Config) (*Limiter, *fakeClock) {
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg.Now = clk.now
	return New(cfg), clk
}

var ip1 = netip.MustParseAddr("192.0.2.1")

func TestDelaysGrowAndCap(t *testing.T) {
	l, _ := newTest(Config{DelayAfter: 3, BaseDelay: time.Second, MaxDelay: 4 * time.Second, BlockAfter: 100})
	want := []time.Duration{0, 0, 0, 1 * time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	for i, w := range want {
		if v := l.Check(ip1, "alice"); v.Delay != w || v.Blocked {
			t.Fatalf("after %d failures: %+v, want delay %v", i, v, w)
		}
		l.Failure(ip1, "alice")
	}
}

func TestBlockAndExpiry(t *testing.T) {
	l, clk := newTest(Config{DelayAfter: 3, BlockAfter: 5, Window: time.Minute, BlockFor: 10 * time.Minute})
	for i := range 4 {
		if l.Failure(ip1, "user"+strconv.Itoa(i)) {
			t.Fatalf("blocked after %d failures", i+1)
		}
	}
	if !l.Failure(ip1, "x") {
		t.Fatal("not blocked after 5 failures")
	}
	start := clk.t
	if v := l.Check(ip1, "alice"); !v.Blocked || !v.Until.Equal(start.Add(10*time.Minute)) {
		t.Fatalf("verdict %+v, want blocked until +10m", v)
	}
	// Other addresses are not affected; a /64 counts as one address.
	if v := l.Check(netip.MustParseAddr("192.0.2.2"), "alice"); v.Blocked || v.Delay != 0 {
		t.Fatalf("other address: %+v", v)
	}
	clk.advance(10*time.Minute - time.Second)
	if !l.Check(ip1, "").Blocked {
		t.Fatal("block ended early")
	}
	clk.advance(time.Second)
	if v := l.Check(ip1, ""); v.Blocked || v.Delay != 0 {
		t.Fatalf("after the block: %+v", v)
	}
}

func TestWindowSlides(t *testing.T) {
	l, clk := newTest(Config{DelayAfter: 2, BaseDelay: time.Second, BlockAfter: 10, Window: time.Minute})
	l.Failure(ip1, "a")
	clk.advance(40 * time.Second)
	l.Failure(ip1, "b")
	if d := l.Check(ip1, "").Delay; d != time.Second {
		t.Fatalf("delay %v, want 1s", d)
	}
	clk.advance(21 * time.Second) // the first failure is out of the window
	if d := l.Check(ip1, "").Delay; d != 0 {
		t.Fatalf("delay %v, want 0", d)
	}
}

func TestIPv6Slash64(t *testing.T) {
	l, _ := newTest(Config{BlockAfter: 2})
	l.Failure(netip.MustParseAddr("2001:db8:1:2::1"), "")
	l.Failure(netip.MustParseAddr("2001:db8:1:2:ffff::9"), "")
	if !l.Check(netip.MustParseAddr("2001:db8:1:2::77"), "").Blocked {
		t.Fatal("same /64 not blocked")
	}
	if l.Check(netip.MustParseAddr("2001:db8:1:3::1"), "").Blocked {
		t.Fatal("neighbouring /64 blocked")
	}
	// IPv4-mapped IPv6 counts as the IPv4 address.
	if p := AddrPrefix(netip.MustParseAddr("::ffff:192.0.2.1")); p != netip.MustParsePrefix("192.0.2.1/32") {
		t.Fatalf("prefix %v", p)
	}
}

func TestAccountCountsAcrossAddressesAndSuccessResets(t *testing.T) {
	l, _ := newTest(Config{DelayAfter: 2, BaseDelay: time.Second, BlockAfter: 10})
	l.Failure(netip.MustParseAddr("198.51.100.1"), "Alice")
	l.Failure(netip.MustParseAddr("198.51.100.2"), "alice")
	// A third address trying the same account is slowed down; the account
	// itself is never blocked.
	if v := l.Check(netip.MustParseAddr("198.51.100.3"), "ALICE"); v.Delay != time.Second || v.Blocked {
		t.Fatalf("verdict %+v", v)
	}
	// Unknown accounts are counted the same way (no enumeration).
	l.Failure(ip1, "nobody")
	l.Failure(ip1, "nobody")
	if v := l.Check(netip.MustParseAddr("198.51.100.4"), "nobody"); v.Delay != time.Second {
		t.Fatalf("unknown account verdict %+v", v)
	}
	l.Success(netip.MustParseAddr("198.51.100.3"), "alice")
	if v := l.Check(netip.MustParseAddr("198.51.100.3"), "alice"); v.Delay != 0 {
		t.Fatalf("after success: %+v", v)
	}
}

func TestMaxEntriesKeepsBlocks(t *testing.T) {
	l, _ := newTest(Config{BlockAfter: 2, MaxEntries: 100})
	l.Failure(ip1, "")
	l.Failure(ip1, "")
	for i := range 1000 {
		l.Failure(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), "name"+strconv.Itoa(i))
	}
	if n := len(l.entries); n > 100 {
		t.Fatalf("%d entries, want at most 100", n)
	}
	if !l.Check(ip1, "").Blocked {
		t.Fatal("a flood of new entries lifted a block")
	}
}
