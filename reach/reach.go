// Package reach decides whether the vulnerable code of Go findings is reachable from the
// program scanned ('hallmark scan --reachability').
//
// The Go vulnerability database names, for most advisories, the vulnerable packages and
// symbols (affected[].ecosystem_specific.imports[].path and .symbols). Apply writes the Go
// advisories of a scan result into a temporary database in the layout govulncheck reads
// (https://go.dev/doc/security/vuln/database#api), runs govulncheck (golang.org/x/vuln/scan)
// offline against it — in source mode on every Go module (go.mod) under the directory
// targets, in binary mode on Go binary targets — and reads its JSON stream:
//
//   - a finding whose trace starts at a vulnerable function is reachable (source: a call path
//     from the program's packages reaches it; binary: the binary contains it);
//   - a vulnerable package imported (or linked) without a vulnerable symbol is unreachable,
//     "imported, not called";
//   - a required module none of whose vulnerable packages is imported is unreachable,
//     "package not imported";
//   - anything else is unknown, with the reason: the analysis could not run (dependencies
//     missing from the module cache: nothing is downloaded), no target holds the module, or
//     the advisories name no symbols.
//
// Tests are not analysed (govulncheck's default). Non-Go findings are left untouched. What
// is unreachable can be stated as OpenVEX with Statements.
package reach

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/report"
)

// AdvisoryFunc returns the OSV advisories with the given IDs, leaving out unknown ones
// (vulndb.DB.Advisories has this shape).
type AdvisoryFunc func(ctx context.Context, ids []string) (map[string]*osv.Vulnerability, error)

// Options configure Apply.
type Options struct {
	// Advisories reads the findings' advisories (required).
	Advisories AdvisoryFunc
	// Env is the environment of the go command govulncheck runs in source mode (nil: the
	// process's). Apply adds GOPROXY=off and GOTOOLCHAIN=local and drops -mod=mod from
	// GOFLAGS, so that nothing is downloaded and no go.mod or go.sum is written.
	Env []string
	// Stderr receives govulncheck's diagnostics (nil: they are kept only for the reasons).
	Stderr io.Writer
}

// runner runs govulncheck with args.
type runner func(ctx context.Context, env []string, stdout, stderr io.Writer, args ...string) error

