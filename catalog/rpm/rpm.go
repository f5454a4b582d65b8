// Package rpm catalogs the packages installed on RPM-based root filesystems (Fedora, RHEL and
// its rebuilds, openSUSE, Azure Linux, …) from the rpm database in SQLite form,
// var/lib/rpm/rpmdb.sqlite or usr/lib/sysimage/rpm/rpmdb.sqlite (rpm ≥ 4.16).
//
// The database's Packages table holds one rpm header blob per installed package; this package
// decodes the header structure itself (header.go) with strict bounds checks, as rpm's
// headerImport does. The legacy Berkeley DB (Packages) and NDB (Packages.db) databases are
// recognised and reported as unsupported rather than skipped silently.
//
// Dependencies (REQUIRENAME) resolve to the installed package of that name or, failing that,
// to the first installed package that provides it (PROVIDENAME); rpmlib() and file
// requirements that no package provides by name are not edges, and versions are not checked.
// The gpg-pubkey entries rpm keeps for imported signing keys are not packages and are left out.
package rpm

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/osrelease"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Catalogers returns the catalogers of this package.
func Catalogers() []catalog.Cataloger { return []catalog.Cataloger{&Cataloger{}} }

// Limits on the database and its headers.
const (
	// MaxDBSize bounds an rpm database that has to be copied to a temporary file.
	MaxDBSize = 2 << 30
	// MaxHeaderSize bounds one header blob; rpm's own limit on the data store is 256 MiB.
	MaxHeaderSize = 64 << 20
)

// Cataloger reads rpmdb.sqlite.
//
// Version is "[epoch:]version-release", the form rpm compares and OSV advisories for
// AlmaLinux, Rocky Linux and Red Hat use ("1:0.1.15-2.el8"). The purl follows the purl rpm
// type: pkg:rpm/<distro id>/<name>@<version>-<release>?arch=<arch>&epoch=<epoch>&distro=<id>-<version_id>,
// the epoch being a qualifier. Ecosystem is osrelease.Ecosystem of the target (AlmaLinux,
// Rocky Linux, Red Hat, openSUSE, SUSE); OSV has no ecosystem for other RPM distributions
// (Fedora, CentOS, Amazon Linux, …), and for them it is empty: the purl type still says how
// to compare versions. The property "hallmark:os:ecosystem" records the OSV ecosystem with its
// release ("AlmaLinux:9").
type Cataloger struct{}

var (
	_ catalog.Cataloger      = (*Cataloger)(nil)
	_ catalog.RelatedMatcher = (*Cataloger)(nil)
)

// Name implements catalog.Cataloger.
func (*Cataloger) Name() string { return "rpm-db" }

var dbDirs = []string{"var/lib/rpm/", "usr/lib/sysimage/rpm/"}

// Match accepts rpmdb.sqlite, and the Berkeley DB and NDB databases to report them as
// unsupported, in var/lib/rpm and usr/lib/sysimage/rpm.
func (*Cataloger) Match(p string, mode fs.FileMode) bool {
	if mode&fs.ModeType != 0 {
		return false
	}
	for _, d := range dbDirs {
		if rest, ok := strings.CutPrefix(p, d); ok {
			return rest == "rpmdb.sqlite" || rest == "Packages" || rest == "Packages.db"
		}
	}
	return false
}

// Related keeps os-release, read for the purl's distro qualifier.
func (*Cataloger) Related(p string, mode fs.FileMode) bool {
	return p == "etc/os-release" || p == "usr/lib/os-release"
}

// Catalog implements catalog.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	if !strings.HasSuffix(f.Path, "/rpmdb.sqlite") {
		return nil, fmt.Errorf("%s: %w: the Berkeley DB and NDB rpm databases cannot be read yet (rpm ≥ 4.16 uses rpmdb.sqlite)", f.Path, catalog.ErrUnsupported)
	}
	name, cleanup, err := localFile(f)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	infos, perr := readDB(ctx, f.Path, name)
	if len(infos) == 0 {
		if perr != nil {
			return nil, perr
		}
		return &catalog.Result{}, nil
	}
	distro, _ := osrelease.Read(f.FS) // a missing os-release only loses the qualifiers
	return &catalog.Result{Packages: c.packages(f.Path, infos, distro)}, perr
}

// localFile returns a name SQLite can open for f: its own file, or a temporary copy.
func localFile(f *catalog.File) (string, func(), error) {
	if f.OSPath != "" {
		abs, err := filepath.Abs(f.OSPath)
		return abs, func() {}, err
	}
	if f.Size > MaxDBSize {
		return "", nil, fmt.Errorf("%s: %w (%d bytes, limit %d)", f.Path, catalog.ErrTooLarge, f.Size, int64(MaxDBSize))
	}
	tmp, err := os.CreateTemp("", "hallmark-rpmdb-*.sqlite")
	if err != nil {
		return "", nil, fmt.Errorf("copying %s: %w", f.Path, err)
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := io.Copy(tmp, io.LimitReader(f.Reader(), MaxDBSize)); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("copying %s: %w", f.Path, err)
	}
	if err := tmp.Close(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("copying %s: %w", f.Path, err)
	}
	return tmp.Name(), cleanup, nil
}

