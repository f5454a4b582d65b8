// Package dpkg catalogs the packages installed on Debian and Ubuntu root filesystems from the
// dpkg database: var/lib/dpkg/status, and var/lib/dpkg/status.d/<package> as Google's
// distroless images write it (one control paragraph per file, without Status field).
//
// The status file is a sequence of deb822 paragraphs (deb-control(5), Debian Policy §5.1:
// "Field: value" lines, continuation lines starting with a blank, paragraphs separated by blank
// lines). A paragraph is a package when its Status field ends in "installed" (deb-status(5): the
// want flag may be install or hold); paragraphs without Status (status.d) are installed
// packages. Depends and Pre-Depends give the dependency graph: each alternative group
// "a | b" resolves to the first alternative that is installed, by name or through Provides;
// version constraints and architecture qualifiers are not checked.
//
// Licences come from usr/share/doc/<package>/copyright when the target has it: the License
// fields of machine-readable files (DEP-5,
// https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/), otherwise the
// /usr/share/common-licenses/<name> files that free-form files refer to. They are Debian
// short names ("GPL-2+", "Expat"), kept verbatim.
package dpkg

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/osrelease"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Catalogers returns the catalogers of this package.
func Catalogers() []catalog.Cataloger { return []catalog.Cataloger{&Cataloger{}} }

// Cataloger reads the dpkg status database.
//
// Each package's purl is pkg:deb/<distro>/<name>@<version>?arch=<arch>&distro=<id>-<version_id>
// following the purl deb type: the version keeps its epoch ("1:2.38.1-5+b1"), the namespace
// is the os-release ID ("debian" when the target has no os-release). Ecosystem is the OSV
// ecosystem of the distribution (osrelease.Ecosystem, "Debian" when unknown), and the
// property "hallmark:os:ecosystem" records the OSV ecosystem with its release ("Debian:12").
type Cataloger struct{}

var (
	_ catalog.Cataloger      = (*Cataloger)(nil)
	_ catalog.RelatedMatcher = (*Cataloger)(nil)
)

// Name implements catalog.Cataloger.
func (*Cataloger) Name() string { return "dpkg-status" }

// Match accepts var/lib/dpkg/status and the files of var/lib/dpkg/status.d except their
// *.md5sums companions.
func (*Cataloger) Match(p string, mode fs.FileMode) bool {
	if !mode.IsRegular() && mode&fs.ModeType != 0 {
		return false
	}
	if p == "var/lib/dpkg/status" {
		return true
	}
	dir, base := path.Split(p)
	return dir == statusDir+"/" && statusDirFile(base)
}

// statusDir holds one file per package in distroless images.
const statusDir = "var/lib/dpkg/status.d"

func statusDirFile(base string) bool {
	return base != "" && !strings.HasPrefix(base, ".") && !strings.HasSuffix(base, ".md5sums")
}

// statusDirFiles lists the package files of status.d in fsys, sorted.
func statusDirFiles(fsys fs.FS) ([]string, error) {
	des, err := fs.ReadDir(fsys, statusDir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, de := range des {
		if statusDirFile(de.Name()) && de.Type().IsRegular() {
			names = append(names, de.Name())
		}
	}
	if len(names) > catalog.MaxPackages {
		return nil, fmt.Errorf("%s: %w (more than %d files)", statusDir, catalog.ErrTooLarge, catalog.MaxPackages)
	}
	return names, nil // fs.ReadDir sorts by name
}

// readStatusDir parses every file of status.d; f is the first of them. The first error is
// returned with the packages of the other files.
func (c *Cataloger) readStatusDir(ctx context.Context, f *catalog.File, names []string) ([]*entry, error) {
	var (
		entries  []*entry
		firstErr error
		total    int64
	)
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return entries, err
		}
		p := statusDir + "/" + name
		var data []byte
		var err error
		if p == f.Path {
			data, err = f.ReadAll(catalog.MaxManifestSize)
		} else {
			data, err = catalog.ReadFileFS(f.FS, p, catalog.MaxManifestSize-total)
		}
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("reading %s: %w", p, err)
			}
			if errors.Is(err, catalog.ErrTooLarge) {
				return entries, firstErr
			}
			continue
		}
		total += int64(len(data))
		es, err := parseStatus(p, data)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if len(entries)+len(es) > catalog.MaxPackages {
			return entries, fmt.Errorf("%s: %w (more than %d packages)", statusDir, catalog.ErrTooLarge, catalog.MaxPackages)
		}
		entries = append(entries, es...)
	}
	return entries, firstErr
}

