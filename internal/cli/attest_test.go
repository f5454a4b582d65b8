package cli_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/cli"
)

// TestAttestCommands runs key generate, sign, attest and verify end to end, in-process.
func TestAttestCommands(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	write := func(name, body string) string {
		if err := os.WriteFile(p(name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p(name)
	}
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := cli.Main(context.Background(), args, nil, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	artifact := write("app.tar.gz", "release bytes\n")
	sum := sha256.Sum256([]byte("release bytes\n"))
	digest := "sha256:" + hex.EncodeToString(sum[:])
	write("predicate.json", `{"builder": {"id": "https://example.com/builder"}}`)

	t.Setenv("HALLMARK_PASSWORD", "")
	if code, _, stderr := run("key", "generate", "--output-prefix", p("nopass")); code != cli.ExitError || !strings.Contains(stderr, "HALLMARK_PASSWORD") {
		t.Errorf("key generate without a password: exit %d, %s", code, stderr)
	}
	t.Setenv("HALLMARK_PASSWORD", "s3cret")
	for _, prefix := range []string{"release", "other"} {
		if code, stdout, stderr := run("key", "generate", "--output-prefix", p(prefix)); code != cli.ExitOK {
			t.Fatalf("key generate: exit %d\n%s", code, stderr)
		} else if strings.Contains(stdout+stderr, "PRIVATE KEY") || strings.Contains(stdout+stderr, "s3cret") {
			t.Errorf("key generate printed a secret:\n%s%s", stdout, stderr)
		}
	}
	if fi, err := os.Stat(p("release.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("release.key: %v, mode %v, want 0600", err, fi.Mode())
	}
	if b, _ := os.ReadFile(p("release.pub")); !bytes.HasPrefix(b, []byte("-----BEGIN PUBLIC KEY-----")) {
		t.Errorf("release.pub is not a PEM public key:\n%s", b)
	}
	before, _ := os.ReadFile(p("release.key"))
	if code, _, stderr := run("key", "generate", "--output-prefix", p("release")); code != cli.ExitError || !strings.Contains(stderr, "release.key already exists") {
		t.Errorf("key generate over an existing key: exit %d, %s", code, stderr)
	}
	if after, _ := os.ReadFile(p("release.key")); !bytes.Equal(before, after) {
		t.Error("an existing key was overwritten")
	}
	if code, _, _ := run("key", "generate", "--algorithm", "ed25519", "--output-prefix", p("ed")); code != cli.ExitOK {
		t.Errorf("key generate --algorithm ed25519: exit %d", code)
	}

	if code, _, stderr := run("sign", "--key", p("release.key"), "--bundle", p("app.sigstore.json"), artifact); code != cli.ExitOK {
		t.Fatalf("sign: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := run("sign", "--key", p("ed.key"), "--bundle", p("app.ed.sigstore.json"), artifact); code != cli.ExitOK {
		t.Fatalf("sign with ed25519: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := run("attest", "--key", p("release.key"), "--type", "slsaprovenance", "--predicate", p("predicate.json"), "--bundle", p("app.att.json"), artifact); code != cli.ExitOK {
		t.Fatalf("attest: exit %d\n%s", code, stderr)
	}
	t.Setenv("HALLMARK_PASSWORD", "wrong")
	if code, _, stderr := run("sign", "--key", p("release.key"), "--bundle", p("x.json"), artifact); code != cli.ExitError || !strings.Contains(stderr, "wrong password") {
		t.Errorf("sign with a wrong password: exit %d, %s", code, stderr)
	}

	for _, c := range []struct {
		name   string
		args   []string
		code   int
		output string
	}{
		{"keyed", []string{"--bundle", p("app.sigstore.json"), "--key", p("release.pub"), artifact}, cli.ExitOK, "Verified OK"},
		{"keyed digest", []string{"--bundle", p("app.sigstore.json"), "--key", p("release.pub"), digest}, cli.ExitOK, "no transparency-log entry"},
		{"ed25519", []string{"--bundle", p("app.ed.sigstore.json"), "--key", p("ed.pub"), artifact}, cli.ExitOK, "Verified OK"},
		{"attestation", []string{"--bundle", p("app.att.json"), "--key", p("release.pub"), artifact}, cli.ExitOK, "https://slsa.dev/provenance/v1"},
		{"attestation json", []string{"--json", "--bundle", p("app.att.json"), "--key", p("release.pub"), artifact}, cli.ExitOK, `"schema": "hallmark.verify/v1"`},
		{"wrong key", []string{"--bundle", p("app.sigstore.json"), "--key", p("other.pub"), artifact}, cli.ExitError, "verification failed"},
		{"wrong digest", []string{"--bundle", p("app.sigstore.json"), "--key", p("release.pub"), "sha256:" + strings.Repeat("00", 32)}, cli.ExitError, "verification failed"},
		{"keyed as keyless", []string{"--bundle", p("app.sigstore.json"), "--certificate-identity", "a", "--certificate-oidc-issuer", "b", artifact}, cli.ExitError, "verification failed"},
		{"no trust", []string{"--bundle", p("app.sigstore.json"), artifact}, cli.ExitUsage, "needs --key"},
		{"both", []string{"--bundle", p("app.sigstore.json"), "--key", p("release.pub"), "--certificate-identity", "a", "--certificate-oidc-issuer", "b", artifact}, cli.ExitUsage, "exclusive"},
		{"identity without issuer", []string{"--bundle", p("app.sigstore.json"), "--certificate-identity", "a", artifact}, cli.ExitUsage, "--certificate-oidc-issuer"},
		{"not a bundle", []string{"--bundle", p("predicate.json"), "--key", p("release.pub"), artifact}, cli.ExitError, "invalid bundle"},
		{"private key as public", []string{"--bundle", p("app.sigstore.json"), "--key", p("release.key"), artifact}, cli.ExitError, "not a PUBLIC KEY"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := run(append([]string{"verify"}, c.args...)...)
			if code != c.code || !strings.Contains(stdout+stderr, c.output) {
				t.Errorf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", code, c.code, c.output, stdout, stderr)
			}
		})
	}

	// A tampered artifact fails, for the signature and the attestation.
	write("app.tar.gz", "release bytes, tampered\n")
	for _, b := range []string{"app.sigstore.json", "app.att.json", "app.ed.sigstore.json"} {
		pub := p("release.pub")
		if strings.Contains(b, ".ed.") {
			pub = p("ed.pub")
		}
		if code, _, stderr := run("verify", "--bundle", p(b), "--key", pub, artifact); code != cli.ExitError || !strings.Contains(stderr, "verification failed") {
			t.Errorf("%s over a tampered file: exit %d, %s", b, code, stderr)
		}
	}

	// The attestation's statement names the subject and the predicate.
	data, err := os.ReadFile(p("app.att.json"))
	if err != nil {
		t.Fatal(err)
	}
	var bun struct {
		DSSEEnvelope struct {
			Payload []byte `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(data, &bun); err != nil {
		t.Fatal(err)
	}
	var st struct {
		Type    string `json:"_type"`
		Subject []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		PredicateType string `json:"predicateType"`
	}
	if err := json.Unmarshal(bun.DSSEEnvelope.Payload, &st); err != nil {
		t.Fatal(err)
	}
	if st.Type != "https://in-toto.io/Statement/v1" || len(st.Subject) != 1 || st.Subject[0].Digest["sha256"] != hex.EncodeToString(sum[:]) || st.PredicateType != "https://slsa.dev/provenance/v1" {
		t.Errorf("statement %+v", st)
	}
}

func TestAttestUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"key"}, cli.ExitUsage, "missing subcommand"},
		{[]string{"key", "rotate"}, cli.ExitUsage, "unknown subcommand"},
		{[]string{"key", "generate", "--algorithm", "rsa"}, cli.ExitUsage, "unknown --algorithm"},
		{[]string{"key", "generate", "--help"}, cli.ExitOK, ""},
		{[]string{"sign", "file"}, cli.ExitUsage, "needs --key and --bundle"},
		{[]string{"attest", "--key", "k", "--bundle", "b", "--predicate", "p", "--type", "nonsense", "x"}, cli.ExitUsage, "unknown predicate type"},
		{[]string{"attest", "--key", "k", "--bundle", "b", "--predicate", "p", "--type", "spdx"}, cli.ExitUsage, "at least one SUBJECT"},
		{[]string{"verify", "x"}, cli.ExitUsage, "needs --bundle"},
		{[]string{"verify", "--help"}, cli.ExitOK, ""},
	} {
		var stdout, stderr bytes.Buffer
		code := cli.Main(context.Background(), c.args, nil, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.msg) {
			t.Errorf("%q: exit %d, want %d with %q\n%s", c.args, code, c.code, c.msg, stderr.String())
		}
	}
}
