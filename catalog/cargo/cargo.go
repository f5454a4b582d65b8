// Package cargo catalogs Rust crates from Cargo.lock files.
//
// Cargo.lock is a TOML file written by Cargo (https://doc.rust-lang.org/cargo/guide/cargo-toml-vs-cargo-lock.html).
// Its format is not specified in a standalone document; the authority is Cargo's own encoder
// (src/cargo/core/resolver/encode.rs and resolver/resolve.rs, ResolveVersion), which this package
// follows for all four lockfile versions:
//
//   - V1 (Cargo before 1.41): no top-level version key; dependencies are written in full as
//     "name version (source)"; checksums live in a [metadata] table under keys
//     "checksum name version (source)", with "<none>" for sources without one. The oldest files
//     describe the root package in a [root] table instead of a [[package]] entry.
//   - V2 (Cargo 1.41–1.52 by default): no version key; a checksum key on each package;
//     dependencies shortened to "name" when the name is unique in the file, "name version" when
//     it is not, and "name version (source)" when even that is ambiguous.
//   - V3: as V2 with "version = 3" at the top.
//   - V4: as V3 with "version = 4"; the query of git source URLs is percent-encoded
//     (?branch=feature%2Fx).
//
// Every [[package]] becomes a package of ecosystem crates.io with purl pkg:cargo/name@version
// (https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst#cargo). Packages without a
// source are workspace members or path dependencies, which the lockfile does not tell apart;
// the Cargo.toml beside it and those of the members do (see workspace.go). Members are the
// project itself and get Type application. A path dependency that is not a member is local
// code outside the workspace: a library with the property hallmark:cargo:path (its directory,
// when it lies inside the scanned target), no ecosystem, a generic purl and the property
// hallmark:unmatched saying why, since its name does not identify a crates.io crate; a crate
// that [patch] or [replace] points to a path keeps its crates.io name, as the copy of that
// crate it is. Without a readable Cargo.toml every package without a source is taken for a
// member. A crate that a member depends on is a direct dependency, every other crate is
// transitive. The dependency graph of the file becomes DependsOn; references that name
// no package, or more than one, are errors. Checksums become SHA-256 hashes, git sources a VCS
// record. Cargo.lock records neither dev/build scopes nor licences, so those stay unset.
// Entries under [patch] unused are not part of the build and are not reported.
package cargo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Catalogers returns the catalogers of this package: the Cargo.lock cataloger.
func Catalogers() []catalog.Cataloger {
	return []catalog.Cataloger{&LockCataloger{}}
}

// LockCataloger reads Cargo.lock files of lockfile versions 1 to 4.
type LockCataloger struct{}

var (
	_ catalog.Cataloger      = (*LockCataloger)(nil)
	_ catalog.RelatedMatcher = (*LockCataloger)(nil)
)

// Related accepts Cargo.toml files, read to tell workspace members from path dependencies.
func (*LockCataloger) Related(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "Cargo.toml"
}

// Name returns "cargo-lock".
func (*LockCataloger) Name() string { return "cargo-lock" }

// Match accepts regular files named Cargo.lock.
func (*LockCataloger) Match(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "Cargo.lock"
}

// crates.io's index, as Cargo writes it in sources whatever protocol fetched it.
const (
	cratesIOIndex  = "https://github.com/rust-lang/crates.io-index"
	cratesIOSparse = "https://index.crates.io/"
)

// Property keys.
const (
	propSource      = "hallmark:cargo:source"
	propLockVersion = "hallmark:cargo:lockfile-version"
	propReplace     = "hallmark:cargo:replace"
	propPath        = "hallmark:cargo:path"    // directory of a path package that is not a member
	propPatched     = "hallmark:cargo:patched" // "path": a registry crate replaced by a local copy
)

