package python

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// UVLockCataloger reads uv.lock files (https://docs.astral.sh/uv/concepts/projects/layout/#the-lockfile),
// lock format version 1 (all revisions).
//
// Each [[package]] becomes a package with its sdist and wheel hashes and its source: registry
// (a non-PyPI index is recorded as repository_url), git (VCS with the locked commit), url
// (DownloadURL), path/directory (local path) and editable/virtual. The project and the
// workspace members ([manifest] members, or the package at "." when there is no manifest) are
// application packages. Edges come from dependencies, optional-dependencies and
// dev-dependencies; relations and scopes are derived from the roots: a package reachable from a
// root's dependencies is runtime, else from its optional-dependencies optional, else from its
// dev-dependencies dev. An edge that requests extras ({ name = "httpx", extra = ["socks"] })
// makes that package's optional-dependencies of those extras reachable too, on whichever path
// the extra is requested, even when the package was reached before without it.
type UVLockCataloger struct{}

var _ catalog.Cataloger = (*UVLockCataloger)(nil)

// Name implements catalog.Cataloger.
func (*UVLockCataloger) Name() string { return "uv-lock" }

// Match implements catalog.Cataloger.
func (*UVLockCataloger) Match(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "uv.lock"
}

// uvEdge is one dependency of a uv.lock package, before resolution.
type uvEdge struct {
	dep   map[string]any
	kind  sbom.Scope // runtime, optional or dev
	extra []string   // extras requested on the edge
}

// Catalog implements catalog.Cataloger.
func (c *UVLockCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	doc, err := decodeTOML(f.Path, data, "uv.lock")
	if err != nil {
		return nil, err
	}
	if _, ok := doc["version"].(int64); !ok {
		return nil, catalog.Errorf(f.Path, 1, "not a uv.lock: no integer version field")
	}
	raw := tables(doc["package"])
	if len(raw) > catalog.MaxPackages {
		return nil, tooMany(f.Path)
	}
	lines := headerLines(data, "package")
	if len(lines) != len(raw) {
		lines = nil
	}
	members := map[string]bool{}
	for _, m := range strs(table(doc["manifest"])["members"]) {
		members[Normalize(m)] = true
	}

	var errs []error
	var pkgs []*sbom.Package
	edges := map[*sbom.Package][]uvEdge{}
	optional := map[*sbom.Package]map[string][]map[string]any{}
	byName := map[string][]*sbom.Package{}
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
		p := newPackage(c.Name(), name, version, f.Path, line)
		p.ID = p.Name + "@" + version
		if ids[p.ID] {
			p.ID += "#" + strconv.Itoa(i)
		}
		ids[p.ID] = true
		src := table(t["source"])
		if uvSource(p, src) && (len(members) == 0 && (str(src["editable"]) == "." || str(src["virtual"]) == ".") || members[p.Name]) {
			p.Type = sbom.TypeApplication
		}
		if version == "" && p.Type != sbom.TypeApplication {
			p.Unresolved = true
		}
		if sd := table(t["sdist"]); sd != nil {
			addHash(p, str(sd["hash"]))
		}
		for _, w := range tables(t["wheels"]) {
			addHash(p, str(w["hash"]))
		}
		for _, d := range tables(t["dependencies"]) {
			edges[p] = append(edges[p], uvEdge{dep: d, kind: sbom.ScopeRuntime, extra: strs(d["extra"])})
		}
		opt := map[string][]map[string]any{}
		for x, list := range table(t["optional-dependencies"]) {
			for _, d := range tables(list) {
				edges[p] = append(edges[p], uvEdge{dep: d, kind: sbom.ScopeOptional, extra: strs(d["extra"])})
				opt[Normalize(x)] = append(opt[Normalize(x)], d)
			}
		}
		optional[p] = opt
		for g, list := range table(t["dev-dependencies"]) {
			for _, d := range tables(list) {
				edges[p] = append(edges[p], uvEdge{dep: d, kind: scopeForGroups([]string{g}), extra: strs(d["extra"])})
			}
		}
		byName[p.Name] = append(byName[p.Name], p)
		pkgs = append(pkgs, p)
	}

	g := newGraph(f.Path)
	resolve := func(d map[string]any) []*sbom.Package {
		cands := byName[Normalize(str(d["name"]))]
		if !g.spend(len(cands)) {
			return nil
		}
		if v := str(d["version"]); v != "" {
			cands = slices.DeleteFunc(slices.Clone(cands), func(q *sbom.Package) bool { return q.Version != v })
		}
		if s := table(d["source"]); s != nil && len(cands) > 1 {
			want := sourceKey(s)
			cands = slices.DeleteFunc(slices.Clone(cands), func(q *sbom.Package) bool { return q.Properties["source"] != "" && q.Properties["source"] != want })
		}
		return cands
	}
	missing := 0
