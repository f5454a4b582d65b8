package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/scan"
	"github.com/hallmark-dev/hallmark/version/lookup"
)

const scanAbout = `
Find known vulnerabilities in each TARGET (anything 'hallmark sbom' accepts: directories,
lockfiles, binaries, container images, CycloneDX or SPDX documents) by matching its packages
against the local OSV advisory database, offline, with each ecosystem's exact version rules.
Advisories that share an ID or alias form one finding; withdrawn advisories never match.

The database is the --db file (default: $HALLMARK_DB or the user cache directory), filled by
'hallmark db import' or 'hallmark db update'. With --advisories, the given OSV sources are
imported into a temporary database first (or into --db when it is given), so one command
scans against a snapshot you ship.

Findings listed in the ignore file (default .hallmark.yaml in the first target's directory)
are kept in the output marked as ignored; each entry needs a reason and an expiry date, and
expired entries stop applying and are reported.

Exit status: 3 when a finding at or above --fail-on remains (not ignored), 0 otherwise, 1 on
error, 2 on usage mistakes. Without --fail-on, findings do not change the exit status.`

const scanExamples = `  hallmark scan .
  hallmark scan --fail-on high --format sarif -o results.sarif .
  hallmark scan --advisories ./examples/advisories ./examples/webapp
  hallmark scan --format json image.tar | jq '.findings[].id'
  hallmark scan --format table results.json     (render a JSON result again)`

func runScan(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("scan", "hallmark scan [flags] TARGET...", scanAbout, scanExamples)
	db := fs.String("db", "", "advisory database `file` (default: $HALLMARK_DB or the user cache directory)")
	var advisories stringList
	fs.Var(&advisories, "advisories", "import OSV advisories from this `source` first (repeatable)")
	format := fs.String("format", "", "output `format`: table, json, sarif, cyclonedx-json, openvex, markdown (default: table on a terminal, json otherwise)")
	output := fs.String("output", "", "write to `file` instead of stdout")
	fs.StringVar(output, "o", "", "shorthand for --output")
	failOn := fs.String("fail-on", "", "exit 3 when a finding at or above this `level` remains: low, medium, high, critical or any")
	ignoreFile := fs.String("ignore-file", "", "ignore rules `file` (default: .hallmark.yaml beside the first target, if present)")
	fs.Bool("offline", true, "scan without network access (scan never uses the network; db update does)")
	var exclude stringList
	fs.Var(&exclude, "exclude", "skip paths matching `glob` (repeatable)")
	quiet := fs.Bool("quiet", false, "print no warnings or progress")
	maxAge := fs.Duration("max-age", 7*24*time.Hour, "warn when the advisory data is older than this `duration`")
	var vexFiles stringList
	fs.Var(&vexFiles, "vex", "apply this OpenVEX, CycloneDX VEX or CSAF VEX `document` to the findings (repeatable)")
	policy := fs.String("policy", "", "evaluate the Rego policy at `path` (file or directory) over the scan's evidence; a deny exits 3")
	var provResults stringList
	fs.Var(&provResults, "provenance-result", "with --policy: add the verified provenance in this `file` (from 'hallmark provenance verify --json') to the evidence (repeatable)")
	reach := fs.Bool("reachability", false, "mark Go findings whose vulnerable symbols are not reachable from the program")
	targets, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		return usageErrorf("scan: no TARGET given (try 'hallmark scan .')")
	}
	threshold, err := parseFailOn(*failOn)
	if err != nil {
		return err
	}
	if *format == "" {
		*format = "json"
		if *output == "" && isTerminal(env.Stdout) {
			*format = "table"
		}
	}
	render, err := renderer(*format)
	if err != nil {
		return err
	}

	// A scan result given as the only target is rendered again.
	if len(targets) == 1 {
		if res, ok := readResult(targets[0]); ok {
			if err := applyVEX(ctx, res, vexFiles); err != nil {
				return err
			}
			policyErr := applyPolicy(ctx, env, res, *policy, provResults)
			var ee *exitError
			if policyErr != nil && !errors.As(policyErr, &ee) {
				return policyErr
			}
			if err := finishScan(env, res, render, *output, threshold); err != nil {
				return err
			}
			return policyErr
		}
	}

	var ig *scan.IgnoreFile
	igPath := *ignoreFile
	if igPath == "" {
		dir := targets[0]
		if st, err := os.Stat(dir); err == nil && !st.IsDir() {
			dir = filepath.Dir(dir)
		}
		if p := filepath.Join(dir, ".hallmark.yaml"); fileExists(p) {
			igPath = p
		}
	}
	if igPath != "" {
		if ig, err = scan.ReadIgnoreFile(igPath); err != nil {
			return fmt.Errorf("ignore file: %w", err)
		}
	}

	path := *db
	if path == "" && len(advisories) > 0 {
		tmp, err := os.MkdirTemp("", "hallmark-scan-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		path = filepath.Join(tmp, "osv.db")
	}
	if path, err = dbPath(env, path); err != nil {
		return err
	}
	if len(advisories) == 0 && !fileExists(path) {
		return noDatabase(path)
	}
	d, err := openScanDB(ctx, path)
	if err != nil {
		return err
	}
	defer d.Close()
	for _, src := range advisories {
		st, err := d.Import(ctx, src, nil)
		if err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				return fmt.Errorf("--advisories %s does not exist", src)
			}
			return fmt.Errorf("importing %s: %w", src, err)
		}
		if !*quiet && len(st.Malformed) > 0 {
			fmt.Fprintf(env.Stderr, "warning: %s: %d malformed advisories skipped (see 'hallmark db import --verbose')\n", src, len(st.Malformed))
		}
	}
	inv, err := inventory(ctx, env, targets, exclude, *quiet)
	if err != nil {
		return err
	}
	res, err := scan.Run(ctx, inv, d, scan.Options{
		Schemes: lookup.For, Ignores: ig, Now: time.Now(),
		Tool: report.Tool{Name: "hallmark", Version: version()},
	})
	if err != nil {
		return err
	}
	if *reach {
		if err := applyReachability(ctx, res, targets); err != nil {
			return err
		}
	}
	if err := applyVEX(ctx, res, vexFiles); err != nil {
		return err
	}
	if !*quiet {
		if res.Database.Advisories == 0 {
			fmt.Fprintf(env.Stderr, "warning: the advisory database %s is empty: nothing can be found; run 'hallmark db update' or 'hallmark db import DIR'\n", path)
		} else if len(advisories) == 0 && time.Since(res.Database.LastUpdate) > *maxAge {
			fmt.Fprintf(env.Stderr, "warning: the advisory data is %s old: stale data misses new vulnerabilities; run 'hallmark db update'\n",
				time.Since(res.Database.LastUpdate).Round(time.Hour))
		}
		for _, e := range res.ExpiredIgnores {
			fmt.Fprintf(env.Stderr, "warning: ignore entry %s expired on %s (%s): it no longer applies\n", e.ID, e.Expires, e.Source)
		}
		reportErrors(env.Stderr, inv, false)
	}
	// The policy's messages are printed before the result is written; a deny (exit 3) is
	// returned after it, unless writing fails or --fail-on already decided.
	policyErr := applyPolicy(ctx, env, res, *policy, provResults)
	var ee *exitError
	if policyErr != nil && !errors.As(policyErr, &ee) {
		return policyErr
	}
	// What the scan worked with (candidate advisories, lookups) is garbage now. Collecting it
	// here sets the collector's next goal from what the output needs (the findings and the
	// inventory) rather than from the scan's peak; otherwise the output's own garbage grew a
	// large scan's heap to twice its working set (BENCHMARKS.md, "Memory of a large scan").
	runtime.GC()
	if err := finishScan(env, res, render, *output, threshold); err != nil {
		return err
	}
	return policyErr
}

