package npm

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// splitScope splits "@scope/name" into the purl namespace "@scope" and the name.
func splitScope(name string) (namespace, base string) {
	if strings.HasPrefix(name, "@") {
		if i := strings.IndexByte(name, '/'); i > 0 {
			return name[:i], name[i+1:]
		}
	}
	return "", name
}

// purlFor returns the npm purl of a package.
func purlFor(name, version string) string {
	ns, base := splitScope(name)
	return sbom.PURL("npm", ns, base, version)
}

// splitNameAt splits "name@rest" or "@scope/name@rest" at the '@' that ends the name. ok is
// false when there is no such '@'.
func splitNameAt(s string) (name, rest string, ok bool) {
	start := 0
	if strings.HasPrefix(s, "@") {
		start = 1
	}
	i := strings.IndexByte(s[start:], '@')
	if i < 0 {
		return s, "", false
	}
	return s[:start+i], s[start+i+1:], true
}

// validName reports whether name could be an npm package name: not empty, at most one scope,
// no spaces or control characters. It is deliberately lenient (legacy names have capitals).
func validName(name string) bool {
	if name == "" || len(name) > 214*2 {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	if strings.HasPrefix(name, "@") {
		ns, base := splitScope(name)
		return len(ns) > 1 && base != "" && !strings.Contains(base, "/")
	}
	return !strings.Contains(name, "/")
}

// sriAlgorithms maps Subresource Integrity algorithm names to CycloneDX names and digest sizes.
var sriAlgorithms = map[string]struct {
	name string
	size int
}{
	"sha1":   {"SHA-1", 20},
	"sha256": {"SHA-256", 32},
	"sha384": {"SHA-384", 48},
	"sha512": {"SHA-512", 64},
}

// sriHashes converts a Subresource Integrity value ("sha512-<base64> sha1-<base64>", see
// https://w3c.github.io/webappsec-subresource-integrity/) to hex hashes. Entries that are not
// valid are left out.
func sriHashes(integrity string) []sbom.Hash {
	var out []sbom.Hash
	for _, f := range strings.Fields(integrity) {
		alg, b64, ok := strings.Cut(f, "-")
		if !ok {
			continue
		}
		a, ok := sriAlgorithms[strings.ToLower(alg)]
		if !ok {
			continue
		}
		if i := strings.IndexByte(b64, '?'); i >= 0 { // SRI options
			b64 = b64[:i]
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) != a.size {
			continue
		}
		out = append(out, sbom.Hash{Algorithm: a.name, Value: hex.EncodeToString(raw)})
	}
	return out
}

// addHash appends h to p's hashes unless it is already there.
func addHash(p *sbom.Package, hs ...sbom.Hash) {
	for _, h := range hs {
		dup := false
		for _, o := range p.Hashes {
			if o == h {
				dup = true
				break
			}
		}
		if !dup {
			p.Hashes = append(p.Hashes, h)
		}
	}
}

var hexSHA1 = regexp.MustCompile(`^[0-9a-f]{40}$`)

// isGitSpec reports whether a dependency specifier or resolution names a git repository.
func isGitSpec(s string) bool {
	for _, p := range []string{"git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "gist:"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// isTarballURL reports whether s is an http(s) URL.
func isTarballURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// gitVCS turns a git resolution ("git+https://host/repo.git#<sha>", "github:owner/repo#<sha>",
// Berry's "…#commit=<sha>") into a VCS record.
func gitVCS(s string) *sbom.VCS {
	u, frag, _ := strings.Cut(s, "#")
	u = strings.TrimPrefix(u, "git+")
	if rest, ok := strings.CutPrefix(u, "github:"); ok {
		u = "https://github.com/" + rest
	} else if rest, ok := strings.CutPrefix(u, "gitlab:"); ok {
		u = "https://gitlab.com/" + rest
	} else if rest, ok := strings.CutPrefix(u, "bitbucket:"); ok {
		u = "https://bitbucket.org/" + rest
	}
	v := &sbom.VCS{Type: "git", URL: u}
	for _, part := range strings.Split(frag, "&") {
		k, val, ok := strings.Cut(part, "=")
		switch {
		case !ok && len(part) >= 7 && len(part) <= 40 && isHex(part):
			v.Revision = part // a full or abbreviated commit
		case !ok && part != "":
			v.Ref = part
		case k == "commit":
			v.Revision = val
		case k == "head" || k == "tag" || k == "semver":
			v.Ref = val
		}
	}
	return v
}

// codeloadVCS recognises GitHub's archive URLs (https://codeload.github.com/o/r/tar.gz/<sha>),
// which Yarn and pnpm record for github: dependencies.
func codeloadVCS(u string) *sbom.VCS {
	rest, ok := strings.CutPrefix(u, "https://codeload.github.com/")
	if !ok {
		return nil
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[2] != "tar.gz" {
		return nil
	}
	return &sbom.VCS{Type: "git", URL: "https://github.com/" + parts[0] + "/" + parts[1], Revision: parts[3]}
}

// setResolved records where a package came from: a download URL, a VCS, or a local path.
func setResolved(p *sbom.Package, resolved string) {
	switch {
	case resolved == "":
	case isGitSpec(resolved):
		p.VCS = gitVCS(resolved)
		p.SetProperty(propSource, "git")
	case isTarballURL(resolved):
		u, frag, _ := strings.Cut(resolved, "#")
		p.DownloadURL = u
		if v := codeloadVCS(u); v != nil {
			p.VCS = v
			p.SetProperty(propSource, "git")
		} else if !strings.Contains(u, "/-/") {
			p.SetProperty(propSource, "tarball")
		}
		if hexSHA1.MatchString(frag) { // Yarn classic: sha1 of the tarball
			addHash(p, sbom.Hash{Algorithm: "SHA-1", Value: frag})
		}
	case strings.HasPrefix(resolved, "file:") || strings.HasPrefix(resolved, "link:"):
		p.SetProperty(propResolved, resolved)
		if strings.HasSuffix(resolved, ".tgz") || strings.HasSuffix(resolved, ".tar.gz") {
			p.SetProperty(propSource, "tarball")
		} else if strings.HasPrefix(resolved, "link:") {
			p.SetProperty(propSource, "link")
		} else {
			p.SetProperty(propSource, "directory")
		}
	default:
		p.SetProperty(propResolved, resolved)
	}
}

// manifest is the part of a package.json (https://docs.npmjs.com/cli/v10/configuring-npm/package-json)
// that tells which dependencies a project declares.
type manifest struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	Workspaces           json.RawMessage   `json:"workspaces"`
}

// workspacePatterns returns the workspace globs of a manifest: an array, or Yarn's
// {"packages": [...]} form.
func (m *manifest) workspacePatterns() []string {
	if m == nil || len(m.Workspaces) == 0 {
		return nil
	}
	var list []string
	if json.Unmarshal(m.Workspaces, &list) != nil {
		var obj struct {
			Packages []string `json:"packages"`
		}
		if json.Unmarshal(m.Workspaces, &obj) != nil {
			return nil
		}
		list = obj.Packages
	}
	if len(list) > maxWorkspacePatterns {
		list = list[:maxWorkspacePatterns]
	}
	return list
}

// maxWorkspacePatterns bounds the workspace globs read from one manifest.
const maxWorkspacePatterns = 1000

// readManifest reads the package.json in dir (relative to the target root) through fsys. It
// returns nil when there is none or it cannot be read: a lockfile is catalogued without it.
func readManifest(fsys fs.FS, dir string) *manifest {
	if fsys == nil {
		return nil
	}
	name := path.Join(dir, "package.json")
	if !fs.ValidPath(name) {
		return nil
	}
	data, err := catalog.ReadFileFS(fsys, name, catalog.MaxManifestSize)
	if err != nil {
		return nil
	}
	var m manifest
	if json.Unmarshal(data, &m) != nil {
		return nil
	}
	return &m
}

// matchWorkspace reports whether the directory rel (relative to the project root) matches one
// of the workspace patterns.
func matchWorkspace(patterns []string, rel string) bool {
	for _, p := range patterns {
		p = strings.TrimPrefix(strings.TrimSuffix(p, "/"), "./")
		if p == rel {
			return true
		}
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
		if strings.HasSuffix(p, "/**") && strings.HasPrefix(rel, strings.TrimSuffix(p, "**")) {
			return true
		}
	}
	return false
}

// importer is a project of the lockfile (the root or a workspace) with the IDs of the packages
// its declared dependencies resolve to, by kind.
type importer struct {
	pkg                    *sbom.Package
	runtime, dev, optional []string
}

// applyImporters marks the packages the importers declare as direct and the others as
// transitive, and, when deriveScope is set, gives every package the scope through which it is
// first reached: runtime, then optional, then dev (the way npm computes its dev and optional
// flags). Packages no importer reaches keep the scope they have.
func applyImporters(pkgs []*sbom.Package, imps []importer, deriveScope bool) {
	byID := make(map[string]*sbom.Package, len(pkgs))
	for _, p := range pkgs {
		byID[p.ID] = p
	}
	isImporter := map[*sbom.Package]bool{}
	for _, im := range imps {
		isImporter[im.pkg] = true
	}
	direct := map[string]bool{}
	for _, im := range imps {
		for _, list := range [][]string{im.runtime, im.dev, im.optional} {
			for _, id := range list {
				direct[id] = true
			}
		}
	}
	for _, p := range pkgs {
		if isImporter[p] || p.Type == sbom.TypeApplication {
			continue
		}
		if direct[p.ID] {
			p.Relation = sbom.RelationDirect
		} else {
			p.Relation = sbom.RelationTransitive
		}
	}
	if !deriveScope {
		return
	}
	scope := map[string]sbom.Scope{}
	walk := func(roots []string, s sbom.Scope) {
		stack := append([]string(nil), roots...)
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if _, seen := scope[id]; seen {
				continue
			}
			p := byID[id]
			if p == nil || isImporter[p] {
				continue
			}
			scope[id] = s
			stack = append(stack, p.DependsOn...)
		}
	}
	var rt, opt, dev []string
	for _, im := range imps {
		rt = append(rt, im.runtime...)
		opt = append(opt, im.optional...)
		dev = append(dev, im.dev...)
	}
	walk(rt, sbom.ScopeRuntime)
	walk(opt, sbom.ScopeOptional)
	walk(dev, sbom.ScopeDev)
	for _, p := range pkgs {
		if s, ok := scope[p.ID]; ok && !isImporter[p] && p.Type != sbom.TypeApplication {
			p.Scope = s
		}
	}
}

// finish sorts and de-duplicates the edges of every package (builders append them freely:
// checking for duplicates while appending would be quadratic in hostile files), and checks
// that package IDs are unique and not empty: a lockfile that names one key twice (JSON and
// YAML parsers accept duplicate keys) is malformed.
func finish(file string, pkgs []*sbom.Package) ([]*sbom.Package, error) {
	seen := make(map[string]bool, len(pkgs))
	for _, p := range pkgs {
		line := 0
		if len(p.Locations) > 0 {
			line = p.Locations[0].Line
		}
		if p.ID == "" {
			return nil, catalog.Errorf(file, line, "package %s has an empty key", clip(p.Name))
		}
		if seen[p.ID] {
			return nil, catalog.Errorf(file, line, "package key %q appears twice", clip(p.ID))
		}
		seen[p.ID] = true
		slices.Sort(p.DependsOn)
		p.DependsOn = slices.Compact(p.DependsOn)
	}
	return pkgs, nil
}

// lineCounter turns increasing byte offsets into 1-based line numbers in linear total time.
type lineCounter struct {
	data []byte
	off  int
	line int
}

func newLineCounter(data []byte) *lineCounter { return &lineCounter{data: data, line: 1} }

// at returns the line of offset off. Offsets before the last one asked are counted afresh.
func (c *lineCounter) at(off int64) int {
	o := int(off)
	if o > len(c.data) {
		o = len(c.data)
	}
	if o < c.off {
		return catalog.LineOf(c.data, int64(o))
	}
	for i := c.off; i < o; i++ {
		if c.data[i] == '\n' {
			c.line++
		}
	}
	c.off = o
	return c.line
}

// sortedKeys returns the keys of m in sorted order, for deterministic edges.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
