package cli_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hallmark-dev/hallmark/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the scripts' expected output")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hallmark": func() {
			os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScripts runs the command-line scripts in testdata/script: each is a txtar archive of
// input files and the commands to run on them with their expected output.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SOURCE_DATE_EPOCH", "1700000000")
			return nil
		},
	})
}

// TestExitCodes runs the CLI in-process and checks the exit code of each kind of outcome:
// testscript's "! exec" only tells success from failure.
func TestExitCodes(t *testing.T) {
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
	good := write("ok/requirements.txt", "flask==2.2.2\n")
	write("partial/requirements.txt", "flask==2.2.2\n")
	write("partial/bad/go.mod", "module x\n\nrequire (\n")
	partial := filepath.Join(dir, "partial")
	empty := write("empty", "")
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		fifo = ""
	}
	for _, c := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"sbom", good}, cli.ExitOK, ""},
		{[]string{"sbom", "--help"}, cli.ExitOK, ""},
		{nil, cli.ExitUsage, "Usage:"},
		{[]string{"frobnicate"}, cli.ExitUsage, "unknown command"},
		{[]string{"sbom"}, cli.ExitUsage, "no TARGET given"},
		{[]string{"sbom", "--format", "yaml", good}, cli.ExitUsage, "unknown --format"},
		{[]string{"sbom", "--bogus", good}, cli.ExitUsage, "flag provided but not defined"},
		{[]string{"sbom", filepath.Join(dir, "missing")}, cli.ExitError, "target not found"},
		{[]string{"sbom", empty}, cli.ExitError, "no cataloger recognises this file"},
		{[]string{"sbom", partial}, cli.ExitOK, "the SBOM is partial"},
		{[]string{"sbom", "--strict", partial}, cli.ExitError, "--strict"},
		{[]string{"sbom", "--quiet", partial}, cli.ExitOK, ""},
		{[]string{"sbom", fifo}, cli.ExitError, "not a regular file"},
		{[]string{"sbom", "-o", filepath.Join(dir, "no-such-dir", "x.json"), good}, cli.ExitError, "writing " + filepath.Join(dir, "no-such-dir", "x.json") + ": no such file or directory"},
	} {
		if len(c.args) == 2 && c.args[1] == "" {
			continue // no FIFOs here
		}
		var stdout, stderr bytes.Buffer
		env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
		code := env.Main(context.Background(), c.args)
		if code != c.code {
			t.Errorf("hallmark %q: exit %d, want %d; stderr:\n%s", c.args, code, c.code, stderr.String())
		}
		if c.stderr == "" && stderr.Len() != 0 {
			t.Errorf("hallmark %q: unexpected stderr:\n%s", c.args, stderr.String())
		}
		if !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("hallmark %q: stderr %q, want it to contain %q", c.args, stderr.String(), c.stderr)
		}
	}
}
