package npm

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// PnpmCataloger reads pnpm-lock.yaml, lockfileVersion 5.x (package keys "/name/1.0.0" with
// "_peer" suffixes), 6.x ("/name@1.0.0(peer@1.0.0)") and 9.0 (a "packages" section for
// metadata and a "snapshots" section for the installed instances, keys "name@1.0.0"), as
// specified at https://github.com/pnpm/spec/tree/master/lockfile. Every importer (the root
// project and its workspaces) becomes an application package; package.json files are read
// only for the importers' names and versions. An importer without a package.json name is
// named by its directory relative to the scanned target ("." or "./packages/lib", see
// importerName).
type PnpmCataloger struct{}

var _ catalog.Cataloger = (*PnpmCataloger)(nil)
var _ catalog.RelatedMatcher = (*PnpmCataloger)(nil)

// Name returns "pnpm-lock".
func (*PnpmCataloger) Name() string { return "pnpm-lock" }

// Match accepts pnpm-lock.yaml.
func (*PnpmCataloger) Match(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "pnpm-lock.yaml"
}

// Related accepts package.json files, read for the importers' names and versions.
func (*PnpmCataloger) Related(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "package.json"
}

type pnpmResolution struct {
	Integrity string `yaml:"integrity"`
	Tarball   string `yaml:"tarball"`
	Directory string `yaml:"directory"`
	Commit    string `yaml:"commit"`
	Repo      string `yaml:"repo"`
	Type      string `yaml:"type"`
}

// pnpmPackage is an entry of "packages" (all versions) or "snapshots" (9.0).
type pnpmPackage struct {
	Resolution           pnpmResolution    `yaml:"resolution"`
	Name                 string            `yaml:"name"`
	Version              string            `yaml:"version"`
	Dependencies         map[string]string `yaml:"dependencies"`
	OptionalDependencies map[string]string `yaml:"optionalDependencies"`
	Dev                  *bool             `yaml:"dev"`
	Optional             bool              `yaml:"optional"`
}

// pnpmImporter is one project of the lockfile.
type pnpmImporter struct {
	dir                          string
	line                         int
	deps, devDeps, optDeps       map[string]string // name -> reference
	depOrder, devOrder, optOrder []string
}

// Catalog parses one pnpm-lock.yaml.
func (c *PnpmCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	top, err := parseYAMLDoc(f.Path, data)
	if err != nil {
		return nil, err
	}
	sections := map[string]*yaml.Node{}
	keyLine := map[string]int{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		sections[top.Content[i].Value] = top.Content[i+1]
		keyLine[top.Content[i].Value] = top.Content[i].Line
	}
	vn := sections["lockfileVersion"]
	if vn == nil || vn.Kind != yaml.ScalarNode {
		return nil, catalog.Errorf(f.Path, 1, "no lockfileVersion: not a pnpm lockfile")
	}
	major, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(vn.Value, "v"), ".", 2)[0])
	if err != nil || major < 5 || major > 9 {
		return nil, catalog.Errorf(f.Path, vn.Line, "lockfileVersion %q is not supported (5.x, 6.x and 9.0 are)", clip(vn.Value))
	}
	lf := &pnpmLock{file: f.Path, major: major, foundBy: c.Name(), fsys: f.FS, dir: path.Dir(f.Path)}
	// Importers: the "importers" section, or the single project at the top level (5.x, 6.x).
	if imps := sections["importers"]; imps != nil {
		if imps.Kind != yaml.MappingNode {
			return nil, catalog.Errorf(f.Path, imps.Line, "importers must be a mapping")
		}
		for i := 0; i+1 < len(imps.Content); i += 2 {
			im, err := lf.importer(imps.Content[i].Value, imps.Content[i].Line, mappingSections(imps.Content[i+1]))
			if err != nil {
				return nil, err
			}
			lf.importers = append(lf.importers, im)
		}
	} else {
		im, err := lf.importer(".", 1, sections)
		if err != nil {
			return nil, err
		}
		lf.importers = append(lf.importers, im)
	}
	if err := lf.readPackages(ctx, sections); err != nil {
		return finished(f.Path)(lf.pkgs, err)
	}
	return finished(f.Path)(lf.build(), nil)
}

