package cyclonedx

import (
	"strings"

	"github.com/hallmark-dev/hallmark/sbom"
)

// purlEcosystem derives the OSV ecosystem from a package URL, or "" when it cannot.
func purlEcosystem(purl string) string {
	if purl == "" {
		return ""
	}
	p, err := sbom.ParsePURL(purl)
	if err != nil {
		return ""
	}
	return sbom.PURLEcosystem(p)
}

// ecosystemOf is the ecosystem the name mapping uses: the package's own, or the purl's.
func ecosystemOf(eco, purl string) string {
	if eco != "" {
		return eco
	}
	return purlEcosystem(purl)
}

// splitName splits a package name into CycloneDX group and name where the ecosystem's
// CycloneDX convention does: Maven "groupId:artifactId", npm "@scope/name".
func splitName(eco, name string) (group, base string) {
	switch eco {
	case sbom.EcosystemMaven:
		if i := strings.IndexByte(name, ':'); i > 0 && i < len(name)-1 {
			return name[:i], name[i+1:]
		}
	case sbom.EcosystemNPM:
		if i := strings.IndexByte(name, '/'); strings.HasPrefix(name, "@") && i > 1 && i < len(name)-1 {
			return name[:i], name[i+1:]
		}
	}
	return "", name
}

// slashNamespaces are the ecosystems whose package names include the purl namespace,
// joined with a slash.
var slashNamespaces = map[string]bool{
	sbom.EcosystemNPM:       true,
	sbom.EcosystemGo:        true,
	sbom.EcosystemPackagist: true,
}

// joinName is the inverse of splitName, also for groups other generators write (Go module
// prefixes, Composer vendors). ok is false when the group is not part of the ecosystem's
// package name; the caller keeps it elsewhere.
func joinName(eco, group, name string) (full string, ok bool) {
	switch {
	case group == "":
		return name, true
	case eco == sbom.EcosystemMaven:
		return group + ":" + name, true
	case slashNamespaces[eco]:
		return group + "/" + name, true
	}
	return name, false
}