// Apply sets Reachability on every Go finding of res, analysing the programs in targets (the
// targets of the scan). It fails only when the advisories cannot be read or the temporary
// database cannot be written; an analysis that cannot run makes findings unknown.
func Apply(ctx context.Context, res *report.Result, targets []string, opts Options) error {
	if opts.Advisories == nil {
		return errors.New("reach: Options.Advisories is required")
	}
	var goIdx []int
	var ids []string
	for i, f := range res.Findings {
		if f.Package.Ecosystem == "Go" {
			goIdx = append(goIdx, i)
			ids = append(ids, f.ID)
			ids = append(ids, f.Advisories...)
		}
	}
	if len(goIdx) == 0 {
		return nil
	}
	slices.Sort(ids)
	advs, err := opts.Advisories(ctx, slices.Compact(ids))
	if err != nil {
		return fmt.Errorf("reading the findings' advisories: %w", err)
	}

	// The advisories of each finding that name vulnerable packages of its module.
	named := map[int][]*osv.Vulnerability{}
	var withSymbols []*osv.Vulnerability
	seen := map[string]bool{}
	for _, i := range goIdx {
		f := &res.Findings[i]
		for _, id := range findingIDs(f) {
			v := advs[id]
			if v == nil {
				continue
			}
			if _, ok := symbols(v, f.Package.Name); !ok {
				continue
			}
			named[i] = append(named[i], v)
			if !seen[v.ID] {
				seen[v.ID] = true
				withSymbols = append(withSymbols, v)
			}
		}
		if len(named[i]) == 0 {
			f.Reachability = &report.Reachability{Status: report.Unknown,
				Reason: "no Go advisory of this finding names vulnerable packages or symbols"}
		}
	}
	if len(withSymbols) == 0 {
		return nil
	}

	tmp, err := os.MkdirTemp("", "hallmark-reach-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := writeDB(tmp, withSymbols); err != nil {
		return fmt.Errorf("writing the govulncheck database: %w", err)
	}
	jobs, planErrs := plan(targets)
	results := make([]jobResult, len(jobs))
	for n, j := range jobs {
		results[n] = j.run(ctx, "file://"+toSlashAbs(tmp), offlineEnv(opts.Env), opts.Stderr)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	for i, vs := range named {
		f := &res.Findings[i]
		f.Reachability = decide(f, vs, jobs, results, planErrs)
	}
	return nil
}

// findingIDs returns the finding's advisory IDs, the primary one first.
func findingIDs(f *report.Finding) []string {
	out := []string{f.ID}
	for _, id := range f.Advisories {
		if id != f.ID {
			out = append(out, id)
		}
	}
	return out
}

// decide combines what the runs say of a finding's advisories.
func decide(f *report.Finding, vs []*osv.Vulnerability, jobs []job, results []jobResult, planErrs []string) *report.Reachability {
	mod, ver := f.Package.Name, f.Package.Version
	var named []string
	for _, v := range vs {
		s, _ := symbols(v, mod)
		named = append(named, s...)
	}
	slices.Sort(named)
	named = slices.Compact(named)

	var reached, failures []string
	covered, best := false, levelNone
	for n, r := range results {
		if !jobs[n].concerns(f) {
			continue
		}
		if r.err != nil {
			failures = append(failures, r.err.Error())
			continue
		}
		got, ok := r.out.modules[mod]
		if !ok || !sameVersion(got, ver) {
			continue
		}
		covered = true
		for _, v := range vs {
			k := vulnKey{v.ID, mod}
			best = max(best, r.out.level[k])
			reached = append(reached, r.out.reached[k]...)
		}
	}
	slices.Sort(reached)
	reached = slices.Compact(reached)
	switch {
	case len(reached) > 0:
		return &report.Reachability{Status: report.Reachable, Symbols: reached}
	case len(failures) > 0:
		return &report.Reachability{Status: report.Unknown, Symbols: named, Reason: strings.Join(failures, "; ")}
	case !covered:
		reason := fmt.Sprintf("no Go module or binary among the targets uses %s@%s", mod, ver)
		if len(planErrs) > 0 {
			reason += " (" + strings.Join(planErrs, "; ") + ")"
		}
		return &report.Reachability{Status: report.Unknown, Symbols: named, Reason: reason}
	case best == levelPackage:
		return &report.Reachability{Status: report.Unreachable, Symbols: named,
			Reason: "imported, not called: the program imports a vulnerable package but no vulnerable symbol is reached"}
	case best == levelModule:
		return &report.Reachability{Status: report.Unreachable, Symbols: named,
			Reason: "package not imported: the program requires the module but imports none of its vulnerable packages"}
	}
	return &report.Reachability{Status: report.Unknown, Symbols: named,
		Reason: fmt.Sprintf("govulncheck does not consider %s@%s affected by %s", mod, ver, f.ID)}
}

// sameVersion compares Go module versions with or without their "v".
func sameVersion(a, b string) bool {
	return strings.TrimPrefix(a, "v") == strings.TrimPrefix(b, "v")
}

// offlineEnv returns env (default: the process's) with GOPROXY=off and GOTOOLCHAIN=local and
// without -mod=mod in GOFLAGS: the analysis must neither download nor write go.mod or go.sum.
func offlineEnv(env []string) []string {
	if env == nil {
		env = os.Environ()
	}
	out := make([]string, 0, len(env)+3)
	goflags := ""
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "GOPROXY", "GOTOOLCHAIN":
			continue
		case "GOFLAGS":
			var keep []string
			for _, fl := range strings.Fields(v) {
				if fl != "-mod=mod" {
					keep = append(keep, fl)
				}
			}
			goflags = strings.Join(keep, " ")
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS="+goflags)
}

// firstLines returns up to n non-empty lines of b, joined.
func firstLines(b []byte, n int) string {
	var out []string
	for line := range bytes.Lines(b) {
		if s := strings.TrimSpace(string(line)); s != "" {
			out = append(out, s)
			if len(out) == n {
				break
			}
		}
	}
	return strings.Join(out, " ")
}
