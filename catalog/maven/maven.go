// Package maven catalogs Java packages of the Maven ecosystem: the dependencies a pom.xml
// declares, the versions a Gradle dependency lockfile pins, and the artifacts packed in Java
// archives (.jar, .war, .ear and their relatives).
//
// Every package is named "groupId:artifactId" in ecosystem sbom.EcosystemMaven, the way OSV
// advisories name Maven packages, with the purl pkg:maven/<groupId>/<artifactId>@<version>
// (https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst#maven); the qualifiers
// classifier and type are added when the source records them and type is not "jar".
//
// Three catalogers are exported through Catalogers:
//
//   - "pom-xml" reads pom.xml files (POM 4.0.0, https://maven.apache.org/ref/current/maven-model/maven.html).
//     It builds the parts of Maven's effective model that decide coordinates: inheritance from
//     parents found in the tree, property interpolation, dependency management and import-scope
//     BOMs found in the tree. It never uses the network, so it reports only the direct
//     dependencies the POM declares; transitive dependencies are not resolved, and a version
//     that depends on a parent or BOM outside the tree is reported unresolved. See PomCataloger.
//   - "gradle-lockfile" reads Gradle dependency lockfiles
//     (https://docs.gradle.org/current/userguide/dependency_locking.html). See GradleLockCataloger.
//   - "java-archive" reads Java archives and the archives nested in them. See ArchiveCataloger.
package maven

import (
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Catalogers returns the catalogers of this package: pom-xml, gradle-lockfile and java-archive.
func Catalogers() []catalog.Cataloger {
	return []catalog.Cataloger{&PomCataloger{}, &GradleLockCataloger{}, &ArchiveCataloger{}}
}

// Property keys set on packages. Their values are described where they are set.
const (
	propPrefix = "hallmark:maven:"
)

// purl returns the Maven package URL of group:artifact@version. typ is the Maven type
// (packaging or dependency <type>); it is left out when it is empty or "jar", its default.
func purl(group, artifact, version, classifier, typ string) string {
	if typ == "jar" {
		typ = ""
	}
	return sbom.PURL("maven", group, artifact, version, "classifier", classifier, "type", typ)
}

// name returns the OSV name of a Maven package, "group:artifact", or the artifact alone when
// the group is unknown.
func name(group, artifact string) string {
	if group == "" {
		return artifact
	}
	return group + ":" + artifact
}

// hasControl reports whether s contains control characters or is otherwise unfit as a
// coordinate. It keeps hostile bytes out of names and purls.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
