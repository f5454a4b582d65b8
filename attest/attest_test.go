package attest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/attest"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKeyRoundTrip(t *testing.T) {
	for _, alg := range []attest.Algorithm{attest.ECDSAP256, attest.Ed25519} {
		t.Run(string(alg), func(t *testing.T) {
			k, err := attest.GenerateKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := k.EncryptedPEM([]byte("correct horse"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(enc, []byte("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n")) {
				t.Errorf("encrypted key starts %q", enc[:50])
			}
			k2, err := attest.ParseEncryptedKey(enc, []byte("correct horse"))
			if err != nil {
				t.Fatal(err)
			}
			if k2.Algorithm() != alg || !bytes.Equal(k2.GetHint(), k.GetHint()) {
				t.Errorf("decrypted key %v, want %v", k2, k)
			}
			if _, err := attest.ParseEncryptedKey(enc, []byte("wrong")); !errors.Is(err, attest.ErrWrongPassword) {
				t.Errorf("wrong password: %v, want ErrWrongPassword", err)
			}
			if _, err := k.EncryptedPEM(nil); !errors.Is(err, attest.ErrEmptyPassword) {
				t.Errorf("empty password: %v, want ErrEmptyPassword", err)
			}
			for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
				if !strings.HasPrefix(s, "attest.Keypair(") || strings.Contains(s, "priv") {
					t.Errorf("formatted key reveals too much: %s", s)
				}
			}
		})
	}
}

