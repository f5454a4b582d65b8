package python

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// PoetryLockCataloger reads poetry.lock files (https://python-poetry.org/docs/basic-usage/#committing-your-poetrylock-file-to-version-control).
//
// It reads every lock-version: 1.0/1.1 (Poetry 1.0–1.2: "category" main/dev and file hashes
// under [metadata.files]; Poetry 0.12's [metadata.hashes] too), 2.0 (Poetry 1.3–1.8: "files"
// inline in each [[package]]) and 2.1 (Poetry 2: "groups" and per-group "markers"). It
// records hashes, scopes (category, groups, optional), [package.dependencies] as edges and
// git/url/directory/file/legacy sources. The sibling pyproject.toml, when present, names
// the project (an application package whose DependsOn are the direct dependencies) and
// decides which packages are direct.
type PoetryLockCataloger struct{}

var (
	_ catalog.Cataloger      = (*PoetryLockCataloger)(nil)
	_ catalog.RelatedMatcher = (*PoetryLockCataloger)(nil)
)

// Name implements catalog.Cataloger.
func (*PoetryLockCataloger) Name() string { return "poetry-lock" }

// Match implements catalog.Cataloger.
func (*PoetryLockCataloger) Match(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "poetry.lock"
}

// Related implements catalog.RelatedMatcher.
func (*PoetryLockCataloger) Related(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "pyproject.toml"
}

// Catalog implements catalog.Cataloger.
func (c *PoetryLockCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	doc, err := decodeTOML(f.Path, data, "poetry.lock")
	if err != nil {
		return nil, err
	}
	raw := tables(doc["package"])
	meta := table(doc["metadata"])
	if raw == nil && meta == nil {
		return nil, catalog.Errorf(f.Path, 1, "not a poetry.lock: no [[package]] or [metadata] table")
	}
	if len(raw) > catalog.MaxPackages {
		return nil, tooMany(f.Path)
	}
	lines := headerLines(data, "package")
	if len(lines) != len(raw) {
		lines = nil
	}
	legacyFiles := table(meta["files"])
	legacyHashes := table(meta["hashes"])
	sameName := map[string]int{}
	for _, t := range raw {
		sameName[Normalize(str(t["name"]))]++
	}

	var errs []error
	var pkgs []*sbom.Package
	byName := map[string][]string{}
	deps := map[*sbom.Package][]string{}
	ids := map[string]bool{}
	for i, t := range raw {
		if err := ctx.Err(); err != nil {
			return &catalog.Result{Packages: pkgs}, err
		}
		line := 0
		if lines != nil {
			line = lines[i]
		}
		name, version := str(t["name"]), str(t["version"])
		if !validName(name) {
			errs = append(errs, catalog.Errorf(f.Path, line, "[[package]] entry %d has no valid name", i+1))
			continue
		}
		if version == "" {
			errs = append(errs, catalog.Errorf(f.Path, line, "package %s has no version", name))
			continue
		}
		p := newPackage(c.Name(), name, version, f.Path, line)
		p.Description = str(t["description"])
		p.ID = p.Name + "@" + version
		if ids[p.ID] {
			p.ID += "#" + strconv.Itoa(i)
		}
		ids[p.ID] = true

		switch str(t["category"]) {
		case "main":
			p.Scope = sbom.ScopeRuntime
		case "dev":
			p.Scope = sbom.ScopeDev
		}
		if groups := strs(t["groups"]); len(groups) > 0 {
			p.Scope = scopeForGroups(groups, "main")
			p.SetProperty(propGroups, strings.Join(groups, ","))
		}
		if boolean(t["optional"]) && (p.Scope == sbom.ScopeRuntime || p.Scope == sbom.ScopeUnknown) {
			p.Scope = sbom.ScopeOptional
		}
		p.SetProperty(propMarkers, poetryMarkers(t["markers"]))
		if boolean(t["develop"]) {
			p.SetProperty(propEditable, "true")
		}

		files := tables(t["files"])
		if _, inline := t["files"]; !inline {
			files = tables(legacyFiles[name])
			if files == nil {
				files = tables(legacyFiles[p.Name])
			}
		}
		for _, fl := range files {
			if sameName[p.Name] > 1 && !fileOfVersion(str(fl["file"]), version) {
				continue
			}
			addHash(p, str(fl["hash"]))
		}
		for _, h := range strs(legacyHashes[name]) {
			addHash(p, "sha256:"+h)
		}
		poetrySource(p, table(t["source"]))

		for dep := range table(t["dependencies"]) {
			deps[p] = append(deps[p], Normalize(dep))
		}
		byName[p.Name] = append(byName[p.Name], p.ID)
		pkgs = append(pkgs, p)
	}
	g := newGraph(f.Path)
edges:
	for _, p := range pkgs {
		for _, d := range deps[p] {
			for _, id := range byName[d] {
				if !g.link(p, id) {
					break edges
				}
			}
		}
	}
	if g.err != nil {
		errs = append(errs, g.err)
	}

	manifest := path.Join(path.Dir(f.Path), "pyproject.toml")
	pp, err := readPyProject(f.FS, manifest)
	if err != nil {
		errs = append(errs, err)
	}
	if app := applyProject(c.Name(), pkgs, byName, pp, manifest); app != nil {
		app.SetProperty(propContent, str(meta["content-hash"]))
		pkgs = append(pkgs, app)
	}
	return &catalog.Result{Packages: pkgs}, errors.Join(errs...)
}

// applyProject marks the direct dependencies of pp among pkgs (all others transitive), fills
// in missing scopes of direct dependencies, and returns the application package of pp (or
// nil) depending on them.
func applyProject(foundBy string, pkgs []*sbom.Package, byName map[string][]string, pp *pyProject, manifest string) *sbom.Package {
	if pp == nil {
		return nil
	}
	direct := pp.directScopes()
	app := applicationPackage(foundBy, pp, manifest)
	for _, p := range pkgs {
		s, ok := direct[p.Name]
		if !ok {
			p.Relation = sbom.RelationTransitive
			continue
		}
		p.Relation = sbom.RelationDirect
		if p.Scope == sbom.ScopeUnknown {
			p.Scope = s
		}
	}
	if app == nil {
		return nil
	}
	for n := range direct {
		app.DependsOn = append(app.DependsOn, byName[n]...)
	}
	return app
}

// poetryMarkers returns the markers of a package: a string (lock 1.x/2.0) or, in lock 2.1, a
// table of group → markers, written "group: markers; …".
func poetryMarkers(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	m := table(v)
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	var parts []string
	for _, k := range keys {
		if s := str(m[k]); s != "" {
			parts = append(parts, k+": "+s)
		}
	}
	return strings.Join(parts, "; ")
}

// poetrySource records a [package.source] table.
func poetrySource(p *sbom.Package, src map[string]any) {
	u := str(src["url"])
	switch str(src["type"]) {
	case "git":
		p.VCS = &sbom.VCS{Type: "git", URL: u, Ref: str(src["reference"]), Revision: str(src["resolved_reference"])}
		if p.VCS.Ref == p.VCS.Revision {
			p.VCS.Ref = ""
		}
	case "url":
		p.DownloadURL = u
	case "directory", "file":
		p.SetProperty(propPath, u)
	case "legacy":
		if u != "" && !isPyPIIndex(u) {
			p.SetProperty(propIndex, u)
			p.PURL = purl(p.Name, p.Version, "repository_url", u)
		}
	}
}

// fileOfVersion reports whether a wheel or sdist file name belongs to version.
func fileOfVersion(file, version string) bool {
	return strings.Contains(file, "-"+version+"-") || strings.Contains(file, "-"+version+".")
}
