package npm

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// YarnCataloger reads yarn.lock files of Yarn classic (the "# yarn lockfile v1" format,
// https://classic.yarnpkg.com/en/docs/yarn-lock) and of Yarn Berry (2 and later: YAML with a
// __metadata entry, https://yarnpkg.com/advanced/lexicon#lockfile). Neither records whether a
// dependency is for development, nor the workspaces of classic projects, so the package.json
// files beside the lockfile and of its workspaces are read for them through File.FS. A
// classic root without a package.json name is named by its directory relative to the scanned
// target, "." or "./web", as pnpm's importers are (see importerName); a classic workspace
// without one is left out, as Yarn classic ignores it ("Missing name in workspace").
type YarnCataloger struct{}

var _ catalog.Cataloger = (*YarnCataloger)(nil)
var _ catalog.RelatedMatcher = (*YarnCataloger)(nil)

// Name returns "yarn-lock".
func (*YarnCataloger) Name() string { return "yarn-lock" }

// Match accepts yarn.lock.
func (*YarnCataloger) Match(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "yarn.lock"
}

// Related accepts package.json files, read for the project's declared dependencies.
func (*YarnCataloger) Related(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "package.json"
}

// Catalog parses one yarn.lock.
func (c *YarnCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	if isBerry(data) {
		return finished(f.Path)(parseBerry(ctx, f, data, c.Name()))
	}
	return finished(f.Path)(parseYarnV1(ctx, f, data, c.Name()))
}

// finished wraps the packages and error of a parser into a result, after finish: a parse
// error keeps the packages found before it, an invalid result is replaced by its error.
func finished(file string) func([]*sbom.Package, error) (*catalog.Result, error) {
	return func(pkgs []*sbom.Package, err error) (*catalog.Result, error) {
		done, ferr := finish(file, pkgs)
		if ferr != nil {
			return nil, ferr
		}
		return &catalog.Result{Packages: done}, err
	}
}

// isBerry reports whether a yarn.lock is in Berry's YAML form: it has a top-level __metadata.
func isBerry(data []byte) bool {
	return bytes.HasPrefix(data, []byte("__metadata:")) || bytes.Contains(data, []byte("\n__metadata:"))
}

// yarnEntry is one entry of a classic yarn.lock.
type yarnEntry struct {
	specs     []string
	line      int
	version   string
	resolved  string
	integrity string
	deps      map[string]string
	optDeps   map[string]string
}

// parseYarnV1 reads the classic format: unindented entry headers listing the specifiers they
// resolve ("a@^1.0.0", "a@^1.1.0":), two-space indented fields ("version "1.2.3"") and
// four-space indented dependency blocks.
func parseYarnV1(ctx context.Context, f *catalog.File, data []byte, foundBy string) ([]*sbom.Package, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), catalog.MaxLineLength)
	var entries []*yarnEntry
	var cur *yarnEntry
	var block map[string]string
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		indent := len(line) - len(trimmed)
		switch {
		case indent == 0:
			if !strings.HasSuffix(trimmed, ":") {
				return yarnV1Packages(f, entries, foundBy), catalog.Errorf(f.Path, lineNo, "expected an entry header ending in ':', found %q", clip(trimmed))
			}
			specs, err := splitSpecs(strings.TrimSuffix(trimmed, ":"))
			if err == nil && len(specs) == 0 {
				err = fmt.Errorf("no specifiers")
			}
			if err != nil {
				return yarnV1Packages(f, entries, foundBy), catalog.Errorf(f.Path, lineNo, "invalid entry header %q: %v", clip(trimmed), err)
			}
			for _, sp := range specs {
				if n, _, ok := splitNameAt(sp); !ok || !validName(n) {
					return yarnV1Packages(f, entries, foundBy), catalog.Errorf(f.Path, lineNo, "specifier %q is not name@range", clip(sp))
				}
			}
			if len(entries) >= catalog.MaxPackages {
				return nil, fmt.Errorf("%s: %w: more than %d packages", f.Path, catalog.ErrTooLarge, catalog.MaxPackages)
			}
			cur = &yarnEntry{specs: specs, line: lineNo}
			entries = append(entries, cur)
			block = nil
		case cur == nil:
			return nil, catalog.Errorf(f.Path, lineNo, "indented line outside an entry")
		case indent == 2:
			key, val, err := splitField(trimmed)
			if err != nil {
				return yarnV1Packages(f, entries, foundBy), catalog.Errorf(f.Path, lineNo, "%v", err)
			}
			block = nil
			if val == "" && strings.HasSuffix(trimmed, ":") {
				switch key {
				case "dependencies":
					cur.deps = map[string]string{}
					block = cur.deps
				case "optionalDependencies":
					cur.optDeps = map[string]string{}
					block = cur.optDeps
				}
				continue
			}
			switch key {
			case "version":
				cur.version = val
			case "resolved":
				cur.resolved = val
			case "integrity":
				cur.integrity = val
			}
		default:
			if block == nil {
				continue // a block Hallmark does not read (dependenciesMeta …)
			}
			key, val, err := splitField(trimmed)
			if err != nil {
				return yarnV1Packages(f, entries, foundBy), catalog.Errorf(f.Path, lineNo, "%v", err)
			}
			block[key] = val
		}
		if lineNo%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return yarnV1Packages(f, entries, foundBy), catalog.Errorf(f.Path, lineNo+1, "reading line: %v (lines are limited to %d bytes)", err, catalog.MaxLineLength)
	}
	if len(entries) == 0 && !bytes.Contains(data, []byte("yarn lockfile v1")) {
		return nil, catalog.Errorf(f.Path, 1, "no entries and no \"# yarn lockfile v1\" header: not a yarn.lock")
	}
	pkgs := yarnV1Packages(f, entries, foundBy)
	return pkgs, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// splitSpecs splits an entry header into its specifiers, each possibly double-quoted.
