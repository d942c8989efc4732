package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestHashVerifyRoundTrip(t *testing.T) {
	h, err := HashWith("correct horse", TestParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("encoded hash %q lacks the PHC prefix with parameters", h)
	}
	ok, _, err := Verify(h, "correct horse")
	if err != nil || !ok {
		t.Fatalf("Verify(right password) = %v, %v; want true, nil", ok, err)
	}
	ok, _, err = Verify(h, "correct horsf")
	if err != nil || ok {
		t.Fatalf("Verify(wrong password) = %v, %v; want false, nil", ok, err)
	}
}

func TestHashesAreSalted(t *testing.T) {
	a, _ := HashWith("pw", TestParams)
	b, _ := HashWith("pw", TestParams)
	if a == b {
		t.Fatalf("two hashes of the same password are equal: %q", a)
	}
}

func TestNeedsRehash(t *testing.T) {
	weak, err := HashWith("pw", TestParams)
	if err != nil {
		t.Fatal(err)
	}
	stronger := TestParams
	stronger.Memory = 128
	restore := UseParams(stronger)
	ok, rehash, err := Verify(weak, "pw")
	restore()
	if err != nil || !ok || !rehash {
		t.Fatalf("Verify(weak hash) = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}

	restore = UseParams(TestParams)
	defer restore()
	ok, rehash, err = Verify(weak, "pw")
	if err != nil || !ok || rehash {
		t.Fatalf("Verify(current hash) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	// A wrong password never asks for a rehash.
	_, rehash, _ = Verify(weak, "nope")
	if rehash {
		t.Fatal("wrong password reported needsRehash")
	}
}

func TestDefaultParamsAreStrong(t *testing.T) {
	if DefaultParams.Memory < 64*1024 || DefaultParams.Time < 2 || DefaultParams.KeyLen < 32 || DefaultParams.SaltLen < 16 {
		t.Fatalf("DefaultParams %+v are weaker than 64 MiB, t=2, 32-byte key, 16-byte salt", DefaultParams)
	}
	if currentParams() != DefaultParams {
		t.Fatalf("current params %+v, want DefaultParams", currentParams())
	}
}

func TestVerifyMalformed(t *testing.T) {
	for _, h := range []string{
		"",
		"plaintext",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!!$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
	} {
		ok, _, err := Verify(h, "pw")
		if ok || !errors.Is(err, ErrBadHash) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrBadHash", h, ok, err)
		}
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		p := GeneratePassword()
		if len(p) != 20 {
			t.Fatalf("GeneratePassword() = %q, length %d; want 20", p, len(p))
		}
		for _, c := range p {
			if !strings.ContainsRune(passwordAlphabet, c) {
				t.Fatalf("GeneratePassword() = %q contains %q outside the alphabet", p, c)
			}
		}
		if seen[p] {
			t.Fatalf("GeneratePassword() repeated %q", p)
		}
		seen[p] = true
	}
}

func BenchmarkHashDefault(b *testing.B) {
	for b.Loop() {
		if _, err := HashWith("correct horse battery staple", DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}
