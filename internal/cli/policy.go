package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/hallmark-dev/hallmark/policy"
	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/scan"
	"github.com/hallmark-dev/hallmark/version/lookup"
)

// The policy command and scan --policy.

const policyAbout = `
Evaluate a Rego policy over the evidence about an artifact. A policy is a .rego file or a
directory of them in package hallmark, whose rules deny and warn are sets of messages
(strings, or objects with a "msg" member). Its input is the evidence document
hallmark.evidence/v1 (docs/policy.md, policy/schema/evidence-v1.schema.json): the targets
and their digests, an inventory summary, the scan's findings with VEX status, reachability,
severity, days since published and fix availability, verified attestations, and ignore
entries with their expiry.

The evidence is built by scanning each TARGET as 'hallmark scan' does (the same --db,
--advisories, --ignore-file, --exclude, --vex and --reachability flags; a JSON scan result
is read as it is), or read from --evidence FILE. --write-evidence saves it.

The library in policy/library checks stale fixes for critical and high findings, signed
provenance from allowed builders and sources, expired exceptions and end-of-life components;
configure it with --data FILE ({"hallmark_settings": {...}}, see docs/policy.md).

Every deny and warn message is printed. Exit status: 3 when the policy denies, 0 otherwise,
1 on error (a policy that does not compile names the file and line), 2 on usage mistakes.`

const policyExamples = `  hallmark policy eval --policy policy/library .
  hallmark policy eval --policy policy/library --data settings.json --advisories ./advisories ./app
  hallmark policy eval --policy my.rego --evidence evidence.json
  hallmark scan --policy policy/library .     (gate a scan)`

func runPolicy(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("policy: no subcommand (want eval)")
	}
	switch args[0] {
	case "eval":
		return runPolicyEval(ctx, env, args[1:])
	case "-h", "-help", "--help":
		fs := newFlagSet("policy", "hallmark policy eval --policy PATH [flags] (TARGET... | --evidence FILE)", policyAbout, policyExamples)
		fs.printHelp(env.Stdout)
		return errHelp
	}
	return usageErrorf("policy: unknown subcommand %q (want eval)", args[0])
}

func runPolicyEval(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("policy eval", "hallmark policy eval --policy PATH [flags] (TARGET... | --evidence FILE)", policyAbout, policyExamples)
	path := fs.String("policy", "", "the Rego policy: a .rego `file` or a directory")
	var dataFiles stringList
	fs.Var(&dataFiles, "data", "merge this JSON or YAML `file` into the policy's data (repeatable)")
	var provResults stringList
	fs.Var(&provResults, "provenance-result", "add the verified provenance in this `file` (from 'hallmark provenance verify --json') to the evidence's attestations (repeatable)")
	evidenceFile := fs.String("evidence", "", "evaluate this evidence `file` (hallmark.evidence/v1) instead of scanning targets")
	writeEvidence := fs.String("write-evidence", "", "write the evidence document to `file`")
	format := fs.String("format", "text", "output `format`: text or json")
	var so scanFlags
	so.register(fs)
	targets, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	switch {
	case *path == "":
		return usageErrorf("policy eval: no --policy given (a .rego file or a directory, such as policy/library)")
	case *evidenceFile != "" && len(targets) > 0:
		return usageErrorf("policy eval: give TARGETs or --evidence, not both")
	case *evidenceFile == "" && len(targets) == 0:
		return usageErrorf("policy eval: no TARGET given (try 'hallmark policy eval --policy PATH .')")
	case *format != "text" && *format != "json":
		return usageErrorf("policy eval: unknown --format %q (want text or json)", *format)
	}
	// The policy is compiled first: its mistakes are cheaper to report than a scan.
	p, err := policy.Load(ctx, *path, dataFiles...)
	if err != nil {
		return err
	}
	atts, err := readProvenanceResults(provResults)
	if err != nil {
		return err
	}
	var ev *policy.Document
	if *evidenceFile != "" {
		if ev, err = readEvidenceFile(*evidenceFile); err != nil {
			return err
		}
	} else {
		res, err := scanTargets(ctx, env, targets, &so)
		if err != nil {
			return err
		}
		ev = policy.Evidence(res, time.Now())
	}
	ev.Attestations = append(ev.Attestations, atts...)
	if *writeEvidence != "" {
		if err := writeOutput(*writeEvidence, env.Stdout, func(w io.Writer) error { return policy.WriteEvidence(w, ev) }); err != nil {
			return err
		}
	}
	d, err := p.Eval(ctx, ev)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			return err
		}
	} else {
		printDecision(env.Stdout, d)
		fmt.Fprintf(env.Stdout, "policy %s: %d denial(s), %d warning(s) over %d finding(s)\n", *path, len(d.Deny), len(d.Warn), len(ev.Findings))
	}
	return denied(*path, d)
}

