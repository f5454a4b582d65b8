package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/vex"
)

const vexAbout = `
Write OpenVEX 0.2.0 documents: statements that a vulnerability does or does not affect a
product, with the reason. 'create' starts a document with one statement, 'add' appends one
(the document's version goes up and last_updated is set), 'merge' combines documents, keeping
for each vulnerability and product only the latest statement (by timestamp; on a tie the later
file wins) and the older ones it does not cover.

The spec's rules are enforced: not_affected needs a --justification (component_not_present,
vulnerable_code_not_present, vulnerable_code_not_in_execute_path,
vulnerable_code_cannot_be_controlled_by_adversary, inline_mitigations_already_exist) or an
--impact-statement; affected needs an --action-statement. Products are purls: one without a
version or qualifiers covers every version or variant.

Times come from SOURCE_DATE_EPOCH when it is set (Unix seconds or RFC 3339), so the same
input gives the same document; the @id is derived from the content.

'hallmark scan --vex FILE' applies OpenVEX, CycloneDX VEX and CSAF VEX documents to the
findings (see 'hallmark help scan').`

const vexExamples = `  hallmark vex create --product pkg:npm/lodash@4.17.20 --vuln CVE-2021-23337 \
      --status not_affected --justification vulnerable_code_not_in_execute_path \
      --author "Example PSIRT" -o app.openvex.json
  hallmark vex add --document app.openvex.json --product pkg:pypi/foo-bar@1.0 \
      --vuln PYSEC-2099-1 --status affected --action-statement "Upgrade to 1.0.post1"
  hallmark vex merge team-a.openvex.json team-b.openvex.json -o all.openvex.json
  hallmark scan --vex app.openvex.json --fail-on high .`

func runVex(ctx context.Context, env *Env, args []string) error {
	help := func(w io.Writer) {
		newFlagSet("vex", "hallmark vex create|add|merge|generate [flags]", vexAbout, vexExamples).printHelp(w)
	}
	if len(args) == 0 {
		help(env.Stderr)
		return usageErrorf("vex: name a subcommand: create, add, merge or generate")
	}
	switch args[0] {
	case "create", "add":
		return runVexStatement(env, args[0], args[1:])
	case "merge":
		return runVexMerge(env, args[1:])
	case "generate":
		return runVexGenerate(env, args[1:])
	case "-h", "-help", "--help", "help":
		help(env.Stdout)
		return nil
	}
	return usageErrorf("vex: unknown subcommand %q (want create, add, merge or generate)", args[0])
}

// statementFlags are the flags of one statement, shared by create and add.
type statementFlags struct {
	products                      stringList
	vuln, status, justification   *string
	impact, action, notes, output *string
}

func addStatementFlags(fs *flagSet) *statementFlags {
	f := &statementFlags{}
	fs.Var(&f.products, "product", "the product's `purl` (or another IRI); repeatable")
	f.vuln = fs.String("vuln", "", "the vulnerability `ID` (CVE-..., GHSA-..., ...)")
	f.status = fs.String("status", "", "`status`: not_affected, affected, fixed or under_investigation")
	f.justification = fs.String("justification", "", "why not_affected: component_not_present, vulnerable_code_not_present, vulnerable_code_not_in_execute_path, vulnerable_code_cannot_be_controlled_by_adversary or inline_mitigations_already_exist")
	f.impact = fs.String("impact-statement", "", "why not_affected, in your words (`text`)")
	f.action = fs.String("action-statement", "", "what to do about an affected product (`text`)")
	f.notes = fs.String("status-notes", "", "how the status was decided (`text`)")
	f.output = fs.String("output", "", "write to `file` instead of stdout (add: instead of the document)")
	fs.StringVar(f.output, "o", "", "shorthand for --output")
	return f
}

func (f *statementFlags) options() vex.StatementOptions {
	return vex.StatementOptions{
		Products: f.products, Vulnerability: *f.vuln, Status: *f.status, Justification: *f.justification,
		ImpactStatement: *f.impact, ActionStatement: *f.action, StatusNotes: *f.notes,
	}
}

