// The keyless test uses sigstore-go's in-process fake of the signing infrastructure
// (pkg/testing/ca): keyless verification end to end, with no network.

package attest_test

import (
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"

	"github.com/hallmark-dev/hallmark/attest"
)

// TestKeyless verifies keyless signatures made by sigstore-go's in-process fake of Fulcio,
// Rekor, the CT log and a timestamp authority.
func TestKeyless(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	const id, iss = "https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1", "https://token.actions.githubusercontent.com"
	// The fake's certificates carry no SCTs: trust it as a deployment without CT logs, and
	// check that a root listing CT logs then rejects them.
	tm := noCT{vs}
	artifact := []byte("a keyless release")
	entity, err := vs.Sign(id, iss, artifact)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(artifact)
	art := attest.Artifact{SHA256: sum[:]}
	res, err := attest.Verify(entity, art, attest.Policy{Identity: id, Issuer: iss, TrustedRoot: tm})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.Identity != id || res.Issuer != iss || res.TlogEntries != 1 {
		t.Errorf("result %+v", res)
	}
	if _, err := attest.Verify(entity, art, attest.Policy{IdentityRegexp: `^https://github\.com/org/repo/`, IssuerRegexp: `^https://token\.actions\.githubusercontent\.com$`, TrustedRoot: tm}); err != nil {
		t.Errorf("regexp identity: %v", err)
	}
	for name, p := range map[string]attest.Policy{
		"other identity": {Identity: "https://github.com/evil/repo/.github/workflows/release.yml@refs/tags/v1", Issuer: iss, TrustedRoot: tm},
		"other issuer":   {Identity: id, Issuer: "https://accounts.google.com", TrustedRoot: tm},
		"no SCT":         {Identity: id, Issuer: iss, TrustedRoot: vs},
		"public-good":    {Identity: id, Issuer: iss},
	} {
		if _, err := attest.Verify(entity, art, p); !errors.Is(err, attest.ErrVerify) {
			t.Errorf("%s: %v, want ErrVerify", name, err)
		}
	}
	other := sha256.Sum256([]byte("another artifact"))
	if _, err := attest.Verify(entity, attest.Artifact{SHA256: other[:]}, attest.Policy{Identity: id, Issuer: iss, TrustedRoot: tm}); !errors.Is(err, attest.ErrVerify) {
		t.Errorf("other artifact: %v, want ErrVerify", err)
	}
	if _, err := attest.Verify(entity, art, attest.Policy{Identity: id, TrustedRoot: tm}); !errors.Is(err, attest.ErrPolicy) {
		t.Errorf("no issuer: %v, want ErrPolicy", err)
	}
}

// noCT is trusted material without CT logs.
type noCT struct{ *ca.VirtualSigstore }

func (noCT) CTLogs() map[string]*root.TransparencyLog { return nil }
