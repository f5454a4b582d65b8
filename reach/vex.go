package reach

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/report"
)

// OpenVEX values of the statements Statements makes (OpenVEX 0.2.0, "Status Justifications").
const (
	StatusNotAffected             = "not_affected"
	JustificationNotInExecutePath = "vulnerable_code_not_in_execute_path"
)

// Statement is the content of one OpenVEX statement on an unreachable finding, for
// 'hallmark vex generate' to write with the OpenVEX library: vulnerability.name is
// Vulnerability (with Aliases as vulnerability.aliases), products[].@id is Product, status is
// not_affected with the justification vulnerable_code_not_in_execute_path, and
// impact_statement names the vulnerable symbols the program does not reach.
type Statement struct {
	// Vulnerability is the finding's ID; Aliases its other advisories and aliases.
	Vulnerability string
	Aliases       []string
	// Product is the affected package's purl (pkg:golang/module@version). A caller that
	// knows the scanned program's own purl may make that the product and this a
	// subcomponent.
	Product         string
	Status          string // always StatusNotAffected
	Justification   string // always JustificationNotInExecutePath
	ImpactStatement string
}

// Statements returns a statement for each finding of res marked unreachable by Apply, one per
// vulnerability and product, ordered by vulnerability and product. Reachable, unknown and
// unanalysed findings give none: absence of evidence is not stated as not_affected. Since a
// statement names the package, not where it was found, a vulnerability and package found
// unreachable in one module but reachable or undecided in another (or in a binary) give none
// either: the statement would make those findings not_affected too.
func Statements(res *report.Result) []Statement {
	var out []Statement
	seen := map[[2]string]bool{}
	for _, f := range res.Findings {
		if r := f.Reachability; f.Package.PURL != "" && (r == nil || r.Status != report.Unreachable) {
			seen[[2]string{f.ID, f.Package.PURL}] = true // not to be stated
		}
	}
	for _, f := range res.Findings {
		r := f.Reachability
		if r == nil || r.Status != report.Unreachable || f.Package.PURL == "" {
			continue
		}
		key := [2]string{f.ID, f.Package.PURL}
		if seen[key] {
			continue
		}
		seen[key] = true
		var aliases []string
		for _, a := range append(slices.Clone(f.Advisories), f.Aliases...) {
			if a != f.ID {
				aliases = append(aliases, a)
			}
		}
		slices.Sort(aliases)
		out = append(out, Statement{
			Vulnerability:   f.ID,
			Aliases:         slices.Compact(aliases),
			Product:         f.Package.PURL,
			Status:          StatusNotAffected,
			Justification:   JustificationNotInExecutePath,
			ImpactStatement: impact(f.Package.Name, r),
		})
	}
	slices.SortFunc(out, func(a, b Statement) int {
		return cmp.Or(strings.Compare(a.Vulnerability, b.Vulnerability), strings.Compare(a.Product, b.Product))
	})
	return out
}

// impact words the impact statement: which symbols are not reached, and why.
func impact(module string, r *report.Reachability) string {
	what := "the vulnerable code of " + module + " is"
	if len(r.Symbols) > 0 {
		what = "the vulnerable symbols " + strings.Join(r.Symbols, ", ") + " are"
	}
	s := fmt.Sprintf("Govulncheck's analysis finds that %s not reachable from the program", what)
	if r.Reason != "" {
		s += " (" + r.Reason + ")"
	}
	return s + "."
}
