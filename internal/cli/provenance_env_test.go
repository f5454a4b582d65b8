package cli_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestProvenanceGenerateHidesPassword: the build command does not see HALLMARK_PASSWORD,
// the signing key's password, but does see the rest of the environment.
func TestProvenanceGenerateHidesPassword(t *testing.T) {
	dir := t.TempDir()
	keyPath, _ := writeKeys(t, dir, "s3cret-pw")
	t.Chdir(dir)
	if err := os.WriteFile("x", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HALLMARK_PASSWORD", "s3cret-pw")
	t.Setenv("HALLMARK_TEST_VISIBLE", "yes")
	bundle := filepath.Join(dir, "out.sigstore")
	code, _, stderr := runCLI(t, "provenance", "generate", "--quiet", "--key", keyPath, "--subject", "x", "--bundle", bundle,
		"--", "sh", "-c", `printf '%s|%s' "${HALLMARK_PASSWORD-unset}" "$HALLMARK_TEST_VISIBLE" > seen`)
	if code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	seen, err := os.ReadFile("seen")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(seen), "unset|yes"; got != want {
		t.Errorf("the build saw HALLMARK_PASSWORD|HALLMARK_TEST_VISIBLE = %q, want %q", got, want)
	}
}
