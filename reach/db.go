package reach

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/osv"
)

// goImports is the Go database's affected[].ecosystem_specific
// (https://go.dev/doc/security/vuln/database#schema): the vulnerable packages of the module
// and, in each, the vulnerable symbols; no symbols means every symbol of the package.
type goImports struct {
	Imports []struct {
		Path    string   `json:"path"`
		Symbols []string `json:"symbols"`
	} `json:"imports"`
}

// symbols returns the vulnerable symbols an advisory names for the Go module path, as
// "pkg/path.Symbol" ("pkg/path" alone for a whole package), and whether it names any package:
// an advisory without imports says nothing a call graph could check.
func symbols(v *osv.Vulnerability, module string) ([]string, bool) {
	var out []string
	named := false
	for _, a := range v.Affected {
		if a.Package.Ecosystem != "Go" || a.Package.Name != module || len(a.EcosystemSpecific) == 0 {
			continue
		}
		var es goImports
		if json.Unmarshal(a.EcosystemSpecific, &es) != nil {
			continue
		}
		for _, imp := range es.Imports {
			if imp.Path == "" {
				continue
			}
			named = true
			if len(imp.Symbols) == 0 {
				out = append(out, imp.Path)
			}
			for _, s := range imp.Symbols {
				out = append(out, imp.Path+"."+s)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), named
}

// writeDB writes advisories in the layout of a Go vulnerability database
// (https://go.dev/doc/security/vuln/database#api, the file form govulncheck's -db file:///
// reads): index/db.json, index/modules.json and ID/<id>.json. Only the advisories' Go
// entries matter to govulncheck; the documents are written whole.
func writeDB(dir string, advisories []*osv.Vulnerability) error {
	type moduleVuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		// Fixed is left out: govulncheck then reads every advisory of the module and
		// decides from its ranges.
	}
	type module struct {
		Path  string       `json:"path"`
		Vulns []moduleVuln `json:"vulns"`
	}
	var modified time.Time
	byPath := map[string]*module{}
	for _, v := range advisories {
		if !validID(v.ID) {
			return fmt.Errorf("advisory ID %q cannot be a file name", v.ID)
		}
		if v.Modified.After(modified) {
			modified = v.Modified.Time
		}
		seen := map[string]bool{}
		for _, a := range v.Affected {
			if a.Package.Ecosystem != "Go" || seen[a.Package.Name] {
				continue
			}
			seen[a.Package.Name] = true
			m := byPath[a.Package.Name]
			if m == nil {
				m = &module{Path: a.Package.Name}
				byPath[a.Package.Name] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: v.ID, Modified: v.Modified.Time})
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("advisory %s: %w", v.ID, err)
		}
		if err := writeFile(filepath.Join(dir, "ID", v.ID+".json"), b); err != nil {
			return err
		}
	}
	modules := make([]*module, 0, len(byPath))
	for _, m := range byPath {
		modules = append(modules, m)
	}
	slices.SortFunc(modules, func(a, b *module) int { return strings.Compare(a.Path, b.Path) })
	b, err := json.Marshal(modules)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "index", "modules.json"), b); err != nil {
		return err
	}
	b, err = json.Marshal(struct {
		Modified time.Time `json:"modified"`
	}{modified.UTC()})
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "index", "db.json"), b)
}

// validID reports whether id is safe as a file name.
func validID(id string) bool {
	return id != "" && id != "." && id != ".." && !strings.ContainsAny(id, `/\:`) && !bytes.ContainsRune([]byte(id), 0)
}

func writeFile(name string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, b, 0o644)
}