// finishScan writes the result and decides the exit status.
func finishScan(env *Env, res *report.Result, render func(io.Writer, *report.Result) error, output string, threshold int) error {
	if err := writeOutput(output, env.Stdout, func(w io.Writer) error { return render(w, res) }); err != nil {
		return err
	}
	if threshold < 0 {
		return nil
	}
	n := 0
	for _, f := range res.Active() {
		if report.LevelRank(f.Severity.Level) >= threshold {
			n++
		}
	}
	if n > 0 {
		return &exitError{code: ExitFindings, err: fmt.Errorf("%d finding(s) at or above --fail-on %s", n, report.Levels[threshold])}
	}
	return nil
}

// parseFailOn returns the rank of the lowest failing level, or -1 for none.
func parseFailOn(s string) (int, error) {
	switch s {
	case "":
		return -1, nil
	case "any":
		return 0, nil
	}
	if r := report.LevelRank(s); r > 0 {
		return r, nil
	}
	return 0, usageErrorf("scan: --fail-on must be low, medium, high, critical or any, not %q", s)
}

func renderer(format string) (func(io.Writer, *report.Result) error, error) {
	switch format {
	case "table":
		return report.WriteTable, nil
	case "json":
		return report.WriteJSON, nil
	case "markdown":
		return report.WriteMarkdown, nil
	}
	if r, ok := report.Renderers[format]; ok {
		return r, nil
	}
	return nil, usageErrorf("scan: unknown --format %q (want table, json, sarif, cyclonedx-json, openvex or markdown)", format)
}

// readResult reads name as a JSON scan result, if it is one.
func readResult(name string) (*report.Result, bool) {
	f, err := os.Open(name)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if !containsSchema(head[:n]) {
		return nil, false
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, false
	}
	res, err := report.ReadJSON(f)
	return res, err == nil
}

func containsSchema(b []byte) bool {
	return len(b) > 0 && b[0] == '{' && strings.Contains(string(b), `"schema": "`+report.Schema+`"`)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
