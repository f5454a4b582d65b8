// Package spdx encodes Hallmark inventories (sbom.Inventory) as SPDX 2.3 documents and decodes
// SPDX 2.2 and 2.3 documents, in JSON and tag-value form, into inventories.
//
// It follows the SPDX 2.3 specification (https://spdx.github.io/spdx-spec/v2.3/) and uses
// github.com/spdx/tools-golang for the document model and the serialisations.
//
// # Mapping
//
// Each package of the inventory becomes an SPDX package (filesAnalyzed false) whose SPDXID is
// "SPDXRef-Package-" followed by the package ID with every character outside [A-Za-z0-9.-]
// replaced by "-", made unique with a "-2", "-3", … suffix in sorted package order. The
// standard fields carry the standard facts:
//
//	Name         name
//	Version      versionInfo
//	PURL         externalRefs PACKAGE-MANAGER purl
//	CPEs         externalRefs SECURITY cpe23Type
//	Licenses     licenseDeclared (AND-joined; NOASSERTION when none); licenseConcluded NOASSERTION.
//	             A licence that is not a valid SPDX expression becomes a LicenseRef- with its
//	             text in hasExtractedLicensingInfos.
//	Hashes       checksums (SHA-256 → SHA256, SHA-1 → SHA1, …)
//	Supplier     supplier ("Person: …" when it looks like a person, else "Organization: …";
//	             NOASSERTION when empty)
//	Homepage     homepage
//	DownloadURL  downloadLocation (NOASSERTION when empty)
//	Description  summary
//	Type         primaryPackagePurpose
//	DependsOn    DEPENDS_ON relationships
//
// Everything SPDX has no field for (the Hallmark ID, Type, Ecosystem, Constraint, Unresolved,
// the licence list, Locations, Relation, Scope, SourceName, SourceVersion, Arch, VCS, FoundBy and
// Properties) is kept in exactly one annotation per package, of type OTHER, by "Tool: hallmark",
// whose comment is "hallmark:package:" followed by a JSON object with the keys of the model's
// JSON form: "id", "type", "constraint", "unresolved", "ecosystem", "licenses", "locations",
// "relation", "scope", "source_name", "source_version", "arch", "vcs", "found_by" and
// "properties" (empty values left out). When a standard field cannot carry a value exactly (a
// name with a line break, a checksum algorithm SPDX does not know, a supplier already written as
// "Organization: …"), the object also holds the exact value under "exact" ("name", "version",
// "purl", "cpes", "hashes", "description", "supplier", "homepage", "download_url"), and the SPDX
// field holds a cleaned-up form. Readers ignore keys they do not know.
//
// Each Source becomes a package (purpose CONTAINER for images, FILE for files, APPLICATION
// otherwise; its digest as a checksum) that the document DESCRIBES, with a "hallmark:source:"
// annotation holding the source's JSON and its "index" in Inventory.Sources; with exactly one
// source it CONTAINS every other package. Without sources the document DESCRIBES the packages
// of type application or container. The Distro becomes an OPERATING-SYSTEM package with a
// "hallmark:distro:" annotation holding its JSON, SPDXRef-OperatingSystem-<id>; but when the
// inventory has a package of Type operating-system named after the Distro's ID with its
// VERSION_ID as version (the package the os-release cataloger makes), that package carries the
// "hallmark:distro:" annotation beside its "hallmark:package:" one, so that the operating system
// is described once. Inventory.Errors become document annotations
// "hallmark:error:{json}" and a document comment that says the SBOM is partial.
//
// In JSON the annotations sit in the package's "annotations"; in tag-value they follow the
// document with an SPDXREF naming the package, as the tag-value format requires.
//
// # Reading foreign documents
//
// Decode reads packages from any SPDX 2.2 or 2.3 document: the purl from the externalRefs (and
// the OSV ecosystem derived from its type), CPE 2.3 references, licenseDeclared (else
// licenseConcluded), checksums, supplier (else originator, where syft records a distribution
// package's maintainer), homepage, download location and summary (else description).
// NOASSERTION and NONE are placeholders, never values, in every field, versionInfo included. DEPENDS_ON, DEPENDENCY_OF (and its BUILD_, DEV_, OPTIONAL_, PROVIDED_,
// RUNTIME_ and TEST_ variants), CONTAINS, CONTAINED_BY, DYNAMIC_LINK and STATIC_LINK relationships between packages become
// DependsOn edges. Files, snippets and relationships to other documents are not imported: they
// describe files, not components. Package IDs of foreign documents are their SPDXIDs.
//
// Limitations: SPDX 3 is not supported yet; RDF and YAML serialisations are not read; strings
// that are not valid UTF-8 are not preserved exactly (JSON replaces the invalid bytes).
package spdx

import "errors"

// ErrInvalid means a document is not a valid SPDX 2.2 or 2.3 document, or is of an SPDX version
// this package does not read. Every error of Decode about the input wraps it.
var ErrInvalid = errors.New("invalid SPDX document")

// Limits for Decode. Documents beyond them fail with an error wrapping ErrInvalid.
const (
	// MaxDocumentSize bounds the bytes of one document.
	MaxDocumentSize = 256 << 20
	// MaxPackages bounds the packages of one document.
	MaxPackages = 1_000_000
	// MaxRelationships bounds the relationships of one document.
	MaxRelationships = 10_000_000
	// MaxLineLength bounds one line of a tag-value document.
	MaxLineLength = 16 << 20
)
