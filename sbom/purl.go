package sbom

import (
	"strings"

	"github.com/package-url/packageurl-go"
)

// PURL builds the canonical package URL string for the given parts. Qualifiers are given as
// key, value pairs; pairs with an empty value are left out, and keys are written in sorted
// order as the purl specification requires. Type-specific normalisation (lower-casing PyPI
// names and the like) is the caller's job, so that the name it records and the purl agree.
func PURL(typ, namespace, name, version string, qualifiers ...string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(qualifiers); i += 2 {
		if qualifiers[i+1] != "" {
			m[qualifiers[i]] = qualifiers[i+1]
		}
	}
	u := packageurl.NewPackageURL(typ, namespace, name, version, packageurl.QualifiersFromMap(m), "")
	return u.ToString()
}

// ParsePURL parses a package URL into its parts, for readers of existing SBOMs.
func ParsePURL(s string) (packageurl.PackageURL, error) {
	return packageurl.FromString(s)
}

// purlTypeEcosystems maps purl types (https://github.com/package-url/purl-spec, PURL-TYPES)
// of the language ecosystems to OSV ecosystem names.
var purlTypeEcosystems = map[string]string{
	"golang": EcosystemGo, "npm": EcosystemNPM, "pypi": EcosystemPyPI, "cargo": EcosystemCrates,
	"maven": EcosystemMaven, "gem": EcosystemRubyGems, "composer": EcosystemPackagist,
	"nuget": EcosystemNuGet, "pub": EcosystemPub, "hex": EcosystemHex,
}

// purlDistroEcosystems maps the namespace (the vendor) of deb, apk and rpm purls to OSV
// ecosystem names.
var purlDistroEcosystems = map[string]string{
	"debian": EcosystemDebian, "ubuntu": EcosystemUbuntu, "alpine": EcosystemAlpine,
	"redhat": EcosystemRedHat, "rhel": EcosystemRedHat, "almalinux": EcosystemAlmaLinux,
	"rocky": EcosystemRocky, "rockylinux": EcosystemRocky,
	"suse": EcosystemSUSE, "sles": EcosystemSUSE, "opensuse": EcosystemOpenSUSE,
}

// PURLEcosystem returns the OSV ecosystem (without release) a package URL's type, and for OS
// packages its namespace, name; "" when there is none. An apk purl without namespace is
// Alpine's.
func PURLEcosystem(u packageurl.PackageURL) string {
	switch u.Type {
	case "deb", "apk", "rpm":
		ns := strings.ToLower(u.Namespace)
		if u.Type == "apk" && ns == "" {
			return EcosystemAlpine
		}
		return purlDistroEcosystems[ns]
	}
	return purlTypeEcosystems[u.Type]
}
