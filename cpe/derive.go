package cpe

import (
	"regexp"
	"strings"

	"golang.org/x/mod/module"

	"github.com/hallmark-dev/hallmark/sbom"
)

// Derive returns the CPE 2.3 formatted strings for p, or nil. It never guesses: a package
// gets CPEs only by one of the rules of the package documentation (the operating system's
// CPE_NAME, the Go standard library, the curated table), with an exact version.
func Derive(p *sbom.Package, d *sbom.Distro) []string {
	if p == nil {
		return nil
	}
	if p.Type == sbom.TypeOS {
		return osCPE(p, d)
	}
	if p.Unresolved || p.Version == "" {
		return nil
	}
	typ, ok := purlType(p.PURL)
	if !ok {
		return nil
	}
	var key, version string
	switch {
	case osTypes[typ]:
		// Distribution packages are keyed by their source package (dpkg Source, rpm
		// SOURCERPM, apk origin), so every binary built from openssl gets openssl's CPE.
		key, version = p.Name, p.Version
		if p.SourceName != "" {
			key = p.SourceName
			if p.SourceVersion != "" {
				version = p.SourceVersion
			}
		}
		version = upstreamVersion(version)
	default:
		u, err := sbom.ParsePURL(p.PURL)
		if err != nil {
			return nil
		}
		key, version = languageKey(typ, u.Namespace, u.Name), p.Version
		if typ == "golang" && key == "stdlib" {
			return one(Name{Part: PartApplication, Vendor: "golang", Product: "go", Version: goVersion(version)})
		}
		version = languageVersion(typ, version)
	}
	entries := table[tableKey{typ, key}]
	if len(entries) == 0 || version == "" {
		return nil
	}
	var out []string
	for _, r := range entries {
		n := Name{Part: PartApplication, Vendor: r.vendor, Product: r.product, Version: version, TargetSw: r.targetSw}
		if m := patchRE.FindStringSubmatch(version); m != nil && osTypes[typ] {
			n.Version, n.Update = m[1], "p"+m[2]
		}
		out = append(out, one(n)...)
	}
	return out
}

// Apply sets the CPEs of every package of inv that has none to Derive(p, inv.Distro).
func Apply(inv *sbom.Inventory) {
	for _, p := range inv.Packages {
		if len(p.CPEs) == 0 {
			p.CPEs = Derive(p, inv.Distro)
		}
	}
}

// one returns n as a one-element list when its version is an exact version that can be bound:
// it begins with a digit (not "*", "-", "latest" or a path) and Validate accepts the name.
func one(n Name) []string {
	if n.Version == "" || !isDigit(n.Version[0]) || n.Validate() != nil {
		return nil
	}
	return []string{n.String()}
}

// osCPE returns the operating system's CPE_NAME as a formatted string: the one its own
// package recorded (property hallmark:os:cpe, set by catalog/osrelease), else the target's
// distribution's when it names this operating system.
func osCPE(p *sbom.Package, d *sbom.Distro) []string {
	s := p.Properties["hallmark:os:cpe"]
	if s == "" && d != nil && d.ID == p.Name && (p.Version == "" || p.Version == d.VersionID) {
		s = d.CPE
	}
	var n Name
	var err error
	switch {
	case s == "":
		return nil
	case strings.HasPrefix(s, fsPrefix):
		n, err = Parse(s)
	default:
		n, err = ParseURI(s)
	}
	if err != nil || n.Validate() != nil {
		return nil
	}
	return []string{n.String()}
}

// purlType returns the type of a package URL without parsing the rest ("npm" for
// "pkg:npm/lodash@4.17.21"); ok is false when the type has no table entries and is not Go.
func purlType(purl string) (string, bool) {
	rest, ok := strings.CutPrefix(purl, "pkg:")
	if !ok {
		return "", false
	}
	typ, _, ok := strings.Cut(strings.TrimLeft(rest, "/"), "/")
	if !ok {
		return "", false
	}
	typ = strings.ToLower(typ)
	return typ, typ == "golang" || tableTypes[typ]
}

