package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/attest/attesttest"
	"github.com/hallmark-dev/hallmark/internal/cli"
)

// TestKeylessCommands signs and attests keylessly against a fake Fulcio and timestamp
// authority on local httptest servers, then verifies with the fake's trusted root.
func TestKeylessCommands(t *testing.T) {
	fake := attesttest.New(t)
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	write := func(name string, body []byte) string {
		if err := os.WriteFile(p(name), body, 0o644); err != nil {
			t.Fatal(err)
		}
		return p(name)
	}
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := cli.Main(context.Background(), args, nil, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	const id, iss = "release@example.com", "https://issuer.example.com"
	token := attesttest.Token(iss, id, time.Now().Add(time.Hour))
	sc := write("signing_config.json", fake.SigningConfig(true))
	noTime := write("notime.json", fake.SigningConfig(false))
	tr := write("trusted_root.json", fake.TrustedRoot(t))
	artifact := write("app.tar.gz", []byte("release bytes\n"))
	write("predicate.json", []byte(`{"builder": {"id": "https://example.com/builder"}}`))
	tokenFile := write("token.jwt", []byte(token+"\n"))
	noSecret := func(what, out string) {
		t.Helper()
		if strings.Contains(out, token) {
			t.Errorf("%s printed the token:\n%s", what, out)
		}
	}

	t.Setenv("SIGSTORE_ID_TOKEN", token)
	code, stdout, stderr := run("sign", "--keyless", "--signing-config", sc, "--bundle", p("app.sigstore.json"), artifact)
	if code != cli.ExitOK {
		t.Fatalf("sign --keyless: exit %d\n%s", code, stderr)
	}
	noSecret("sign --keyless", stdout+stderr)
	if b, _ := os.ReadFile(p("app.sigstore.json")); bytes.Contains(b, []byte(token)) || !bytes.Contains(b, []byte(`"certificate"`)) {
		t.Errorf("keyless bundle:\n%s", b)
	}
	if reqs := fake.FulcioRequests(); len(reqs) != 1 || reqs[0].Authorization != "Bearer "+token || !reqs[0].ProofOK {
		t.Errorf("Fulcio requests %+v", reqs)
	}
	code, stdout, stderr = run("verify", "--bundle", p("app.sigstore.json"), "--certificate-identity", id, "--certificate-oidc-issuer", iss, "--trusted-root", tr, artifact)
	if code != cli.ExitOK || !strings.Contains(stdout, "signed by "+id+" (issuer "+iss+")") || !strings.Contains(stdout, "no transparency-log entry") || !strings.Contains(stdout, "time ") {
		t.Errorf("verify keyless: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := run("verify", "--bundle", p("app.sigstore.json"), "--certificate-identity", "evil@example.com", "--certificate-oidc-issuer", iss, "--trusted-root", tr, artifact); code != cli.ExitError || !strings.Contains(stderr, "verification failed") {
		t.Errorf("verify with another identity: exit %d\n%s", code, stderr)
	}

	t.Setenv("SIGSTORE_ID_TOKEN", "")
	code, stdout, stderr = run("attest", "--keyless", "--signing-config", sc, "--identity-token-file", tokenFile,
		"--type", "slsaprovenance", "--predicate", p("predicate.json"), "--bundle", p("app.att.json"), artifact)
	if code != cli.ExitOK {
		t.Fatalf("attest --keyless: exit %d\n%s", code, stderr)
	}
	noSecret("attest --keyless", stdout+stderr)
	code, stdout, stderr = run("verify", "--bundle", p("app.att.json"), "--certificate-identity", id, "--certificate-oidc-issuer", iss, "--trusted-root", tr, artifact)
	if code != cli.ExitOK || !strings.Contains(stdout, "attestation https://slsa.dev/provenance/v1 about 1 subject(s)") {
		t.Errorf("verify keyless attestation: exit %d\n%s%s", code, stdout, stderr)
	}

	expired := write("expired.jwt", []byte(attesttest.Token(iss, id, time.Now().Add(-time.Hour))))
	write("empty.jwt", nil)
	write("opaque.jwt", []byte(token[:20]))
	write("bad_config.json", []byte(`{"mediaType": "nonsense"}`))
	for _, c := range []struct {
		env  string
		args []string
		code int
		msg  string
	}{
		{"", []string{"sign", "--key", "k", "--keyless", "--signing-config", sc, "--bundle", "b", artifact}, cli.ExitUsage, "--key and --keyless are exclusive"},
		{"", []string{"sign", "--keyless", "--bundle", "b", artifact}, cli.ExitUsage, "--keyless needs --signing-config"},
		{"", []string{"sign", "--key", "k", "--signing-config", sc, "--bundle", "b", artifact}, cli.ExitUsage, "need --keyless"},
		{"", []string{"sign", "--key", "k", "--identity-token-file", tokenFile, "--bundle", "b", artifact}, cli.ExitUsage, "need --keyless"},
		{"", []string{"attest", "--keyless", "--type", "spdx", "--predicate", "p", "--bundle", "b", artifact}, cli.ExitUsage, "--keyless needs --signing-config"},
		{"", []string{"sign", "--keyless", "--signing-config", sc, "--bundle", p("x.json"), artifact}, cli.ExitError, "set SIGSTORE_ID_TOKEN or pass --identity-token-file"},
		{"", []string{"attest", "--keyless", "--signing-config", sc, "--type", "spdx", "--predicate", p("predicate.json"), "--bundle", p("x.json"), artifact}, cli.ExitError, "set SIGSTORE_ID_TOKEN"},
		{"", []string{"sign", "--keyless", "--signing-config", sc, "--identity-token-file", p("empty.jwt"), "--bundle", p("x.json"), artifact}, cli.ExitError, "empty.jwt is empty"},
		{"", []string{"sign", "--keyless", "--signing-config", sc, "--identity-token-file", p("missing.jwt"), "--bundle", p("x.json"), artifact}, cli.ExitError, "missing.jwt"},
		{"", []string{"sign", "--keyless", "--signing-config", sc, "--identity-token-file", p("opaque.jwt"), "--bundle", p("x.json"), artifact}, cli.ExitError, "not a JWT"},
		{"", []string{"sign", "--keyless", "--signing-config", sc, "--identity-token-file", expired, "--bundle", p("x.json"), artifact}, cli.ExitError, "expired"},
		{token, []string{"sign", "--keyless", "--signing-config", p("missing.json"), "--bundle", p("x.json"), artifact}, cli.ExitError, "missing.json"},
		{token, []string{"sign", "--keyless", "--signing-config", p("bad_config.json"), "--bundle", p("x.json"), artifact}, cli.ExitError, "media type"},
		{token, []string{"sign", "--keyless", "--signing-config", noTime, "--bundle", p("x.json"), artifact}, cli.ExitError, "no timestamp authority"},
	} {
		t.Setenv("SIGSTORE_ID_TOKEN", c.env)
		code, stdout, stderr := run(c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%q: exit %d, want %d with %q\n%s", c.args, code, c.code, c.msg, stderr)
		}
		noSecret(strings.Join(c.args, " "), stdout+stderr)
	}
	if _, err := os.Stat(p("x.json")); err == nil {
		t.Error("a failed keyless signing wrote a bundle")
	}
	if n := len(fake.FulcioRequests()); n != 2 {
		t.Errorf("Fulcio got %d requests, want 2 (failing invocations must not reach it)", n)
	}
}