// Related keeps os-release and the copyright files the cataloger reads through File.FS.
func (*Cataloger) Related(p string, mode fs.FileMode) bool {
	if p == "etc/os-release" || p == "usr/lib/os-release" || strings.HasPrefix(p, statusDir+"/") {
		return true
	}
	rest, ok := strings.CutPrefix(p, "usr/share/doc/")
	return ok && strings.Count(rest, "/") == 1 && strings.HasSuffix(rest, "/copyright")
}

// maxCopyrightSize bounds one copyright file. The largest in Debian are a few hundred KiB.
const maxCopyrightSize = 4 << 20

// Catalog implements catalog.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	var (
		entries []*entry
		perr    error
	)
	if dir, ok := strings.CutSuffix(f.Path, "/"+path.Base(f.Path)); ok && dir == statusDir && f.FS != nil {
		names, err := statusDirFiles(f.FS)
		if err == nil && len(names) > 0 {
			if names[0] != path.Base(f.Path) {
				// The first file of status.d catalogs the whole directory, so that the
				// dependencies between its packages are one graph.
				return &catalog.Result{}, nil
			}
			entries, perr = c.readStatusDir(ctx, f, names)
		}
	}
	if entries == nil && perr == nil {
		data, err := f.ReadAll(catalog.MaxManifestSize)
		if err != nil {
			return nil, err
		}
		entries, perr = parseStatus(f.Path, data)
	}
	if len(entries) == 0 {
		if perr != nil {
			return nil, perr
		}
		return &catalog.Result{}, nil
	}
	distro, _ := osrelease.Read(f.FS) // a missing or broken os-release only loses the qualifiers
	pkgs := c.packages(ctx, f, entries, distro)
	if perr != nil {
		return &catalog.Result{Packages: pkgs}, perr
	}
	return &catalog.Result{Packages: pkgs}, ctx.Err()
}

