package attest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/attest/attesttest"
)

const (
	testIdentity = "release@example.com"
	testIssuer   = "https://issuer.example.com"
)

func keylessFixture(t *testing.T, withTSA bool) (*attesttest.Sigstore, *attest.Keyless, root.TrustedMaterial) {
	t.Helper()
	fake := attesttest.New(t)
	dir := t.TempDir()
	scPath := filepath.Join(dir, "signing_config.json")
	if err := os.WriteFile(scPath, fake.SigningConfig(withTSA), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := attest.LoadSigningConfig(scPath)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := root.NewTrustedRootFromJSON(fake.TrustedRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	return fake, &attest.Keyless{Config: sc, IDToken: attesttest.Token(testIssuer, testIdentity, time.Now().Add(time.Hour))}, tr
}

// TestKeylessSign signs a file and an attestation keylessly against the fake Fulcio and TSA
// and verifies the bundles with the fake's trusted root.
func TestKeylessSign(t *testing.T) {
	fake, kl, tr := keylessFixture(t, true)
	ctx := context.Background()
	path := writeFile(t, t.TempDir(), "app.tar.gz", "keyless release\n")
	b, err := kl.SignFile(ctx, path)
	if err != nil {
		t.Fatalf("SignFile: %v", err)
	}
	reqs := fake.FulcioRequests()
	if len(reqs) != 1 {
		t.Fatalf("Fulcio got %d requests, want 1", len(reqs))
	}
	if reqs[0].Authorization != "Bearer "+kl.IDToken || !strings.HasPrefix(reqs[0].PublicKeyPEM, "-----BEGIN PUBLIC KEY-----") || reqs[0].Algorithm != "ECDSA" || !reqs[0].ProofOK {
		t.Errorf("Fulcio request %+v", reqs[0])
	}
	if fake.TSARequests() != 1 {
		t.Errorf("TSA got %d requests, want 1", fake.TSARequests())
	}
	if bytes.Contains(b, []byte(kl.IDToken)) {
		t.Error("the bundle carries the token")
	}
	bun, err := attest.ParseBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	pol := attest.Policy{Identity: testIdentity, Issuer: testIssuer, TrustedRoot: tr}
	res, err := attest.Verify(bun, attest.Artifact{Path: path}, pol)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.Identity != testIdentity || res.Issuer != testIssuer || len(res.Timestamps) != 1 || res.TlogEntries != 0 {
		t.Errorf("result %+v", res)
	}
	sum := sha256.Sum256([]byte("keyless release\n"))
	if _, err := attest.Verify(bun, attest.Artifact{SHA256: sum[:]}, pol); err != nil {
		t.Errorf("Verify by digest: %v", err)
	}
	for name, p := range map[string]attest.Policy{
		"other identity": {Identity: "evil@example.com", Issuer: testIssuer, TrustedRoot: tr},
		"other issuer":   {Identity: testIdentity, Issuer: "https://accounts.google.com", TrustedRoot: tr},
		"public-good":    {Identity: testIdentity, Issuer: testIssuer},
	} {
		if _, err := attest.Verify(bun, attest.Artifact{Path: path}, p); !errors.Is(err, attest.ErrVerify) {
			t.Errorf("%s: %v, want ErrVerify", name, err)
		}
	}

	st, err := attest.NewStatement("https://slsa.dev/provenance/v1", []byte(`{"builder":{"id":"x"}}`), []attest.Subject{{Name: "app.tar.gz", Digest: map[string]string{"sha256": "00"}}})
	if err != nil {
		t.Fatal(err)
	}
	ab, err := kl.Attest(ctx, st)
	if err != nil {
		t.Fatalf("Attest: %v", err)
	}
	abun, err := attest.ParseBundle(ab)
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, 32)
	if _, err := attest.Verify(abun, attest.Artifact{SHA256: zero}, pol); !errors.Is(err, attest.ErrVerify) {
		t.Errorf("attestation over another digest: %v, want ErrVerify", err)
	}
}

// TestKeylessErrors covers every missing or bad piece of keyless signing.
func TestKeylessErrors(t *testing.T) {
	fake, kl, _ := keylessFixture(t, true)
	_, noTime, _ := keylessFixture(t, false)
	ctx := context.Background()
	dir := t.TempDir()
	path := writeFile(t, dir, "f", "x")
	now := time.Now()
	for name, tc := range map[string]struct {
		kl   attest.Keyless
		want string
	}{
		"no config":        {attest.Keyless{IDToken: kl.IDToken}, "no signing configuration"},
		"no token":         {attest.Keyless{Config: kl.Config}, "token is empty"},
		"not a JWT":        {attest.Keyless{Config: kl.Config, IDToken: "secret-opaque-token"}, "not a JWT"},
		"bad payload":      {attest.Keyless{Config: kl.Config, IDToken: "a.!!!.c"}, "not base64url"},
		"no subject":       {attest.Keyless{Config: kl.Config, IDToken: attesttest.Token(testIssuer, "", now.Add(time.Hour))}, "no subject"},
		"expired":          {attest.Keyless{Config: kl.Config, IDToken: attesttest.Token(testIssuer, testIdentity, now.Add(-time.Hour))}, "expired"},
		"no time source":   {attest.Keyless{Config: noTime.Config, IDToken: kl.IDToken}, "no timestamp authority"},
		"email unverified": {attest.Keyless{Config: kl.Config, IDToken: "x.eyJpc3MiOiJodHRwczovL2kiLCJzdWIiOiJhQGIuYyIsImVtYWlsIjoiYUBiLmMifQ.sig"}, "Fulcio"},
	} {
		_, err := tc.kl.SignFile(ctx, path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
			continue
		}
		if tc.kl.IDToken != "" && strings.Contains(err.Error(), tc.kl.IDToken) {
			t.Errorf("%s: the error carries the token: %v", name, err)
		}
	}
	if s := (&attest.Keyless{IDToken: kl.IDToken}).String(); strings.Contains(s, kl.IDToken) {
		t.Errorf("String shows the token: %s", s)
	}

	for name, tc := range map[string]struct{ body, want string }{
		"not JSON":      {"{", "signing configuration"},
		"media type":    {`{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.1+json"}`, "media type"},
		"no Fulcio":     {`{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json"}`, "no Fulcio"},
		"plain http":    {`{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","caUrls":[{"url":"http://fulcio.example.com","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"}}],"tsaUrls":[{"url":"https://tsa.example.com","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"}}],"tsaConfig":{"selector":"ANY"}}`, "must use https"},
		"old Fulcio":    {`{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","caUrls":[{"url":"https://fulcio.example.com","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z","end":"2021-01-01T00:00:00Z"}}]}`, "caUrls"},
		"no tsaConfig":  {`{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","caUrls":[{"url":"https://fulcio.example.com","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"}}],"tsaUrls":[{"url":"https://tsa.example.com","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"}}]}`, "no selector"},
		"TSA version 9": {`{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","caUrls":[{"url":"https://fulcio.example.com","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"}}],"tsaUrls":[{"url":"https://tsa.example.com","majorApiVersion":9,"validFor":{"start":"2020-01-01T00:00:00Z"}}],"tsaConfig":{"selector":"ANY"}}`, "tsaUrls"},
	} {
		p := writeFile(t, dir, "sc.json", tc.body)
		sc, err := attest.LoadSigningConfig(p)
		if err == nil {
			_, err = (&attest.Keyless{Config: sc, IDToken: kl.IDToken}).SignFile(ctx, path)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %s: %v, want %q", name, err, tc.want)
		} else {
			t.Logf("config %s: %v", name, err)
		}
	}
	if _, err := attest.LoadSigningConfig(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing signing configuration loaded")
	}
	if n := len(fake.FulcioRequests()); n != 0 {
		t.Errorf("Fulcio got %d requests from failing configurations, want 0", n)
	}
}

func TestReadIDToken(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "token", "  a.b.c\n")
	if tok, err := attest.ReadIDToken(p); err != nil || tok != "a.b.c" {
		t.Errorf("ReadIDToken = %q, %v", tok, err)
	}
	if _, err := attest.ReadIDToken(dir); err == nil {
		t.Error("a directory read as a token")
	}
	big := writeFile(t, dir, "big", strings.Repeat("x", attest.MaxIDToken+1))
	if _, err := attest.ReadIDToken(big); err == nil {
		t.Error("an oversized token was read")
	}
}
