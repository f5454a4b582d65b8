// Package php catalogs PHP packages from Composer's composer.lock.
//
// composer.lock is a JSON document written by Composer
// (https://getcomposer.org/doc/01-basic-usage.md#commit-your-composer-lock-file-to-version-control;
// its fields are those of composer.json, https://getcomposer.org/doc/04-schema.md, plus the
// resolved source and dist). Its "packages" array holds the packages installed for production
// and "packages-dev" those installed only for development (--no-dev leaves them out). Each entry
// has name (vendor/package), version, source {type, url, reference}, dist {type, url, reference,
// shasum}, require, license, type, description and homepage.
//
// Every entry becomes a package of ecosystem Packagist with purl pkg:composer/vendor/name@version
// (https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst#composer); names are
// lower-cased as Composer and the purl type require. Versions are written without a leading
// "v" ("v5.4.47" becomes "5.4.47", the form Packagist advisories in OSV use); the version as
// written is kept in the property hallmark:composer:version. Production packages have scope
// runtime, development packages scope dev. "require" gives DependsOn, resolved by name and
// through the "provide" and "replace" maps of other packages; platform requirements (php,
// php-64bit, hhvm, ext-*, lib-*, composer, composer-plugin-api, composer-runtime-api: every
// name without a "/") are not packages and are left out. When the composer.json beside the
// lockfile can be read, the packages it requires (require and require-dev) are direct, the
// others transitive, and the project it names is reported as a package of Type application
// whose DependsOn are the direct dependencies.
package php

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Catalogers returns the catalogers of this package: the composer.lock cataloger.
func Catalogers() []catalog.Cataloger {
	return []catalog.Cataloger{&LockCataloger{}}
}

// LockCataloger reads composer.lock files and the composer.json beside them.
type LockCataloger struct{}

var (
	_ catalog.Cataloger      = (*LockCataloger)(nil)
	_ catalog.RelatedMatcher = (*LockCataloger)(nil)
)

// Name returns "composer-lock".
func (*LockCataloger) Name() string { return "composer-lock" }

// Match accepts regular files named composer.lock.
func (*LockCataloger) Match(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "composer.lock"
}

// Related accepts composer.json, read beside composer.lock for the direct dependencies.
func (*LockCataloger) Related(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "composer.json"
}

// Property keys.
const (
	propVersion = "hallmark:composer:version"   // the version as written, when it differs
	propType    = "hallmark:composer:type"      // library, metapackage, composer-plugin, …
	propDist    = "hallmark:composer:dist-type" // zip, tar, path, …
	propMissing = "hallmark:composer:missing-dependencies"
)

const (
	maxEdges = 4 * catalog.MaxPackages // bounds DependsOn entries over all packages
)

type lockPackage struct {
	Name        string     `json:"name"`
	Version     string     `json:"version"`
	Source      *source    `json:"source"`
	Dist        *dist      `json:"dist"`
	Require     stringMap  `json:"require"`
	Provide     stringMap  `json:"provide"`
	Replace     stringMap  `json:"replace"`
	License     stringList `json:"license"`
	Type        string     `json:"type"`
	Description string     `json:"description"`
	Homepage    string     `json:"homepage"`
}

type source struct {
	Type      string `json:"type"`
	URL       string `json:"url"`
	Reference string `json:"reference"`
}

type dist struct {
	Type      string `json:"type"`
	URL       string `json:"url"`
	Reference string `json:"reference"`
	Shasum    string `json:"shasum"`
}

// stringMap is a JSON object of strings; PHP writes an empty one as [].
type stringMap map[string]string

func (m *stringMap) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("[]")) {
		*m = nil
		return nil
	}
	return json.Unmarshal(b, (*map[string]string)(m))
}

// stringList is a JSON array of strings or a single string (composer.json allows both for
// "license").
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = stringList{s}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(l))
}

