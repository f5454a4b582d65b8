package policy_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/policy"
	"github.com/hallmark-dev/hallmark/report"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestEval(t *testing.T) {
	ctx := context.Background()
	ev := policy.Evidence(sampleResult(), now)
	for _, c := range []struct {
		name  string
		files map[string]string
		want  policy.Decision
	}{
		{"strings", map[string]string{"p.rego": `package hallmark
deny contains sprintf("%s is %s", [f.id, f.severity_level]) if { some f in input.findings; f.severity_level == "high" }
warn contains "partial" if input.partial`},
			policy.Decision{Deny: []string{"GHSA-35jh-r3h4-6jhm is high"}, Warn: []string{"partial"}}},
		{"objects", map[string]string{"p.rego": `package hallmark
deny contains {"msg": "no", "id": 1} if true
warn contains {"msg": "careful"} if true`},
			policy.Decision{Deny: []string{"no"}, Warn: []string{"careful"}}},
		{"no rules", map[string]string{"p.rego": "package hallmark\n"}, policy.Decision{Deny: []string{}, Warn: []string{}}},
		{"directory with helpers and data", map[string]string{
			"a/main.rego":    "package hallmark\nimport data.helpers\ndeny contains m if { some m in helpers.msgs }\n",
			"a/b/help.rego":  "package helpers\nmsgs contains sprintf(\"limit %d\", [data.limit]) if true\n",
			"a/data.yaml":    "limit: 7\n",
			"a/x_test.rego":  "package hallmark\ndeny contains \"tests are not loaded\" if true\n",
			"a/.git/z.rego":  "package hallmark\ndeny contains \"hidden directories are not loaded\" if true\n",
			"a/README.md":    "not a policy",
			"a/bad/unused.x": "ignored",
		}, policy.Decision{Deny: []string{"limit 7"}, Warn: []string{}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, c.files)
			path := dir
			if _, err := os.Stat(filepath.Join(dir, "p.rego")); err == nil {
				path = filepath.Join(dir, "p.rego")
			} else if _, err := os.Stat(filepath.Join(dir, "a")); err == nil {
				path = filepath.Join(dir, "a")
			}
			p, err := policy.Load(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			d, err := p.Eval(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&c.want, d); diff != "" {
				t.Errorf("decision (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		files map[string]string
		want  string // in the error
	}{
		{"syntax", map[string]string{"p.rego": "package hallmark\n\ndeny contains \"x\" if { 1 + }\n"}, "p.rego:3: "},
		{"compile", map[string]string{"p.rego": "package hallmark\n\ndeny contains msg if { input.x == 1 }\n"}, "p.rego:3: var msg is unsafe"},
		{"other package", map[string]string{"p.rego": "package other\n"}, "no Rego module in package hallmark"},
		{"empty directory", map[string]string{"README": "x"}, "no Rego module in package hallmark"},
		{"bad data", map[string]string{"p.rego": "package hallmark\n", "data.json": "[1]"}, "data.json: not an object"},
		{"conflicting data", map[string]string{"p.rego": "package hallmark\n", "data.json": `{"a": 1}`, "sub/data.yaml": "a: 2\n"}, "data.a is set twice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, c.files)
			path := dir
			if len(c.files) == 1 && c.files["p.rego"] != "" {
				path = filepath.Join(dir, "p.rego")
			}
			_, err := policy.Load(ctx, path)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Load: %v, want an error containing %q", err, c.want)
			}
		})
	}
	if _, err := policy.Load(ctx, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing policy loaded")
	}
}

// TestLoadSymlinks: a symbolic link to a policy file inside the policy directory is loaded; one
// out of it is an error, not silently skipped (its deny rules would be lost).
func TestLoadSymlinks(t *testing.T) {
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{
		"p/main.rego":     "package hallmark\nimport data.shared\ndeny contains m if { some m in shared.msgs }\n",
		"p/real/rules.rg": "package shared\nmsgs contains \"inside\" if true\n",
		"outside.rego":    "package shared\nmsgs contains \"outside\" if true\n",
	})
	if err := os.Symlink(filepath.Join(dir, "p", "real", "rules.rg"), filepath.Join(dir, "p", "shared.rego")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	p, err := policy.Load(ctx, filepath.Join(dir, "p"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := p.Eval(ctx, policy.Evidence(&report.Result{}, now))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"inside"}, d.Deny); diff != "" {
		t.Errorf("deny (-want +got):\n%s", diff)
	}

	if err := os.Remove(filepath.Join(dir, "p", "shared.rego")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "outside.rego"), filepath.Join(dir, "p", "shared.rego")); err != nil {
		t.Fatal(err)
	}
	if _, err := policy.Load(ctx, filepath.Join(dir, "p")); err == nil || !strings.Contains(err.Error(), "out of the policy directory") {
		t.Errorf("Load with a link out of the directory: %v, want an error saying so", err)
	}
}

func TestEvalBadRules(t *testing.T) {
	ctx := context.Background()
	for _, src := range []string{
		"package hallmark\ndeny := true\n",
		"package hallmark\ndeny contains 3 if true\n",
		"package hallmark\nwarn contains {\"message\": \"x\"} if true\n",
	} {
		dir := writeFiles(t, map[string]string{"p.rego": src})
		p, err := policy.Load(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		if d, err := p.Eval(ctx, policy.Evidence(&report.Result{}, now)); err == nil {
			t.Errorf("%q: no error, decision %+v", src, d)
		}
	}
}

func TestLoadLimits(t *testing.T) {
	files := map[string]string{"p.rego": "package hallmark\n"}
	for i := range policy.MaxPolicyFiles {
		files[fmt.Sprintf("m%d.rego", i)] = "package x\n"
	}
	if _, err := policy.Load(context.Background(), writeFiles(t, files)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("too many files: %v", err)
	}
	big := writeFiles(t, map[string]string{"p.rego": "package hallmark\n# " + strings.Repeat("x", policy.MaxPolicyBytes) + "\n"})
	if _, err := policy.Load(context.Background(), big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("too large: %v", err)
	}
}

// TestLibrary evaluates the shipped library, as 'hallmark scan --policy policy/library'
// does, on evidence built from a scan result.
func TestLibrary(t *testing.T) {
	ctx := context.Background()
	res := sampleResult()
	res.Findings[0].Ignored = nil // the high lodash finding, fixable, 40 days old
	res.Findings = append(res.Findings, report.Finding{
		ID: "GO-2024-1", Package: report.Package{Ecosystem: "Go", Name: "golang.org/x/net", Version: "0.1.0"},
		Severity: report.Severity{Level: "critical"}, Advice: "0.23.0", Modified: "2024-01-01T00:00:00Z",
		Reachability: &report.Reachability{Status: report.Unreachable},
	})
	p, err := policy.Load(ctx, "library")
	if err != nil {
		t.Fatal(err)
	}
	d, err := p.Eval(ctx, policy.Evidence(res, now))
	if err != nil {
		t.Fatal(err)
	}
	want := &policy.Decision{
		Deny: []string{
			"HIGH GHSA-35jh-r3h4-6jhm in lodash 4.17.20 (npm): fixed in 4.17.21, published 40 days ago (limit 30 days)",
			"ignore entry CVE-1 expired on 2024-01-01 (.hallmark.yaml): fix the finding, or renew the entry with a reason",
		},
		Warn: []string{"no verified SLSA provenance attestation"},
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("decision (-want +got):\n%s", diff)
	}

	// The settings come from data files.
	cfg := writeFiles(t, map[string]string{"s.json": `{"hallmark_settings": {"max_fix_age_days": 90, "require_provenance": true}}`})
	p, err = policy.Load(ctx, "library", filepath.Join(cfg, "s.json"))
	if err != nil {
		t.Fatal(err)
	}
	d, err = p.Eval(ctx, policy.Evidence(res, now))
	if err != nil {
		t.Fatal(err)
	}
	want = &policy.Decision{
		Deny: []string{
			"ignore entry CVE-1 expired on 2024-01-01 (.hallmark.yaml): fix the finding, or renew the entry with a reason",
			"no verified SLSA provenance attestation, and the policy requires one",
		},
		Warn: []string{"HIGH GHSA-35jh-r3h4-6jhm in lodash 4.17.20 (npm): upgrade to 4.17.21 within 50 days"},
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("with settings: decision (-want +got):\n%s", diff)
	}
}

// BenchmarkLibrary evaluates the library on an evidence document with 10,000 findings (a
// tenth of them denied). The target is under 100 ms per evaluation, conversion of the
// evidence to the policy input included.
func BenchmarkLibrary(b *testing.B) {
	ctx := context.Background()
	res := &report.Result{Schema: report.Schema}
	levels := []string{"low", "medium", "high", "critical"}
	for i := range 10000 {
		f := report.Finding{
			ID:       fmt.Sprintf("GHSA-%04d", i),
			Aliases:  []string{fmt.Sprintf("CVE-2024-%05d", i)},
			Package:  report.Package{Ecosystem: "npm", Name: fmt.Sprintf("pkg%d", i), Version: "1.0.0", PURL: fmt.Sprintf("pkg:npm/pkg%d@1.0.0", i)},
			Severity: report.Severity{Level: levels[i%4], Score: float64(i%10) + 0.5, Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
			Modified: now.Add(-time.Duration(i%60) * 24 * time.Hour).Format(time.RFC3339),
			Relation: "transitive", FixedVersions: []string{"1.0.1"},
		}
		if i%5 == 0 {
			f.Advice = "1.0.1"
		}
		res.Findings = append(res.Findings, f)
	}
	p, err := policy.Load(ctx, "library")
	if err != nil {
		b.Fatal(err)
	}
	ev := policy.Evidence(res, now)
	b.Run("eval", func(b *testing.B) {
		var d *policy.Decision
		cpu := cpuTime()
		for b.Loop() {
			if d, err = p.Eval(ctx, ev); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
		b.ReportMetric(float64(len(d.Deny)), "denials")
	})
	input, err := policy.Input(ev)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("eval-prepared-input", func(b *testing.B) {
		cpu := cpuTime()
		for b.Loop() {
			if _, err := p.EvalInput(ctx, input); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
	})
	b.Run("input", func(b *testing.B) {
		cpu := cpuTime()
		for b.Loop() {
			if _, err := policy.Input(ev); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
	})
	b.Run("evidence", func(b *testing.B) {
		cpu := cpuTime()
		for b.Loop() {
			policy.Evidence(res, now)
		}
		reportCPU(b, cpu)
	})
}

// cpuTime is the process's user and system CPU time: on a loaded machine it says more about
// the cost of an operation than the wall clock (garbage collection included, on every core).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