// applyPolicy evaluates the policy at path over res; a deny is an exitError with
// ExitFindings, after every message is printed.
func applyPolicy(ctx context.Context, env *Env, res *report.Result, path string, provenanceResults []string) error {
	if path == "" {
		return nil
	}
	p, err := policy.Load(ctx, path)
	if err != nil {
		return err
	}
	now := res.Created
	if now.IsZero() {
		now = time.Now()
	}
	ev := policy.Evidence(res, now)
	atts, err := readProvenanceResults(provenanceResults)
	if err != nil {
		return err
	}
	ev.Attestations = append(ev.Attestations, atts...)
	d, err := p.Eval(ctx, ev)
	if err != nil {
		return err
	}
	printDecision(env.Stderr, d)
	return denied(path, d)
}

// printDecision prints every message, denials first.
func printDecision(w io.Writer, d *policy.Decision) {
	for _, m := range d.Deny {
		fmt.Fprintf(w, "policy: deny: %s\n", m)
	}
	for _, m := range d.Warn {
		fmt.Fprintf(w, "policy: warn: %s\n", m)
	}
}

func denied(path string, d *policy.Decision) error {
	if !d.Denied() {
		return nil
	}
	return &exitError{code: ExitFindings, err: fmt.Errorf("policy %s: %d denial(s)", path, len(d.Deny))}
}

func readEvidenceFile(name string) (*policy.Document, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("--evidence: %w", err)
	}
	defer f.Close()
	ev, err := policy.ReadEvidence(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ev, nil
}

// scanFlags are the flags of 'hallmark scan' that decide its result.
type scanFlags struct {
	db, ignoreFile      string
	advisories, vex     stringList
	exclude             stringList
	reachability, quiet bool
}

func (o *scanFlags) register(fs *flagSet) {
	fs.StringVar(&o.db, "db", "", "advisory database `file` (default: $HALLMARK_DB or the user cache directory)")
	fs.Var(&o.advisories, "advisories", "import OSV advisories from this `source` first (repeatable)")
	fs.StringVar(&o.ignoreFile, "ignore-file", "", "ignore rules `file` (default: .hallmark.yaml beside the first target, if present)")
	fs.Var(&o.exclude, "exclude", "skip paths matching `glob` (repeatable)")
	fs.Var(&o.vex, "vex", "apply this OpenVEX, CycloneDX VEX or CSAF VEX `document` to the findings (repeatable)")
	fs.BoolVar(&o.reachability, "reachability", false, "mark Go findings whose vulnerable symbols are not reachable from the program")
	fs.BoolVar(&o.quiet, "quiet", false, "print no warnings")
}

// scanTargets runs the scan pipeline of 'hallmark scan' on targets, or reads a JSON scan
// result given as the only target.
func scanTargets(ctx context.Context, env *Env, targets []string, o *scanFlags) (*report.Result, error) {
	if len(targets) == 1 {
		if res, ok := readResult(targets[0]); ok {
			if err := applyVEX(ctx, res, o.vex); err != nil {
				return nil, err
			}
			return res, nil
		}
	}
	var ig *scan.IgnoreFile
	igPath := o.ignoreFile
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
		var err error
		if ig, err = scan.ReadIgnoreFile(igPath); err != nil {
			return nil, fmt.Errorf("ignore file: %w", err)
		}
	}
	path := o.db
	if path == "" && len(o.advisories) > 0 {
		tmp, err := os.MkdirTemp("", "hallmark-policy-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		path = filepath.Join(tmp, "osv.db")
	}
	path, err := dbPath(env, path)
	if err != nil {
		return nil, err
	}
	if len(o.advisories) == 0 && !fileExists(path) {
		return nil, noDatabase(path)
	}
	d, err := openScanDB(ctx, path)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	for _, src := range o.advisories {
		if _, err := d.Import(ctx, src, nil); err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				return nil, fmt.Errorf("--advisories %s does not exist", src)
			}
			return nil, fmt.Errorf("importing %s: %w", src, err)
		}
	}
	inv, err := inventory(ctx, env, targets, o.exclude, o.quiet)
	if err != nil {
		return nil, err
	}
	res, err := scan.Run(ctx, inv, d, scan.Options{
		Schemes: lookup.For, Ignores: ig, Now: time.Now(),
		Tool: report.Tool{Name: "hallmark", Version: version()},
	})
	if err != nil {
		return nil, err
	}
	if o.reachability {
		if err := applyReachability(ctx, res, targets); err != nil {
			return nil, err
		}
	}
	if err := applyVEX(ctx, res, o.vex); err != nil {
		return nil, err
	}
	if !o.quiet {
		if res.Database.Advisories == 0 {
			fmt.Fprintf(env.Stderr, "warning: the advisory database %s is empty: nothing can be found; run 'hallmark db update' or 'hallmark db import DIR'\n", path)
		}
		reportErrors(env.Stderr, inv, false)
	}
	return res, nil
}