// languageKey returns the table key of a language package: the name as the ecosystem writes
// it, from the purl's namespace and name.
func languageKey(typ, ns, name string) string {
	switch typ {
	case "maven":
		return ns + ":" + name
	case "npm", "golang":
		if ns != "" {
			return ns + "/" + name
		}
	case "pypi":
		return pypiNormalize(name)
	case "nuget":
		return strings.ToLower(name)
	}
	return name
}

var pypiSeparators = regexp.MustCompile(`[-_.]+`)

// pypiNormalize applies the name normalisation of PEP 503.
func pypiNormalize(name string) string {
	return pypiSeparators.ReplaceAllString(strings.ToLower(name), "-")
}

// languageVersion maps an ecosystem version to the version NVD writes:
//   - Go modules drop the "v" and "+incompatible"; pseudo-versions give "" (they name a
//     commit, which NVD version ranges cannot place).
//   - Maven drops the qualifiers that Maven's ComparableVersion treats as the release itself
//     ("4.1.86.Final" → "4.1.86", "5.3.9.RELEASE" → "5.3.9", "-ga").
//
// Other ecosystems keep the version as recorded.
func languageVersion(typ, v string) string {
	switch typ {
	case "golang":
		if module.IsPseudoVersion(v) {
			return ""
		}
		v = strings.TrimSuffix(strings.TrimPrefix(v, "v"), "+incompatible")
	case "maven":
		for _, q := range []string{".final", "-final", ".release", "-release", ".ga", "-ga"} {
			if len(v) > len(q) && strings.EqualFold(v[len(v)-len(q):], q) {
				return v[:len(v)-len(q)]
			}
		}
	}
	return v
}

// goVersion returns the version of the Go toolchain as NVD writes it for golang:go: "1.22.1"
// for "1.22.1", "go1.22.1" or "v1.22.1".
func goVersion(v string) string {
	if s, ok := strings.CutPrefix(v, "go"); ok {
		return s
	}
	return strings.TrimPrefix(v, "v")
}

var (
	epochRE    = regexp.MustCompile(`^[0-9]+:`)
	repackRE   = regexp.MustCompile(`[.+~](?:dfsg|ds)[0-9]*$`)
	upstreamRE = regexp.MustCompile(`^[0-9]+(?:\.[0-9]+)*(?:[a-z]|[._]?p[0-9]+)?$`)
	patchRE    = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)*)[._]?p([0-9]+)$`)
)

// osTypes are the purl types of distribution packages.
var osTypes = map[string]bool{"deb": true, "rpm": true, "apk": true}

// upstreamVersion returns the upstream part of a distribution package version, or "" when
// it is not a plain release number:
//
//	1:3.0.11-1~deb12u2 (Debian)   → 3.0.11   epoch and Debian revision dropped
//	1:1.2.13.dfsg-1    (Debian)   → 1.2.13   repack suffix dropped
//	1:3.0.7-27.el9     (rpm EVR)  → 3.0.7    epoch and release dropped
//	3.1.4-r5           (apk)      → 3.1.4    package release dropped
//	1:9.2p1-2+deb12u2  (Debian)   → 9.2p1    a patch level, which Derive binds as
//	9.6_p1-r0          (apk)      → 9.6_p1   version 9.6 and update p1 (NVD's openssh, sudo)
//	2.4.0+really2.3.1-1           → ""       anything else is not guessed at
//
// Sources: Debian Policy §5.6.12 (epoch:upstream-revision; the revision follows the last
// hyphen), Debian Developer's Reference §6.7.8.2 (+dfsg/+ds repacks keep the upstream
// version), rpm's EVR, Alpine APKBUILD pkgver-rpkgrel.
func upstreamVersion(v string) string {
	v = epochRE.ReplaceAllString(v, "")
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		v = v[:i]
	}
	v = repackRE.ReplaceAllString(v, "")
	if !upstreamRE.MatchString(v) {
		return ""
	}
	return v
}