edges:
	for _, p := range pkgs {
		for _, e := range edges[p] {
			targets := resolve(e.dep)
			if g.err != nil {
				break edges
			}
			if len(targets) == 0 {
				if missing++; missing <= 100 {
					errs = append(errs, catalog.Errorf(f.Path, p.Locations[0].Line, "package %s depends on %s, which is not in the lock", p.Name, quote(str(e.dep["name"]))))
				}
			}
			for _, q := range targets {
				if !g.link(p, q.ID) {
					break edges
				}
			}
		}
	}
	if missing > 100 {
		errs = append(errs, catalog.Errorf(f.Path, 0, "%d more dependencies are not in the lock", missing-100))
	}

	// Scopes and relations from the roots: runtime first, then optional, then dev.
	var roots []*sbom.Package
	for _, p := range pkgs {
		if p.Type == sbom.TypeApplication {
			roots = append(roots, p)
		}
	}
	if len(roots) > 0 && g.err == nil {
		for _, p := range pkgs {
			if p.Type != sbom.TypeApplication {
				p.Relation = sbom.RelationTransitive
			}
		}
		for _, kind := range []sbom.Scope{sbom.ScopeRuntime, sbom.ScopeOptional, sbom.ScopeDev, sbom.ScopeTest} {
			type item struct {
				p      *sbom.Package
				extras []string
			}
			var queue []item
			for _, r := range roots {
				for _, e := range edges[r] {
					if e.kind != kind {
						continue
					}
					for _, q := range resolve(e.dep) {
						if q.Type != sbom.TypeApplication {
							q.Relation = sbom.RelationDirect
						}
						queue = append(queue, item{q, e.extra})
					}
				}
			}
			// A package is expanded once for its dependencies and once for each of its
			// extras: a path that reaches it again with an extra not seen yet adds that
			// extra's optional dependencies.
			expanded := map[*sbom.Package]map[string]bool{}
			for len(queue) > 0 {
				it := queue[0]
				queue = queue[1:]
				if it.p.Type != sbom.TypeApplication && it.p.Scope == sbom.ScopeUnknown {
					it.p.Scope = kind
				}
				done := expanded[it.p]
				var next []map[string]any
				if done == nil {
					done = map[string]bool{}
					expanded[it.p] = done
					for _, e := range edges[it.p] {
						if e.kind == sbom.ScopeRuntime {
							next = append(next, e.dep)
						}
					}
				}
				for _, x := range it.extras {
					if x = Normalize(x); !done[x] {
						done[x] = true
						next = append(next, optional[it.p][x]...)
					}
				}
				for _, d := range next {
					extras := strs(d["extra"])
					for _, q := range resolve(d) {
						if expanded[q] == nil || slices.ContainsFunc(extras, func(x string) bool { return !expanded[q][Normalize(x)] }) {
							queue = append(queue, item{q, extras})
						}
					}
				}
			}
		}
	}
	if g.err != nil {
		errs = append(errs, g.err)
	}
	for _, p := range pkgs {
		delete(p.Properties, "source")
		if len(p.Properties) == 0 {
			p.Properties = nil
		}
	}
	return &catalog.Result{Packages: pkgs}, errors.Join(errs...)
}

// uvSource records a package's source table and reports whether it is editable or virtual.
// It keeps a "source" property (removed before returning) to tell apart packages of one name
// from different sources.
func uvSource(p *sbom.Package, src map[string]any) bool {
	p.SetProperty("source", sourceKey(src))
	switch {
	case src["registry"] != nil:
		if u := str(src["registry"]); u != "" && !isPyPIIndex(u) {
			if strings.Contains(u, "://") {
				p.SetProperty(propIndex, u)
				p.PURL = purl(p.Name, p.Version, "repository_url", u)
			} else {
				p.SetProperty(propPath, u)
			}
		}
	case src["git"] != nil:
		p.VCS = parseUVGit(str(src["git"]))
	case src["url"] != nil:
		p.DownloadURL = str(src["url"])
	case src["path"] != nil:
		p.SetProperty(propPath, str(src["path"]))
	case src["directory"] != nil:
		p.SetProperty(propPath, str(src["directory"]))
	case src["editable"] != nil:
		p.SetProperty(propPath, str(src["editable"]))
		p.SetProperty(propEditable, "true")
		return true
	case src["virtual"] != nil:
		p.SetProperty(propPath, str(src["virtual"]))
		return true
	}
	return false
}

// sourceKey is a stable string for a source table.
func sourceKey(src map[string]any) string {
	for _, k := range []string{"registry", "git", "url", "path", "directory", "editable", "virtual"} {
		if v, ok := src[k]; ok {
			return k + "=" + str(v)
		}
	}
	return ""
}

// parseUVGit parses uv's git source "https://host/repo?rev=v1#<commit>" (also tag= and
// branch=).
func parseUVGit(s string) *sbom.VCS {
	v := &sbom.VCS{Type: "git"}
	s, v.Revision, _ = strings.Cut(s, "#")
	base, query, _ := strings.Cut(s, "?")
	v.URL = base
	if q, err := url.ParseQuery(query); err == nil {
		for _, k := range []string{"tag", "branch", "rev"} {
			if r := q.Get(k); r != "" && r != v.Revision {
				v.Ref = r
				break
			}
		}
	}
	return v
}
