// Package ruby catalogs Ruby gems from Bundler lockfiles (Gemfile.lock, gems.locked).
//
// The lockfile format is defined by Bundler's parser and writer
// (bundler/lib/bundler/lockfile_parser.rb and lockfile_generator.rb; the user documentation is
// https://bundler.io/man/gemfile.5.html and https://bundler.io/guides/rationale.html). It is a
// sequence of sections, each a header at column 0 followed by indented lines:
//
//	GIT / PATH / GEM / PLUGIN SOURCE   a source: "  remote: …" (GEM may repeat it),
//	                                   "  revision: …", "  branch:|tag:|ref: …" for GIT,
//	                                   then "  specs:" with "    name (version[-platform])"
//	                                   and that gem's dependencies "      name (requirements)"
//	PLATFORMS                          "  platform" per line
//	DEPENDENCIES                       the Gemfile's gems: "  name (requirements)", with a
//	                                   trailing "!" when they come from a GIT or PATH source
//	CHECKSUMS                          Bundler 2.5+: "  name (version[-platform]) sha256=hex"
//	RUBY VERSION, BUNDLED WITH         one value, indented by three spaces (two since Bundler 4)
//
// Every spec becomes a package of ecosystem RubyGems with purl pkg:gem/name@version; a
// platform-specific gem ("nokogiri (1.16.7-x86_64-linux)") keeps the version before the first
// "-" and records the platform as the purl qualifier platform and as Arch, as the purl
// specification's gem type says (https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst#gem).
// Gems named in DEPENDENCIES are direct, the others transitive; the spec dependencies give
// DependsOn, to every platform variant of the named gem. Gems of a PATH source whose remote is
// "." are the project itself (a gemspec) and have Type application. DEPENDENCIES entries that
// no spec satisfies (gems restricted to platforms the lockfile does not list, such as
// tzinfo-data on Windows) are reported as unresolved packages with their requirement.
// Bundler's own gem, which specs may name as a dependency, is never listed and is not reported.
package ruby

