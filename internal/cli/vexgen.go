package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/hallmark-dev/hallmark/reach"
	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/vex"
)

const vexGenerateAbout = `
Write OpenVEX statements for the findings a reachability analysis found unreachable: read a
scan result made with 'hallmark scan --reachability --format json' and state, for each
unreachable finding, that its package is not_affected with the justification
vulnerable_code_not_in_execute_path and an impact statement naming the vulnerable symbols
that are not reached. Reachable and undecided findings give no statement: absence of evidence
is not stated as not_affected.`

const vexGenerateExamples = `  hallmark scan --reachability --format json -o result.json .
  hallmark vex generate --author "Example PSIRT" -o app.openvex.json result.json`

func runVexGenerate(env *Env, args []string) error {
	fs := newFlagSet("vex generate", "hallmark vex generate [--author A] [--output FILE] RESULT.json", vexGenerateAbout, vexGenerateExamples)
	author := fs.String("author", "", "the document's `author` (default \"Unknown Author\")")
	output := fs.String("output", "", "write to `file` instead of stdout")
	fs.StringVar(output, "o", "", "shorthand for --output")
	rest, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageErrorf("vex generate: name one scan result (JSON from 'hallmark scan --reachability --format json')")
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return err
	}
	res, err := report.ReadJSON(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("vex generate: %s: %w", rest[0], err)
	}
	analysed := false
	for _, fd := range res.Findings {
		if fd.Reachability != nil {
			analysed = true
			break
		}
	}
	if !analysed {
		return fmt.Errorf("vex generate: %s has no reachability analysis: make it with 'hallmark scan --reachability --format json'", rest[0])
	}
	now, err := sourceDate(env)
	if err != nil {
		return err
	}
	stmts := reach.Statements(res)
	if len(stmts) == 0 {
		return fmt.Errorf("vex generate: no finding of %s is unreachable: there is nothing to state", rest[0])
	}
	var doc *vex.Document
	for _, s := range stmts {
		st, err := vex.NewStatement(vex.StatementOptions{
			Products: []string{s.Product}, Vulnerability: s.Vulnerability, Status: s.Status,
			Justification: s.Justification, ImpactStatement: s.ImpactStatement,
		}, now)
		if err != nil {
			return fmt.Errorf("vex generate: %s: %w", s.Vulnerability, err)
		}
		st.Vulnerability.Aliases = s.Aliases
		if doc == nil {
			doc = vex.Create(*author, now, st)
			continue
		}
		doc.Statements = append(doc.Statements, st)
	}
	return writeOutput(*output, env.Stdout, func(w io.Writer) error { return vex.Write(w, doc) })
}
