package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPolicyProvenanceResult feeds a verified SLSA provenance (the GitHub generator's v14
// release bundle, verified offline) into the policy evidence and lets the policy library
// decide on its builder.
func TestPolicyProvenanceResult(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join("..", "..", "provenance", "testdata", "gha-bundles", "gha_container-based-binary-linux-amd64-v14.intoto.sigstore")
	code, stdout, stderr := runCLI(t, "provenance", "verify", "--json", "--bundle", bundle,
		"--certificate-identity", generatorWF+"builder_container-based_slsa3.yml@refs/tags/v1.7.0", "--certificate-oidc-issuer", ghaIssuer,
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
	if code != 0 {
		t.Fatalf("verify: exit %d: %s", code, stderr)
	}
	result := filepath.Join(dir, "provenance.json")
	os.WriteFile(result, []byte(stdout), 0o644)

	// An empty project with no findings: only the provenance rule speaks.
	proj := filepath.Join(dir, "proj")
	os.MkdirAll(proj, 0o755)
	os.WriteFile(filepath.Join(proj, "requirements.txt"), []byte("six==1.16.0\n"), 0o644)
	advisories := filepath.Join(dir, "advisories")
	os.MkdirAll(advisories, 0o755)
	os.WriteFile(filepath.Join(advisories, "X-1.json"), []byte(`{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"nothing-here"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`), 0o644)
	library := filepath.Join("..", "..", "policy", "library")
	allowed := filepath.Join(dir, "allowed.json")
	os.WriteFile(allowed, []byte(`{"hallmark_settings": {"allowed_builders": ["`+generatorWF+`builder_container-based_slsa3.yml@refs/tags/v1.7.0"]}}`), 0o644)
	other := filepath.Join(dir, "other.json")
	os.WriteFile(other, []byte(`{"hallmark_settings": {"allowed_builders": ["https://example.com/builder"]}}`), 0o644)

	// Without the attestation, a required provenance is missing: deny.
	code, _, stderr = runCLI(t, "policy", "eval", "--policy", library, "--data", allowed, "--advisories", advisories, proj)
	if code != 3 {
		t.Fatalf("without provenance: exit %d, want 3: %s", code, stderr)
	}
	// With it, from an allowed builder: allowed.
	code, stdout, stderr = runCLI(t, "policy", "eval", "--policy", library, "--data", allowed, "--provenance-result", result, "--advisories", advisories, proj)
	if code != 0 {
		t.Fatalf("with provenance from an allowed builder: exit %d: %s%s", code, stdout, stderr)
	}
	// From a builder the policy does not allow: deny, naming it.
	code, stdout, stderr = runCLI(t, "policy", "eval", "--policy", library, "--data", other, "--provenance-result", result, "--advisories", advisories, proj)
	if code != 3 || !strings.Contains(stdout+stderr, "builder not in allowed_builders") {
		t.Fatalf("with provenance from another builder: exit %d: %s%s", code, stdout, stderr)
	}
	// scan --policy takes it too.
	code, _, stderr = runCLI(t, "scan", "--quiet", "--format", "json", "--policy", library, "--provenance-result", result, "--advisories", advisories, proj)
	if code != 0 || strings.Contains(stderr, "no verified SLSA provenance") {
		t.Fatalf("scan --policy --provenance-result: exit %d: %s", code, stderr)
	}
	// Something else than a verification result is refused.
	code, _, stderr = runCLI(t, "policy", "eval", "--policy", library, "--provenance-result", allowed, "--advisories", advisories, proj)
	if code != 1 || !strings.Contains(stderr, "hallmark provenance verify --json") {
		t.Fatalf("a settings file as a result: exit %d: %s", code, stderr)
	}
}
