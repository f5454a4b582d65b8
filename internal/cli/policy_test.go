package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/cli"
)

// TestPolicyLibrary runs the shipped policy library through the CLI, as
// 'hallmark scan --policy policy/library' and 'hallmark policy eval' do, with exit codes.
func TestPolicyLibrary(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	proj := filepath.Dir(write("proj/requirements.txt", "foo-bar==1.0\n"))
	adv := filepath.Dir(filepath.Dir(write("adv/PyPI/PYSEC-1.json",
		`{"id":"PYSEC-1","modified":"2021-06-01T00:00:00Z","database_specific":{"severity":"CRITICAL"},
		 "affected":[{"package":{"ecosystem":"PyPI","name":"foo-bar"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.1"}]}]}]}`)))
	lenient := write("lenient.json", `{"hallmark_settings": {"max_fix_age_days": 100000}}`)
	strict := write("strict.yaml", "hallmark_settings:\n  require_provenance: true\n  max_fix_age_days: 100000\n")
	library := filepath.Join("..", "..", "policy", "library")

	for _, c := range []struct {
		args        []string
		code        int
		out, errOut string
	}{
		{[]string{"scan", "--advisories", adv, "--policy", library, proj}, cli.ExitFindings,
			`"id": "PYSEC-1"`, "policy: deny: CRITICAL PYSEC-1 in foo-bar 1.0 (PyPI): fixed in 1.1, published "},
		{[]string{"scan", "--advisories", adv, "--policy", library, proj}, cli.ExitFindings,
			"", "policy: warn: no verified SLSA provenance attestation"},
		{[]string{"policy", "eval", "--advisories", adv, "--policy", library, proj}, cli.ExitFindings,
			"1 denial(s), 1 warning(s) over 1 finding(s)", "hallmark: policy"},
		{[]string{"policy", "eval", "--advisories", adv, "--policy", library, "--data", lenient, proj}, cli.ExitOK,
			"policy: warn: CRITICAL PYSEC-1 in foo-bar 1.0 (PyPI): upgrade to 1.1 within", ""},
		{[]string{"policy", "eval", "--advisories", adv, "--policy", library, "--data", strict, proj}, cli.ExitFindings,
			"policy: deny: no verified SLSA provenance attestation, and the policy requires one", ""},
		{[]string{"policy", "eval", "--policy", library}, cli.ExitUsage, "", "no TARGET given"},
		{[]string{"policy"}, cli.ExitUsage, "", "no subcommand"},
		{[]string{"policy", "eval", "--policy", filepath.Join(dir, "missing"), proj}, cli.ExitError, "", "policy:"},
	} {
		var stdout, stderr bytes.Buffer
		code := cli.Main(context.Background(), c.args, nil, &stdout, &stderr)
		if code != c.code || !strings.Contains(stdout.String(), c.out) || !strings.Contains(stderr.String(), c.errOut) {
			t.Errorf("hallmark %s: exit %d, want %d (stdout containing %q, stderr containing %q)\nstdout:\n%s\nstderr:\n%s",
				strings.Join(c.args, " "), code, c.code, c.out, c.errOut, stdout.String(), stderr.String())
		}
	}
}