func runVexStatement(env *Env, sub string, args []string) error {
	usage := "hallmark vex create --product PURL --vuln ID --status STATUS [flags]"
	if sub == "add" {
		usage = "hallmark vex add --document FILE --product PURL --vuln ID --status STATUS [flags]"
	}
	fs := newFlagSet("vex "+sub, usage, vexAbout, vexExamples)
	f := addStatementFlags(fs)
	var author, document *string
	if sub == "create" {
		author = fs.String("author", "", "the document's `author` (default \"Unknown Author\")")
	} else {
		document = fs.String("document", "", "the OpenVEX `file` to add to (rewritten unless --output is given)")
	}
	rest, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("vex %s: unexpected argument %q", sub, rest[0])
	}
	if len(f.products) == 0 || *f.vuln == "" || *f.status == "" {
		return usageErrorf("vex %s: --product, --vuln and --status are required", sub)
	}
	now, err := sourceDate(env)
	if err != nil {
		return err
	}
	st, err := vex.NewStatement(f.options(), now)
	if err != nil {
		return usageErrorf("vex %s: %v", sub, err)
	}
	var doc *vex.Document
	output := *f.output
	if sub == "create" {
		doc = vex.Create(*author, now, st)
	} else {
		if *document == "" {
			return usageErrorf("vex add: --document FILE is required")
		}
		if doc, err = vex.ReadOpenVEX(*document); err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				return fmt.Errorf("vex add: %s does not exist (start one with 'hallmark vex create')", *document)
			}
			return fmt.Errorf("vex add: %w", err)
		}
		if err := vex.Add(doc, now, st); err != nil {
			return fmt.Errorf("vex add: %s: %w", *document, err)
		}
		if output == "" {
			output = *document
		}
	}
	return writeOutput(output, env.Stdout, func(w io.Writer) error { return vex.Write(w, doc) })
}

func runVexMerge(env *Env, args []string) error {
	fs := newFlagSet("vex merge", "hallmark vex merge [--author A] [--output FILE] FILE...", vexAbout, vexExamples)
	author := fs.String("author", "", "the merged document's `author` (default: the documents' authors)")
	output := fs.String("output", "", "write to `file` instead of stdout")
	fs.StringVar(output, "o", "", "shorthand for --output")
	files, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageErrorf("vex merge: no FILE given (OpenVEX documents)")
	}
	var docs []*vex.Document
	for _, name := range files {
		d, err := vex.ReadOpenVEX(name)
		if err != nil {
			return fmt.Errorf("vex merge: %w", err)
		}
		docs = append(docs, d)
	}
	now, err := sourceDate(env)
	if err != nil {
		return err
	}
	doc := vex.Merge(docs, *author, now)
	if len(doc.Statements) == 0 {
		return errors.New("vex merge: the documents have no statements")
	}
	return writeOutput(*output, env.Stdout, func(w io.Writer) error { return vex.Write(w, doc) })
}

// sourceDate is SOURCE_DATE_EPOCH (Unix seconds or RFC 3339) when set, else the time now.
func sourceDate(env *Env) (time.Time, error) {
	s := strings.TrimSpace(env.Getenv("SOURCE_DATE_EPOCH"))
	if s == "" {
		return time.Now().UTC().Truncate(time.Second), nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usageErrorf("SOURCE_DATE_EPOCH=%q: want Unix seconds or an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

// applyVEX applies the VEX documents files (OpenVEX, CycloneDX VEX or CSAF VEX) to the
// findings of res: each finding gets the latest statement on its vulnerability and package.
// Findings are never removed; not_affected and fixed ones no longer count for --fail-on.
func applyVEX(ctx context.Context, res *report.Result, files []string) error {
	if len(files) == 0 {
		return nil
	}
	var set vex.Set
	for _, name := range files {
		st, err := vex.ReadFile(ctx, name)
		if err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				return fmt.Errorf("--vex %s does not exist", name)
			}
			return fmt.Errorf("--vex: %w", err)
		}
		set.Add(st...)
	}
	vex.Apply(res, &set)
	return nil
}