func splitSpecs(s string) ([]string, error) {
	var out []string
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return out, nil
		}
		var spec string
		if s[0] == '"' {
			q, rest, err := unquotePrefix(s)
			if err != nil {
				return nil, err
			}
			spec, s = q, rest
		} else {
			i := strings.IndexByte(s, ',')
			if i < 0 {
				i = len(s)
			}
			spec, s = strings.TrimSpace(s[:i]), s[i:]
		}
		out = append(out, spec)
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return out, nil
		}
		if s[0] != ',' {
			return nil, fmt.Errorf("expected ',' between specifiers")
		}
		s = s[1:]
	}
}

// unquotePrefix reads the double-quoted string at the start of s (JSON escapes) and returns it
// and the rest of s.
func unquotePrefix(s string) (string, string, error) {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			u, err := strconv.Unquote(s[:i+1])
			if err != nil {
				return "", "", fmt.Errorf("invalid quoted string %s", clip(s[:i+1]))
			}
			return u, s[i+1:], nil
		}
	}
	return "", "", fmt.Errorf("unterminated quoted string %s", clip(s))
}

// splitField splits `key value`, `"key" "value"` or `key:` into key and unquoted value.
func splitField(s string) (key, val string, err error) {
	if s[0] == '"' {
		key, s, err = unquotePrefix(s)
		if err != nil {
			return "", "", err
		}
	} else {
		i := strings.IndexAny(s, " :")
		if i < 0 {
			return s, "", nil
		}
		key, s = s[:i], s[i:]
	}
	s = strings.TrimPrefix(s, ":")
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "\"") {
		v, rest, err := unquotePrefix(s)
		if err != nil {
			return "", "", err
		}
		if strings.TrimSpace(rest) != "" {
			return "", "", fmt.Errorf("unexpected text after the value of %q", key)
		}
		return key, v, nil
	}
	return key, s, nil
}

// yarnV1Packages turns the entries into packages, resolves the graph, and adds the project and
// its workspaces from package.json files when they can be read.
func yarnV1Packages(f *catalog.File, entries []*yarnEntry, foundBy string) []*sbom.Package {
	var pkgs []*sbom.Package
	bySpec := map[string]*sbom.Package{}
	ids := map[string]bool{}
	type edge struct {
		p    *sbom.Package
		deps [2]map[string]string
	}
	var edges []edge
	for _, e := range entries {
		name, rng, ok := splitNameAt(e.specs[0])
		if !ok || !validName(name) {
			continue
		}
		p := &sbom.Package{
			Name: name, Version: e.version, Ecosystem: sbom.EcosystemNPM, FoundBy: foundBy,
			Locations: []sbom.Location{{Path: f.Path, Line: e.line}},
		}
		if real, ok := strings.CutPrefix(rng, "npm:"); ok {
			if rn, _, ok := splitNameAt(real); ok && rn != name && validName(rn) {
				p.Name = rn
				p.SetProperty(propAlias, name)
			}
		}
		if p.Version == "" {
			p.Constraint, p.Unresolved = rng, true
		}
		p.ID = p.Name + "@" + p.Version
		if ids[p.ID] {
			p.ID += "#" + strconv.Itoa(e.line)
		}
		ids[p.ID] = true
		switch {
		case e.resolved != "":
			setResolved(p, e.resolved)
		case strings.HasPrefix(rng, "file:") || strings.HasPrefix(rng, "link:"):
			setResolved(p, rng)
		}
		addHash(p, sriHashes(e.integrity)...)
		p.PURL = purlFor(p.Name, p.Version)
		pkgs = append(pkgs, p)
		for _, s := range e.specs {
			bySpec[s] = p
		}
		edges = append(edges, edge{p, [2]map[string]string{e.deps, e.optDeps}})
	}
	for _, ed := range edges {
		for _, deps := range ed.deps {
			for _, n := range sortedKeys(deps) {
				if t := bySpec[n+"@"+deps[n]]; t != nil && t != ed.p {
					ed.p.DependsOn = append(ed.p.DependsOn, t.ID)
				}
			}
		}
	}
	return addClassicProjects(f, pkgs, bySpec, foundBy)
}