// readDB reads every header of the Packages table. The database is opened read-only and
// immutable: nothing is written beside it (no -shm or -wal file), and a -wal file left by
// an unclean shutdown is not read.
func readDB(ctx context.Context, rel, name string) ([]*pkgInfo, error) {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(name), RawQuery: "mode=ro&immutable=1"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", rel, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx,
		`SELECT hnum, CASE WHEN length(blob) <= ? THEN blob END, length(blob) FROM Packages ORDER BY hnum`,
		MaxHeaderSize)
	if err != nil {
		return nil, catalog.Errorf(rel, 0, "not an rpm database: %v", err)
	}
	defer rows.Close()
	var (
		infos    []*pkgInfo
		firstErr error
	)
	for rows.Next() {
		var (
			hnum int64
			blob []byte
			size int64
		)
		if err := rows.Scan(&hnum, &blob, &size); err != nil {
			return infos, catalog.Errorf(rel, 0, "reading the Packages table: %v", err)
		}
		if size > MaxHeaderSize {
			if firstErr == nil {
				firstErr = fmt.Errorf("%s: package header %d: %w (%d bytes, limit %d)", rel, hnum, catalog.ErrTooLarge, size, MaxHeaderSize)
			}
			continue
		}
		p, err := readPackage(blob)
		if err != nil {
			if firstErr == nil {
				firstErr = catalog.Errorf(rel, 0, "package header %d: %v", hnum, err)
			}
			continue
		}
		if p.name == "gpg-pubkey" {
			continue // an imported signing key, not software
		}
		if len(infos) >= catalog.MaxPackages {
			return infos, fmt.Errorf("%s: %w (more than %d packages)", rel, catalog.ErrTooLarge, catalog.MaxPackages)
		}
		infos = append(infos, p)
	}
	if err := rows.Err(); err != nil {
		if ctx.Err() != nil {
			return infos, ctx.Err()
		}
		return infos, catalog.Errorf(rel, 0, "reading the Packages table: %v", err)
	}
	return infos, firstErr
}

func (c *Cataloger) packages(path string, infos []*pkgInfo, d *sbom.Distro) []*sbom.Package {
	namespace, qualifier, eco, ecoRel := "", "", "", ""
	if d != nil && d.ID != "" && d.ID != "linux" {
		namespace = strings.ToLower(d.ID)
		if d.VersionID != "" {
			qualifier = namespace + "-" + d.VersionID
		}
		var rel string
		eco, rel = osrelease.Ecosystem(d)
		ecoRel = eco
		if eco != "" && rel != "" {
			ecoRel += ":" + rel
		}
	}
	ids := make([]string, len(infos))
	byName := map[string]int{}
	provides := map[string]int{}
	seen := map[string]int{}
	for i, p := range infos {
		id := p.name + "@" + p.evr()
		if p.arch != "" {
			id += "." + p.arch
		}
		ids[i] = uniqueID(seen, id)
		if _, ok := byName[p.name]; !ok {
			byName[p.name] = i
		}
		for _, pr := range p.provides {
			if _, ok := provides[pr]; !ok {
				provides[pr] = i
			}
		}
	}
	pkgs := make([]*sbom.Package, 0, len(infos))
	for i, p := range infos {
		version := p.version
		if p.release != "" {
			version += "-" + p.release
		}
		epoch := ""
		if p.hasEpoch {
			epoch = strconv.FormatInt(p.epoch, 10)
		}
		pkg := &sbom.Package{
			ID:          ids[i],
			Name:        p.name,
			Version:     p.evr(),
			Ecosystem:   eco,
			PURL:        sbom.PURL("rpm", namespace, p.name, version, "arch", p.arch, "epoch", epoch, "distro", qualifier),
			Locations:   []sbom.Location{{Path: path}},
			Arch:        p.arch,
			Description: p.summary,
			Supplier:    p.vendor,
			Homepage:    p.url,
			FoundBy:     c.Name(),
		}
		pkg.SourceName, pkg.SourceVersion = sourceNameVersion(p.sourceRPM)
		if p.license != "" {
			pkg.Licenses = []string{p.license}
		}
		// RPMTAG_SIGMD5 is computed over the header and payload, not over the .rpm file, so it
		// would not match an MD5 of the package file: it is a property, not a hash.
		pkg.SetProperty("hallmark:rpm:sigmd5", p.sigMD5)
		pkg.SetProperty("hallmark:os:ecosystem", ecoRel)
		pkg.SetProperty("hallmark:rpm:sourcerpm", p.sourceRPM)
		pkg.SetProperty("hallmark:rpm:packager", p.packager)
		pkg.SetProperty("hallmark:rpm:modularitylabel", p.modularity)
		pkg.SetProperty("hallmark:rpm:sha256header", p.sha256Header)
		if p.size > 0 {
			pkg.SetProperty("hallmark:rpm:size", strconv.FormatInt(p.size, 10))
		}
		if algo := payloadAlgos[p.payloadAlgo]; p.payloadDigest != "" && algo != "" {
			pkg.SetProperty("hallmark:rpm:payload-digest", strings.ToLower(algo)+":"+p.payloadDigest)
		}
		done := map[int]bool{}
		for _, r := range p.requires {
			j, ok := byName[r]
			if !ok {
				j, ok = provides[r]
			}
			if ok && j != i && !done[j] {
				done[j] = true
				pkg.DependsOn = append(pkg.DependsOn, ids[j])
			}
		}
		pkgs = append(pkgs, pkg)
	}
	return pkgs
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