// lockfile is the TOML document. Version is absent in V1 and V2 files.
type lockfile struct {
	Version  *int64            `toml:"version"`
	Root     *lockPackage      `toml:"root"`
	Package  []lockPackage     `toml:"package"`
	Metadata map[string]string `toml:"metadata"`
}

type lockPackage struct {
	Name         string   `toml:"name"`
	Version      string   `toml:"version"`
	Source       string   `toml:"source"`
	Checksum     string   `toml:"checksum"`
	Dependencies []string `toml:"dependencies"`
	Replace      string   `toml:"replace"`
}

// maxErrors bounds the problems reported for one file.
const maxErrors = 20

// entry is one package of the file with what resolution needs.
type entry struct {
	lp   lockPackage
	line int
	pkg  *sbom.Package
}

// Catalog parses one Cargo.lock.
func (c *LockCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	if err := checkDepth(f.Path, data); err != nil {
		return nil, err
	}
	var lf lockfile
	if _, err := toml.Decode(string(data), &lf); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, catalog.Errorf(f.Path, pe.Position.Line, "not a valid Cargo.lock: %s", pe.Message)
		}
		line, msg := tomlErrorLine(err.Error())
		return nil, catalog.Errorf(f.Path, line, "not a valid Cargo.lock: %s", msg)
	}
	n := len(lf.Package)
	if lf.Root != nil {
		n++
	}
	if n > catalog.MaxPackages {
		return nil, fmt.Errorf("%s: %w (%d packages, limit %d)", f.Path, catalog.ErrTooLarge, n, catalog.MaxPackages)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	p := &parser{path: f.Path, name: c.Name()}
	version := p.lockVersion(&lf)

	pkgLines, rootLine := headerLines(data)
	if len(pkgLines) != len(lf.Package) {
		pkgLines = nil // the array was not written as [[package]] tables; lines unknown
	}
	entries := make([]*entry, 0, n)
	if lf.Root != nil {
		entries = append(entries, &entry{lp: *lf.Root, line: rootLine})
	}
	for i, lp := range lf.Package {
		e := &entry{lp: lp}
		if pkgLines != nil {
			e.line = pkgLines[i]
		}
		entries = append(entries, e)
	}

	checksums := p.metadataChecksums(lf.Metadata)
	res := &catalog.Result{}
	ids := newIDs(len(entries))
	idx := newIndex(len(entries))
	for _, e := range entries {
		pkg := p.newPackage(e, version, checksums)
		if pkg == nil {
			continue
		}
		pkg.ID = ids.unique(pkg.ID)
		e.pkg = pkg
		idx.add(e)
		res.Packages = append(res.Packages, pkg)
	}

	if ws := readWorkspace(f.FS, path.Dir(f.Path)); ws != nil {
		for _, e := range entries {
			if e.pkg != nil && e.lp.Source == "" && !ws.members[e.lp.Name] {
				localPath(e.pkg, ws)
			}
		}
	}

	// The graph, then direct versus transitive: a crate is direct when a workspace member
	// (the project itself) depends on it.
	direct := map[*sbom.Package]bool{}
	for _, e := range entries {
		if e.pkg == nil {
			continue
		}
		for _, ref := range e.lp.Dependencies {
			d := p.resolve(e, ref, idx)
			if d == nil {
				continue
			}
			e.pkg.DependsOn = append(e.pkg.DependsOn, d.pkg.ID)
			if e.pkg.Type == sbom.TypeApplication {
				direct[d.pkg] = true
			}
		}
	}
	for _, e := range entries {
		if e.pkg == nil || e.pkg.Type == sbom.TypeApplication {
			continue
		}
		if direct[e.pkg] {
			e.pkg.Relation = sbom.RelationDirect
		} else {
			e.pkg.Relation = sbom.RelationTransitive
		}
	}
	return res, p.err()
}

