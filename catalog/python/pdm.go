package python

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// PDMLockCataloger reads pdm.lock files (https://pdm-project.org/latest/usage/lockfile/),
// lock_version 3.x and 4.x: [[package]] entries with name, version, dependencies (PEP 508
// strings, turned into edges), groups (lock_version 4.4+, giving the scope), file hashes
// inline ("files", 4.1+) or under [metadata.files] keyed "name version" (older), and git,
// url and path sources. An entry repeated with "extras" (requests[socks]) is merged into the
// package of the same name and version. The sibling pyproject.toml, when present, names the
// project (an application package whose DependsOn are the direct dependencies) and decides
// which packages are direct.
type PDMLockCataloger struct{}

var (
	_ catalog.Cataloger      = (*PDMLockCataloger)(nil)
	_ catalog.RelatedMatcher = (*PDMLockCataloger)(nil)
)

// Name implements catalog.Cataloger.
func (*PDMLockCataloger) Name() string { return "pdm-lock" }

// Match implements catalog.Cataloger.
func (*PDMLockCataloger) Match(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "pdm.lock"
}

// Related implements catalog.RelatedMatcher.
func (*PDMLockCataloger) Related(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "pyproject.toml"
}

// Catalog implements catalog.Cataloger.
func (c *PDMLockCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	doc, err := decodeTOML(f.Path, data, "pdm.lock")
	if err != nil {
		return nil, err
	}
	meta := table(doc["metadata"])
	raw := tables(doc["package"])
	if meta == nil && raw == nil {
		return nil, catalog.Errorf(f.Path, 1, "not a pdm.lock: no [metadata] or [[package]] table")
	}
	if len(raw) > catalog.MaxPackages {
		return nil, tooMany(f.Path)
	}
	lines := headerLines(data, "package")
	if len(lines) != len(raw) {
		lines = nil
	}
	legacyFiles := table(meta["files"])

	var errs []error
	var pkgs []*sbom.Package
	byKey := map[string]*sbom.Package{}
	byName := map[string][]string{}
	deps := map[*sbom.Package][]string{}
	groups := map[*sbom.Package][]string{}
	type pkgGroup struct {
		p *sbom.Package
		g string
	}
	seenGroup := map[pkgGroup]bool{}
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
		key := Normalize(name) + "@" + version
		p, merged := byKey[key]
		if !merged {
			p = newPackage(c.Name(), name, version, f.Path, line)
			p.ID = key
			p.Description = str(t["summary"])
			if version == "" {
				p.Unresolved = true
			}
			byKey[key] = p
			byName[p.Name] = append(byName[p.Name], p.ID)
			pkgs = append(pkgs, p)
		}
		for _, d := range strs(t["dependencies"]) {
			r, err := parseRequirement(d)
			if err != nil {
				errs = append(errs, catalog.Errorf(f.Path, line, "package %s: invalid dependency %s: %v", name, quote(d), err))
				continue
			}
			deps[p] = append(deps[p], Normalize(r.Name))
		}
		for _, g := range strs(t["groups"]) {
			if k := (pkgGroup{p, g}); !seenGroup[k] {
				seenGroup[k] = true
				groups[p] = append(groups[p], g)
			}
		}
		for _, fl := range tables(t["files"]) {
			addHash(p, str(fl["hash"]))
		}
		if merged {
			continue
		}
		for _, fl := range tables(legacyFiles[name+" "+version]) {
			addHash(p, str(fl["hash"]))
		}
		switch {
		case t["git"] != nil:
			p.VCS = &sbom.VCS{Type: "git", URL: str(t["git"]), Ref: str(t["ref"]), Revision: str(t["revision"])}
			if p.VCS.Ref == p.VCS.Revision {
				p.VCS.Ref = ""
			}
		case t["url"] != nil:
			p.DownloadURL = str(t["url"])
		case t["path"] != nil:
			p.SetProperty(propPath, str(t["path"]))
		}
		p.SetProperty(propMarkers, str(t["marker"]))
		if boolean(t["editable"]) {
			p.SetProperty(propEditable, "true")
		}
	}
	manifest := path.Join(path.Dir(f.Path), "pyproject.toml")
	pp, err := readPyProject(f.FS, manifest)
	if err != nil {
		errs = append(errs, err)
	}
	gr := newGraph(f.Path)
	for _, p := range pkgs {
		if g := groups[p]; len(g) > 0 {
			p.Scope = pdmScope(g, pp)
			p.SetProperty(propGroups, strings.Join(g, ","))
		}
	deps:
		for _, d := range deps[p] {
			for _, id := range byName[d] {
				if !gr.link(p, id) {
					break deps
				}
			}
		}
	}
	if gr.err != nil {
		errs = append(errs, gr.err)
	}

	if app := applyProject(c.Name(), pkgs, byName, pp, manifest); app != nil {
		app.SetProperty(propContent, str(meta["content_hash"]))
		pkgs = append(pkgs, app)
	}
	return &catalog.Result{Packages: pkgs}, errors.Join(errs...)
}

// pdmScope maps the groups of a pdm.lock package to a scope: "default" is runtime; a group
// that pyproject.toml declares under [project.optional-dependencies] is optional; other
// groups are dev groups (test when they are all named for tests).
func pdmScope(groups []string, pp *pyProject) sbom.Scope {
	if slices.Contains(groups, "default") {
		return sbom.ScopeRuntime
	}
	if pp != nil {
		for _, g := range groups {
			if pp.extras[Normalize(g)] {
				return sbom.ScopeOptional
			}
		}
	}
	return scopeForGroups(groups)
}
