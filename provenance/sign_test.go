package provenance

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestSignVerify is the keyed round trip: a signed statement verifies with its public key,
// and each wrong expectation fails with its own reason.
func TestSignVerify(t *testing.T) {
	st, err := NewStatement(testBuild())
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := Sign(st, priv)
	if err != nil {
		t.Fatal(err)
	}
	ok := VerifyOptions{PublicKey: priv.Public(), ArtifactSHA256: subjectDigest,
		SourceURI: "github.com/hallmark-dev/app", SourceTag: "v1.2.3", BuilderID: DefaultBuilderID}
	res, err := Verify(bundle, ok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.Level != 1 || res.Builder != DefaultBuilderID || res.Signer.Kind != "key" || len(res.Warnings) != 1 {
		t.Errorf("result: level %d builder %q signer %+v warnings %q", res.Level, res.Builder, res.Signer, res.Warnings)
	}

	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	tampered := tamper(t, bundle, func(st *Statement) { st.Subject[0].Digest["sha256"] = strings.Repeat("1", 64) })
	for _, tc := range []struct {
		name   string
		bundle []byte
		change func(*VerifyOptions)
		err    error
		msg    string
	}{
		{"wrong subject", bundle, func(o *VerifyOptions) { o.ArtifactSHA256 = strings.Repeat("0", 64) }, ErrSubject,
			"sha256:" + strings.Repeat("0", 64) + " is not among the subjects (dist/app.tar.gz sha256:" + subjectDigest + ")"},
		{"wrong builder", bundle, func(o *VerifyOptions) { o.BuilderID = "https://github.com/actions/runner" }, ErrBuilder,
			`built by "https://hallmark.dev/builder/local" (from the provenance), not "https://github.com/actions/runner"`},
		{"wrong source", bundle, func(o *VerifyOptions) { o.SourceURI = "https://github.com/evil/app" }, ErrSource,
			"built from https://github.com/hallmark-dev/app, not https://github.com/evil/app"},
		{"wrong tag", bundle, func(o *VerifyOptions) { o.SourceTag = "v9" }, ErrSource, "built from refs/tags/v1.2.3, not refs/tags/v9"},
		{"wrong branch", bundle, func(o *VerifyOptions) { o.SourceTag, o.SourceBranch = "", "main" }, ErrSource, "built from refs/tags/v1.2.3, not refs/heads/main"},
		{"wrong key", bundle, func(o *VerifyOptions) { o.PublicKey = other.Public() }, ErrSignature, "the DSSE signature does not verify with the signer's key"},
		{"wrong key type", bundle, func(o *VerifyOptions) { o.PublicKey = edPriv.Public() }, ErrSignature, ""},
		{"tampered payload", tampered, func(o *VerifyOptions) { o.ArtifactSHA256 = strings.Repeat("1", 64) }, ErrSignature, "the payload was changed"},
		{"not a bundle", []byte(`{"mediaType":"x"}`), func(*VerifyOptions) {}, ErrBundle, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ok
			tc.change(&o)
			_, err := Verify(tc.bundle, o)
			if err == nil {
				t.Fatal("Verify succeeded")
			}
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("got %v, want %v", err, tc.err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %q, want it to contain %q", err, tc.msg)
			}
			t.Log(err)
		})
	}
}

// tamper rewrites the statement inside a bundle without re-signing it.
func tamper(t *testing.T, bundle []byte, change func(*Statement)) []byte {
	t.Helper()
	var b map[string]any
	if err := json.Unmarshal(bundle, &b); err != nil {
		t.Fatal(err)
	}
	env := b["dsseEnvelope"].(map[string]any)
	payload, err := base64.StdEncoding.DecodeString(env["payload"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		t.Fatal(err)
	}
	change(&st)
	payload, _ = json.Marshal(st)
	env["payload"] = base64.StdEncoding.EncodeToString(payload)
	out, _ := json.Marshal(b)
	return out
}
