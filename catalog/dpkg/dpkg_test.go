package dpkg

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

func byID(pkgs []*sbom.Package) map[string]*sbom.Package {
	m := map[string]*sbom.Package{}
	for _, p := range pkgs {
		m[p.ID] = p
	}
	return m
}

func TestDebian12Status(t *testing.T) {
	res, err := catalogtest.Run(t, &Cataloger{}, "testdata/debian12", "var/lib/dpkg/status")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 23 {
		t.Errorf("got %d packages, want 23", len(res.Packages))
	}
	pkgs := byID(res.Packages)
	want := &sbom.Package{
		ID:            "libc6:amd64",
		Name:          "libc6",
		Version:       "2.36-9+deb12u14",
		Ecosystem:     "Debian",
		PURL:          "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12",
		Licenses:      []string{"LGPL-2.1", "GPL-2"},
		Locations:     []sbom.Location{{Path: "var/lib/dpkg/status", Line: 222}},
		DependsOn:     []string{"libgcc-s1:amd64"},
		SourceName:    "glibc",
		SourceVersion: "2.36-9+deb12u14",
		Arch:          "amd64",
		Description:   "GNU C Library: Shared libraries",
		Supplier:      "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
		Homepage:      "https://www.gnu.org/software/libc/libc.html",
		FoundBy:       "dpkg-status",
		Properties:    map[string]string{"hallmark:deb:installed-size": "13001", "hallmark:os:ecosystem": "Debian:12"},
	}
	if diff := cmp.Diff(want, pkgs["libc6:amd64"]); diff != "" {
		t.Errorf("libc6 mismatch (-want +got):\n%s", diff)
	}

	tests := []struct {
		id, version, purl, source, sourceVersion string
		line                                     int
		deps                                     []string
		licenses                                 []string
	}{
		// Epoch kept in the version and the purl; Source with its own version (binNMU).
		{"libattr1:amd64", "1:2.5.1-4", "pkg:deb/debian/libattr1@1:2.5.1-4?arch=amd64&distro=debian-12", "attr", "1:2.5.1-4", 178, []string{"libc6:amd64"}, []string{"GPL-2+", "LGPL-2+"}},
		{"libbz2-1.0:amd64", "1.0.8-5+b1", "pkg:deb/debian/libbz2-1.0@1.0.8-5%2Bb1?arch=amd64&distro=debian-12", "bzip2", "1.0.8-5", 196, []string{"libc6:amd64"}, []string{"BSD-variant", "GPL-2"}},
		// Pre-Depends: awk is virtual, provided by mawk; free-form copyright.
		{"base-files:amd64", "12.4+deb12u11", "pkg:deb/debian/base-files@12.4%2Bdeb12u11?arch=amd64&distro=debian-12", "base-files", "12.4+deb12u11", 1, []string{"mawk:amd64"}, []string{"GPL"}},
		// "debconf (>= 0.5) | debconf-2.0": first alternative installed.
		{"tzdata:all", "2025b-0+deb12u2", "pkg:deb/debian/tzdata@2025b-0%2Bdeb12u2?arch=all&distro=debian-12", "tzdata", "2025b-0+deb12u2", 448, []string{"debconf:all"}, []string{"public-domain"}},
		// "usrmerge | usr-is-merged": the second alternative is the installed one.
		{"init-system-helpers:all", "1.65.2", "pkg:deb/debian/init-system-helpers@1.65.2?arch=all&distro=debian-12", "init-system-helpers", "1.65.2", 137, []string{"usr-is-merged:all"}, []string{"BSD-3-clause", "GPL-2+"}},
		// "dpkg (>= 1.15.4) | install-info".
		{"gzip:amd64", "1.12-1", "pkg:deb/debian/gzip@1.12-1?arch=amd64&distro=debian-12", "gzip", "1.12-1", 118, []string{"dpkg:amd64", "libc6:amd64"}, []string{"GPL-3+", "GFDL-1.3+-no-invariant", "FSF-manpages"}},
		// Pre-Depends and Depends together; tar is a Pre-Depends.
		{"dpkg:amd64", "1.21.22", "pkg:deb/debian/dpkg@1.21.22?arch=amd64&distro=debian-12", "dpkg", "1.21.22", 75, []string{"tar:amd64", "libbz2-1.0:amd64", "libc6:amd64", "liblzma5:amd64", "libmd0:amd64", "libselinux1:amd64", "libzstd1:amd64", "zlib1g:amd64"}, []string{"GPL-2+", "GPL-2", "BSD-2-clause", "public-domain-s-s-d"}},
		// usr/share/doc/libgcc-s1 is a link to gcc-12-base.
		{"libgcc-s1:amd64", "12.2.0-14+deb12u1", "pkg:deb/debian/libgcc-s1@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12", "gcc-12", "12.2.0-14+deb12u1", 245, []string{"gcc-12-base:amd64", "libc6:amd64"}, []string{"GPL", "GPL-3", "GFDL-1.2", "GPL-2", "Artistic", "LGPL"}},
		{"debconf:all", "1.5.82", "pkg:deb/debian/debconf@1.5.82?arch=all&distro=debian-12", "debconf", "1.5.82", 54, nil, []string{"BSD-2-clause"}},
	}
	for _, tt := range tests {
		p := pkgs[tt.id]
		if p == nil {
			t.Errorf("package %s missing", tt.id)
			continue
		}
		got := []any{p.Version, p.PURL, p.SourceName, p.SourceVersion, p.Locations[0].Line, p.DependsOn, p.Licenses}
		wantFields := []any{tt.version, tt.purl, tt.source, tt.sourceVersion, tt.line, tt.deps, tt.licenses}
		if diff := cmp.Diff(wantFields, got); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", tt.id, diff)
		}
	}
}

