package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xdg-go/scram"
)

func TestSCRAMVerifierRoundTrip(t *testing.T) {
	defer UseParams(TestParams)()
	v, err := SCRAMVerifier("pencil")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v, "SCRAM-SHA-256$4096:") || strings.Contains(v, "pencil") {
		t.Fatalf("verifier %q", v)
	}
	c, err := decodeSCRAM(v)
	if err != nil {
		t.Fatal(err)
	}
	if encodeSCRAM(c) != v {
		t.Fatalf("re-encoded %q, want %q", encodeSCRAM(c), v)
	}
	// The stored keys are the client's (RFC 5802 §3).
	cl, _ := scram.SHA256.NewClient("x", "pencil", "")
	want, _ := cl.GetStoredCredentialsWithError(c.KeyFactors)
	if string(want.StoredKey) != string(c.StoredKey) || string(want.ServerKey) != string(c.ServerKey) {
		t.Fatal("verifier keys differ from the client's derivation")
	}
	for _, bad := range []string{"", "SCRAM-SHA-256$", "SCRAM-SHA-256$100:c2FsdHNhbHQ=$" + strings.Repeat("A", 44) + ":" + strings.Repeat("A", 44),
		"SCRAM-SHA-1$4096:c2FsdHNhbHQ=$a:b", v[:len(v)-4]} {
		if _, err := decodeSCRAM(bad); !errors.Is(err, ErrBadVerifier) {
			t.Errorf("decodeSCRAM(%q) = %v, want ErrBadVerifier", bad, err)
		}
	}
}

func TestCredentialsAndBackfill(t *testing.T) {
	defer UseParams(TestParams)()
	ctx := context.Background()
	s := openStore(t)
	u, err := CreateUser(ctx, s, "carol", "pw1")
	if err != nil || u.SCRAMSHA256 == "" {
		t.Fatalf("CreateUser: %+v, %v", u, err)
	}
	got, _ := s.User(ctx, "carol")
	if got.SCRAMSHA256 != u.SCRAMSHA256 {
		t.Fatal("verifier not stored")
	}
	if err := SetPassword(ctx, s, "carol", "pw2"); err != nil {
		t.Fatal(err)
	}
	got2, _ := s.User(ctx, "carol")
	if got2.SCRAMSHA256 == "" || got2.SCRAMSHA256 == got.SCRAMSHA256 {
		t.Fatal("SetPassword did not replace the verifier")
	}

	// A user without a verifier gets one at the next password login.
	h, _ := Hash("pw")
	if _, err := s.CreateUser(ctx, "dave", h); err != nil {
		t.Fatal(err)
	}
	if _, err := Login(ctx, s, "dave", "wrong"); !errors.Is(err, ErrBadCredentials) {
		t.Fatal(err)
	}
	if d, _ := s.User(ctx, "dave"); d.SCRAMSHA256 != "" {
		t.Fatal("failed login stored a verifier")
	}
	if _, err := Login(ctx, s, "dave", "pw"); err != nil {
		t.Fatal(err)
	}
	d, _ := s.User(ctx, "dave")
	if _, err := decodeSCRAM(d.SCRAMSHA256); err != nil {
		t.Fatalf("verifier after login %q: %v", d.SCRAMSHA256, err)
	}
	// SetSCRAM against a stale hash does nothing.
	if err := s.SetSCRAM(ctx, "dave", "stale", "SCRAM-SHA-256$x"); err != nil {
		t.Fatal(err)
	}
	if d2, _ := s.User(ctx, "dave"); d2.SCRAMSHA256 != d.SCRAMSHA256 {
		t.Fatal("SetSCRAM with a stale hash changed the verifier")
	}
}
