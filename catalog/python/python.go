// Package python catalogs Python (PyPI) packages: requirements files, poetry.lock, Pipfile.lock,
// uv.lock, pdm.lock and installed distributions (*.dist-info/METADATA, *.egg-info/PKG-INFO).
//
// Names are normalised as PEP 503 says (https://peps.python.org/pep-0503/#normalized-names):
// lower-case, with every run of "-", "_" and "." replaced by one "-". Both Package.Name and the
// purl use the normalised name, so that pkg:pypi/<name>@<version> follows the purl
// specification's pypi type (https://github.com/package-url/purl-spec, PURL-TYPES) and matches
// OSV advisories for the "PyPI" ecosystem.
//
// A version is reported only when the file pins it exactly (a lock entry, "==" or "===" in a
// requirements file, an installed distribution); anything else is reported with an empty
// Version, the requested Constraint and Unresolved set.
package python

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Catalogers returns the catalogers of this package: "python-requirements", "poetry-lock",
// "pipfile-lock", "uv-lock", "pdm-lock" and "python-installed".
func Catalogers() []catalog.Cataloger {
	return []catalog.Cataloger{
		&RequirementsCataloger{},
		&PoetryLockCataloger{},
		&PipfileLockCataloger{},
		&UVLockCataloger{},
		&PDMLockCataloger{},
		&InstalledCataloger{},
	}
}

// Property keys written by the catalogers of this package.
const (
	propExtras     = "hallmark:pypi:extras"      // requested extras, comma-separated
	propMarkers    = "hallmark:pypi:markers"     // PEP 508 environment markers
	propEditable   = "hallmark:pypi:editable"    // "true" for editable installs
	propPath       = "hallmark:pypi:path"        // local path of a path/directory/file source
	propIndex      = "hallmark:pypi:index"       // package index the lock names
	propConstraint = "hallmark:pypi:constrained" // constraints file and line that pinned the version
	propGroups     = "hallmark:pypi:groups"      // dependency groups, comma-separated
	propContent    = "hallmark:pypi:content-hash"
	propInstaller  = "hallmark:pypi:installer"
)

// Normalize returns the PEP 503 normalised form of a distribution name.
func Normalize(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			sep = true
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteByte(c)
	}
	return b.String()
}

// validName reports whether s is a valid distribution name (PEP 508 "identifier").
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if alnum {
			continue
		}
		if (c == '-' || c == '_' || c == '.') && i > 0 && i < len(s)-1 {
			continue
		}
		return false
	}
	return true
}

// purl returns pkg:pypi/<normalised name>@<version> with optional qualifiers.
func purl(name, version string, qualifiers ...string) string {
	return sbom.PURL("pypi", "", Normalize(name), version, qualifiers...)
}

// newPackage returns a PyPI library package with name, version, purl and location set.
func newPackage(foundBy, name, version, path string, line int) *sbom.Package {
	n := Normalize(name)
	p := &sbom.Package{
		Type:      sbom.TypeLibrary,
		Name:      n,
		Version:   version,
		Ecosystem: sbom.EcosystemPyPI,
		PURL:      purl(n, version),
		FoundBy:   foundBy,
		Locations: []sbom.Location{{Path: path, Line: line}},
	}
	return p
}

// hashAlgorithms maps hashlib names, as pip, poetry, uv and pdm write them, to CycloneDX names.
var hashAlgorithms = map[string]string{
	"md5":      "MD5",
	"sha1":     "SHA-1",
	"sha224":   "SHA-224",
	"sha256":   "SHA-256",
	"sha384":   "SHA-384",
	"sha512":   "SHA-512",
	"sha3_256": "SHA3-256",
	"sha3_384": "SHA3-384",
	"sha3_512": "SHA3-512",
	"blake2b":  "BLAKE2b-512",
}

// parseHash converts "sha256:<hex>" to a Hash. ok is false for an unknown algorithm or a value
// that is not hexadecimal.
func parseHash(s string) (sbom.Hash, bool) {
	alg, val, found := strings.Cut(strings.TrimSpace(s), ":")
	if !found {
		alg, val, found = strings.Cut(strings.TrimSpace(s), "=")
	}
	if !found {
		return sbom.Hash{}, false
	}
	name, ok := hashAlgorithms[strings.ToLower(alg)]
	if !ok || val == "" || len(val)%2 != 0 {
		return sbom.Hash{}, false
	}
	for i := 0; i < len(val); i++ {
		c := val[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return sbom.Hash{}, false
		}
	}
	return sbom.Hash{Algorithm: name, Value: strings.ToLower(val)}, true
}

// addHash appends h to p unless it is already there.
func addHash(p *sbom.Package, s string) {
	h, ok := parseHash(s)
	if !ok {
		return
	}
	for _, e := range p.Hashes {
		if e == h {
			return
		}
	}
	p.Hashes = append(p.Hashes, h)
}

// decodeTOML parses data after checking that its nesting of arrays and inline tables stays
// within catalog.MaxDepth (the TOML parser recurses on nesting). Syntax errors become
// *catalog.ParseError with the line the parser reports.
func decodeTOML(path string, data []byte, what string) (map[string]any, error) {
	if line, ok := tomlDepthOK(data); !ok {
		return nil, &catalog.ParseError{Path: path, Line: line,
			Err: fmt.Errorf("%w: arrays, inline tables or dotted keys nested deeper than %d", catalog.ErrTooLarge, catalog.MaxDepth)}
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, catalog.Errorf(path, pe.Position.Line, "not a valid %s: %s", what, pe.Message)
		}
		return nil, catalog.Errorf(path, 0, "not a valid %s: %v", what, err)
	}
	return doc, nil
}