type pnpmLock struct {
	file, foundBy, dir string
	major              int
	fsys               fs.FS
	importers          []*pnpmImporter
	pkgs               []*sbom.Package
	byKey              map[string]*sbom.Package
	entries            map[*sbom.Package]*pnpmPackage
}

func mappingSections(n *yaml.Node) map[string]*yaml.Node {
	m := map[string]*yaml.Node{}
	if n == nil || n.Kind != yaml.MappingNode {
		return m
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = n.Content[i+1]
	}
	return m
}

// importer reads the dependency sections of one importer. References are plain strings in
// 5.x and {specifier, version} mappings from 6.0 on.
func (lf *pnpmLock) importer(dir string, line int, secs map[string]*yaml.Node) (*pnpmImporter, error) {
	im := &pnpmImporter{dir: dir, line: line}
	read := func(key string, order *[]string) (map[string]string, error) {
		n := secs[key]
		if n == nil {
			return nil, nil
		}
		if n.Kind != yaml.MappingNode {
			return nil, catalog.Errorf(lf.file, n.Line, "%s of importer %q must be a mapping", key, clip(dir))
		}
		out := map[string]string{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			name, v := n.Content[i].Value, n.Content[i+1]
			switch v.Kind {
			case yaml.ScalarNode:
				out[name] = v.Value
			case yaml.MappingNode:
				out[name] = scalar(mappingSections(v)["version"])
			default:
				return nil, catalog.Errorf(lf.file, v.Line, "dependency %q of importer %q has an invalid reference", clip(name), clip(dir))
			}
			*order = append(*order, name)
		}
		return out, nil
	}
	var err error
	if im.deps, err = read("dependencies", &im.depOrder); err != nil {
		return nil, err
	}
	if im.devDeps, err = read("devDependencies", &im.devOrder); err != nil {
		return nil, err
	}
	if im.optDeps, err = read("optionalDependencies", &im.optOrder); err != nil {
		return nil, err
	}
	return im, nil
}

