package provenance

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/attest/attesttest"
)

// TestForgedDelegator signs, end to end, provenance that claims the SLSA generator's builder
// with a certificate (from a fake Fulcio, timestamped by a fake TSA) issued to a GitHub
// Actions workflow that is named like a delegator but is not the generator's:
// https://github.com/evil/x/.github/workflows/delegator_x.yml. Verifying it with the
// generator's builder ID fails with the reason; only naming that workflow in
// TrustedDelegatorsUnsafe lets it through.
func TestForgedDelegator(t *testing.T) {
	const forged = "https://github.com/evil/x/.github/workflows/delegator_x.yml"
	builder := genMain + "generator_generic_slsa3.yml@refs/tags/v2.0.0"
	fake := attesttest.New(t)
	scPath := filepath.Join(t.TempDir(), "signing_config.json")
	if err := os.WriteFile(scPath, fake.SigningConfig(true), 0o644); err != nil {
		t.Fatal(err)
	}
	sc := must(attest.LoadSigningConfig(scPath))(t)
	tr := must(root.NewTrustedRootFromJSON(fake.TrustedRoot(t)))(t)
	b := testBuild()
	b.BuilderID = builder
	st := must(NewStatement(b))(t)
	var ast attest.Statement
	if err := json.Unmarshal(must(json.Marshal(st))(t), &ast); err != nil {
		t.Fatal(err)
	}
	kl := &attest.Keyless{Config: sc, IDToken: attesttest.Token(GitHubActionsIssuer, forged+"@refs/heads/main", time.Now().Add(time.Hour))}
	bundle := must(kl.Attest(context.Background(), &ast))(t)

	id := must(verify.NewShortCertificateIdentity(GitHubActionsIssuer, "", forged+"@refs/heads/main", ""))(t)
	opts := VerifyOptions{TrustedMaterial: tr, Identity: &id, ArtifactSHA256: subjectDigest, BuilderID: genMain + "generator_generic_slsa3.yml"}
	_, err := Verify(bundle, opts)
	if !errors.Is(err, ErrBuilder) || !strings.Contains(err.Error(), "only the SLSA GitHub generator's delegator workflows") {
		t.Fatalf("Verify of the forged delegator's provenance: %v, want ErrBuilder naming the trusted delegators", err)
	}
	t.Logf("refused as expected: %v", err)

	opts.TrustedDelegatorsUnsafe = []string{forged}
	res, err := Verify(bundle, opts)
	if err != nil {
		t.Fatalf("Verify with the delegator trusted by option: %v", err)
	}
	if res.Builder != builder || res.Level != 2 || !strings.Contains(strings.Join(res.Warnings, "\n"), "trusted only because it was named") {
		t.Errorf("result: builder %q, level %d, warnings %q", res.Builder, res.Level, res.Warnings)
	}
}