// addClassicProjects adds the project and its workspaces, read from package.json files, as
// application packages, and derives relations and scopes from what they declare.
func addClassicProjects(f *catalog.File, pkgs []*sbom.Package, bySpec map[string]*sbom.Package, foundBy string) []*sbom.Package {
	dir := path.Dir(f.Path)
	rootMan := readManifest(f.FS, dir)
	if rootMan == nil {
		return pkgs
	}
	type project struct {
		p   *sbom.Package
		man *manifest
	}
	root := &sbom.Package{
		ID: ".", Type: sbom.TypeApplication, Name: rootMan.Name, Version: rootMan.Version,
		Ecosystem: sbom.EcosystemNPM, FoundBy: foundBy,
		Locations: []sbom.Location{{Path: path.Join(dir, "package.json")}},
	}
	if !validName(root.Name) {
		root.Name = importerName(dir, ".")
	}
	root.PURL = purlFor(root.Name, root.Version)
	projects := []project{{root, rootMan}}
	byName := map[string]*sbom.Package{}
	for _, ws := range workspaceDirs(f.FS, dir, rootMan.workspacePatterns()) {
		m := readManifest(f.FS, path.Join(dir, ws))
		if m == nil || !validName(m.Name) {
			continue
		}
		p := &sbom.Package{
			ID: "workspace:" + ws, Type: sbom.TypeApplication, Name: m.Name, Version: m.Version,
			Ecosystem: sbom.EcosystemNPM, PURL: purlFor(m.Name, m.Version), FoundBy: foundBy,
			Locations: []sbom.Location{{Path: path.Join(dir, ws, "package.json")}},
		}
		p.SetProperty(propWorkspace, ws)
		p.SetProperty(propSource, "workspace")
		byName[m.Name] = p
		projects = append(projects, project{p, m})
		root.DependsOn = append(root.DependsOn, p.ID)
	}
	var imps []importer
	for _, pr := range projects {
		im := importer{pkg: pr.p}
		add := func(deps map[string]string, kind *[]string) {
			for _, n := range sortedKeys(deps) {
				t := bySpec[n+"@"+deps[n]]
				if t == nil {
					t = byName[n] // a workspace depending on another one
				}
				if t == nil || t == pr.p {
					continue
				}
				pr.p.DependsOn = append(pr.p.DependsOn, t.ID)
				*kind = append(*kind, t.ID)
			}
		}
		add(pr.man.Dependencies, &im.runtime)
		add(pr.man.PeerDependencies, &im.runtime)
		add(pr.man.OptionalDependencies, &im.optional)
		add(pr.man.DevDependencies, &im.dev)
		imps = append(imps, im)
		pkgs = append(pkgs, pr.p)
	}
	applyImporters(pkgs, imps, true)
	return pkgs
}

// maxWorkspaces bounds the workspace directories read for one project.
const maxWorkspaces = 10000

// workspaceDirs expands workspace globs below dir into directories (relative to dir) that hold
// a package.json, in sorted order.
func workspaceDirs(fsys fs.FS, dir string, patterns []string) []string {
	if fsys == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, pat := range patterns {
		pat = strings.TrimPrefix(strings.TrimSuffix(pat, "/"), "./")
		if pat == "" || strings.HasPrefix(pat, "!") || strings.Contains(pat, "..") || strings.Contains(pat, "**") {
			continue
		}
		matches, err := fs.Glob(fsys, path.Join(dir, pat, "package.json"))
		if err != nil {
			continue
		}
		for _, m := range matches {
			rel := strings.TrimPrefix(path.Dir(m), dir+"/")
			if dir == "." {
				rel = path.Dir(m)
			}
			if rel == "." || seen[rel] || strings.Contains(rel, "node_modules") {
				continue
			}
			seen[rel] = true
			out = append(out, rel)
			if len(out) >= maxWorkspaces {
				return out
			}
		}
	}
	return out
}