import (
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

// Catalogers returns the catalogers of this package: the Bundler lockfile cataloger.
func Catalogers() []catalog.Cataloger {
	return []catalog.Cataloger{&LockCataloger{}}
}

// LockCataloger reads Bundler lockfiles.
type LockCataloger struct{}

var _ catalog.Cataloger = (*LockCataloger)(nil)

// Name returns "gemfile-lock".
func (*LockCataloger) Name() string { return "gemfile-lock" }

// Match accepts Gemfile.lock and gems.locked, and the lockfiles of Gemfiles with other names
// ("gemfiles/rails_7.gemfile.lock" as Appraisal writes them, "tool/dev_gems.rb.lock").
func (*LockCataloger) Match(p string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	base := path.Base(p)
	return base == "Gemfile.lock" || base == "gems.locked" ||
		strings.HasSuffix(base, ".gemfile.lock") || strings.HasSuffix(base, ".rb.lock")
}

// Property keys.
const (
	propRemote       = "hallmark:gem:remote"
	propSource       = "hallmark:gem:source" // GEM, GIT, PATH or PLUGIN SOURCE
	propRubyVersion  = "hallmark:gem:ruby-version"
	propBundledWith  = "hallmark:gem:bundled-with"
	propPlatforms    = "hallmark:gem:platforms"
	propNotLocked    = "hallmark:gem:not-locked"
	propMissingDeps  = "hallmark:gem:missing-dependencies"
	rubygemsOrg      = "https://rubygems.org/"
	maxEdges         = 4 * catalog.MaxPackages // bounds DependsOn entries over all gems
	notLockedMessage = "required in DEPENDENCIES but locked for none of the lockfile's platforms"
)

type source struct {
	kind    string // GEM, GIT, PATH, PLUGIN SOURCE
	remotes []string
	options map[string]string
}

type spec struct {
	nv   nameVersion
	line int
	src  *source
	deps []string
	pkg  *sbom.Package
}

type direct struct {
	name, requirement string
	line              int
	found             bool
}

type parser struct {
	path    string
	probs   catalog.Problems
	sources []*source
	specs   []*spec
	direct  []*direct
	sums    map[string]string
	sumLine map[string]int
	plats   []string
	ruby    string
	bundler string
}

func (p *parser) errorf(line int, format string, args ...any) { p.probs.Errorf(line, format, args...) }

func (p *parser) err() error { return p.probs.Err() }

// Catalog parses one lockfile.
func (c *LockCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	p := &parser{path: f.Path, probs: catalog.Problems{Path: f.Path}, sums: map[string]string{}, sumLine: map[string]int{}}
	if err := p.parse(data); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &catalog.Result{Packages: p.packages(c.Name())}
	return res, p.err()
}

// parse reads the sections. It returns an error only for limit violations; problems with
// single lines are collected.
func (p *parser) parse(data []byte) error {
	var (
		section string
		src     *source
		cur     *spec
	)
	for n := 1; len(data) > 0; n++ {
		var raw []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			raw, data = data, nil
		}
		if len(raw) > catalog.MaxLineLength {
			return fmt.Errorf("%s:%d: %w (line longer than %d bytes)", p.path, n, catalog.ErrTooLarge, catalog.MaxLineLength)
		}
		line := strings.TrimSuffix(string(raw), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] != ' ' {
			section, src, cur = line, nil, nil
			switch line {
			case "GIT", "GEM", "PATH", "PLUGIN SOURCE":
				src = &source{kind: line, options: map[string]string{}}
				p.sources = append(p.sources, src)
			case "PLATFORMS", "DEPENDENCIES", "CHECKSUMS", "RUBY VERSION", "BUNDLED WITH":
			default:
				p.errorf(n, "unknown section %q; its lines were not read", line)
				section = ""
			}
			continue
		}
		switch section {
		case "":
			// lines of an unknown section, already reported
		case "GIT", "GEM", "PATH", "PLUGIN SOURCE":
			if line == "  specs:" {
				continue
			}
			if k, v, ok := option(line); ok {
				if k == "remote" {
					src.remotes = append(src.remotes, v)
				} else {
					src.options[k] = v
				}
				continue
			}
			nv, ok := parseNameVersion(line)
			switch {
			case ok && nv.indent == 4 && nv.paren && nv.version != "" && !nv.pinned && nv.checksum == "":
				if len(p.specs) >= catalog.MaxPackages {
					return fmt.Errorf("%s:%d: %w (more than %d gems)", p.path, n, catalog.ErrTooLarge, catalog.MaxPackages)
				}
				cur = &spec{nv: nv, line: n, src: src}
				p.specs = append(p.specs, cur)
			case ok && nv.indent == 6 && cur != nil && !nv.pinned && nv.checksum == "":
				cur.deps = append(cur.deps, nv.name)
			case ok && nv.indent == 6:
				p.errorf(n, "dependency %q outside a gem's entry", nv.name)
			default:
				p.errorf(n, "in %s: %q is neither an option, \"  specs:\", a gem \"    name (version)\" nor a dependency \"      name (requirements)\"", section, line)
			}
		case "PLATFORMS":
			if pl, ok := strings.CutPrefix(line, "  "); ok && pl != "" && !strings.ContainsAny(pl, " ") {
				p.plats = append(p.plats, pl)
			} else {
				p.errorf(n, "in PLATFORMS: %q is not \"  platform\"", line)
			}
		case "DEPENDENCIES":
			nv, ok := parseNameVersion(line)
			if !ok || nv.indent != 2 || nv.checksum != "" {
				p.errorf(n, "in DEPENDENCIES: %q is not \"  name (requirements)\"", line)
				continue
			}
			if len(p.direct) >= catalog.MaxPackages {
				return fmt.Errorf("%s:%d: %w (more than %d dependencies)", p.path, n, catalog.ErrTooLarge, catalog.MaxPackages)
			}
			p.direct = append(p.direct, &direct{name: nv.name, requirement: requirement(nv), line: n})
		case "CHECKSUMS":
			nv, ok := parseNameVersion(line)
			if !ok || nv.indent != 2 || !nv.paren || nv.pinned {
				p.errorf(n, "in CHECKSUMS: %q is not \"  name (version) algorithm=digest\"", line)
				continue
			}
			key := lockName(nv.name, nv.version, nv.platform)
			p.sums[key] = nv.checksum
			p.sumLine[key] = n
		case "RUBY VERSION":
			p.ruby = strings.TrimSpace(line)
		case "BUNDLED WITH":
			p.bundler = strings.TrimSpace(line)
		}
	}
	return nil
}

// option parses a source option line "  key: value" (Bundler's OPTIONS, /^  ([a-z]+): (.*)$/i).
func option(line string) (key, value string, ok bool) {
	rest, ok := strings.CutPrefix(line, "  ")
	if !ok {
		return "", "", false
	}
	key, value, ok = strings.Cut(rest, ": ")
	if !ok || key == "" {
		return "", "", false
	}
	for _, c := range key {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return "", "", false
		}
	}
	return key, value, true
}

// requirement is the text inside the parentheses of a DEPENDENCIES entry.
func requirement(nv nameVersion) string {
	if nv.platform != "" {
		return nv.version + "-" + nv.platform
	}
	return nv.version
}

