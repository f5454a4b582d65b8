package osrelease

import (
	"context"
	"io/fs"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Catalogers returns the catalogers of this package.
func Catalogers() []catalog.Cataloger { return []catalog.Cataloger{&Cataloger{}} }

// Cataloger reads etc/os-release and usr/lib/os-release. Its result carries the Distro and,
// as a package of Type sbom.TypeOS, the operating system itself.
//
// The OS package is named after ID with VERSION_ID as version, like the operating-system
// component syft and Trivy write into CycloneDX. Those tools give it no purl; since every
// Hallmark package has one, it is pkg:generic/<id>@<version_id>, which matches no advisory
// ecosystem (its Ecosystem is empty on purpose: advisories name the distribution's
// packages, not the distribution). The property "hallmark:os:ecosystem" holds the OSV
// ecosystem with its release ("Debian:12"), under the same name as on the packages of the
// dpkg, apk and rpm catalogers. CPE_NAME, when it is a CPE 2.2 URI, becomes a CPE 2.3
// formatted string.
type Cataloger struct{}

var (
	_ catalog.Cataloger      = (*Cataloger)(nil)
	_ catalog.RelatedMatcher = (*Cataloger)(nil)
)

// Name implements catalog.Cataloger.
func (*Cataloger) Name() string { return "os-release" }

// Match accepts etc/os-release and usr/lib/os-release. A symbolic link is left to the file
// it names (usually etc/os-release → ../usr/lib/os-release), so that the OS is reported once.
func (*Cataloger) Match(p string, mode fs.FileMode) bool {
	if mode&fs.ModeSymlink != 0 || mode.IsDir() {
		return false
	}
	return p == "etc/os-release" || p == "usr/lib/os-release"
}

// Related keeps etc/os-release for the precedence check of usr/lib/os-release.
func (*Cataloger) Related(p string, mode fs.FileMode) bool {
	return p == "etc/os-release" || p == "usr/lib/os-release"
}

// Catalog implements catalog.Cataloger. usr/lib/os-release gives an empty result when a
// regular etc/os-release exists beside it, which takes precedence.
func (c *Cataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	if f.Path == "usr/lib/os-release" && f.FS != nil {
		if st, err := fs.Lstat(f.FS, "etc/os-release"); err == nil && st.Mode().IsRegular() {
			return &catalog.Result{}, nil
		}
	}
	data, err := f.ReadAll(MaxSize) // fails with catalog.ErrTooLarge before allocating
	if err != nil {
		return nil, err
	}
	d, err := parse(f.Path, data)
	if err != nil {
		return nil, err
	}
	return &catalog.Result{Distro: d, Packages: []*sbom.Package{Package(d, f.Path, c.Name())}}, nil
}

// Package returns the operating system d as a package of Type sbom.TypeOS found at path.
func Package(d *sbom.Distro, path, foundBy string) *sbom.Package {
	p := &sbom.Package{
		ID:          "os:" + d.ID,
		Type:        sbom.TypeOS,
		Name:        d.ID,
		Version:     d.VersionID,
		PURL:        sbom.PURL("generic", "", d.ID, d.VersionID),
		Description: d.PrettyName,
		Locations:   []sbom.Location{{Path: path}},
		FoundBy:     foundBy,
	}
	if cpe := CPE23(d.CPE); cpe != "" {
		p.CPEs = []string{cpe}
	}
	p.SetProperty("hallmark:os:name", d.Name)
	p.SetProperty("hallmark:os:codename", d.VersionCodename)
	p.SetProperty("hallmark:os:id-like", strings.Join(d.IDLike, " "))
	p.SetProperty("hallmark:os:cpe", d.CPE)
	if eco, rel := Ecosystem(d); eco != "" {
		if rel != "" {
			eco += ":" + rel
		}
		p.SetProperty("hallmark:os:ecosystem", eco)
	}
	return p
}

// CPE23 converts a CPE 2.2 URI ("cpe:/o:almalinux:almalinux:9::baseos") into a CPE 2.3
// formatted string ("cpe:2.3:o:almalinux:almalinux:9:*:baseos:*:*:*:*:*"), following the
// binding rules of NISTIR 7695 §6.1.2 for the plain characters real CPE_NAME values use. A
// string that is already CPE 2.3 is returned unchanged; anything else (percent-encoded or
// packed components) gives "".
func CPE23(s string) string {
	if strings.HasPrefix(s, "cpe:2.3:") {
		return s
	}
	rest, ok := strings.CutPrefix(s, "cpe:/")
	if !ok {
		return ""
	}
	parts := strings.Split(rest, ":")
	if len(parts) > 7 || parts[0] == "" || !strings.Contains("aho", parts[0]) || len(parts[0]) != 1 {
		return ""
	}
	out := make([]string, 11)
	for i := range out {
		out[i] = "*"
	}
	for i, v := range parts {
		if v == "" {
			continue
		}
		for _, c := range v {
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			case c == '.' || c == '-':
			default:
				return ""
			}
		}
		if i == 6 && strings.HasPrefix(v, "~") {
			return "" // packed edition
		}
		// Letters, digits, "_", "-" and "." need no quoting in CPE 2.3.
		out[i] = strings.ToLower(v)
	}
	return "cpe:2.3:" + strings.Join(out, ":")
}
