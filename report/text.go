package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// group is the findings of one package, in result order.
type group struct {
	pkg      Package
	findings []*Finding
}

// activeFindings returns the findings that Result.Active returns, pointing into the result
// rather than copying them.
func activeFindings(r *Result) []*Finding {
	var out []*Finding
	for i := range r.Findings {
		if f := &r.Findings[i]; f.Ignored == nil && !f.Suppressed() {
			out = append(out, f)
		}
	}
	return out
}

func byPackage(fs []*Finding) []group {
	var out []group
	index := map[string]int{}
	for _, f := range fs {
		k := f.Package.Ref + "\x00" + f.Package.PURL + "\x00" + f.Package.Name + "\x00" + f.Package.Version
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, group{pkg: f.Package})
		}
		out[i].findings = append(out[i].findings, f)
	}
	return out
}

func where(f *Finding) string {
	var parts []string
	if len(f.Locations) > 0 {
		parts = append(parts, f.Locations[0].String())
	}
	switch {
	case f.Relation == "direct":
		parts = append(parts, "direct")
	case len(f.Via) > 0:
		parts = append(parts, "via "+strings.Join(f.Via, ", "))
	case f.Relation != "":
		parts = append(parts, f.Relation)
	}
	if f.Scope != "" && f.Scope != "runtime" {
		parts = append(parts, f.Scope)
	}
	return strings.Join(parts, ", ")
}

func score(s Severity) string {
	if s.Score == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f", s.Score)
}

// WriteTable writes a human-readable table grouped by package: severity, advisory, aliases,
// fixed versions, and where the package comes from.
func WriteTable(w io.Writer, r *Result) error {
	active := activeFindings(r)
	groups := byPackage(active)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, g := range groups {
		f0 := g.findings[0]
		fix := "no fix available"
		if f0.Advice != "" {
			fix = "upgrade to " + f0.Advice
		}
		fmt.Fprintf(tw, "%s %s (%s)\t%s\t%s\n", g.pkg.Name, g.pkg.Version, g.pkg.Ecosystem, where(f0), fix)
		for _, f := range g.findings {
			aliases := strings.Join(f.Aliases, " ")
			fixed := "-"
			if len(f.FixedVersions) > 0 {
				fixed = strings.Join(f.FixedVersions, ", ")
			}
			fmt.Fprintf(tw, "  %s %s\t%s %s\tfixed in %s\t%s%s\n", strings.ToUpper(f.Severity.Level), score(f.Severity), f.ID, aliases, fixed, reachNote(f), truncate(f.Summary, 70))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeSummary(w, r, len(groups), active)
}

func writeSummary(w io.Writer, r *Result, pkgs int, activeFs []*Finding) error {
	active := len(activeFs)
	counts := map[string]int{}
	for _, f := range activeFs {
		counts[f.Severity.Level]++
	}
	var parts []string
	for i := len(Levels) - 1; i >= 0; i-- {
		if n := counts[Levels[i]]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, Levels[i]))
		}
	}
	if active == 0 {
		fmt.Fprintf(w, "No known vulnerabilities found")
	} else {
		fmt.Fprintf(w, "\n%d finding(s) in %d package(s): %s", active, pkgs, strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, " (%d advisories in the database", r.Database.Advisories)
	if !r.Database.LastUpdate.IsZero() {
		fmt.Fprintf(w, ", updated %s", r.Database.LastUpdate.Format("2006-01-02"))
	}
	fmt.Fprintln(w, ").")
	ignored, suppressed := 0, 0
	for _, f := range r.Findings {
		switch {
		case f.Ignored != nil:
			ignored++
		case f.Suppressed():
			suppressed++
		}
	}
	if ignored > 0 {
		fmt.Fprintf(w, "%d finding(s) ignored by an ignore file.\n", ignored)
	}
	if suppressed > 0 {
		fmt.Fprintf(w, "%d finding(s) not affected or fixed according to VEX statements.\n", suppressed)
	}
	for _, e := range r.ExpiredIgnores {
		fmt.Fprintf(w, "Expired ignore entry: %s (expired %s, %s): it no longer applies.\n", e.ID, e.Expires, e.Source)
	}
	if len(r.Unmatched) > 0 {
		fmt.Fprintf(w, "%d package(s) could not be checked (no exact version); see the JSON output.\n", len(r.Unmatched))
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "The result is partial: %d file(s) could not be read completely.\n", len(r.Errors))
	}
	return nil
}