// TestCosignKey reads a key that cosign encrypted.
func TestCosignKey(t *testing.T) {
	data, err := os.ReadFile("testdata/cosign/sigstore-hello.key")
	if err != nil {
		t.Fatal(err)
	}
	k, err := attest.ParseEncryptedKey(data, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if k.Algorithm() != attest.ECDSAP256 {
		t.Errorf("algorithm %s", k.Algorithm())
	}
	if _, err := attest.ParseEncryptedKey(data, []byte("hell")); !errors.Is(err, attest.ErrWrongPassword) {
		t.Errorf("wrong password: %v", err)
	}
	for _, bad := range [][]byte{nil, []byte("garbage"), []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
		[]byte("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n")} {
		if _, err := attest.ParseEncryptedKey(bad, []byte("hello")); err == nil {
			t.Errorf("ParseEncryptedKey(%q) succeeded", bad)
		}
	}
}

func TestSignVerify(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := writeFile(t, dir, "app.tar.gz", "the release\n")
	other := writeFile(t, dir, "other", "something else\n")
	sum := sha256.Sum256([]byte("the release\n"))
	wrong, err := attest.GenerateKey(attest.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []attest.Algorithm{attest.ECDSAP256, attest.Ed25519} {
		t.Run(string(alg), func(t *testing.T) {
			k, err := attest.GenerateKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			data, err := attest.SignFile(ctx, k, file)
			if err != nil {
				t.Fatal(err)
			}
			b, err := attest.ParseBundle(data)
			if err != nil {
				t.Fatal(err)
			}
			if !b.MinVersion("0.3") || b.HasInclusionProof() {
				t.Errorf("bundle is not an offline v0.3 bundle:\n%s", data)
			}
			res, err := attest.Verify(b, attest.Artifact{Path: file}, attest.Policy{PublicKey: k.GetPublicKey()})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.KeyHint != string(k.GetHint()) || res.TlogEntries != 0 {
				t.Errorf("result %+v", res)
			}
			_, err = attest.Verify(b, attest.Artifact{SHA256: sum[:]}, attest.Policy{PublicKey: k.GetPublicKey()})
			if alg == attest.Ed25519 {
				if err == nil || !strings.Contains(err.Error(), "verify it against the file") {
					t.Errorf("Ed25519 by digest: %v, want an error saying the artifact is needed", err)
				}
			} else if err != nil {
				t.Errorf("by digest: %v", err)
			}
			if _, err := attest.Verify(b, attest.Artifact{Path: other}, attest.Policy{PublicKey: k.GetPublicKey()}); !errors.Is(err, attest.ErrVerify) {
				t.Errorf("another file: %v, want ErrVerify", err)
			}
			if _, err := attest.Verify(b, attest.Artifact{Path: file}, attest.Policy{PublicKey: wrong.GetPublicKey()}); !errors.Is(err, attest.ErrVerify) {
				t.Errorf("wrong key: %v, want ErrVerify", err)
			}
			if _, err := attest.Verify(b, attest.Artifact{Path: file}, attest.Policy{Identity: "x", Issuer: "y"}); !errors.Is(err, attest.ErrVerify) {
				t.Errorf("keyed bundle as keyless: %v, want ErrVerify", err)
			}
		})
	}
}

func TestAttestVerify(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := writeFile(t, dir, "a.bin", "artifact a")
	b := writeFile(t, dir, "b.bin", "artifact b")
	c := writeFile(t, dir, "c.bin", "not a subject")
	k, err := attest.GenerateKey(attest.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	sa, err := attest.FileSubject("a.bin", a)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := attest.FileSubject("b.bin", b)
	if err != nil {
		t.Fatal(err)
	}
	ptype, err := attest.PredicateType("openvex")
	if err != nil {
		t.Fatal(err)
	}
	st, err := attest.NewStatement(ptype, []byte(` {"@context": "https://openvex.dev/ns/v0.2.0"} `), []attest.Subject{sa, sb})
	if err != nil {
		t.Fatal(err)
	}
	data, err := attest.Attest(ctx, k, st)
	if err != nil {
		t.Fatal(err)
	}
	bun, err := attest.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, art := range []string{a, b} {
		res, err := attest.Verify(bun, attest.Artifact{Path: art}, attest.Policy{PublicKey: k.GetPublicKey()})
		if err != nil {
			t.Fatalf("%s: %v", art, err)
		}
		if diff := cmp.Diff(st, res.Statement); diff != "" {
			t.Errorf("statement (-signed +verified):\n%s", diff)
		}
	}
	if _, err := attest.Verify(bun, attest.Artifact{Path: c}, attest.Policy{PublicKey: k.GetPublicKey()}); !errors.Is(err, attest.ErrVerify) {
		t.Errorf("a file that is not a subject: %v, want ErrVerify", err)
	}
	var envelope struct {
		DSSEEnvelope struct {
			PayloadType string `json:"payloadType"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(data, &envelope); err != nil || envelope.DSSEEnvelope.PayloadType != attest.PayloadType {
		t.Errorf("payload type %q (%v)", envelope.DSSEEnvelope.PayloadType, err)
	}
}

func TestStatementErrors(t *testing.T) {
	s := []attest.Subject{{Name: "x", Digest: map[string]string{"sha256": "00"}}}
	for _, c := range []struct {
		pred string
		subj []attest.Subject
		want string
	}{
		{`[1]`, s, "not a JSON object"},
		{`{"a":`, s, "not a JSON object"},
		{``, s, "not a JSON object"},
		{`{}`, nil, "at least one subject"},
	} {
		if _, err := attest.NewStatement("https://example.com/p", []byte(c.pred), c.subj); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewStatement(%q): %v, want %q", c.pred, err, c.want)
		}
	}
	if _, err := attest.PredicateType("nonsense"); err == nil {
		t.Error("PredicateType(nonsense) succeeded")
	}
	if u, err := attest.PredicateType("https://example.com/custom/v1"); err != nil || u != "https://example.com/custom/v1" {
		t.Errorf("PredicateType(URI) = %q, %v", u, err)
	}
}

func TestParseDigest(t *testing.T) {
	if _, err := attest.ParseDigest("sha256:" + strings.Repeat("ab", 32)); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"sha256:abc", "sha512:" + strings.Repeat("ab", 32), strings.Repeat("ab", 32), "sha256:" + strings.Repeat("zz", 32)} {
		if _, err := attest.ParseDigest(bad); err == nil {
			t.Errorf("ParseDigest(%q) succeeded", bad)
		}
	}
}

func TestBundleLimits(t *testing.T) {
	big := bytes.Repeat([]byte(" "), attest.MaxBundleSize+1)
	if _, err := attest.ParseBundle(big); !errors.Is(err, attest.ErrBundle) {
		t.Errorf("oversized bundle: %v, want ErrBundle", err)
	}
}

func TestTrustedRoot(t *testing.T) {
	tr, err := attest.PublicGoodTrustedRoot()
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.FulcioCertificateAuthorities()) == 0 || len(tr.RekorLogs()) == 0 {
		t.Error("embedded trusted root has no Fulcio CA or no Rekor log")
	}
	if attest.TrustedRootStale(attest.TrustedRootDate.AddDate(0, 1, 0)) || !attest.TrustedRootStale(attest.TrustedRootDate.AddDate(0, 7, 0)) {
		t.Error("TrustedRootStale does not switch at six months")
	}
	shipped, err := os.ReadFile("trustedroot/public-good-trusted_root.json")
	if err != nil {
		t.Fatal(err)
	}
	conf, err := os.ReadFile("testdata/public-good-trusted_root.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shipped, conf) {
		t.Error("the embedded trusted root differs from the one the conformance cases use")
	}
}
