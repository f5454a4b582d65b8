package provenance

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/verify"
)

// FuzzVerify: hostile bundles (Sigstore bundle JSON, DSSE envelope, statement) never panic;
// every failure wraps one of the Err* sentinels, and what verifies has a level and checks. It
// is seeded with the GitHub SLSA generator's bundles and their subjects (verified keylessly against the
// public-good root) and a bundle signed with a key (verified with that key).
func FuzzVerify(f *testing.F) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	st, err := NewStatement(testBuild())
	if err != nil {
		f.Fatal(err)
	}
	signed, err := Sign(st, priv)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed, true, subjectDigest)
	for _, c := range ghaCases {
		b, err := os.ReadFile(filepath.Join("testdata", "gha-bundles", c.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false, c.digest)
	}
	tr, err := PublicGoodTrustedRoot()
	if err != nil {
		f.Fatal(err)
	}
	id, err := verify.NewShortCertificateIdentity("", ".*", "", ".*")
	if err != nil {
		f.Fatal(err)
	}
	sentinels := []error{ErrBundle, ErrSignature, ErrIdentity, ErrNotProvenance, ErrSubject, ErrBuilder, ErrSource}
	f.Fuzz(func(t *testing.T, data []byte, withKey bool, digest string) {
		if len(digest) != 64 {
			digest = subjectDigest
		}
		opts := VerifyOptions{TrustedMaterial: tr, Identity: &id, ArtifactSHA256: digest}
		if withKey {
			opts = VerifyOptions{PublicKey: priv.Public(), ArtifactSHA256: digest}
		}
		if opts.validate() != nil {
			return // not a hex digest
		}
		res, err := Verify(data, opts)
		if err != nil {
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("failure naming no reason (no Err* sentinel): %v", err)
		}
		if res.Level < 1 || len(res.Checks) == 0 || len(res.LevelReasons) == 0 {
			t.Fatalf("verified without a level, checks or reasons: %+v", res)
		}
	})
}