// scalar returns the value of a scalar node, or "" for nil and other kinds.
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func (lf *pnpmLock) readPackages(ctx context.Context, secs map[string]*yaml.Node) error {
	lf.byKey = map[string]*sbom.Package{}
	lf.entries = map[*sbom.Package]*pnpmPackage{}
	decodeSection := func(n *yaml.Node, what string) ([]string, []int, []*pnpmPackage, error) {
		if n == nil {
			return nil, nil, nil, nil
		}
		if n.Kind != yaml.MappingNode {
			return nil, nil, nil, catalog.Errorf(lf.file, n.Line, "%s must be a mapping", what)
		}
		if len(n.Content)/2 > catalog.MaxPackages {
			return nil, nil, nil, fmt.Errorf("%s: %w: more than %d packages", lf.file, catalog.ErrTooLarge, catalog.MaxPackages)
		}
		var keys []string
		var lines []int
		var out []*pnpmPackage
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			var e pnpmPackage
			if v.Kind != yaml.MappingNode {
				return nil, nil, nil, catalog.Errorf(lf.file, k.Line, "%s entry %q is not a mapping", what, clip(k.Value))
			}
			if err := v.Decode(&e); err != nil {
				return nil, nil, nil, catalog.Errorf(lf.file, k.Line, "%s entry %q: %v", what, clip(k.Value), err)
			}
			keys, lines, out = append(keys, k.Value), append(lines, k.Line), append(out, &e)
			if i%8192 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, nil, nil, err
				}
			}
		}
		return keys, lines, out, nil
	}
	pkeys, plines, pents, err := decodeSection(secs["packages"], "packages")
	if err != nil {
		return err
	}
	meta := map[string]int{}
	for i, k := range pkeys {
		meta[k] = i
	}
	keys, lines, ents := pkeys, plines, pents
	if lf.major >= 7 {
		skeys, _, sents, err := decodeSection(secs["snapshots"], "snapshots")
		if err != nil {
			return err
		}
		if skeys != nil {
			keys, ents = skeys, sents
			lines = make([]int, len(skeys))
			for i, k := range skeys {
				// The metadata (resolution, version) is under the key without peer suffix.
				if j, ok := meta[stripPeers(k)]; ok {
					m := pents[j]
					ents[i].Resolution, ents[i].Name, ents[i].Version = m.Resolution, m.Name, m.Version
					lines[i] = plines[j]
				}
			}
		}
	}
	for i, k := range keys {
		e := ents[i]
		name, version := lf.parseKey(k, e)
		if !validName(name) {
			return catalog.Errorf(lf.file, lines[i], "cannot tell the package name of %q", clip(k))
		}
		p := &sbom.Package{
			ID: k, Name: name, Version: version, Ecosystem: sbom.EcosystemNPM, FoundBy: lf.foundBy,
			Locations: []sbom.Location{{Path: lf.file, Line: lines[i]}},
		}
		r := e.Resolution
		switch {
		case r.Type == "git" || r.Commit != "":
			p.VCS = &sbom.VCS{Type: "git", URL: r.Repo, Revision: r.Commit}
			p.SetProperty(propSource, "git")
		case r.Directory != "":
			p.SetProperty(propSource, "directory")
			p.SetProperty(propResolved, "file:"+r.Directory)
		case r.Tarball != "":
			if isTarballURL(r.Tarball) {
				setResolved(p, r.Tarball)
			} else {
				p.SetProperty(propSource, "tarball")
				p.SetProperty(propResolved, r.Tarball)
			}
		}
		addHash(p, sriHashes(r.Integrity)...)
		if lf.major < 7 {
			switch {
			case e.Dev == nil:
				p.Scope = sbom.ScopeRuntime // used by both dev and production importers
			case *e.Dev:
				p.Scope = sbom.ScopeDev
			case e.Optional:
				p.Scope = sbom.ScopeOptional
			default:
				p.Scope = sbom.ScopeRuntime
			}
		}
		p.PURL = purlFor(p.Name, p.Version)
		lf.pkgs = append(lf.pkgs, p)
		lf.byKey[k] = p
		lf.entries[p] = e
	}
	return nil
}

// stripPeers removes the peer suffix "(react@18.2.0)" of a 6.0+ key.
func stripPeers(k string) string {
	if i := strings.IndexByte(k, '('); i > 0 {
		return k[:i]
	}
	return k
}

