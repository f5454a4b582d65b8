package python

import (
	"context"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
)

const site = "installed/venv/lib/python3.11/site-packages/"

func TestInstalledMatch(t *testing.T) {
	c := &InstalledCataloger{}
	for p, want := range map[string]bool{
		site + "requests-2.31.0.dist-info/METADATA":                             true,
		"usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO":            true,
		"usr/lib/python3/dist-packages/distro-1.8.0.egg-info":                   true,
		"usr/lib/python3.11/site-packages/foo-1.0-py3.11.egg/EGG-INFO/PKG-INFO": true,
		site + "requests-2.31.0.dist-info/RECORD":                               false,
		"sdist/PKG-INFO": false,
		"METADATA":       false,
	} {
		if got := c.Match(p, 0o644); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestInstalled(t *testing.T) {
	c := &InstalledCataloger{}
	// The first metadata file of a directory reports the whole directory, with edges.
	res := expect(t, c, "testdata", site+"attrs-25.3.0.dist-info/METADATA", []row{
		{ID: "installed/venv/lib/python3.11/site-packages/attrs-25.3.0.dist-info/METADATA", Name: "attrs", Version: "25.3.0", PURL: "pkg:pypi/attrs@25.3.0", Loc: "installed/venv/lib/python3.11/site-packages/attrs-25.3.0.dist-info/METADATA"},
		{ID: "installed/venv/lib/python3.11/site-packages/certifi-2023.7.22.dist-info/METADATA", Name: "certifi", Version: "2023.7.22", PURL: "pkg:pypi/certifi@2023.7.22", Loc: "installed/venv/lib/python3.11/site-packages/certifi-2023.7.22.dist-info/METADATA"},
		{ID: "installed/venv/lib/python3.11/site-packages/charset_normalizer-3.3.2.dist-info/METADATA", Name: "charset-normalizer", Version: "3.3.2", PURL: "pkg:pypi/charset-normalizer@3.3.2", Loc: "installed/venv/lib/python3.11/site-packages/charset_normalizer-3.3.2.dist-info/METADATA"},
		{ID: "installed/venv/lib/python3.11/site-packages/idna-3.4.dist-info/METADATA", Name: "idna", Version: "3.4", PURL: "pkg:pypi/idna@3.4", Loc: "installed/venv/lib/python3.11/site-packages/idna-3.4.dist-info/METADATA"},
		{ID: "installed/venv/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA", Name: "requests", Version: "2.31.0", PURL: "pkg:pypi/requests@2.31.0", Loc: "installed/venv/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA", DependsOn: []string{"installed/venv/lib/python3.11/site-packages/certifi-2023.7.22.dist-info/METADATA", "installed/venv/lib/python3.11/site-packages/charset_normalizer-3.3.2.dist-info/METADATA", "installed/venv/lib/python3.11/site-packages/idna-3.4.dist-info/METADATA", "installed/venv/lib/python3.11/site-packages/urllib3-2.0.7.dist-info/METADATA"}},
		{ID: "installed/venv/lib/python3.11/site-packages/urllib3-2.0.7.dist-info/METADATA", Name: "urllib3", Version: "2.0.7", PURL: "pkg:pypi/urllib3@2.0.7", Loc: "installed/venv/lib/python3.11/site-packages/urllib3-2.0.7.dist-info/METADATA"},
	})
	// The others yield nothing, so that each distribution is reported once.
	expect(t, c, "testdata", site+"requests-2.31.0.dist-info/METADATA", nil)

	type meta struct {
		Licenses                        []string
		Homepage, Supplier, Description string
	}
	got := map[string]meta{}
	for _, p := range res.Packages {
		got[p.Name] = meta{p.Licenses, p.Homepage, p.Supplier, p.Description}
	}
	want := map[string]meta{
		"attrs":              {[]string{"MIT"}, "https://github.com/python-attrs/attrs", "Hynek Schlawack <hs@ox.cx>", "Classes Without Boilerplate"},
		"certifi":            {[]string{"MPL-2.0"}, "https://github.com/certifi/python-certifi", "Kenneth Reitz", "Python package for providing Mozilla's CA Bundle."},
		"charset-normalizer": {[]string{"MIT"}, "https://github.com/Ousret/charset_normalizer", "Ahmed TAHRI", "The Real First Universal Charset Detector. Open, modern and actively maintained alternative to Chardet."},
		"idna":               {[]string{"BSD License"}, "https://github.com/kjd/idna", "Kim Davies <kim@cynosure.com.au>", "Internationalized Domain Names in Applications (IDNA)"},
		"requests":           {[]string{"Apache-2.0"}, "https://requests.readthedocs.io", "Kenneth Reitz", "Python HTTP for Humans."},
		"urllib3":            {[]string{"MIT"}, "https://github.com/urllib3/urllib3", "Andrey Petrov <andrey.petrov@shazow.net>", "HTTP library with thread-safe connection pooling, file post, and more."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}

	// A Debian dist-packages directory: an egg-info file and an egg-info directory.
	res = expect(t, c, "testdata", "installed/usr/lib/python3/dist-packages/distro-1.8.0.egg-info", []row{
		{ID: "installed/usr/lib/python3/dist-packages/distro-1.8.0.egg-info", Name: "distro", Version: "1.8.0", PURL: "pkg:pypi/distro@1.8.0", Loc: "installed/usr/lib/python3/dist-packages/distro-1.8.0.egg-info"},
		{ID: "installed/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO", Name: "six", Version: "1.16.0", PURL: "pkg:pypi/six@1.16.0", Loc: "installed/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO"},
	})
	for _, p := range res.Packages {
		if len(p.Licenses) != 1 || p.Licenses[0] != map[string]string{"distro": "Apache-2.0", "six": "MIT"}[p.Name] {
			t.Errorf("%s: licenses %q", p.Name, p.Licenses)
		}
	}

	// A broken distribution is reported; the rest of the directory is kept.
	expect(t, c, "testdata", "installed/bad/site-packages/broken-1.0.dist-info/METADATA", []row{
		{ID: "installed/bad/site-packages/ok-2.0.dist-info/METADATA", Name: "ok", Version: "2.0", PURL: "pkg:pypi/ok@2.0", Loc: "installed/bad/site-packages/ok-2.0.dist-info/METADATA"},
	}, "installed/bad/site-packages/broken-1.0.dist-info/METADATA: distribution broken has no Version header")
}

func TestInstalledBytes(t *testing.T) {
	c := &InstalledCataloger{}
	const rel = "lib/site-packages/x-1.dist-info/METADATA"
	res, err := catalogtest.Bytes(t, c, rel, []byte("Metadata-Version: 2.1\nName: X_y\nVersion: 1\nRequires-Dist: z\nLicense: GNU General Public License v3 (GPLv3)\n"))
	if err != nil || len(res.Packages) != 1 || res.Packages[0].Name != "x-y" || res.Packages[0].Licenses[0] != "GPL-3.0-only" {
		t.Errorf("single file: %v %+v", err, res)
	}
	for _, tc := range []struct{ in, err string }{
		{"Version: 1\n", "no valid Name header"},
		{" continued\n", ":1: continuation line before the first header"},
		{"Name: a\nnot a header\n", ":2: not a metadata header"},
	} {
		if _, err := catalogtest.Bytes(t, c, rel, []byte(tc.in)); err == nil || !contains(err.Error(), tc.err) || !catalogtest.IsMalformed(err) {
			t.Errorf("%q: err = %v, want %q", tc.in, err, tc.err)
		}
	}
}

// countingFS counts the directory listings of an fs.FS.
type countingFS struct {
	fs.FS
	mu    sync.Mutex
	lists map[string]int // guarded by mu
}

func (c *countingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	c.mu.Lock()
	c.lists[name]++
	c.mu.Unlock()
	return fs.ReadDir(c.FS, name)
}

// TestInstalledListsOnce offers every metadata file of a site-packages directory at once, as
// the walker's workers do, and checks that the directory is listed once, that the first file
// reports all six distributions and the others nothing, and that the listing is dropped after
// the last file.
func TestInstalledListsOnce(t *testing.T) {
	fsys := &countingFS{FS: os.DirFS("testdata"), lists: map[string]int{}}
	c := &InstalledCataloger{}
	names, err := fs.Glob(fsys, site+"*.dist-info/METADATA")
	if err != nil || len(names) != 6 {
		t.Fatalf("%d files, %v", len(names), err)
	}
	clear(fsys.lists)
	got := make([]int, len(names))
	var wg sync.WaitGroup
	for i, rel := range names {
		wg.Go(func() {
			f := catalogtest.Open(t, "testdata", rel)
			f.FS = fsys
			res, err := c.Catalog(context.Background(), f)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = len(res.Packages)
		})
	}
	wg.Wait()
	if diff := cmp.Diff([]int{6, 0, 0, 0, 0, 0}, got); diff != "" {
		t.Errorf("packages per file (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{strings.TrimSuffix(site, "/"): 1}, fsys.lists); diff != "" {
		t.Errorf("listings (-want +got):\n%s", diff)
	}
	if len(c.sites) != 0 {
		t.Errorf("%d listings kept after the last file", len(c.sites))
	}
}
