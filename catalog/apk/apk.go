// Package apk catalogs the packages installed on Alpine Linux (and other apk-based
// distributions such as Wolfi) from the apk database lib/apk/db/installed.
//
// The database (https://wiki.alpinelinux.org/wiki/Apk_spec, "Installed Database") is a
// sequence of paragraphs separated by blank lines; each line is a one-letter key, a colon and
// a value. The keys read here are P (name), V (version), A (architecture), o (origin, the
// source package), L (licence, an SPDX expression in current Alpine), T (description),
// U (URL), m (maintainer), C (the package checksum: "Q1" and the base64 SHA-1 of the control
// section), D (dependencies), p (provides), I (installed size) and c (aports commit). File
// lists (F, R, Z, a, M) are skipped.
//
// Dependencies ("musl>=1.2.3", "so:libc.musl-x86_64.so.1", "cmd:sh", "/bin/sh") resolve to the
// installed package of that name or, failing that, to the first installed package that
// provides it; version constraints are not checked and conflicts ("!name") are not edges.
package apk

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/osrelease"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Catalogers returns the catalogers of this package.
func Catalogers() []catalog.Cataloger { return []catalog.Cataloger{&Cataloger{}} }

// Cataloger reads the apk installed database.
//
// The purl is pkg:apk/<distro>/<name>@<version>?arch=<arch>&distro=<id>-<version_id> (purl
// apk type: the namespace is the os-release ID, "alpine" when unknown; the name is
// lower-cased). Ecosystem is osrelease.Ecosystem of the target ("Alpine" when unknown) and
// the property "hallmark:os:ecosystem" records the OSV ecosystem with its release ("Alpine:v3.20").
type Cataloger struct{}

var (
	_ catalog.Cataloger      = (*Cataloger)(nil)
	_ catalog.RelatedMatcher = (*Cataloger)(nil)
)

// Name implements catalog.Cataloger.
func (*Cataloger) Name() string { return "apk-installed" }

// Match accepts lib/apk/db/installed and usr/lib/apk/db/installed (apk-tools 3 on
// /usr-merged systems).
func (*Cataloger) Match(p string, mode fs.FileMode) bool {
	return (p == "lib/apk/db/installed" || p == "usr/lib/apk/db/installed") && mode&fs.ModeType == 0
}

// Related keeps os-release, read for the purl's distro qualifier.
func (*Cataloger) Related(p string, mode fs.FileMode) bool {
	return p == "etc/os-release" || p == "usr/lib/os-release"
}

// entry is one package paragraph.
type entry struct {
	line                 int // of the P line
	name, version, arch  string
	origin, license      string
	description, url     string
	maintainer, checksum string
	installedSize        string
	commit               string
	depends, provides    []string
	id                   string
}

// Catalog implements catalog.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	entries, perr := parse(f.Path, data)
	if len(entries) == 0 {
		if perr != nil {
			return nil, perr
		}
		return &catalog.Result{}, nil
	}
	distro, _ := osrelease.Read(f.FS) // a missing os-release only loses the qualifiers
	pkgs := c.packages(f.Path, entries, distro)
	if perr == nil {
		perr = ctx.Err()
	}
	return &catalog.Result{Packages: pkgs}, perr
}