// manifest is the part of composer.json this package reads.
type manifest struct {
	Name       string    `json:"name"`
	Version    string    `json:"version"`
	Require    stringMap `json:"require"`
	RequireDev stringMap `json:"require-dev"`
}

type entry struct {
	lp   lockPackage
	line int
	dev  bool
	pkg  *sbom.Package
}

type parser struct {
	path  string
	probs catalog.Problems
}

func (p *parser) errorf(line int, format string, args ...any) { p.probs.Errorf(line, format, args...) }

func (p *parser) err() error { return p.probs.Err() }

// Catalog parses one composer.lock.
func (c *LockCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	if err := checkDepth(f.Path, data); err != nil {
		return nil, err
	}
	p := &parser{path: f.Path, probs: catalog.Problems{Path: f.Path}}
	entries, err := p.decode(data)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	var man *manifest
	jsonPath := path.Join(path.Dir(f.Path), "composer.json")
	switch b, err := catalog.ReadFileFS(f.FS, jsonPath, catalog.MaxManifestSize); {
	case err == nil:
		man = &manifest{}
		if err := checkDepth(jsonPath, b); err != nil {
			p.probs.Add(err) // the lockfile's packages are still good
			man = nil
		} else if err := json.Unmarshal(b, man); err != nil {
			p.probs.Add(jsonError(jsonPath, b, err, "composer.json"))
			man = nil
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		p.probs.Add(fmt.Errorf("reading %s for the direct dependencies: %w", jsonPath, err))
	}

	res := &catalog.Result{Packages: p.packages(c.Name(), entries, man)}
	return res, p.err()
}

// decode reads the top-level object, keeping the line where each package entry starts.
func (p *parser) decode(data []byte) ([]*entry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	fail := func(err error) ([]*entry, error) { return nil, jsonError(p.path, data, err, "composer.lock") }
	tok, err := dec.Token()
	if err != nil {
		return fail(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, catalog.Errorf(p.path, catalog.LineOf(data, dec.InputOffset()), "composer.lock must be a JSON object")
	}
	var entries []*entry
	seen := false
	// lines are counted incrementally: LineOf on every entry would be quadratic
	lineOff, line := int64(0), 1
	lineAt := func(off int64) int {
		if off < lineOff || off > int64(len(data)) {
			return catalog.LineOf(data, off)
		}
		line += bytes.Count(data[lineOff:off], []byte{'\n'})
		lineOff = off
		return line
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := tok.(string)
		if key != "packages" && key != "packages-dev" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fail(err)
			}
			continue
		}
		seen = true
		tok, err = dec.Token()
		if err != nil {
			return fail(err)
		}
		if tok == nil {
			continue // null
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return nil, catalog.Errorf(p.path, catalog.LineOf(data, dec.InputOffset()), "%q must be an array of packages", key)
		}
		for dec.More() {
			start := skipSpace(data, dec.InputOffset())
			e := &entry{dev: key == "packages-dev", line: lineAt(start)}
			if err := dec.Decode(&e.lp); err != nil {
				// type errors of Decode count offsets from the start of the value
				var typ *json.UnmarshalTypeError
				if errors.As(err, &typ) {
					return nil, catalog.Errorf(p.path, catalog.LineOf(data, start+typ.Offset), "not a valid composer.lock: %v", err)
				}
				return fail(err)
			}
			if len(entries) >= catalog.MaxPackages {
				return nil, fmt.Errorf("%s: %w (more than %d packages)", p.path, catalog.ErrTooLarge, catalog.MaxPackages)
			}
			entries = append(entries, e)
		}
		if _, err := dec.Token(); err != nil { // ]
			return fail(err)
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return fail(err)
	}
	if !seen {
		return nil, catalog.Errorf(p.path, 0, "no \"packages\" array: not a composer.lock")
	}
	return entries, nil
}

// skipSpace returns the offset of the first byte at or after off that is neither JSON
// white space nor a comma, where the next array element starts.
func skipSpace(data []byte, off int64) int64 {
	for off >= 0 && off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',':
			off++
		default:
			return off
		}
	}
	return off
}

