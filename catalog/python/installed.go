package python

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// InstalledCataloger reads the metadata of installed distributions
// (https://packaging.python.org/en/latest/specifications/core-metadata/ and
// https://packaging.python.org/en/latest/specifications/recording-installed-packages/):
// <name>-<version>.dist-info/METADATA, <name>.egg-info/PKG-INFO, egg-info files and
// <name>.egg/EGG-INFO/PKG-INFO, in site-packages or dist-packages of a root filesystem or
// anywhere in a tree.
//
// It records Name, Version, Summary, the licence (License-Expression; else a short License
// field; else the License :: classifiers, mapped to SPDX identifiers where they are
// unambiguous and kept verbatim otherwise), Home-page or the Homepage Project-URL, and the
// author as supplier. The location is the metadata file.
//
// Requires-Dist becomes dependency edges between distributions of the same directory: when
// File.FS lets it list the directory, the cataloger reports the whole directory once, from
// the first metadata file in path order, so that the edges stay within one result; other
// metadata files of the directory then yield nothing. Requirements that apply only to an
// extra ("; extra == ...") are not edges, since the metadata does not say which extras were
// installed.
//
// A cataloger lists each directory once however many metadata files it holds, and keeps the
// listing until every metadata file of it has been offered: use a new InstalledCataloger (see
// Catalogers) for each walk. The zero value is ready to use; it is safe for concurrent use.
type InstalledCataloger struct {
	mu    sync.Mutex
	sites map[siteKey]*siteDir // guarded by mu
}

// siteKey names a directory of distributions within one target.
type siteKey struct {
	fsys fs.FS // of a comparable type (see cacheable)
	dir  string
}

// siteDir is the listing of one directory of distributions, made once.
type siteDir struct {
	once  sync.Once
	files []string // metadata files, sorted; nil when the directory cannot be listed
	left  int      // files of the listing not offered yet; guarded by InstalledCataloger.mu
}

var _ catalog.Cataloger = (*InstalledCataloger)(nil)

// Name implements catalog.Cataloger.
func (*InstalledCataloger) Name() string { return "python-installed" }

// Match implements catalog.Cataloger.
func (*InstalledCataloger) Match(p string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	base, dir := path.Base(p), path.Dir(p)
	switch base {
	case "METADATA":
		return strings.HasSuffix(dir, ".dist-info")
	case "PKG-INFO":
		return strings.HasSuffix(dir, ".egg-info") || path.Base(dir) == "EGG-INFO"
	}
	return strings.HasSuffix(base, ".egg-info")
}

// distMeta is the metadata file of one installed distribution.
type distMeta struct {
	path string
	pkg  *sbom.Package
	reqs []string // normalised names of Requires-Dist without extra markers
}

