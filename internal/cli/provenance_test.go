package cli_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/hallmark-dev/hallmark/internal/cli"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli.Main(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

const (
	ghaIssuer   = "https://token.actions.githubusercontent.com"
	generatorWF = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
	delegator   = "https://github.com/laurentsimon/slsa-delegator/.github/workflows/delegator_generic_slsa3.yml@refs/heads/main"
)

// TestProvenanceConformance runs every GitHub SLSA generator bundle of
// provenance/testdata/gha-bundles through the CLI: valid* and attestation* (and the v14
// container-based release) verify with their identity, builder and source, and report their
// SLSA build level; invalid-* and mismatch-* fail with the reason.
func TestProvenanceConformance(t *testing.T) {
	dir := filepath.Join("..", "..", "provenance", "testdata", "gha-bundles")
	for _, tc := range []struct {
		file string
		args []string
		code int
		want []string // substrings of stdout (success) or stderr (failure)
	}{
		{"valid.intoto.sigstore", []string{
			"--certificate-identity", generatorWF + "builder_docker-based_slsa3.yml@refs/heads/main", "--certificate-oidc-issuer", ghaIssuer,
			"--source-uri", "github.com/slsa-framework/slsa-github-generator", "--source-branch", "main",
			"--builder-id", generatorWF + "builder_docker-based_slsa3.yml",
			"sha256:975a0582b8c9607f3f20a6b8cfef01b25823e68c5c3658e6e1ccaaced2a3255d"}, 0,
			[]string{"SLSA build level 2", "not L3: the SLSA GitHub generator's workflow builder_docker-based_slsa3.yml ran at refs/heads/main"}},
		{"valid-v0.3.intoto.sigstore", []string{
			"--certificate-identity-regexp", "^" + strings.ReplaceAll(generatorWF, ".", `\.`), "--certificate-oidc-issuer", ghaIssuer,
			"--source-uri", "github.com/slsa-framework/example-package", "--source-branch", "main",
			"--builder-id", generatorWF + "generator_generic_slsa3.yml",
			"sha256:2892146b063a94cb4a4318c0e98d38af12dcf2b1e29237486b58463b59607bbd"}, 0,
			[]string{"SLSA provenance v0.2", "source: https://github.com/slsa-framework/example-package refs/heads/main at 0bf409adc654198ef6bf3c3823df82963a83068c (from invocation.configSource, agreeing with the certificate)", "SLSA build level 2"}},
		{"attestation.intoto.sigstore", []string{
			"--certificate-identity", delegator, "--certificate-oidc-issuer-regexp", `^https://token\.actions\.githubusercontent\.com$`,
			"--source-uri", "github.com/asraa/slsa-on-github-test", "--source-branch", "main",
			"--builder-id", "https://github.com/asraa/slsa-on-github/.github/workflows/goreleaser_slsa3.yml",
			"--trust-delegator-unsafe", strings.TrimSuffix(delegator, "@refs/heads/main"),
			"sha256:2e38b952523576057f5ca8cf6d179ad6b66f6d0221b9a0eb621caf3507773c71"}, 0,
			[]string{"SLSA provenance v1-draft", "through the delegator " + delegator + " (trusted by option, not by default)",
				"SLSA build level 2", "not L3: the signer " + delegator + " is not one of the SLSA GitHub generator's isolated reusable workflows"}},
		// The test delegator is not the SLSA generator's: without the option it cannot sign
		// for another builder.
		{"attestation.intoto.sigstore", []string{
			"--certificate-identity", delegator, "--certificate-oidc-issuer", ghaIssuer,
			"--builder-id", "https://github.com/asraa/slsa-on-github/.github/workflows/goreleaser_slsa3.yml",
			"sha256:2e38b952523576057f5ca8cf6d179ad6b66f6d0221b9a0eb621caf3507773c71"}, 1,
			[]string{"unexpected builder: the provenance names the builder workflow", "only the SLSA GitHub generator's delegator workflows", "--trust-delegator-unsafe"}},
		{"attestation.intoto.sigstore", []string{
			"--certificate-identity", delegator, "--certificate-oidc-issuer", ghaIssuer, "--trust-delegator-unsafe", delegator,
			"sha256:2e38b952523576057f5ca8cf6d179ad6b66f6d0221b9a0eb621caf3507773c71"}, 1,
			[]string{"is not a GitHub Actions workflow without a ref"}},
		// A real "bring your own builder" bundle: the SLSA generator's delegator signs for
		// the tool's reusable workflow.
		{"gha_delegator-generic-v2.1.0-push-v14.intoto.sigstore", []string{
			"--certificate-identity", generatorWF + "delegator_generic_slsa3.yml@refs/tags/v2.1.0", "--certificate-oidc-issuer", ghaIssuer,
			"--source-uri", "github.com/slsa-framework/example-package", "--source-tag", "v14",
			"--builder-id", "https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml",
			"sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"}, 0,
			[]string{"builder: https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml@refs/tags/v2.1.0 (from the provenance), through the delegator " + generatorWF + "delegator_generic_slsa3.yml@refs/tags/v2.1.0, as expected",
				"SLSA build level 3", "it delegated the build to https://github.com/slsa-framework/example-trw/"}},
		{"gha_container-based-binary-linux-amd64-v14.intoto.sigstore", []string{
			"--certificate-identity", generatorWF + "builder_container-based_slsa3.yml@refs/tags/v1.7.0", "--certificate-oidc-issuer", ghaIssuer,
			"--source-uri", "github.com/slsa-framework/example-package", "--source-tag", "v14",
			"--builder-id", generatorWF + "builder_container-based_slsa3.yml",
			"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, 0,
			[]string{"SLSA build level 3", "L3: signed by the SLSA GitHub generator's reusable workflow builder_container-based_slsa3.yml at v1.7.0"}},
		{"invalid-dsse-sig.intoto.sigstore", []string{"--certificate-identity", delegator, "--certificate-oidc-issuer", ghaIssuer,
			"sha256:092b220688ee737c66882a74ae8bfe3e2b35df60b92404b552ebe905a2d633ce"}, 1,
			[]string{"signature verification failed: no transparency-log entry verifies"}},
		{"invalid-set.intoto.sigstore", []string{"--certificate-identity", delegator, "--certificate-oidc-issuer", ghaIssuer,
			"sha256:092b220688ee737c66882a74ae8bfe3e2b35df60b92404b552ebe905a2d633ce"}, 1,
			[]string{"signature verification failed: no transparency-log entry verifies"}},
		{"mismatch-tlog.intoto.sigstore", []string{"--certificate-identity", delegator, "--certificate-oidc-issuer", ghaIssuer,
			"sha256:2e38b952523576057f5ca8cf6d179ad6b66f6d0221b9a0eb621caf3507773c71"}, 1,
			[]string{"signature verification failed: the transparency-log entry records another signature"}},
		// Valid bundles with wrong expectations fail with their reason.
		{"valid-v0.3.intoto.sigstore", []string{"--certificate-identity", generatorWF + "generator_generic_slsa3.yml@refs/tags/v2.0.0", "--certificate-oidc-issuer", ghaIssuer,
			"sha256:2892146b063a94cb4a4318c0e98d38af12dcf2b1e29237486b58463b59607bbd"}, 1,
			[]string{"unexpected signer", "generator_generic_slsa3.yml@refs/heads/main"}},
		{"valid-v0.3.intoto.sigstore", []string{"--certificate-identity", generatorWF + "generator_generic_slsa3.yml@refs/heads/main", "--certificate-oidc-issuer", ghaIssuer,
			"sha256:" + strings.Repeat("ab", 32)}, 1,
			[]string{"artifact is not a subject of the provenance: sha256:abab", "(hello sha256:2892146b063a94cb4a4318c0e98d38af12dcf2b1e29237486b58463b59607bbd)"}},
		{"gha_container-based-binary-linux-amd64-v14.intoto.sigstore", []string{
			"--certificate-identity", generatorWF + "builder_container-based_slsa3.yml@refs/tags/v1.7.0", "--certificate-oidc-issuer", ghaIssuer,
			"--source-uri", "github.com/slsa-framework/example-package", "--source-tag", "v13",
			"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, 1,
			[]string{"unexpected source: built from refs/tags/v14, not refs/tags/v13"}},
		{"gha_container-based-binary-linux-amd64-v14.intoto.sigstore", []string{
			"--certificate-identity", generatorWF + "builder_container-based_slsa3.yml@refs/tags/v1.7.0", "--certificate-oidc-issuer", ghaIssuer,
			"--source-uri", "github.com/evil/example-package",
			"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, 1,
			[]string{"unexpected source: built from https://github.com/slsa-framework/example-package, not github.com/evil/example-package"}},
		{"gha_container-based-binary-linux-amd64-v14.intoto.sigstore", []string{
			"--certificate-identity", generatorWF + "builder_container-based_slsa3.yml@refs/tags/v1.7.0", "--certificate-oidc-issuer", ghaIssuer,
			"--builder-id", generatorWF + "generator_generic_slsa3.yml",
			"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, 1,
			[]string{"unexpected builder: built by \"" + generatorWF + "builder_container-based_slsa3.yml@refs/tags/v1.7.0\" (from the provenance)"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			args := append([]string{"provenance", "verify", "--bundle", filepath.Join(dir, tc.file)}, tc.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			got := stdout
			if tc.code != 0 {
				got = stderr
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// writeKeys writes an ECDSA P-256 key pair: the private key unencrypted (PKCS #8 PEM) or, with
// a password, in the Sigstore/cosign encrypted format.
func writeKeys(t *testing.T, dir string, password string) (keyPath, pubPath string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var privPEM []byte
	if password == "" {
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		privPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	} else {
		enc, err := cryptoutils.MarshalPrivateKeyToEncryptedDER(priv, func(bool) ([]byte, error) { return []byte(password), nil })
		if err != nil {
			t.Fatal(err)
		}
		privPEM = pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED SIGSTORE PRIVATE KEY", Bytes: enc})
	}
	pubPEM, err := cryptoutils.MarshalPublicKeyToPEM(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	keyPath, pubPath = filepath.Join(dir, "release.key"), filepath.Join(dir, "release.pub")
	if err := os.WriteFile(keyPath, privPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pubPath, pubPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	return keyPath, pubPath
}

// gitCheckout makes a git repository with one commit, an origin remote and a tag.
func gitCheckout(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var commit string
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"}, {"add", "."}, {"commit", "-q", "-m", "release"},
		{"remote", "add", "origin", "git@github.com:hallmark-dev/app.git"}, {"tag", "v1.0.0"}, {"rev-parse", "HEAD"},
	} {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		commit = strings.TrimSpace(string(out))
	}
	return commit
}

// TestProvenanceGenerateVerify runs a build in a git checkout, writes signed provenance for its
// output and verifies it: the round trip with the right expectations passes, and a wrong
// subject, builder, source, tag or key fails with its reason.
func TestProvenanceGenerateVerify(t *testing.T) {
	dir := t.TempDir()
	commit := gitCheckout(t, dir, map[string]string{
		"requirements.txt": "flask==2.2.2\nrequests==2.31.0\n",
		"build.sh":         "mkdir -p dist && printf 'app v1\\n' > dist/app.txt && echo built >&2\n",
	})
	keys := t.TempDir()
	t.Setenv("HALLMARK_PASSWORD", "correct horse")
	keyPath, pubPath := writeKeys(t, keys, "correct horse")
	t.Chdir(dir)

	bundle := filepath.Join(keys, "app.intoto.sigstore")
	statement := filepath.Join(keys, "statement.json")
	code, stdout, stderr := runCLI(t, "provenance", "generate", "--key", keyPath, "--subject", "dist/app.txt",
		"--bundle", bundle, "--unsigned-statement", statement, "--", "sh", "build.sh")
	if code != 0 {
		t.Fatalf("generate: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "built\n") || !strings.Contains(stderr, "2 of 2 inventory package(s)") {
		t.Errorf("generate stderr:\n%s", stderr)
	}

	// The statement records the command, the source and the inventory's packages.
	var st struct {
		Subject []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		Predicate struct {
			BuildDefinition struct {
				BuildType            string         `json:"buildType"`
				ExternalParameters   map[string]any `json:"externalParameters"`
				ResolvedDependencies []struct {
					URI    string            `json:"uri"`
					Digest map[string]string `json:"digest"`
				} `json:"resolvedDependencies"`
			} `json:"buildDefinition"`
			RunDetails struct {
				Builder  struct{ ID string } `json:"builder"`
				Metadata struct {
					InvocationID string `json:"invocationId"`
				} `json:"metadata"`
			} `json:"runDetails"`
		} `json:"predicate"`
	}
	b, err := os.ReadFile(statement)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	bd := st.Predicate.BuildDefinition
	var deps []string
	for _, d := range bd.ResolvedDependencies {
		deps = append(deps, d.URI)
	}
	if len(st.Subject) != 1 || st.Subject[0].Name != "dist/app.txt" || bd.BuildType != "https://hallmark.dev/provenance/command@v1" ||
		st.Predicate.RunDetails.Builder.ID != "https://hallmark.dev/builder/local" || len(st.Predicate.RunDetails.Metadata.InvocationID) != 36 {
		t.Errorf("statement: %s", b)
	}
	wantDeps := []string{"git+https://github.com/hallmark-dev/app@refs/tags/v1.0.0", "pkg:pypi/flask@2.2.2", "pkg:pypi/requests@2.31.0"}
	if strings.Join(deps, " ") != strings.Join(wantDeps, " ") || bd.ResolvedDependencies[0].Digest["gitCommit"] != commit {
		t.Errorf("resolvedDependencies = %q (commit %v), want %q (%s)", deps, bd.ResolvedDependencies[0].Digest, wantDeps, commit)
	}
	if cmd, _ := json.Marshal(bd.ExternalParameters["command"]); string(cmd) != `["sh","build.sh"]` {
		t.Errorf("externalParameters.command = %s", cmd)
	}

	verifyArgs := func(extra ...string) []string {
		return append([]string{"provenance", "verify", "--bundle", bundle, "--key", pubPath}, extra...)
	}
	code, stdout, stderr = runCLI(t, verifyArgs("--source-uri", "github.com/hallmark-dev/app", "--source-tag", "v1.0.0",
		"--builder-id", "https://hallmark.dev/builder/local", "dist/app.txt")...)
	if code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, w := range []string{"subject: sha256:", "source: https://github.com/hallmark-dev/app refs/tags/v1.0.0 at " + commit, "SLSA build level 1", "not L2: signed with a long-lived key"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("verify output lacks %q:\n%s", w, stdout)
		}
	}

	other := t.TempDir()
	_, otherPub := writeKeys(t, other, "")
	if err := os.WriteFile("other.txt", []byte("not built"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"wrong subject", verifyArgs("other.txt"), "artifact is not a subject of the provenance"},
		{"wrong builder", verifyArgs("--builder-id", "https://github.com/actions/runner", "dist/app.txt"), `unexpected builder: built by "https://hallmark.dev/builder/local" (from the provenance), not "https://github.com/actions/runner"`},
		{"wrong source", verifyArgs("--source-uri", "github.com/evil/app", "dist/app.txt"), "unexpected source: built from https://github.com/hallmark-dev/app, not github.com/evil/app"},
		{"wrong branch", verifyArgs("--source-branch", "main", "dist/app.txt"), "unexpected source: built from refs/tags/v1.0.0, not refs/heads/main"},
		{"wrong key", []string{"provenance", "verify", "--bundle", bundle, "--key", otherPub, "dist/app.txt"}, "the DSSE signature does not verify with the signer's key"},
		{"identity for a keyed bundle", []string{"provenance", "verify", "--bundle", bundle, "--certificate-identity", "x", "--certificate-oidc-issuer", "y", "dist/app.txt"}, "signed with a key, not a certificate: verify it with --key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q, want 1 and %q\n%s", code, stderr, tc.want, stdout)
			}
		})
	}
}

// TestProvenanceGenerateErrors: a failing build writes nothing; a wrong password and bad
// flags are reported before the build runs.
func TestProvenanceGenerateErrors(t *testing.T) {
	dir := t.TempDir()
	keyPath, _ := writeKeys(t, dir, "pw")
	t.Chdir(dir)
	bundle := filepath.Join(dir, "out.sigstore")

	t.Setenv("HALLMARK_PASSWORD", "pw")
	code, _, stderr := runCLI(t, "provenance", "generate", "--key", keyPath, "--subject", "x", "--bundle", bundle, "--", "sh", "-c", "exit 3")
	if code != 1 || !strings.Contains(stderr, "the build command failed (exit status 3); no provenance written") {
		t.Errorf("failing build: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(bundle); !os.IsNotExist(err) {
		t.Errorf("bundle written after a failed build: %v", err)
	}

	t.Setenv("HALLMARK_PASSWORD", "wrong")
	code, _, stderr = runCLI(t, "provenance", "generate", "--key", keyPath, "--subject", "x", "--bundle", bundle, "--", "touch", "ran")
	if code != 1 || !strings.Contains(stderr, "wrong password") {
		t.Errorf("wrong password: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat("ran"); !os.IsNotExist(err) {
		t.Errorf("the build ran although the key could not be loaded")
	}

	for _, args := range [][]string{
		{"provenance", "generate", "--key", keyPath, "--bundle", bundle, "--", "true"},
		{"provenance", "generate", "--key", keyPath, "--subject", "x", "--bundle", bundle},
		{"provenance", "generate", "--subject", "x", "--", "true"},
		{"provenance", "verify", "--bundle", bundle, "sha256:00"},
		{"provenance", "verify", "--bundle", bundle, "--key", "k", "--certificate-identity", "i", "sha256:" + strings.Repeat("0", 64)},
		{"provenance", "verify", "--bundle", bundle, "--certificate-identity", "i", "sha256:" + strings.Repeat("0", 64)},
		{"provenance", "nonsense"},
	} {
		if code, _, stderr := runCLI(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2: %s", args, code, stderr)
		}
	}
}
