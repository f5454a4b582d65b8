package sbom

import (
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