// Catalog implements catalog.Cataloger.
func (c *InstalledCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	files, leader := c.siblings(f)
	if !leader {
		return &catalog.Result{}, nil
	}
	var errs []error
	var dists []*distMeta
	byName := map[string][]string{}
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		var data []byte
		var err error
		if name == f.Path {
			data, err = f.ReadAll(catalog.MaxManifestSize)
		} else {
			data, err = catalog.ReadFileFS(f.FS, name, catalog.MaxManifestSize)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		d, err := c.parse(name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		d.pkg.ID = name
		dists = append(dists, d)
		byName[d.pkg.Name] = append(byName[d.pkg.Name], d.pkg.ID)
	}
	pkgs := make([]*sbom.Package, 0, len(dists))
	g := newGraph(f.Path)
	for _, d := range dists {
	reqs:
		for _, r := range d.reqs {
			for _, id := range byName[r] {
				if !g.link(d.pkg, id) {
					break reqs
				}
			}
		}
		pkgs = append(pkgs, d.pkg)
	}
	if g.err != nil {
		errs = append(errs, g.err)
	}
	return &catalog.Result{Packages: pkgs}, errors.Join(errs...)
}

// siblings returns the metadata files to catalog for f and whether f leads its directory:
// all metadata files of f's site directory when f is the first of them, or f alone when the
// directory cannot be listed.
func (c *InstalledCataloger) siblings(f *catalog.File) ([]string, bool) {
	alone := []string{f.Path}
	if f.FS == nil {
		return alone, true
	}
	site := path.Dir(f.Path)
	if base := path.Base(f.Path); base == "METADATA" || base == "PKG-INFO" {
		if path.Base(site) == "EGG-INFO" {
			return alone, true
		}
		site = path.Dir(site)
	}
	var files []string
	if cacheable(f.FS) {
		files = c.listing(f.FS, site, f.Path)
	} else {
		files = listSite(f.FS, site)
	}
	switch {
	case !listed(files, f.Path):
		return alone, true
	case files[0] != f.Path:
		return nil, false // another file leads
	}
	return files, true
}

// listed reports whether file is one of files, a listing of listSite.
func listed(files []string, file string) bool {
	_, ok := slices.BinarySearch(files, file)
	return ok
}

// listing returns the metadata files of site in fsys, listing the directory the first time
// one of its files is offered, and forgets the listing once all of them have been.
func (c *InstalledCataloger) listing(fsys fs.FS, site, file string) []string {
	k := siteKey{fsys, site}
	c.mu.Lock()
	d := c.sites[k]
	if d == nil {
		d = &siteDir{left: -1}
		if c.sites == nil {
			c.sites = map[siteKey]*siteDir{}
		}
		c.sites[k] = d
	}
	c.mu.Unlock()
	d.once.Do(func() { d.files = listSite(fsys, site) })

	c.mu.Lock()
	defer c.mu.Unlock()
	if d.left < 0 {
		d.left = len(d.files)
	}
	if listed(d.files, file) {
		if d.left--; d.left <= 0 && c.sites[k] == d {
			delete(c.sites, k)
		}
	}
	return d.files
}

// cacheable reports whether fsys can be part of a map key: file systems of a type that is not
// comparable (fstest.MapFS) are listed once per file instead.
func cacheable(fsys fs.FS) bool {
	return reflect.TypeOf(fsys).Comparable()
}

// listSite returns the metadata files of the distributions in the directory site, sorted, or
// nil when it cannot be listed or holds more entries than a cataloger reads.
func listSite(fsys fs.FS, site string) []string {
	entries, err := fs.ReadDir(fsys, site)
	if err != nil || len(entries) > catalog.MaxPackages {
		return nil
	}
	var files []string
	for _, e := range entries {
		n := e.Name()
		var meta string
		switch {
		case strings.HasSuffix(n, ".dist-info") && e.IsDir():
			meta = path.Join(site, n, "METADATA")
		case strings.HasSuffix(n, ".egg-info") && e.IsDir():
			meta = path.Join(site, n, "PKG-INFO")
		case strings.HasSuffix(n, ".egg-info"):
			meta = path.Join(site, n)
		default:
			continue
		}
		if st, err := fs.Stat(fsys, meta); err != nil || !st.Mode().IsRegular() {
			continue
		}
		files = append(files, meta)
	}
	slices.Sort(files) // "a.egg-info/PKG-INFO" sorts after "a.egg-info.egg-info"
	return files
}

// parse reads core metadata (RFC 822-style headers; the body is the description).
func (c *InstalledCataloger) parse(file string, data []byte) (*distMeta, error) {
	h, err := parseHeaders(file, data)
	if err != nil {
		return nil, err
	}
	name, version := h.get("Name"), h.get("Version")
	if !validName(name) {
		return nil, catalog.Errorf(file, 0, "no valid Name header in distribution metadata")
	}
	if version == "" {
		return nil, catalog.Errorf(file, 0, "distribution %s has no Version header", name)
	}
	p := newPackage(c.Name(), name, version, file, 0)
	p.Description = h.get("Summary")
	p.Licenses = metadataLicenses(h)
	p.Homepage = h.get("Home-page")
	if p.Homepage == "" || p.Homepage == "UNKNOWN" {
		p.Homepage = projectURL(h.all("Project-URL"))
	}
	for _, k := range []string{"Author", "Author-email", "Maintainer", "Maintainer-email"} {
		if v := h.get(k); v != "" && v != "UNKNOWN" {
			p.Supplier = v
			break
		}
	}
	d := &distMeta{path: file, pkg: p}
	for _, rd := range h.all("Requires-Dist") {
		r, err := parseRequirement(rd)
		if err != nil || strings.Contains(r.Marker, "extra") {
			continue
		}
		d.reqs = append(d.reqs, Normalize(r.Name))
	}
	return d, nil
}

// headers holds metadata fields in order; a field may repeat.
type headers [][2]string

func (h headers) get(k string) string {
	for _, kv := range h {
		if strings.EqualFold(kv[0], k) {
			return kv[1]
		}
	}
	return ""
}

func (h headers) all(k string) []string {
	var out []string
	for _, kv := range h {
		if strings.EqualFold(kv[0], k) {
			out = append(out, kv[1])
		}
	}
	return out
}

// parseHeaders parses the header block, unfolding continuation lines.
func parseHeaders(file string, data []byte) (headers, error) {
	var h headers
	s := string(data)
	line := 0
	for len(s) > 0 {
		line++
		var l string
		l, s, _ = strings.Cut(s, "\n")
		l = strings.TrimSuffix(l, "\r")
		if strings.TrimSpace(l) == "" {
			break // end of headers; the description follows
		}
		if l[0] == ' ' || l[0] == '\t' {
			if len(h) == 0 {
				return nil, catalog.Errorf(file, line, "continuation line before the first header")
			}
			h[len(h)-1][1] += "\n" + strings.TrimSpace(l)
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, catalog.Errorf(file, line, "not a metadata header: %s", quote(l))
		}
		h = append(h, [2]string{k, strings.TrimSpace(v)})
	}
	return h, nil
}

// metadataLicenses returns the licence of a distribution as SPDX expressions where possible.
func metadataLicenses(h headers) []string {
	if e := h.get("License-Expression"); e != "" {
		return []string{e}
	}
	if l := strings.TrimSpace(h.get("License")); l != "" && l != "UNKNOWN" && !strings.Contains(l, "\n") && len(l) <= 100 {
		if id, ok := licenseNames[strings.ToLower(l)]; ok {
			return []string{id}
		}
		return []string{l}
	}
	var out []string
	for _, cl := range h.all("Classifier") {
		rest, ok := strings.CutPrefix(cl, "License ::")
		if !ok {
			continue
		}
		segs := strings.Split(rest, "::")
		last := strings.TrimSpace(segs[len(segs)-1])
		if last == "OSI Approved" {
			continue
		}
		if id, ok := licenseNames[strings.ToLower(last)]; ok {
			last = id
		}
		out = append(out, last)
	}
	return out
}

// licenseNames maps License :: classifiers and common License values to SPDX identifiers,
// only where the mapping is unambiguous.
var licenseNames = map[string]string{
	"mit license":                                                     "MIT",
	"mit":                                                             "MIT",
	"apache software license":                                         "Apache-2.0",
	"apache 2.0":                                                      "Apache-2.0",
	"apache license 2.0":                                              "Apache-2.0",
	"apache license, version 2.0":                                     "Apache-2.0",
	"apache-2.0":                                                      "Apache-2.0",
	"isc license (iscl)":                                              "ISC",
	"python software foundation license":                              "PSF-2.0",
	"mozilla public license 2.0 (mpl 2.0)":                            "MPL-2.0",
	"mozilla public license 1.1 (mpl 1.1)":                            "MPL-1.1",
	"gnu general public license v2 (gplv2)":                           "GPL-2.0-only",
	"gnu general public license v2 or later (gplv2+)":                 "GPL-2.0-or-later",
	"gnu general public license v3 (gplv3)":                           "GPL-3.0-only",
	"gnu general public license v3 or later (gplv3+)":                 "GPL-3.0-or-later",
	"gnu lesser general public license v2 (lgplv2)":                   "LGPL-2.0-only",
	"gnu lesser general public license v2 or later (lgplv2+)":         "LGPL-2.0-or-later",
	"gnu lesser general public license v3 (lgplv3)":                   "LGPL-3.0-only",
	"gnu lesser general public license v3 or later (lgplv3+)":         "LGPL-3.0-or-later",
	"gnu affero general public license v3":                            "AGPL-3.0-only",
	"gnu affero general public license v3 or later (agplv3+)":         "AGPL-3.0-or-later",
	"the unlicense (unlicense)":                                       "Unlicense",
	"zlib/libpng license":                                             "Zlib",
	"eclipse public license 2.0 (epl-2.0)":                            "EPL-2.0",
	"boost software license 1.0 (bsl-1.0)":                            "BSL-1.0",
	"historical permission notice and disclaimer (hpnd)":              "HPND",
	"cc0 1.0 universal (cc0 1.0) public domain dedication":            "CC0-1.0",
	"european union public licence 1.2 (eupl 1.2)":                    "EUPL-1.2",
	"universal permissive license (upl)":                              "UPL-1.0",
	"mit no attribution license (mit-0)":                              "MIT-0",
	"bsd-3-clause":                                                    "BSD-3-Clause",
	"bsd-2-clause":                                                    "BSD-2-Clause",
	"3-clause bsd license":                                            "BSD-3-Clause",
	"new bsd license":                                                 "BSD-3-Clause",
	"simplified bsd license":                                          "BSD-2-Clause",
	"psf":                                                             "PSF-2.0",
	"python software foundation license version 2":                    "PSF-2.0",
	"eclipse public license 1.0 (epl-1.0)":                            "EPL-1.0",
	"common development and distribution license 1.0 (cddl-1.0)":      "CDDL-1.0",
	"european union public licence 1.1 (eupl 1.1)":                    "EUPL-1.1",
	"sil open font license 1.1 (ofl-1.1)":                             "OFL-1.1",
	"w3c license":                                                     "W3C",
	"apache license version 2.0":                                      "Apache-2.0",
	"cecill-2.1":                                                      "CECILL-2.1",
	"mozilla public license 1.0 (mpl)":                                "MPL-1.0",
	"sun industry standards source license (sissl)":                   "SISSL",
	"nasa open source agreement v1.3 (nasa-1.3)":                      "NASA-1.3",
	"nokia open source license (nokos)":                               "Nokia",
	"python license (cnri python license)":                            "CNRI-Python",
	"qt public license (qpl)":                                         "QPL-1.0",
	"ricoh source code public license":                                "RSCPL",
	"sleepycat license":                                               "Sleepycat",
	"university of illinois/ncsa open source license":                 "NCSA",
	"vovida software license 1.0":                                     "VSL-1.0",
	"intel open source license":                                       "Intel",
	"motosoto license":                                                "Motosoto",
	"ibm public license":                                              "IPL-1.0",
	"european union public licence 1.0 (eupl 1.0)":                    "EUPL-1.0",
	"blue oak model license (blueoak-1.0.0)":                          "BlueOak-1.0.0",
	"attribution assurance license":                                   "AAL",
	"cea cnrs inria logiciel libre license, version 2.1 (cecill-2.1)": "CECILL-2.1",
}

// projectURL picks the home page from Project-URL fields ("Homepage, https://…").
func projectURL(urls []string) string {
	best, rank := "", 99
	for _, pu := range urls {
		label, u, ok := strings.Cut(pu, ",")
		if !ok {
			continue
		}
		l := strings.NewReplacer(" ", "", "-", "", "_", "", ".", "").Replace(strings.ToLower(label))
		for i, want := range []string{"homepage", "home", "repository", "source", "sourcecode", "code", "github"} {
			if l == want && i < rank {
				best, rank = strings.TrimSpace(u), i
			}
		}
	}
	return best
}