func (c *Cataloger) packages(path string, entries []*entry, d *sbom.Distro) []*sbom.Package {
	namespace, qualifier, eco, ecoRel := "alpine", "", sbom.EcosystemAlpine, sbom.EcosystemAlpine
	if d != nil && d.ID != "" && d.ID != "linux" {
		namespace = strings.ToLower(d.ID)
		if d.VersionID != "" {
			qualifier = namespace + "-" + d.VersionID
		}
		if e, rel := osrelease.Ecosystem(d); e != "" {
			eco, ecoRel = e, e
			if rel != "" {
				ecoRel += ":" + rel
			}
		} else {
			ecoRel = eco
		}
	}
	byName := map[string]*entry{}
	provides := map[string]*entry{}
	ids := map[string]int{}
	for _, e := range entries {
		e.id = uniqueID(ids, e.name)
		if byName[e.name] == nil {
			byName[e.name] = e
		}
		for _, p := range e.provides {
			if provides[p] == nil {
				provides[p] = e
			}
		}
	}
	pkgs := make([]*sbom.Package, 0, len(entries))
	for _, e := range entries {
		p := &sbom.Package{
			ID:            e.id,
			Name:          e.name,
			Version:       e.version,
			Ecosystem:     eco,
			PURL:          sbom.PURL("apk", namespace, strings.ToLower(e.name), e.version, "arch", e.arch, "distro", qualifier),
			Locations:     []sbom.Location{{Path: path, Line: e.line}},
			SourceName:    e.origin,
			SourceVersion: e.version,
			Arch:          e.arch,
			Description:   e.description,
			Supplier:      e.maintainer,
			Homepage:      e.url,
			FoundBy:       c.Name(),
		}
		if p.SourceName == "" {
			p.SourceName = e.name
		}
		if e.license != "" {
			p.Licenses = []string{e.license}
		}
		if h := checksum(e.checksum); h != "" {
			p.Hashes = []sbom.Hash{{Algorithm: "SHA-1", Value: h}}
		}
		p.SetProperty("hallmark:os:ecosystem", ecoRel)
		p.SetProperty("hallmark:apk:installed-size", e.installedSize)
		p.SetProperty("hallmark:apk:commit", e.commit)
		done := map[string]bool{}
		for _, dep := range e.depends {
			t := byName[dep]
			if t == nil {
				t = provides[dep]
			}
			if t != nil && t != e && !done[t.id] {
				done[t.id] = true
				p.DependsOn = append(p.DependsOn, t.id)
			}
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// checksum converts apk's "Q1<base64 SHA-1>" into lower-case hex, or "" for other forms
// (apk also knows "<hex MD5>" from very old databases, which is not an identity worth
// keeping).
func checksum(s string) string {
	b64, ok := strings.CutPrefix(s, "Q1")
	if !ok {
		return ""
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 20 {
		return ""
	}
	return hex.EncodeToString(raw)
}

// parse reads the paragraphs of an installed database. A malformed paragraph is reported
// (the first one only) and skipped.
func parse(path string, data []byte) ([]*entry, error) {
	var (
		entries  []*entry
		firstErr error
		cur      *entry
		start    int
		bad      bool
	)
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	flush := func() bool {
		defer func() { cur, bad = nil, false }()
		if cur == nil || bad {
			return true
		}
		switch {
		case cur.name == "":
			fail(catalog.Errorf(path, start, "package entry without a P: (name) line"))
			return true
		case cur.version == "":
			fail(catalog.Errorf(path, cur.line, "package %s has no V: (version) line", cur.name))
			return true
		}
		if len(entries) >= catalog.MaxPackages {
			fail(fmt.Errorf("%s: %w (more than %d packages)", path, catalog.ErrTooLarge, catalog.MaxPackages))
			return false
		}
		entries = append(entries, cur)
		return true
	}
	line := 0
	for len(data) > 0 {
		line++
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		if len(l) > catalog.MaxLineLength {
			fail(catalog.Errorf(path, line, "line longer than %d bytes", catalog.MaxLineLength))
			return entries, firstErr
		}
		l = bytes.TrimSuffix(l, []byte{'\r'})
		if len(l) == 0 {
			if !flush() {
				return entries, firstErr
			}
			continue
		}
		if cur == nil {
			cur, start = &entry{}, line
		}
		if bad {
			continue
		}
		if len(l) < 2 || l[1] != ':' {
			fail(catalog.Errorf(path, line, "line %q is not a \"K:value\" line", trunc(string(l))))
			bad = true
			continue
		}
		if strings.IndexByte(usedKeys, l[0]) < 0 {
			continue // file lists, ACLs, build time, …
		}
		v := string(l[2:])
		switch l[0] {
		case 'P':
			cur.name, cur.line = v, line
		case 'V':
			cur.version = v
		case 'A':
			cur.arch = v
		case 'o':
			cur.origin = v
		case 'L':
			cur.license = v
		case 'T':
			cur.description = v
		case 'U':
			cur.url = v
		case 'm':
			cur.maintainer = v
		case 'C':
			cur.checksum = v
		case 'I':
			cur.installedSize = v
		case 'c':
			cur.commit = v
		case 'D':
			for _, d := range strings.Fields(v) {
				if strings.HasPrefix(d, "!") {
					continue // conflict
				}
				if n := depName(d); n != "" {
					cur.depends = append(cur.depends, n)
				}
			}
		case 'p':
			for _, d := range strings.Fields(v) {
				if n := depName(d); n != "" {
					cur.provides = append(cur.provides, n)
				}
			}
		}
	}
	flush()
	return entries, firstErr
}

// usedKeys are the keys parse reads.
const usedKeys = "PVAoLTUmCIcDp"

// depName returns the name of a dependency or provides token ("musl>=1.2.3" → "musl",
// "so:libz.so.1=1.3.1" → "so:libz.so.1").
func depName(s string) string {
	if i := strings.IndexAny(s, "<>=~"); i >= 0 {
		s = s[:i]
	}
	return s
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
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