func (c *Cataloger) packages(ctx context.Context, f *catalog.File, entries []*entry, distro *sbom.Distro) []*sbom.Package {
	namespace, distroQ, eco, ecoRel := distroFacts(distro)
	pkgs := make([]*sbom.Package, 0, len(entries))
	byName, provides := newArchIndex(), newArchIndex()
	// Two paragraphs for the same name and architecture cannot both be installed; keep IDs
	// unique anyway.
	ids := map[string]int{}
	for _, e := range entries {
		e.id = uniqueID(ids, e.name+":"+e.arch)
		byName.add(e.name, e)
		for _, v := range e.provides {
			provides.add(v, e)
		}
	}
	for _, e := range entries {
		p := &sbom.Package{
			ID:            e.id,
			Name:          e.name,
			Version:       e.version,
			Ecosystem:     eco,
			PURL:          sbom.PURL("deb", namespace, strings.ToLower(e.name), e.version, "arch", e.arch, "distro", distroQ),
			Locations:     []sbom.Location{{Path: e.path, Line: e.line}},
			SourceName:    e.source,
			SourceVersion: e.sourceVersion,
			Arch:          e.arch,
			Description:   e.description,
			Supplier:      e.maintainer,
			Homepage:      e.homepage,
			FoundBy:       c.Name(),
		}
		if p.SourceName == "" {
			p.SourceName = e.name
		}
		if p.SourceVersion == "" {
			p.SourceVersion = e.version
		}
		p.SetProperty("hallmark:os:ecosystem", ecoRel)
		p.SetProperty("hallmark:deb:installed-size", e.installedSize)
		if e.status != "" && !strings.HasPrefix(e.status, "install ") {
			p.SetProperty("hallmark:deb:status", e.status)
		}
		if ctx.Err() == nil {
			p.Licenses = licenses(f.FS, e.name)
		}
		p.DependsOn = resolve(e, byName, provides)
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// distroFacts returns the purl namespace and distro qualifier, the OSV ecosystem and the OSV
// ecosystem with release for a target's distribution.
func distroFacts(d *sbom.Distro) (namespace, qualifier, eco, ecoRel string) {
	namespace, eco = "debian", sbom.EcosystemDebian
	if d == nil {
		return namespace, "", eco, eco
	}
	if d.ID != "" && d.ID != "linux" {
		namespace = strings.ToLower(d.ID)
		switch {
		case d.VersionID != "":
			qualifier = namespace + "-" + d.VersionID
		case d.VersionCodename != "":
			qualifier = namespace + "-" + d.VersionCodename
		}
	}
	e, rel := osrelease.Ecosystem(d)
	if e == "" {
		// A derivative (Kali, Mint, …): use the distribution it says it is like.
		for _, like := range d.IDLike {
			if l, _ := osrelease.Ecosystem(&sbom.Distro{ID: like}); l != "" {
				e = l
				break
			}
		}
	}
	if e != "" {
		eco = e
	}
	ecoRel = eco
	if rel != "" {
		ecoRel += ":" + rel
	}
	return namespace, qualifier, eco, ecoRel
}

// resolve returns the IDs of the installed packages e depends on.
func resolve(e *entry, byName, provides *archIndex) []string {
	var ids []string
	for _, group := range e.depends {
		for _, alt := range group {
			t := byName.pick(e, alt.name, alt.arch)
			if t == nil {
				t = provides.pick(e, alt.name, alt.arch)
			}
			if t != nil {
				if t != e {
					ids = append(ids, t.id)
				}
				break
			}
		}
	}
	return ids
}

// archIndex finds the entry a dependency names, by name and architecture, in constant time
// (a crafted database where many packages provide one name would otherwise make resolution
// quadratic).
type archIndex struct {
	first  map[string]*entry // name → first entry
	byArch map[string]*entry // name "\x00" arch → first entry of that architecture
}

func newArchIndex() *archIndex {
	return &archIndex{first: map[string]*entry{}, byArch: map[string]*entry{}}
}

func (x *archIndex) add(name string, e *entry) {
	if x.first[name] == nil {
		x.first[name] = e
	}
	if k := name + "\x00" + e.arch; x.byArch[k] == nil {
		x.byArch[k] = e
	}
}

// pick chooses among the entries of name the one matching the requested architecture
// qualifier ("" or "any": prefer e's own architecture, then "all", then the first).
func (x *archIndex) pick(e *entry, name, arch string) *entry {
	if arch != "" && arch != "any" {
		return x.byArch[name+"\x00"+arch]
	}
	if t := x.byArch[name+"\x00"+e.arch]; t != nil {
		return t
	}
	if t := x.byArch[name+"\x00all"]; t != nil {
		return t
	}
	return x.first[name]
}

// uniqueID returns id, or id with the first free suffix "#1", "#2", … when id is taken, and
// marks the result as taken. ids counts, per base ID, the suffixes handed out.
func uniqueID(ids map[string]int, id string) string {
	k := ids[id]
	ids[id] = k + 1
	if k == 0 {
		return id
	}
	for ; ; k++ {
		c := id + "#" + strconv.Itoa(k)
		if ids[c] == 0 {
			ids[c] = 1
			return c
		}
	}
}