// jsonError turns a decoding error into a *catalog.ParseError with the line of its offset.
func jsonError(name string, data []byte, err error, what string) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return catalog.Errorf(name, catalog.LineOf(data, syn.Offset), "not a valid %s: %v", what, err)
	case errors.As(err, &typ):
		return catalog.Errorf(name, catalog.LineOf(data, typ.Offset), "not a valid %s: %v", what, err)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return catalog.Errorf(name, catalog.LineOf(data, int64(len(data))), "not a valid %s: the file ends too early", what)
	}
	return catalog.Errorf(name, 0, "not a valid %s: %v", what, err)
}

// packages builds the packages, the graph, and the relations from composer.json.
func (p *parser) packages(foundBy string, entries []*entry, man *manifest) []*sbom.Package {
	byName := map[string][]*entry{}
	provided := map[string][]*entry{}
	ids := map[string]int{}
	var pkgs []*sbom.Package
	edges := 0
	for _, e := range entries {
		pkg := p.newPackage(e, foundBy)
		if pkg == nil {
			continue
		}
		pkg.ID = uniqueID(ids, pkg.ID)
		e.pkg = pkg
		byName[pkg.Name] = append(byName[pkg.Name], e)
		for _, m := range []stringMap{e.lp.Provide, e.lp.Replace} {
			for name := range m {
				name = strings.ToLower(name)
				provided[name] = append(provided[name], e)
			}
		}
		pkgs = append(pkgs, pkg)
	}
	resolve := func(name string) []*entry {
		name = strings.ToLower(name)
		if t := byName[name]; len(t) > 0 {
			return t
		}
		return provided[name]
	}
	for _, e := range entries {
		if e.pkg == nil {
			continue
		}
		var missing []string
		for _, name := range sortedKeys(e.lp.Require) {
			if isPlatform(name) {
				continue
			}
			targets := resolve(name)
			if len(targets) == 0 {
				missing = append(missing, name)
			}
			// Several packages may provide a name; a crafted file where many do, and many
			// require it, would make the graph quadratic.
			if edges += len(targets); edges > maxEdges {
				p.probs.Limit(fmt.Errorf("%s:%d: %w (more than %d dependency edges; the graph is incomplete)", p.path, e.line, catalog.ErrTooLarge, maxEdges))
				continue
			}
			for _, t := range targets {
				if t != e {
					e.pkg.DependsOn = append(e.pkg.DependsOn, t.pkg.ID)
				}
			}
		}
		e.pkg.SetProperty(propMissing, strings.Join(missing, ","))
	}
	if man == nil {
		return pkgs
	}

	direct := map[*sbom.Package]bool{}
	var rootDeps []string
	for _, m := range []stringMap{man.Require, man.RequireDev} {
		for _, name := range sortedKeys(m) {
			if isPlatform(name) {
				continue
			}
			for _, t := range resolve(name) {
				if !direct[t.pkg] {
					direct[t.pkg] = true
					rootDeps = append(rootDeps, t.pkg.ID)
				}
			}
		}
	}
	for _, pkg := range pkgs {
		if direct[pkg] {
			pkg.Relation = sbom.RelationDirect
		} else {
			pkg.Relation = sbom.RelationTransitive
		}
	}
	if vendor, name, ok := splitName(strings.ToLower(man.Name)); ok {
		root := &sbom.Package{
			ID: uniqueID(ids, "composer.json "+man.Name), Type: sbom.TypeApplication,
			Name: vendor + "/" + name, Version: normalizeVersion(man.Version),
			Ecosystem: sbom.EcosystemPackagist,
			PURL:      sbom.PURL("composer", vendor, name, normalizeVersion(man.Version)),
			Locations: []sbom.Location{{Path: path.Join(path.Dir(p.path), "composer.json")}},
			DependsOn: rootDeps, FoundBy: foundBy,
		}
		if root.Version != man.Version {
			root.SetProperty(propVersion, man.Version)
		}
		pkgs = append(pkgs, root)
	}
	return pkgs
}

