package attest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/cli"
)

// The defaults of the conformance suite (testdata/bundle-verify/README.md).
const (
	defaultIdentity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	defaultIssuer   = "https://token.actions.githubusercontent.com"
)

// TestConformance runs every Sigstore bundle-verification conformance case through the
// command line, once with the artifact file and once with its digest (sha256:HEX): cases
// named *_fail must fail with exit code 1, the others must pass.
func TestConformance(t *testing.T) {
	dir := filepath.Join("testdata", "bundle-verify")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		cases++
		name := e.Name()
		caseDir := filepath.Join(dir, name)
		wantFail := strings.HasSuffix(name, "_fail")
		args := []string{"verify", "--bundle", filepath.Join(caseDir, "bundle.sigstore.json")}
		if exists(filepath.Join(caseDir, "key.pub")) {
			args = append(args, "--key", filepath.Join(caseDir, "key.pub"))
		} else {
			args = append(args,
				"--certificate-identity", fileOr(t, filepath.Join(caseDir, "identity"), defaultIdentity),
				"--certificate-oidc-issuer", fileOr(t, filepath.Join(caseDir, "issuer"), defaultIssuer))
		}
		trusted := filepath.Join(caseDir, "trusted_root.json")
		if !exists(trusted) {
			trusted = filepath.Join("testdata", "public-good-trusted_root.json")
		}
		args = append(args, "--trusted-root", trusted)
		artifact := filepath.Join(caseDir, "artifact")
		if !exists(artifact) {
			artifact = filepath.Join(dir, "a.txt")
		}
		data, err := os.ReadFile(artifact)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		for _, mode := range []struct{ name, arg string }{
			{"file", artifact},
			{"digest", "sha256:" + hex.EncodeToString(sum[:])},
		} {
			t.Run(name+"/"+mode.name, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				code := cli.Main(context.Background(), append(append([]string{}, args...), mode.arg), nil, &stdout, &stderr)
				switch {
				case wantFail && code != cli.ExitError:
					t.Errorf("exit %d, want %d (verification must fail)\nstdout: %s\nstderr: %s", code, cli.ExitError, stdout.String(), stderr.String())
				case !wantFail && code != cli.ExitOK:
					t.Errorf("exit %d, want 0\nstderr: %s", code, stderr.String())
				case wantFail:
					t.Logf("fails as expected: %s", strings.TrimSpace(stderr.String()))
				}
			})
		}
	}
	if cases < 70 {
		t.Errorf("found %d conformance cases, want the 71 of testdata/bundle-verify", cases)
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func fileOr(t *testing.T, p, def string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return def
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
