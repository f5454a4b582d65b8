package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/attest/attesttest"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// TestKeyless ingests an attestation signed keylessly against package attesttest's fake
// Fulcio and timestamp authority, under the fake's trusted root: verified for the signer's
// identity, unverified for another.
func TestKeyless(t *testing.T) {
	fake := attesttest.New(t)
	scPath := filepath.Join(t.TempDir(), "signing_config.json")
	if err := os.WriteFile(scPath, fake.SigningConfig(true), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := attest.LoadSigningConfig(scPath)
	if err != nil {
		t.Fatal(err)
	}
	const issuer, identity = "https://issuer.example.com", "release@example.com"
	kl := &attest.Keyless{Config: cfg, IDToken: attesttest.Token(issuer, identity, time.Now().Add(time.Hour))}
	sum := sha256.Sum256([]byte("release"))
	stmt, err := attest.NewStatement("https://example.com/predicate/v1", []byte(`{"ok": true}`),
		[]attest.Subject{{Name: "release", Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}}})
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := kl.Attest(context.Background(), stmt)
	if err != nil {
		t.Fatal(err)
	}
	trusted := fake.TrustedRoot(t)
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st, red, _ := openDB(t, dsn)
		for _, c := range []struct {
			name     string
			id       Identity
			verified bool
		}{
			{"the signer", Identity{IssuerRegexp: `^https://issuer\.example\.com$`, SANRegexp: `^release@example\.com$`}, true},
			{"another signer", Identity{IssuerRegexp: `^https://issuer\.example\.com$`, SANRegexp: `^ops@example\.com$`}, false},
		} {
			s, err := New(st, Options{TrustedRoot: trusted, Identities: []Identity{c.id}})
			if err != nil {
				t.Fatal(err)
			}
			a, err := s.Ingest(ctx, red, bundle)
			if err != nil {
				t.Fatal(err)
			}
			if a.Verified != c.verified {
				t.Errorf("%s: verified %v (%s), want %v", c.name, a.Verified, a.Failure, c.verified)
			}
			if c.verified && (a.Signer != identity || a.Issuer != issuer) {
				t.Errorf("%s: signer %q issuer %q", c.name, a.Signer, a.Issuer)
			}
			if !c.verified && (a.Signer != "" || a.Failure == "") {
				t.Errorf("%s: signer %q failure %q", c.name, a.Signer, a.Failure)
			}
		}
	})
}