// reachNote marks a finding with its reachability, when it was analysed.
func reachNote(f *Finding) string {
	r := f.Reachability
	if r == nil {
		return ""
	}
	switch r.Status {
	case Reachable:
		return "[reachable] "
	case Unreachable:
		return "[unreachable: " + r.Reason + "] "
	}
	return ""
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// WriteMarkdown writes the findings as a Markdown report, for pull-request comments.
func WriteMarkdown(w io.Writer, r *Result) error {
	bw := bufio.NewWriter(w)
	writeMarkdown(bw, r)
	return bw.Flush() // the first error writing, if any
}

func writeMarkdown(w io.Writer, r *Result) {
	active := activeFindings(r)
	fmt.Fprintf(w, "## Hallmark scan\n\n")
	if len(active) == 0 {
		fmt.Fprintf(w, "No known vulnerabilities found in %s.\n", targetNames(r))
	} else {
		fmt.Fprintf(w, "%d finding(s) in %s.\n\n", len(active), targetNames(r))
		fmt.Fprintf(w, "| severity | package | advisory | fixed in | where |\n|---|---|---|---|---|\n")
		for _, f := range active {
			ids := "[" + f.ID + "](" + f.URL + ")"
			if len(f.Aliases) > 0 {
				ids += " (" + strings.Join(f.Aliases, ", ") + ")"
			}
			fixed := "no fix"
			if len(f.FixedVersions) > 0 {
				fixed = strings.Join(f.FixedVersions, ", ")
			}
			fmt.Fprintf(w, "| %s %s | `%s@%s` (%s) | %s | %s | %s |\n", f.Severity.Level, score(f.Severity),
				md(f.Package.Name), md(f.Package.Version), f.Package.Ecosystem, ids, md(fixed), md(strings.TrimSpace(reachNote(f)+" "+where(f))))
		}
	}
	if n := len(r.Findings) - len(active); n > 0 {
		fmt.Fprintf(w, "\n%d finding(s) ignored or not affected:\n\n", n)
		for i := range r.Findings {
			switch f := &r.Findings[i]; {
			case f.Ignored != nil:
				fmt.Fprintf(w, "- %s in `%s@%s`: ignored: %s (until %s)\n", f.ID, md(f.Package.Name), md(f.Package.Version), md(f.Ignored.Reason), f.Ignored.Expires)
			case f.Suppressed():
				why := f.VEX.Justification
				if f.VEX.ImpactStatement != "" {
					why = f.VEX.ImpactStatement
				}
				fmt.Fprintf(w, "- %s in `%s@%s`: %s per VEX (%s): %s\n", f.ID, md(f.Package.Name), md(f.Package.Version), f.VEX.Status, md(f.VEX.Document), md(why))
			}
		}
	}
	for _, e := range r.ExpiredIgnores {
		fmt.Fprintf(w, "\n> Expired ignore entry %s (expired %s): it no longer applies.\n", e.ID, e.Expires)
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "\n> The result is partial: %d file(s) could not be read completely.\n", len(r.Errors))
	}
}

func targetNames(r *Result) string {
	var names []string
	for _, t := range r.Targets {
		names = append(names, "`"+md(t.Name)+"`")
	}
	if len(names) == 0 {
		return "the targets"
	}
	return strings.Join(names, ", ")
}

// md escapes the characters that would break a Markdown table cell.
func md(s string) string {
	return mdEscaper.Replace(s)
}

// mdEscaper is md's replacer, built once: a strings.Replacer builds its tables on first use,
// which for the SARIF rules of a large scan was megabytes per chunk.
var mdEscaper = strings.NewReplacer("|", "\\|", "\n", " ", "`", "'")