func TestDistroless(t *testing.T) {
	c := &Cataloger{}
	root := "testdata/distroless-debian12"
	res, err := catalogtest.Run(t, c, root, "var/lib/dpkg/status.d/base-files")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Packages {
		got = append(got, fmt.Sprintf("%s %s %s %v %v", p.PURL, p.Locations[0], p.SourceName, p.DependsOn, p.Licenses))
	}
	want := []string{
		"pkg:deb/debian/base-files@12.4%2Bdeb12u14?arch=amd64&distro=debian-12 var/lib/dpkg/status.d/base-files:1 base-files [] [GPL]",
		// openssl and debconf are not in the image: no edges.
		"pkg:deb/debian/ca-certificates@20230311%2Bdeb12u1?arch=all&distro=debian-12 var/lib/dpkg/status.d/ca-certificates:1 ca-certificates [] [GPL-2+ MPL-2.0]",
		"pkg:deb/debian/gcc-12-base@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12 var/lib/dpkg/status.d/gcc-12-base:1 gcc-12 [] [GPL GPL-3 GFDL-1.2 GPL-2 Artistic LGPL]",
		"pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12 var/lib/dpkg/status.d/libc6:1 glibc [libgcc-s1:amd64] [LGPL-2.1 GPL-2]",
		"pkg:deb/debian/libgcc-s1@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12 var/lib/dpkg/status.d/libgcc-s1:1 gcc-12 [gcc-12-base:amd64 libc6:amd64] [GPL GPL-3 GFDL-1.2 GPL-2 Artistic LGPL]",
		"pkg:deb/debian/libssl3@3.0.20-1~deb12u1?arch=amd64&distro=debian-12 var/lib/dpkg/status.d/libssl3:1 openssl [libc6:amd64] [Apache-2.0 Artistic or GPL-1+ Artistic GPL-1+]",
		"pkg:deb/debian/netbase@6.4?arch=all&distro=debian-12 var/lib/dpkg/status.d/netbase:1 netbase [] [GPL-2]",
		"pkg:deb/debian/tzdata@2026b-0%2Bdeb12u1?arch=all&distro=debian-12 var/lib/dpkg/status.d/tzdata:1 tzdata [] [public-domain]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	// The other files of status.d give empty results: the first one reported them all.
	res, err = catalogtest.Run(t, c, root, "var/lib/dpkg/status.d/libc6")
	if err != nil || len(res.Packages) != 0 {
		t.Errorf("libc6 file: %d packages, %v; want none", len(res.Packages), err)
	}
	// Alone (no FS), a status.d file is one package.
	data, err := os.ReadFile(filepath.Join(root, "var/lib/dpkg/status.d/libc6"))
	if err != nil {
		t.Fatal(err)
	}
	res, err = catalogtest.Bytes(t, c, "var/lib/dpkg/status.d/libc6", data)
	if err != nil || len(res.Packages) != 1 || res.Packages[0].PURL != "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64" || res.Packages[0].Ecosystem != "Debian" {
		t.Errorf("lone libc6 = %+v, %v", res, err)
	}
}

func TestMatch(t *testing.T) {
	c := &Cataloger{}
	for p, want := range map[string]bool{
		"var/lib/dpkg/status":                 true,
		"var/lib/dpkg/status.d/libc6":         true,
		"var/lib/dpkg/status.d/libc6.md5sums": false,
		"var/lib/dpkg/status-old":             false,
		"var/lib/dpkg/status.d/sub/x":         false,
		"usr/var/lib/dpkg/status":             false,
		"var/lib/dpkg/available":              false,
		"var/lib/dpkg/status.d/.wh..wh..opq":  false,
	} {
		if got := c.Match(p, 0o644); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
	if !c.Related("usr/share/doc/libc6/copyright", 0o644) || c.Related("usr/share/doc/libc6/changelog.gz", 0o644) {
		t.Error("Related is wrong for usr/share/doc")
	}
}

func TestStatusEdgeCases(t *testing.T) {
	const status = `Package: removed
Status: deinstall ok config-files
Priority: optional
Version: 1.0-1

Package: held
Status: hold ok installed
Version: 2.0-1
Architecture: amd64
Depends: multi:any, foreign:i386 (>= 1), missing | virt

Package: multi
Status: install ok installed
Architecture: i386
Version: 3
Provides: virt (= 3)

Package: multi
Status: install ok installed
Architecture: amd64
Version: 3

Package: foreign
Status: install ok installed
Architecture: i386
Version: 4
Description: short
 long text
 .
 more
`
	fsys := fstest.MapFS{
		"var/lib/dpkg/status": {Data: []byte(status)},
		"etc/os-release":      {Data: []byte("ID=ubuntu\nVERSION_ID=\"22.04\"\n")},
	}
	f := &catalog.File{Path: "var/lib/dpkg/status", Size: int64(len(status)), R: strings.NewReader(status), FS: fsys}
	res, err := (&Cataloger{}).Catalog(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	catalogtest.Check(t, f.Path, res)
	var got []string
	for _, p := range res.Packages {
		got = append(got, fmt.Sprintf("%s %s %s %d %v %q %v", p.ID, p.PURL, p.Ecosystem, p.Locations[0].Line, p.DependsOn, p.Description, p.Properties))
	}
	want := []string{
		`held:amd64 pkg:deb/ubuntu/held@2.0-1?arch=amd64&distro=ubuntu-22.04 Ubuntu 6 [multi:amd64 foreign:i386 multi:i386] "" map[hallmark:deb:status:hold ok installed hallmark:os:ecosystem:Ubuntu:22.04]`,
		`multi:i386 pkg:deb/ubuntu/multi@3?arch=i386&distro=ubuntu-22.04 Ubuntu 12 [] "" map[hallmark:os:ecosystem:Ubuntu:22.04]`,
		`multi:amd64 pkg:deb/ubuntu/multi@3?arch=amd64&distro=ubuntu-22.04 Ubuntu 18 [] "" map[hallmark:os:ecosystem:Ubuntu:22.04]`,
		`foreign:i386 pkg:deb/ubuntu/foreign@4?arch=i386&distro=ubuntu-22.04 Ubuntu 23 [] "short" map[hallmark:os:ecosystem:Ubuntu:22.04]`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestMalformed(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		msg      string
		pkgs     int
	}{
		{"continuation first", " oops\n", 1, "continuation line outside a field", 0},
		{"not a field", "Package: a\nVersion: 1\n\nPackage b\nVersion: 2\n\nPackage: c\nVersion: 3\n", 4, "neither", 2},
		{"no package", "Version: 1\nArchitecture: all\n", 1, "without a Package field", 0},
		{"no version", "Package: a\nStatus: install ok installed\n", 1, "has no Version", 0},
		{"bad status", "Package: a\nStatus: installed\nVersion: 1\n", 1, "is not \"want flag status\"", 0},
		{"truncated", "Package: a\nVersion: 1\n\nPackage: b\nStat", 5, "neither", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := catalogtest.Bytes(t, &Cataloger{}, "var/lib/dpkg/status", []byte(tt.in))
			var pe *catalog.ParseError
			if !errors.As(err, &pe) || pe.Path != "var/lib/dpkg/status" || pe.Line != tt.line || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error = %v, want a ParseError at line %d containing %q", err, tt.line, tt.msg)
			}
			n := 0
			if res != nil {
				n = len(res.Packages)
			}
			if n != tt.pkgs {
				t.Errorf("got %d packages with the error, want %d", n, tt.pkgs)
			}
		})
	}
}

func TestParseCopyright(t *testing.T) {
	dep5 := "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: x\nLicense: GPL-2+\n\nFiles: a\nlicense: Expat\n\nLicense: GPL-2+\n This program is free software\n"
	if diff := cmp.Diff([]string{"GPL-2+", "Expat"}, parseCopyright([]byte(dep5))); diff != "" {
		t.Errorf("DEP-5 mismatch (-want +got):\n%s", diff)
	}
	free := "see /usr/share/common-licenses/GPL-2. or /usr/share/common-licenses/Apache-2.0 and /usr/share/common-licenses/GPL-2\n"
	if diff := cmp.Diff([]string{"GPL-2", "Apache-2.0"}, parseCopyright([]byte(free))); diff != "" {
		t.Errorf("free-form mismatch (-want +got):\n%s", diff)
	}
	if got := parseCopyright([]byte("nothing here")); got != nil {
		t.Errorf("no licence = %v", got)
	}
}

func FuzzStatus(f *testing.F) {
	for _, p := range []string{"testdata/debian12/var/lib/dpkg/status", "testdata/distroless-debian12/var/lib/dpkg/status.d/libc6", "testdata/distroless-debian12/var/lib/dpkg/status.d/base-files"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Package: a\nDepends: a, b | c:any (>= 1) [amd64] <!x>, ,|\nProvides: c\nVersion: 1\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := catalogtest.Bytes(t, &Cataloger{}, "var/lib/dpkg/status", data)
		if err != nil && !catalogtest.IsMalformed(err) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

func BenchmarkStatus(b *testing.B) {
	var sb strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&sb, "Package: pkg%d\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: %d\nMaintainer: Someone <a@example.org>\nArchitecture: amd64\nMulti-Arch: same\nSource: src%d (1:%d.0-1)\nVersion: 1:%d.0-1+b1\nDepends: pkg%d (>= 1), virt%d | pkg%d\nProvides: virt%d\nDescription: package %d\n Long description line one.\n .\n Line two.\nHomepage: https://example.org/%d\n\n",
			i, i, i/3, i, i, i/2, i/4, i/5, i, i, i)
	}
	data := []byte(sb.String())
	c := &Cataloger{}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f := &catalog.File{Path: "var/lib/dpkg/status", Size: int64(len(data)), R: strings.NewReader(sb.String())}
		if _, err := c.Catalog(b.Context(), f); err != nil {
			b.Fatal(err)
		}
	}
}
