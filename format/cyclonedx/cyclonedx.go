// Package cyclonedx encodes Hallmark's inventory (package sbom) as a CycloneDX document and
// decodes CycloneDX documents into an inventory.
//
// It follows the CycloneDX specification (https://cyclonedx.org/specification/overview/,
// JSON reference https://cyclonedx.org/docs/1.6/json/) and uses the official Go library
// github.com/CycloneDX/cyclonedx-go for the document types. Encode writes spec 1.6 (default)
// or 1.5, as JSON or XML. Decode reads JSON and XML documents of spec 1.2 to 1.7.
//
// # Mapping
//
// Every field of the model survives model → CycloneDX → model. Fields with a CycloneDX home
// use it (bom-ref, type, group/name, version, purl, cpe, licenses, hashes, supplier,
// description, externalReferences, evidence.occurrences, scope, dependencies); the rest are
// component properties in the "hallmark:" namespace (see the prop* constants). Maven names
// "group:artifact" are written as group + name and npm scoped names "@scope/name" as
// group "@scope" + name, as the CycloneDX generators for those ecosystems do.
//
// Scope: runtime → required, optional → optional, dev and test → excluded with the exact
// scope in "hallmark:scope". Decoded "excluded" without that property becomes dev.
//
// The first inventory source is metadata.component (type container for images, application
// otherwise); further sources, the errors of a partial inventory ("hallmark:error",
// "hallmark:partial") are metadata properties. The distribution (os-release) is a component of
// type operating-system marked with "hallmark:distro". When a package of Type operating-system
// has the distribution's ID as name and its VERSION_ID as version (the package the os-release
// cataloger makes), that package's component is the one marked, so the operating system
// appears once; its bom-ref, purl, cpe and evidence are the package's, and the distribution's
// PRETTY_NAME and CPE_NAME are in "hallmark:distro:pretty-name" and "hallmark:distro:cpe" where
// they differ from its description and cpe. Otherwise the component stands for the
// distribution only and its bom-ref is "hallmark:distro:<id>@<version>"; Decode tells the two
// apart by that prefix.
//
// # Not supported
//
// Decode keeps only what the model holds: services, vulnerabilities, compositions,
// formulation, annotations, pedigree, SWID tags and the like are read, checked where they
// carry references, and dropped. Dependency edges to services, to metadata.component or to the
// operating-system component are dropped, because the model's edges join packages only.
// Nested components are flattened; the parent's bom-ref is kept in the property
// "hallmark:cyclonedx:parent". A package whose Type is empty is written, and read back, as
// "library" (the documented meaning of the empty Type).
package cyclonedx

import (
	"bytes"
	"errors"
	"regexp"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/hallmark-dev/hallmark/catalog"
)

// ErrInvalid is wrapped by the errors of Decode for documents that are not CycloneDX or whose
// defects change their meaning: wrong bomFormat, unsupported specVersion, broken or duplicate
// references, hash values that do not fit their algorithm, invalid package URLs, components
// without name or with an unknown type or scope, ambiguous licenses, nameless properties, and
// syntax errors. These errors also match catalog.ErrMalformed. Defects that only break the
// schema without changing what Hallmark reads (an unknown SPDX license id, a malformed
// timestamp or serial number, bad values in parts the model does not hold) are accepted.
var ErrInvalid = errors.New("invalid CycloneDX document")

// invalidError is an ErrInvalid with the description of the defect.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return ErrInvalid.Error() + ": " + e.msg }

// Is makes the error match both ErrInvalid and catalog.ErrMalformed.
func (e *invalidError) Is(target error) bool {
	return target == ErrInvalid || target == catalog.ErrMalformed
}

// Limits applied by Decode, on top of catalog.MaxDepth (nesting of JSON or XML) and
// catalog.MaxPackages (components, counted after flattening).
const (
	// MaxDocumentSize bounds the size of a decoded document.
	MaxDocumentSize = catalog.MaxManifestSize
)