// tomlDepthOK scans TOML text for the nesting of "[" and "{" and for the parts of dotted keys
// ("a.b.c = 1", "[a.b.c]"), outside strings and comments, and reports false, with the line,
// when either exceeds catalog.MaxDepth: the parser and decoder recurse on both.
func tomlDepthOK(data []byte) (int, bool) {
	depth, line := 0, 1
	inKey, keyDots := true, 0
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n', ',':
			if c == '\n' {
				line++
			}
			inKey, keyDots = true, 0
		case '=':
			inKey = false
		case '.':
			if inKey {
				if keyDots++; keyDots > catalog.MaxDepth {
					return line, false
				}
			}
		case '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			i-- // let the newline be counted
		case '"', '\'':
			q := []byte{c}
			if bytes.HasPrefix(data[i:], []byte{c, c, c}) {
				q = []byte{c, c, c}
			}
			j := i + len(q)
			for j < len(data) {
				if c == '"' && data[j] == '\\' {
					j += 2
					continue
				}
				if bytes.HasPrefix(data[j:], q) {
					break
				}
				if data[j] == '\n' {
					line++
					if len(q) == 1 { // unterminated basic string; the parser reports it
						break
					}
				}
				j++
			}
			i = j + len(q) - 1
		case '[', '{':
			if c == '{' {
				inKey, keyDots = true, 0
			}
			depth++
			if depth > catalog.MaxDepth {
				return line, false
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return 0, true
}

// headerLines returns the 1-based lines of every "[[name]]" array-of-tables header in data, in
// order. Callers use them as package locations only when their count matches the decoded
// array, since a header inside a multi-line string would shift them.
func headerLines(data []byte, name string) []int {
	var lines []int
	want := "[[" + name + "]]"
	line := 0
	for len(data) > 0 {
		line++
		var l []byte
		l, data, _ = bytes.Cut(data, []byte{'\n'})
		l = bytes.TrimSpace(l)
		if len(l) < len(want) || l[0] != '[' {
			continue
		}
		if c, _, _ := bytes.Cut(l, []byte{'#'}); string(bytes.ReplaceAll(bytes.TrimSpace(c), []byte(" "), nil)) == want {
			lines = append(lines, line)
		}
	}
	return lines
}

// Helpers over decoded TOML/JSON values; each returns the zero value for another type.

func str(v any) string {
	s, _ := v.(string)
	return s
}

func table(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func tables(v any) []map[string]any {
	switch a := v.(type) {
	case []map[string]any:
		return a
	case []any:
		out := make([]map[string]any, 0, len(a))
		for _, e := range a {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

func strs(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, e := range a {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func boolean(v any) bool {
	b, _ := v.(bool)
	return b
}

// scopeForGroups maps dependency-group names to a scope: a main/default group means runtime,
// only test groups mean test, any other groups mean dev.
func scopeForGroups(groups []string, mainNames ...string) sbom.Scope {
	if len(groups) == 0 {
		return sbom.ScopeUnknown
	}
	test := true
	for _, g := range groups {
		for _, m := range mainNames {
			if g == m {
				return sbom.ScopeRuntime
			}
		}
		if !strings.Contains(strings.ToLower(g), "test") {
			test = false
		}
	}
	if test {
		return sbom.ScopeTest
	}
	return sbom.ScopeDev
}

// tooMany is the error for a file declaring more than catalog.MaxPackages packages.
func tooMany(path string) error {
	return fmt.Errorf("%s: %w (more than %d packages)", path, catalog.ErrTooLarge, catalog.MaxPackages)
}

func sortStrings(s []string) { slices.Sort(s) }

// maxEdges bounds the dependency edges one file may make the catalogers of this package try.
// Edges are found by name, and a hostile file can make that quadratic (n packages of one
// name, each depending on that name). It is a variable so that tests can lower it.
var maxEdges = 4 * catalog.MaxPackages

// graph adds the dependency edges of one result: each edge once, and at most maxEdges
// attempts in all, after which it fails with catalog.ErrTooLarge.
type graph struct {
	path  string
	seen  map[[2]string]bool
	tries int
	err   error
}

func newGraph(path string) *graph { return &graph{path: path, seen: map[[2]string]bool{}} }

// spend counts n attempts, for work done to find edges; it reports false once the limit is
// reached.
func (g *graph) spend(n int) bool {
	if g.tries += n; g.tries > maxEdges {
		if g.err == nil {
			g.err = fmt.Errorf("%s: %w (more than %d dependency edges)", g.path, catalog.ErrTooLarge, maxEdges)
		}
		return false
	}
	return true
}

// link makes p depend on id unless that is p itself or already recorded. It reports false
// once the limit is reached.
func (g *graph) link(p *sbom.Package, id string) bool {
	if !g.spend(1) {
		return false
	}
	e := [2]string{p.ID, id}
	if id == p.ID || g.seen[e] {
		return true
	}
	g.seen[e] = true
	p.DependsOn = append(p.DependsOn, id)
	return true
}
