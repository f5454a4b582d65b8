package python

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// pyProject is what the lock catalogers need from a pyproject.toml: the project's name and
// version and its direct dependencies, from PEP 621 [project] (dependencies,
// optional-dependencies), PEP 735 [dependency-groups], [tool.poetry] (dependencies,
// dev-dependencies, group.<name>.dependencies), [tool.pdm] dev-dependencies and
// [tool.uv] dev-dependencies.
type pyProject struct {
	name, version string
	deps          []pyDep
	extras        map[string]bool // names of [project.optional-dependencies] groups
}

// pyDep is one direct dependency of a pyproject.toml.
type pyDep struct {
	name  string // normalised
	scope sbom.Scope
}

// readPyProject reads and parses name from fsys. It returns nil, nil when the file does not
// exist.
func readPyProject(fsys fs.FS, name string) (*pyProject, error) {
	data, err := catalog.ReadFileFS(fsys, name, catalog.MaxManifestSize)
	if err != nil {
		if isNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	doc, err := decodeTOML(name, data, "pyproject.toml")
	if err != nil {
		return nil, err
	}
	pp := &pyProject{}
	add := func(req string, scope sbom.Scope) {
		if r, err := parseRequirement(req); err == nil {
			pp.deps = append(pp.deps, pyDep{name: Normalize(r.Name), scope: scope})
		}
	}
	project := table(doc["project"])
	pp.name, pp.version = str(project["name"]), str(project["version"])
	for _, d := range strs(project["dependencies"]) {
		add(d, sbom.ScopeRuntime)
	}
	pp.extras = map[string]bool{}
	for x, list := range table(project["optional-dependencies"]) {
		pp.extras[Normalize(x)] = true
		for _, d := range strs(list) {
			add(d, sbom.ScopeOptional)
		}
	}
	for g, list := range table(doc["dependency-groups"]) {
		for _, d := range strs(list) {
			add(d, scopeForGroups([]string{g}))
		}
	}
	tool := table(doc["tool"])
	poetry := table(tool["poetry"])
	if pp.name == "" {
		pp.name, pp.version = str(poetry["name"]), str(poetry["version"])
	}
	poetryDeps := func(m map[string]any, scope sbom.Scope) {
		for n, spec := range m {
			if strings.EqualFold(n, "python") || !validName(n) {
				continue
			}
			s := scope
			if boolean(table(spec)["optional"]) {
				s = sbom.ScopeOptional
			}
			pp.deps = append(pp.deps, pyDep{name: Normalize(n), scope: s})
		}
	}
	poetryDeps(table(poetry["dependencies"]), sbom.ScopeRuntime)
	poetryDeps(table(poetry["dev-dependencies"]), sbom.ScopeDev)
	for g, grp := range table(poetry["group"]) {
		poetryDeps(table(table(grp)["dependencies"]), scopeForGroups([]string{g}, "main"))
	}
	for g, list := range table(table(tool["pdm"])["dev-dependencies"]) {
		for _, d := range strs(list) {
			add(d, scopeForGroups([]string{g}))
		}
	}
	for _, d := range strs(table(tool["uv"])["dev-dependencies"]) {
		add(d, sbom.ScopeDev)
	}
	if pp.name != "" && !validName(pp.name) {
		pp.name = ""
	}
	return pp, nil
}

// isNotExist reports whether err means the file is absent (or there is no filesystem).
func isNotExist(err error) bool {
	return err != nil && errors.Is(err, fs.ErrNotExist)
}

// directScopes returns, for each normalised direct dependency, its strongest scope
// (runtime over optional over dev/test).
func (pp *pyProject) directScopes() map[string]sbom.Scope {
	out := map[string]sbom.Scope{}
	for _, d := range pp.deps {
		if cur, ok := out[d.name]; !ok || scopeRank(d.scope) < scopeRank(cur) {
			out[d.name] = d.scope
		}
	}
	return out
}

func scopeRank(s sbom.Scope) int {
	switch s {
	case sbom.ScopeRuntime:
		return 0
	case sbom.ScopeOptional:
		return 1
	case sbom.ScopeDev:
		return 2
	case sbom.ScopeTest:
		return 3
	}
	return 4
}

// applicationPackage returns the project of pp as an application package, or nil when pp
// names no project.
func applicationPackage(foundBy string, pp *pyProject, manifest string) *sbom.Package {
	if pp == nil || pp.name == "" {
		return nil
	}
	p := newPackage(foundBy, pp.name, pp.version, manifest, 0)
	p.Type = sbom.TypeApplication
	p.ID = "(project)"
	return p
}