// packages turns the parsed sections into packages.
func (p *parser) packages(foundBy string) []*sbom.Package {
	directByName := map[string]*direct{}
	for _, d := range p.direct {
		if directByName[d.name] == nil {
			directByName[d.name] = d
		}
	}
	byName := map[string][]*spec{}
	ids := map[string]int{}
	var pkgs []*sbom.Package
	for _, s := range p.specs {
		pkg := p.newPackage(s, foundBy)
		id := pkg.ID
		if k := ids[id]; k > 0 {
			pkg.ID = id + "#" + strconv.Itoa(k+1)
		}
		ids[id]++
		if d := directByName[s.nv.name]; d != nil {
			pkg.Relation = sbom.RelationDirect
			pkg.Constraint = d.requirement
			d.found = true
		} else {
			pkg.Relation = sbom.RelationTransitive
		}
		s.pkg = pkg
		byName[s.nv.name] = append(byName[s.nv.name], s)
		pkgs = append(pkgs, pkg)
	}
	edges := 0
	for _, s := range p.specs {
		var missing []string
		for _, dep := range s.deps {
			targets := byName[dep]
			if len(targets) == 0 {
				if dep != "bundler" {
					missing = append(missing, dep)
				}
				continue
			}
			// A dependency links to every platform variant of the gem; a crafted file that
			// locks one name many times would make that quadratic.
			if edges += len(targets); edges > maxEdges {
				p.probs.Limit(fmt.Errorf("%s:%d: %w (more than %d dependency edges; the graph is incomplete)", p.path, s.line, catalog.ErrTooLarge, maxEdges))
				continue
			}
			for _, t := range targets {
				if t != s {
					s.pkg.DependsOn = append(s.pkg.DependsOn, t.pkg.ID)
				}
			}
		}
		s.pkg.SetProperty(propMissingDeps, strings.Join(missing, ","))
	}
	known := make(map[string]bool, len(p.specs))
	for _, s := range p.specs {
		known[lockName(s.nv.name, s.nv.version, s.nv.platform)] = true
	}
	for key, line := range p.sumLine {
		if p.sums[key] != "" && !known[key] {
			p.errorf(line, "CHECKSUMS names %s, which no source lists", key)
		}
	}
	for _, d := range p.direct {
		if d.found {
			continue
		}
		pkg := &sbom.Package{
			ID: "DEPENDENCIES " + d.name, Name: d.name, Constraint: d.requirement, Unresolved: true,
			Ecosystem: sbom.EcosystemRubyGems, PURL: sbom.PURL("gem", "", d.name, ""),
			Locations: []sbom.Location{{Path: p.path, Line: d.line}},
			Relation:  sbom.RelationDirect, FoundBy: foundBy,
		}
		if ids[pkg.ID] > 0 {
			continue // listed twice
		}
		ids[pkg.ID]++
		pkg.SetProperty(propNotLocked, notLockedMessage)
		pkgs = append(pkgs, pkg)
	}
	return pkgs
}

func (p *parser) newPackage(s *spec, foundBy string) *sbom.Package {
	nv := s.nv
	key := lockName(nv.name, nv.version, nv.platform)
	pkg := &sbom.Package{
		ID:        key,
		Name:      nv.name,
		Version:   nv.version,
		Ecosystem: sbom.EcosystemRubyGems,
		Locations: []sbom.Location{{Path: p.path, Line: s.line}},
		FoundBy:   foundBy,
	}
	platform := nv.platform
	if platform == "ruby" {
		platform = ""
	}
	pkg.Arch = platform
	quals := []string{"platform", platform}
	src := s.src
	pkg.SetProperty(propSource, src.kind)
	remote := ""
	if len(src.remotes) > 0 {
		remote = src.remotes[0]
		pkg.SetProperty(propRemote, strings.Join(src.remotes, " "))
	}
	switch src.kind {
	case "GEM":
		if len(src.remotes) == 1 && strings.TrimSuffix(remote, "/") != strings.TrimSuffix(rubygemsOrg, "/") {
			quals = append(quals, "repository_url", remote)
		}
	case "GIT":
		vcs := &sbom.VCS{Type: "git", URL: remote, Revision: src.options["revision"]}
		for _, k := range []string{"branch", "tag", "ref"} {
			if v := src.options[k]; v != "" {
				vcs.Ref = v
				break
			}
		}
		pkg.VCS = vcs
		if remote != "" {
			v := "git+" + remote
			if vcs.Revision != "" {
				v += "@" + vcs.Revision
			}
			quals = append(quals, "vcs_url", v)
		}
	case "PATH":
		if remote == "." || remote == "./" {
			pkg.Type = sbom.TypeApplication
			pkg.SetProperty(propRubyVersion, p.ruby)
			pkg.SetProperty(propBundledWith, p.bundler)
			pkg.SetProperty(propPlatforms, strings.Join(p.plats, ","))
		}
	}
	pkg.PURL = sbom.PURL("gem", "", nv.name, nv.version, quals...)

	if sums := p.sums[key]; sums != "" {
		for _, sum := range strings.Split(sums, ",") {
			alg, digest, ok := strings.Cut(sum, "=")
			name, size := hashAlgorithm(alg)
			if !ok || name == "" || !isHex(digest, size) {
				p.errorf(p.sumLine[key], "checksum %q of %s is not \"sha256=<64 hex digits>\"", sum, key)
				continue
			}
			pkg.Hashes = append(pkg.Hashes, sbom.Hash{Algorithm: name, Value: strings.ToLower(digest)})
		}
	}
	return pkg
}

// hashAlgorithm maps the algorithm names of Bundler's checksums to CycloneDX names and digest
// lengths in hex digits. Bundler writes only sha256.
func hashAlgorithm(alg string) (string, int) {
	switch alg {
	case "sha256":
		return "SHA-256", 64
	case "sha512":
		return "SHA-512", 128
	}
	return "", 0
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