// localPath turns a package without a source that is not a workspace member into the path
// dependency it is (see the package documentation).
func localPath(pkg *sbom.Package, ws *workspace) {
	pkg.Type = ""
	delete(pkg.Properties, propLockVersion)
	if dir, ok := ws.patched[pkg.Name]; ok {
		pkg.SetProperty(propPath, dir)
		pkg.SetProperty(propPatched, "path")
		return
	}
	dir, known := ws.dirs[pkg.Name]
	pkg.SetProperty(propPath, dir)
	where := "outside the workspace"
	if !known {
		where = "not a workspace member"
	} else if dir == "" {
		where = "outside the scanned directory"
	}
	pkg.Ecosystem = ""
	pkg.PURL = sbom.PURL("generic", "", pkg.Name, pkg.Version)
	pkg.SetProperty(sbom.PropUnmatched, "local path dependency ("+where+"), not a crates.io crate: its name does not identify one")
}

// parser collects the problems of one file.
type parser struct {
	path   string
	name   string
	errs   []error
	nerrs  int
	unsupp error
}

func (p *parser) errorf(line int, format string, args ...any) {
	p.nerrs++
	if len(p.errs) < maxErrors {
		p.errs = append(p.errs, catalog.Errorf(p.path, line, format, args...))
	}
}

func (p *parser) err() error {
	errs := p.errs
	if p.nerrs > len(p.errs) {
		errs = append(errs, catalog.Errorf(p.path, 0, "%d more problems not shown", p.nerrs-len(p.errs)))
	}
	if p.unsupp != nil {
		errs = append([]error{p.unsupp}, errs...)
	}
	return errors.Join(errs...)
}

// lockVersion returns the lockfile version: the version key or, for files without one, 2 when
// a package has an inline checksum or a dependency is written without its version (as Cargo
// decides), else 1.
func (p *parser) lockVersion(lf *lockfile) int {
	if lf.Version != nil {
		v := *lf.Version
		switch {
		case v < 1:
			p.errorf(0, "lockfile version %d is not valid", v)
			return 4
		case v > 4:
			p.unsupp = fmt.Errorf("%s: lockfile version %d is newer than the versions 1 to 4 Hallmark reads; packages were read as version 4: %w", p.path, v, catalog.ErrUnsupported)
			return int(v)
		}
		return int(v)
	}
	for _, lp := range lf.Package {
		if lp.Checksum != "" {
			return 2
		}
		for _, d := range lp.Dependencies {
			if !strings.Contains(d, " ") {
				return 2
			}
		}
	}
	return 1
}

// metadataChecksums returns the V1 checksums keyed by "name version (source)" with the source
// stripped of its fragment.
func (p *parser) metadataChecksums(md map[string]string) map[string]string {
	if len(md) == 0 {
		return nil
	}
	m := make(map[string]string, len(md))
	for k, v := range md {
		rest, ok := strings.CutPrefix(k, "checksum ")
		if !ok {
			continue
		}
		name, version, source, err := parseRef(rest)
		if err != nil || version == "" {
			p.errorf(0, "metadata key %q: want \"checksum NAME VERSION (SOURCE)\"", k)
			continue
		}
		m[refKey(name, version, source)] = v
	}
	return m
}

func refKey(name, version, source string) string {
	return name + " " + version + " (" + stripFragment(source) + ")"
}

func stripFragment(source string) string {
	if i := strings.IndexByte(source, '#'); i >= 0 {
		return source[:i]
	}
	return source
}