// looksLikeVersion reports whether s starts like a semver version rather than a reference
// ("file:…", "git+…", "https:…").
func looksLikeVersion(s string) bool {
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// parseKey derives name and version from a package key, preferring the entry's own name and
// version fields (recorded for keys that do not spell them: git, tarball and directory packages).
func (lf *pnpmLock) parseKey(k string, e *pnpmPackage) (name, version string) {
	var kn, kv string
	switch {
	case lf.major >= 6:
		s := strings.TrimPrefix(stripPeers(k), "/")
		if n, v, ok := splitNameAt(s); ok {
			kn, kv = n, v
			if j := strings.IndexByte(kn, '/'); j >= 0 && !strings.HasPrefix(kn, "@") {
				kn = "" // "registry.example.com/name@1.0.0" and the like: trust the fields
			}
		}
	case strings.HasPrefix(k, "/"):
		segs := strings.Split(strings.TrimPrefix(k, "/"), "/")
		if strings.HasPrefix(segs[0], "@") && len(segs) >= 3 {
			kn, kv = segs[0]+"/"+segs[1], segs[2]
		} else if len(segs) >= 2 {
			kn, kv = segs[0], segs[1]
		}
		if i := strings.IndexByte(kv, '_'); i > 0 {
			kv = kv[:i]
		}
	}
	if !looksLikeVersion(kv) {
		kv = ""
	}
	name, version = kn, kv
	if e.Name != "" {
		name = e.Name
	}
	if e.Version != "" && looksLikeVersion(e.Version) {
		version = e.Version
	}
	return name, version
}

// resolveRef finds the package a dependency reference points to.
func (lf *pnpmLock) resolveRef(name, ref string) *sbom.Package {
	var cands []string
	switch {
	case lf.major >= 7:
		cands = []string{name + "@" + ref, ref}
	case lf.major == 6:
		cands = []string{"/" + name + "@" + ref, ref}
	default:
		cands = []string{"/" + name + "/" + ref, ref}
	}
	for _, c := range cands {
		if p := lf.byKey[c]; p != nil {
			return p
		}
	}
	return nil
}

// importerName names a project of the lockfile that has no package.json name (a private
// workspace root often has none, and a lockfile may be scanned without its package.json
// files): its directory relative to the scanned target, as a path that no npm package can be
// named: "." for the target itself, "./web" or "./packages/lib" otherwise.
func importerName(lockDir, dir string) string {
	rel := path.Join(lockDir, dir)
	if rel == "." || strings.HasPrefix(rel, "../") || rel == ".." {
		return rel
	}
	for _, r := range rel {
		if r < ' ' || r == 0x7f {
			return "./(unprintable directory name)"
		}
	}
	return "./" + rel
}

func (lf *pnpmLock) build() []*sbom.Package {
	// Importers become application packages.
	impPkg := map[string]*sbom.Package{}
	var impPkgs []*sbom.Package
	for _, im := range lf.importers {
		dir := path.Clean(im.dir)
		p := &sbom.Package{
			ID: "importer:" + dir, Type: sbom.TypeApplication, Ecosystem: sbom.EcosystemNPM, FoundBy: lf.foundBy,
			Locations: []sbom.Location{{Path: lf.file, Line: im.line}},
		}
		m := readManifest(lf.fsys, path.Join(lf.dir, dir))
		if m != nil && validName(m.Name) {
			p.Name, p.Version = m.Name, m.Version
		} else {
			p.Name = importerName(lf.dir, dir)
			if m != nil {
				p.Version = m.Version
			}
		}
		if dir != "." {
			p.SetProperty(propWorkspace, dir)
			p.SetProperty(propSource, "workspace")
		}
		p.PURL = purlFor(p.Name, p.Version)
		if _, dup := impPkg[dir]; dup {
			continue
		}
		impPkg[dir] = p
		impPkgs = append(impPkgs, p)
	}
	resolve := func(from, name, ref string) *sbom.Package {
		if rest, ok := strings.CutPrefix(ref, "link:"); ok {
			return impPkg[path.Clean(path.Join(from, rest))]
		}
		t := lf.resolveRef(name, ref)
		if t != nil && t.Name != name && t.Type != sbom.TypeApplication {
			t.SetProperty(propAlias, name)
		}
		return t
	}
	var imps []importer
	for _, im := range lf.importers {
		dir := path.Clean(im.dir)
		p := impPkg[dir]
		ir := importer{pkg: p}
		add := func(order []string, deps map[string]string, kind *[]string) {
			for _, n := range order {
				t := resolve(dir, n, deps[n])
				if t == nil || t == p {
					continue
				}
				p.DependsOn = append(p.DependsOn, t.ID)
				*kind = append(*kind, t.ID)
			}
		}
		add(im.depOrder, im.deps, &ir.runtime)
		add(im.optOrder, im.optDeps, &ir.optional)
		add(im.devOrder, im.devDeps, &ir.dev)
		imps = append(imps, ir)
	}
	if root := impPkg["."]; root != nil {
		for _, p := range impPkgs {
			if p != root {
				root.DependsOn = append(root.DependsOn, p.ID)
			}
		}
	}
	for _, p := range lf.pkgs {
		e := lf.entries[p]
		for _, deps := range []map[string]string{e.Dependencies, e.OptionalDependencies} {
			for _, n := range sortedKeys(deps) {
				if t := resolve(".", n, deps[n]); t != nil && t != p {
					p.DependsOn = append(p.DependsOn, t.ID)
				}
			}
		}
	}
	pkgs := append(impPkgs, lf.pkgs...)
	applyImporters(pkgs, imps, lf.major >= 7)
	return pkgs
}
