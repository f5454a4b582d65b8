package triage

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/package-url/packageurl-go"
)

// pkgRef is a package URL reduced to what analyses compare: the package (type, namespace and
// name, normalised) and the version.
type pkgRef struct {
	pkg, version string
	purl         string // pkg with the version, if any
}

// parsePurl reduces a purl to its package and version; qualifiers and subpath are dropped.
func parsePurl(s string) (pkgRef, error) {
	p, err := packageurl.FromString(s)
	if err != nil {
		return pkgRef{}, invalid("purl %q: %v", s, err)
	}
	if p.Type == "" || p.Name == "" {
		return pkgRef{}, invalid("purl %q: want pkg:TYPE/NAME", s)
	}
	typ := strings.ToLower(p.Type)
	ns, name := normName(typ, p.Namespace), normName(typ, p.Name)
	return pkgRef{
		pkg:     packageurl.NewPackageURL(typ, ns, name, "", nil, "").ToString(),
		version: p.Version,
		purl:    packageurl.NewPackageURL(typ, ns, name, p.Version, nil, "").ToString(),
	}, nil
}

// covers reports whether an analysis of r applies to a component of c: the same package, and
// the same version unless r has none.
func (r pkgRef) covers(c pkgRef) bool {
	return r.pkg == c.pkg && (r.version == "" || r.version == c.version)
}

// normName applies the purl specification's per-type normalisation of names that writers do
// not always apply: PyPI names are case-insensitive with '_' and '.' meaning '-'; GitHub,
// Bitbucket and Debian-family names are lower case.
func normName(typ, s string) string {
	switch typ {
	case "pypi":
		return strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(s))
	case "github", "bitbucket", "deb", "apk", "composer", "hex":
		return strings.ToLower(s)
	}
	return s
}

// names returns id and aliases in lower case, without empty or repeated ones.
func names(id string, aliases []string) []string {
	out := make([]string, 0, 1+len(aliases))
	for _, n := range append([]string{id}, aliases...) {
		n = strings.ToLower(strings.TrimSpace(n))
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// shareName reports whether two lists of lower-case names share one.
func shareName(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// jsonList decodes a JSON array of strings; anything else is an empty list.
func jsonList(s string) []string {
	var out []string
	if json.Unmarshal([]byte(s), &out) != nil {
		return nil
	}
	return out
}

// jsonText encodes a list of strings as a JSON array ("[]" for none).
func jsonText(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list)
	return string(b)
}