// newPackage builds the package of one entry, or reports why it cannot.
func (p *parser) newPackage(e *entry, version int, checksums map[string]string) *sbom.Package {
	lp := &e.lp
	if lp.Name == "" {
		p.errorf(e.line, "package without a name")
		return nil
	}
	if lp.Version == "" {
		p.errorf(e.line, "package %s has no version", lp.Name)
		return nil
	}
	if strings.ContainsAny(lp.Name, " ()") || strings.ContainsAny(lp.Version, " ()") {
		p.errorf(e.line, "package %q version %q: names and versions cannot contain spaces or parentheses", lp.Name, lp.Version)
		return nil
	}
	pkg := &sbom.Package{
		ID:        lp.Name + " " + lp.Version,
		Name:      lp.Name,
		Version:   lp.Version,
		Ecosystem: sbom.EcosystemCrates,
		FoundBy:   p.name,
		Locations: []sbom.Location{{Path: p.path, Line: e.line}},
	}
	var quals []string
	if lp.Source == "" {
		pkg.Type = sbom.TypeApplication
		pkg.SetProperty(propLockVersion, strconv.Itoa(version))
	} else {
		pkg.ID += " (" + lp.Source + ")"
		pkg.SetProperty(propSource, lp.Source)
		kind, loc, _ := strings.Cut(lp.Source, "+")
		switch kind {
		case "registry", "sparse":
			if loc != cratesIOIndex && loc != cratesIOSparse {
				quals = append(quals, "repository_url", loc)
			}
		case "git":
			vcs, err := parseGit(loc, version)
			if err != nil {
				p.errorf(e.line, "package %s: git source %q: %v", lp.Name, lp.Source, err)
			} else {
				pkg.VCS = vcs
				q := "git+" + vcs.URL
				if vcs.Revision != "" {
					q += "@" + vcs.Revision
				}
				quals = append(quals, "vcs_url", q)
			}
		case "path", "directory", "local-registry":
		default:
			p.errorf(e.line, "package %s: source %q is of no kind Cargo writes (registry+, sparse+, git+)", lp.Name, lp.Source)
		}
	}
	pkg.PURL = sbom.PURL("cargo", "", lp.Name, lp.Version, quals...)

	sum := lp.Checksum
	if sum == "" && checksums != nil {
		sum = checksums[refKey(lp.Name, lp.Version, lp.Source)]
	}
	if sum != "" && sum != "<none>" {
		if isHex(sum, 64) {
			pkg.Hashes = []sbom.Hash{{Algorithm: "SHA-256", Value: strings.ToLower(sum)}}
		} else {
			p.errorf(e.line, "package %s: checksum %q is not a SHA-256 hex digest", lp.Name, sum)
		}
	}
	if lp.Replace != "" {
		pkg.SetProperty(propReplace, lp.Replace)
	}
	return pkg
}

// parseGit splits a git source location "URL?query#revision". Before V4 the query is written
// verbatim; V4 percent-encodes it.
func parseGit(loc string, version int) (*sbom.VCS, error) {
	vcs := &sbom.VCS{Type: "git"}
	loc, vcs.Revision, _ = strings.Cut(loc, "#")
	loc, query, _ := strings.Cut(loc, "?")
	if loc == "" {
		return nil, errors.New("no repository URL")
	}
	vcs.URL = loc
	for _, kv := range strings.Split(query, "&") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("query part %q is not key=value", kv)
		}
		if version >= 4 {
			var err error
			if v, err = url.QueryUnescape(v); err != nil {
				return nil, fmt.Errorf("query part %q: %v", kv, err)
			}
		}
		switch k {
		case "branch", "tag", "rev":
			vcs.Ref = v
		}
	}
	return vcs, nil
}

// parseRef splits a package reference "name", "name version" or "name version (source)".
func parseRef(s string) (name, version, source string, err error) {
	name, rest, _ := strings.Cut(s, " ")
	version, rest, _ = strings.Cut(rest, " ")
	if rest != "" {
		src, ok := strings.CutPrefix(rest, "(")
		if ok {
			src, ok = strings.CutSuffix(src, ")")
		}
		if !ok || src == "" {
			return "", "", "", fmt.Errorf("%q: the source must be written \"(SOURCE)\"", s)
		}
		source = src
	}
	if name == "" || strings.HasPrefix(version, "(") || source != "" && version == "" {
		return "", "", "", fmt.Errorf("%q is not \"NAME [VERSION [(SOURCE)]]\"", s)
	}
	return name, version, source, nil
}

