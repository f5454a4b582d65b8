package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hallmark-dev/hallmark/internal/cli"
)

// TestVexSchemaValid checks that every document 'hallmark vex' writes is valid against the
// OpenVEX 0.2.0 JSON schema (a copy in vex/testdata).
func TestVexSchemaValid(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "vex", "testdata", "openvex_json_schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("openvex.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("openvex.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, b, m := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"), filepath.Join(dir, "m.json")
	run := func(args ...string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
			if k == "SOURCE_DATE_EPOCH" {
				return "1700000000"
			}
			return ""
		}}
		if code := env.Main(context.Background(), args); code != 0 {
			t.Fatalf("hallmark %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
		}
	}
	check := func(name string) {
		t.Helper()
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s is not valid OpenVEX 0.2.0: %v\n%s", filepath.Base(name), err, data)
		}
	}
	run("vex", "create", "--product", "pkg:npm/lodash@4.17.20", "--vuln", "CVE-2021-23337", "--status", "under_investigation", "-o", a)
	check(a)
	for _, st := range [][]string{
		{"--status", "not_affected", "--justification", "component_not_present"},
		{"--status", "not_affected", "--impact-statement", "never called", "--status-notes", "reviewed"},
		{"--status", "affected", "--action-statement", "upgrade"},
		{"--status", "fixed"},
	} {
		run(append([]string{"vex", "add", "--document", a, "--product", "pkg:npm/lodash", "--product", "pkg:npm/lodash@4.17.19", "--vuln", "GHSA-35jh-r3h4-6jhm"}, st...)...)
		check(a)
	}
	run("vex", "create", "--product", "pkg:pypi/foo-bar", "--vuln", "PYSEC-2099-1", "--status", "fixed", "--author", "B", "-o", b)
	run("vex", "merge", a, b, "-o", m)
	check(m)
}