// Properties written by Encode and read by Decode. Package.Properties must not use these
// names (Encode fails if they do); other "hallmark:" names pass through unchanged.
const (
	propEcosystem     = "hallmark:ecosystem"
	propConstraint    = "hallmark:constraint"
	propUnresolved    = "hallmark:unresolved"
	propCPE           = "hallmark:cpe"  // CPEs after the first (which is component.cpe)
	propHash          = "hallmark:hash" // "alg:value" for a hash CycloneDX cannot carry
	propRelation      = "hallmark:relation"
	propScope         = "hallmark:scope"
	propType          = "hallmark:type" // a Type CycloneDX does not know
	propSourceName    = "hallmark:source-name"
	propSourceVersion = "hallmark:source-version"
	propArch          = "hallmark:arch"
	propFoundBy       = "hallmark:found-by"
	propHomepage      = "hallmark:homepage"     // when not a valid URL
	propDownloadURL   = "hallmark:download-url" // when not a valid URL
	propVCSType       = "hallmark:vcs:type"
	propVCSURL        = "hallmark:vcs:url" // when not a valid URL
	propVCSRevision   = "hallmark:vcs:revision"
	propVCSRef        = "hallmark:vcs:ref"
	propLocation      = "hallmark:location:" // + "<index>:layer" or "<index>:line" (1.5)
	propDistro        = "hallmark:distro"    // "true" on the operating-system component
	propDistroIDLike  = "hallmark:distro:id-like"
	propDistroCode    = "hallmark:distro:codename"
	propDistroName    = "hallmark:distro:name"
	propDistroPretty  = "hallmark:distro:pretty-name" // when it is not the description
	propDistroCPE     = "hallmark:distro:cpe"         // when it is not the cpe
	propSource        = "hallmark:source:"            // + [<index>:]kind|name|digest|tag|layer:<i>:…
	propError         = "hallmark:error"              // "path:line: message"; "hallmark:error:<i>:cataloger"
	propPartial       = "hallmark:partial"
	propGroup         = "hallmark:cyclonedx:group"   // a group Decode could not join to the name
	propParent        = "hallmark:cyclonedx:parent"  // bom-ref of the enclosing component
	propUnread        = "hallmark:cyclonedx:unread:" // + a mapping property Decode could not apply
)

// distroRefPrefix starts the bom-ref of a component that stands for the distribution only.
const distroRefPrefix = "hallmark:distro:"

// reserved reports whether a package property name belongs to the mapping itself.
func reserved(name string) bool {
	switch name {
	case propEcosystem, propConstraint, propUnresolved, propCPE, propHash, propRelation,
		propScope, propType, propSourceName, propSourceVersion, propArch, propFoundBy,
		propHomepage, propDownloadURL, propVCSType, propVCSURL, propVCSRevision, propVCSRef,
		propDistro, propDistroIDLike, propDistroCode, propDistroName, propDistroPretty,
		propDistroCPE, propError, propPartial:
		return true
	}
	return hasPrefix(name, propLocation) || hasPrefix(name, propSource) || hasPrefix(name, propError+":")
}

func hasPrefix(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }

var (
	sniffJSON = regexp.MustCompile(`"bomFormat"\s*:\s*"CycloneDX"`)
	sniffXML  = regexp.MustCompile(`xmlns(?::[A-Za-z0-9_.-]+)?\s*=\s*["']http://cyclonedx\.org/schema/bom/`)
)

// Sniff reports whether head, the first bytes of a file (a few kilobytes are plenty), looks
// like a CycloneDX document: a JSON object with "bomFormat": "CycloneDX", or an XML document
// in a CycloneDX BOM namespace (xmlns="http://cyclonedx.org/schema/bom/…").
func Sniff(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(head) == 0:
		return false
	case head[0] == '{':
		return sniffJSON.Match(head)
	case head[0] == '<':
		return sniffXML.Match(head)
	}
	return false
}

// specVersions maps the versions Encode writes to the library's constants.
var specVersions = map[string]cdx.SpecVersion{
	"1.5": cdx.SpecVersion1_5,
	"1.6": cdx.SpecVersion1_6,
}
