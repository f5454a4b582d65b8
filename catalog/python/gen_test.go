package python

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestGenerate prints expectation literals for a testdata file (HALLMARK_GEN=cataloger:root:rel).
func TestGenerate(t *testing.T) {
	spec := os.Getenv("HALLMARK_GEN")
	if spec == "" {
		t.Skip("HALLMARK_GEN not set")
	}
	parts := strings.SplitN(spec, ":", 3)
	for _, c := range Catalogers() {
		if c.Name() != parts[0] {
			continue
		}
		rs, _, err := run(t, c, parts[1], parts[2])
		var b strings.Builder
		for _, r := range rs {
			b.WriteString(lit(r))
		}
		fmt.Fprintf(os.Stderr, "%s// err: %v\n", b.String(), err)
	}
}

func lit(r row) string {
	var f []string
	add := func(k string, v any, zero bool) {
		if !zero {
			f = append(f, fmt.Sprintf("%s: %#v", k, v))
		}
	}
	add("ID", r.ID, r.ID == "")
	add("Name", r.Name, r.Name == "")
	add("Version", r.Version, r.Version == "")
	add("Constraint", r.Constraint, r.Constraint == "")
	add("Unresolved", r.Unresolved, !r.Unresolved)
	add("PURL", r.PURL, r.PURL == "")
	add("Type", r.Type, r.Type == "")
	add("Scope", r.Scope, r.Scope == "")
	add("Relation", r.Relation, r.Relation == "")
	add("Loc", r.Loc, r.Loc == "")
	add("Hashes", r.Hashes, r.Hashes == 0)
	add("DependsOn", r.DependsOn, len(r.DependsOn) == 0)
	add("VCS", r.VCS, r.VCS == "")
	add("DownloadURL", r.DownloadURL, r.DownloadURL == "")
	add("Props", r.Props, r.Props == "")
	s := "{" + strings.Join(f, ", ") + "},\n"
	s = strings.ReplaceAll(s, "[]string{", "[]string{")
	s = strings.ReplaceAll(s, `"runtime"`, "sbom.ScopeRuntime")
	s = strings.ReplaceAll(s, `"dev"`, "sbom.ScopeDev")
	s = strings.ReplaceAll(s, `"optional"`, "sbom.ScopeOptional")
	s = strings.ReplaceAll(s, `"test"`, "sbom.ScopeTest")
	s = strings.ReplaceAll(s, `Relation: "direct"`, "Relation: sbom.RelationDirect")
	s = strings.ReplaceAll(s, `Relation: "transitive"`, "Relation: sbom.RelationTransitive")
	s = strings.ReplaceAll(s, `Type: "application"`, "Type: sbom.TypeApplication")
	return s
}
