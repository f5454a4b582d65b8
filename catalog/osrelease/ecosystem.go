package osrelease

import (
	"strings"

	"github.com/hallmark-dev/hallmark/sbom"
)

// Ecosystem maps a distribution to its OSV ecosystem (https://ossf.github.io/osv-schema/,
// the ecosystemName list of the OSV JSON schema) and the release that OSV writes after the
// ecosystem, separated by a colon. It returns ("", "") for distributions OSV has no
// ecosystem for, and an empty release when os-release does not record one.
//
//	debian 12            → "Debian", "12"            (OSV "Debian:12")
//	ubuntu 22.04         → "Ubuntu", "22.04"         (OSV "Ubuntu:22.04:LTS"; see below)
//	alpine 3.19.1        → "Alpine", "v3.19"         (OSV "Alpine:v3.19")
//	almalinux 9.3        → "AlmaLinux", "9"          (OSV "AlmaLinux:9")
//	rocky 9.3            → "Rocky Linux", "9"        (OSV "Rocky Linux:9")
//	rhel 9.3             → "Red Hat", "9"            (see below)
//	opensuse-leap 15.5   → "openSUSE", "Leap 15.5"   (OSV "openSUSE:Leap 15.5")
//	opensuse-tumbleweed  → "openSUSE", "Tumbleweed"  (OSV "openSUSE:Tumbleweed")
//	sles 15.5            → "SUSE", "Linux Enterprise Server 15 SP5"
//	wolfi, chainguard    → "Wolfi", "" / "Chainguard", "" (rolling, no release in OSV)
//
// Ubuntu's OSV ecosystem has the form "Ubuntu:[Pro:][FIPS…:]<release>[:LTS]"; os-release
// does not say whether a release is LTS or covered by Pro, so the release returned is the
// bare number and a matcher compares it with the release number inside the OSV suffix.
// Red Hat's OSV suffixes are CPE-like ("Red Hat:enterprise_linux:9::appstream"), one per
// repository; the major release returned is the number to look for in them.
func Ecosystem(d *sbom.Distro) (ecosystem, release string) {
	if d == nil {
		return "", ""
	}
	v := d.VersionID
	switch strings.ToLower(d.ID) {
	case "debian":
		return sbom.EcosystemDebian, major(v)
	case "ubuntu":
		return sbom.EcosystemUbuntu, v
	case "alpine":
		if mm := majorMinor(v); mm != "" {
			return sbom.EcosystemAlpine, "v" + mm
		}
		return sbom.EcosystemAlpine, ""
	case "almalinux":
		return sbom.EcosystemAlmaLinux, major(v)
	case "rocky":
		return sbom.EcosystemRocky, major(v)
	case "rhel":
		return sbom.EcosystemRedHat, major(v)
	case "opensuse-leap":
		if v == "" {
			return sbom.EcosystemOpenSUSE, ""
		}
		return sbom.EcosystemOpenSUSE, "Leap " + v
	case "opensuse-tumbleweed":
		return sbom.EcosystemOpenSUSE, "Tumbleweed"
	case "sles":
		return sbom.EcosystemSUSE, suse("Linux Enterprise Server", v)
	case "sled":
		return sbom.EcosystemSUSE, suse("Linux Enterprise Desktop", v)
	case "wolfi":
		return "Wolfi", ""
	case "chainguard":
		return "Chainguard", ""
	}
	return "", ""
}

// major returns the part of v before the first dot.
func major(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}

// majorMinor returns the first two dot-separated numbers of v ("3.19.1" → "3.19",
// "3.20.0_alpha20240329" → "3.20"), or "" when v has no minor number.
func majorMinor(v string) string {
	maj, rest, ok := strings.Cut(v, ".")
	if !ok || maj == "" {
		return ""
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	if end == 0 {
		return ""
	}
	return maj + "." + rest[:end]
}

// suse spells a SUSE Linux Enterprise release as OSV does: VERSION_ID "15.5" is
// "<product> 15 SP5", "15" is "<product> 15".
func suse(product, v string) string {
	if v == "" {
		return ""
	}
	maj, sp, ok := strings.Cut(v, ".")
	if !ok || sp == "0" {
		return product + " " + maj
	}
	return product + " " + maj + " SP" + sp
}