func (p *parser) newPackage(e *entry, foundBy string) *sbom.Package {
	lp := &e.lp
	full := strings.ToLower(lp.Name)
	vendor, name, ok := splitName(full)
	if !ok {
		p.errorf(e.line, "package name %q is not \"vendor/name\"", lp.Name)
		return nil
	}
	if lp.Version == "" {
		p.errorf(e.line, "package %s has no version", lp.Name)
		return nil
	}
	version := normalizeVersion(lp.Version)
	pkg := &sbom.Package{
		ID:          full + "@" + lp.Version,
		Name:        full,
		Version:     version,
		Ecosystem:   sbom.EcosystemPackagist,
		PURL:        sbom.PURL("composer", vendor, name, version),
		Locations:   []sbom.Location{{Path: p.path, Line: e.line}},
		Scope:       sbom.ScopeRuntime,
		Description: lp.Description,
		Homepage:    lp.Homepage,
		FoundBy:     foundBy,
	}
	if e.dev {
		pkg.Scope = sbom.ScopeDev
	}
	if version != lp.Version {
		pkg.SetProperty(propVersion, lp.Version)
	}
	pkg.SetProperty(propType, lp.Type)
	if lic := licenseExpression(lp.License); lic != "" {
		pkg.Licenses = []string{lic}
	}
	if s := lp.Source; s != nil && s.URL != "" {
		pkg.VCS = &sbom.VCS{Type: s.Type, URL: s.URL, Revision: s.Reference}
	}
	if d := lp.Dist; d != nil {
		pkg.DownloadURL = d.URL
		pkg.SetProperty(propDist, d.Type)
		switch {
		case d.Shasum == "":
		case isHex(d.Shasum, 40):
			pkg.Hashes = []sbom.Hash{{Algorithm: "SHA-1", Value: strings.ToLower(d.Shasum)}}
		default:
			p.errorf(e.line, "package %s: dist shasum %q is not a SHA-1 hex digest", lp.Name, d.Shasum)
		}
	}
	return pkg
}

// licenseExpression joins Composer's license list, which means a choice between the licences
// ("dual licensed", https://getcomposer.org/doc/04-schema.md#license), into one SPDX
// expression.
func licenseExpression(ls []string) string {
	var parts []string
	for _, l := range ls {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if len(ls) > 1 && strings.ContainsAny(l, " ") && !(strings.HasPrefix(l, "(") && strings.HasSuffix(l, ")")) {
			l = "(" + l + ")"
		}
		parts = append(parts, l)
	}
	return strings.Join(parts, " OR ")
}

// normalizeVersion drops the "v" of tag-named versions ("v1.2.3" → "1.2.3").
func normalizeVersion(v string) string {
	if len(v) > 1 && (v[0] == 'v' || v[0] == 'V') && '0' <= v[1] && v[1] <= '9' {
		return v[1:]
	}
	return v
}

// isPlatform reports whether a requirement names a platform package (php, ext-json, …),
// which are the names without a vendor.
func isPlatform(name string) bool { return !strings.Contains(name, "/") }

func splitName(full string) (vendor, name string, ok bool) {
	vendor, name, ok = strings.Cut(full, "/")
	return vendor, name, ok && vendor != "" && name != "" && !strings.Contains(name, "/")
}

// uniqueID returns id, or id with the first free suffix "#2", "#3", … when id is taken, and
// marks the result as taken. ids counts, per base ID, the suffixes handed out.
func uniqueID(ids map[string]int, id string) string {
	k := ids[id]
	ids[id] = k + 1
	if k == 0 {
		return id
	}
	for k++; ; k++ {
		c := id + "#" + strconv.Itoa(k)
		if ids[c] == 0 {
			ids[c] = 1
			return c
		}
	}
}

func sortedKeys(m stringMap) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