// ids hands out package IDs unique within one file: a repeated ID gets "#2", "#3", … (the
// first free one, so that a crafted name cannot collide with a suffixed one).
type ids struct {
	used map[string]bool
	next map[string]int
}

func newIDs(n int) *ids { return &ids{used: make(map[string]bool, n), next: map[string]int{}} }

func (s *ids) unique(id string) string {
	if !s.used[id] {
		s.used[id] = true
		return id
	}
	for k := max(s.next[id], 2); ; k++ {
		if c := id + "#" + strconv.Itoa(k); !s.used[c] {
			s.used[c], s.next[id] = true, k+1
			return c
		}
	}
}

// index finds the entries a dependency reference can name without scanning all entries of
// a name for every reference (which would be quadratic in a crafted file). Results are
// cached per reference.
type index struct {
	byName    map[string][]*entry // name
	byVersion map[string][]*entry // "name version"
	bySource  map[string][]*entry // "name version (source without fragment)"
	cache     map[string]resolution
}

// resolution is what a reference resolves to: one entry, or the number of candidates
// (0 or several) or a syntax error.
type resolution struct {
	e      *entry
	n      int
	synErr error
}

func newIndex(n int) *index {
	return &index{
		byName:    make(map[string][]*entry, n),
		byVersion: make(map[string][]*entry, n),
		bySource:  map[string][]*entry{},
		cache:     map[string]resolution{},
	}
}

func (x *index) add(e *entry) {
	lp := &e.lp
	x.byName[lp.Name] = append(x.byName[lp.Name], e)
	nv := lp.Name + " " + lp.Version
	x.byVersion[nv] = append(x.byVersion[nv], e)
	if lp.Source != "" {
		k := refKey(lp.Name, lp.Version, lp.Source)
		x.bySource[k] = append(x.bySource[k], e)
	}
}

// lookup resolves a reference as Cargo's decoder does: by name, then version, then source
// (without its #revision fragment). A reference without a source that still matches several
// packages means the one without a source, if there is exactly one.
func (x *index) lookup(ref string) resolution {
	if r, ok := x.cache[ref]; ok {
		return r
	}
	var r resolution
	name, version, source, err := parseRef(ref)
	var cands []*entry
	switch {
	case err != nil:
		r.synErr = err
	case source != "" && version != "":
		cands = x.bySource[refKey(name, version, source)]
	case version != "":
		cands = x.byVersion[name+" "+version]
	default:
		cands = x.byName[name]
	}
	if len(cands) > 1 && source == "" {
		var local *entry
		n := 0
		for _, e := range cands {
			if e.lp.Source == "" {
				local = e
				n++
			}
		}
		if n == 1 {
			cands = []*entry{local}
		}
	}
	r.n = len(cands)
	if r.n == 1 {
		r.e = cands[0]
	}
	x.cache[ref] = r
	return r
}

// resolve finds the package a dependency reference names (see index.lookup) and reports
// references that name none or several.
func (p *parser) resolve(from *entry, ref string, idx *index) *entry {
	r := idx.lookup(ref)
	switch {
	case r.synErr != nil:
		p.errorf(from.line, "package %s: dependency %v", from.lp.Name, r.synErr)
	case r.e != nil:
		return r.e
	case r.n == 0:
		p.errorf(from.line, "package %s depends on %q, which is not in the lockfile", from.lp.Name, ref)
	default:
		p.errorf(from.line, "package %s depends on %q, which matches %d packages", from.lp.Name, ref, r.n)
	}
	return nil
}

// tomlErrorLine takes the line out of the TOML decoder's type errors,
// "toml: line 7 (last key "package.version"): incompatible types: …".
func tomlErrorLine(msg string) (int, string) {
	msg = strings.TrimPrefix(msg, "toml: ")
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, msg
	}
	num, rest, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return 0, msg
	}
	return n, rest
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
