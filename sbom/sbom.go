// Package sbom is Hallmark's format-neutral inventory model: the packages found in a target,
// where they were found, how they depend on each other, and what the target itself is.
//
// Catalogers produce it, the format packages (format/cyclonedx, format/spdx) encode and decode
// it, and matching reads it. The model carries everything the standard formats can carry that
// later stages need; fields a format cannot represent are written as namespaced properties
// ("hallmark:…") so that round trips keep them.
package sbom

import (
	"fmt"
	"slices"
	"strings"
)

// Ecosystem names follow the OSV schema's ecosystem list
// (https://ossf.github.io/osv-schema/#affectedpackage-field) so that inventory and advisories
// agree without translation.
const (
	EcosystemGo        = "Go"
	EcosystemNPM       = "npm"
	EcosystemPyPI      = "PyPI"
	EcosystemCrates    = "crates.io"
	EcosystemMaven     = "Maven"
	EcosystemRubyGems  = "RubyGems"
	EcosystemPackagist = "Packagist"
	EcosystemNuGet     = "NuGet"
	EcosystemPub       = "Pub"
	EcosystemHex       = "Hex"
	EcosystemDebian    = "Debian"
	EcosystemUbuntu    = "Ubuntu"
	EcosystemAlpine    = "Alpine"
	EcosystemRedHat    = "Red Hat"
	EcosystemAlmaLinux = "AlmaLinux"
	EcosystemRocky     = "Rocky Linux"
	EcosystemSUSE      = "SUSE"
	EcosystemOpenSUSE  = "openSUSE"
)

// Scope says in which situations a package is needed.
type Scope string

// Scopes. The zero value means the source does not say.
const (
	ScopeUnknown  Scope = ""
	ScopeRuntime  Scope = "runtime"
	ScopeDev      Scope = "dev"
	ScopeTest     Scope = "test"
	ScopeOptional Scope = "optional"
)

// Relation says whether a package is a direct dependency of the project that declares it.
type Relation string

// Relations. The zero value means the source does not say.
const (
	RelationUnknown    Relation = ""
	RelationDirect     Relation = "direct"
	RelationTransitive Relation = "transitive"
)

// Type is the kind of component, after CycloneDX's component.type.
type Type string

// Types. The zero value is treated as TypeLibrary.
const (
	TypeLibrary     Type = "library"
	TypeApplication Type = "application"
	TypeFramework   Type = "framework"
	TypeOS          Type = "operating-system"
	TypeContainer   Type = "container"
	TypeFile        Type = "file"
)

// Hash is one digest of a package's artifact. Algorithm uses CycloneDX's names
// ("SHA-1", "SHA-256", "SHA-384", "SHA-512", "MD5", "SHA3-256", "BLAKE2b-256", …); Value is
// lower-case hex.
type Hash struct {
	Algorithm string `json:"alg"`
	Value     string `json:"content"`
}

// Location is where a package was found.
type Location struct {
	// Path is slash-separated and relative to the target's root (or absolute inside an image).
	Path string `json:"path"`
	// Line is the 1-based line of the package's entry in Path, or 0 when unknown.
	Line int `json:"line,omitempty"`
	// Layer is the digest of the image layer that introduced the file, for images only.
	Layer string `json:"layer,omitempty"`
}

func (l Location) String() string {
	s := l.Path
	if l.Line > 0 {
		s += fmt.Sprintf(":%d", l.Line)
	}
	if l.Layer != "" {
		s += " (layer " + l.Layer + ")"
	}
	return s
}

// VCS records where a package's source comes from when the source says so
// (Go build info, a Gemfile.lock GIT section, a git dependency in a lockfile).
type VCS struct {
	Type     string `json:"type"` // "git", …
	URL      string `json:"url,omitempty"`
	Revision string `json:"revision,omitempty"`
	Ref      string `json:"ref,omitempty"` // branch or tag, when recorded
}

// Package is one component of the inventory.
type Package struct {
	// ID identifies the package within its inventory. Catalogers may set any value that is
	// unique within their own result and refer to it in DependsOn; Inventory.Finalize
	// replaces it with a stable reference unique in the whole inventory (the CycloneDX
	// bom-ref and the SPDX element ID are derived from it).
	ID string `json:"id"`

	Type Type   `json:"type,omitempty"`
	Name string `json:"name"`
	// Version is the exact version. It is empty when the source records no exact version;
	// then Constraint says what was asked for and Unresolved is true.
	Version    string `json:"version,omitempty"`
	Constraint string `json:"constraint,omitempty"`
	Unresolved bool   `json:"unresolved,omitempty"`

	// Ecosystem is the OSV ecosystem name (see the Ecosystem constants); for OS packages it
	// is the distribution's ecosystem without release ("Debian", "Alpine", …).
	Ecosystem string `json:"ecosystem,omitempty"`
	// PURL is the canonical package URL (https://github.com/package-url/purl-spec).
	PURL string `json:"purl,omitempty"`
	// CPEs are CPE 2.3 formatted strings, where derivable.
	CPEs []string `json:"cpes,omitempty"`
	// Licenses are SPDX license expressions as the source records them; a value that is not
	// a valid expression is kept verbatim.
	Licenses []string `json:"licenses,omitempty"`
	Hashes   []Hash   `json:"hashes,omitempty"`

	Locations []Location `json:"locations,omitempty"`
	Relation  Relation   `json:"relation,omitempty"`
	Scope     Scope      `json:"scope,omitempty"`

	// DependsOn lists the IDs of the packages this one depends on directly, where the source
	// records the graph.
	DependsOn []string `json:"depends_on,omitempty"`

	// SourceName and SourceVersion are the source package of a binary OS package
	// (dpkg Source:, apk origin, rpm SOURCERPM); advisories for distributions name these.
	SourceName    string `json:"source_name,omitempty"`
	SourceVersion string `json:"source_version,omitempty"`
	// Arch is the package architecture (amd64, x86_64, noarch, …) where recorded.
	Arch string `json:"arch,omitempty"`

	VCS *VCS `json:"vcs,omitempty"`

	Description string `json:"description,omitempty"`
	Supplier    string `json:"supplier,omitempty"` // maintainer or vendor as recorded
	Homepage    string `json:"homepage,omitempty"`
	DownloadURL string `json:"download_url,omitempty"`

	// FoundBy names the cataloger that produced the package ("npm-lock", "dpkg", …).
	FoundBy string `json:"found_by,omitempty"`

	// Properties carries other facts as namespaced key/value pairs, for example
	// "hallmark:go:replaced-by". Keys are written in sorted order.
	Properties map[string]string `json:"properties,omitempty"`
}

// PropUnmatched is the property of a package that cannot be matched against advisories (a
// local crate, a jar without a Maven groupId); its value says why, and a scan lists the
// package as unchecked with that reason.
const PropUnmatched = "hallmark:unmatched"

// SetProperty sets a property, allocating the map when needed. An empty value deletes it.
func (p *Package) SetProperty(key, value string) {
	if value == "" {
		delete(p.Properties, key)
		return
	}
	if p.Properties == nil {
		p.Properties = map[string]string{}
	}
	p.Properties[key] = value
}

// Distro is the operating system of a root filesystem or image, from os-release(5).
type Distro struct {
	ID              string   `json:"id"`                    // "debian", "ubuntu", "alpine", "almalinux", …
	IDLike          []string `json:"id_like,omitempty"`     // ID_LIKE
	VersionID       string   `json:"version_id,omitempty"`  // "12", "22.04", "3.19.1", "8.9"
	VersionCodename string   `json:"codename,omitempty"`    // "bookworm"
	Name            string   `json:"name,omitempty"`        // NAME
	PrettyName      string   `json:"pretty_name,omitempty"` // PRETTY_NAME
	CPE             string   `json:"cpe,omitempty"`         // CPE_NAME
}

// SourceKind is what a target is.
type SourceKind string

// Source kinds.
const (
	SourceDirectory SourceKind = "directory"
	SourceFile      SourceKind = "file"
	SourceImage     SourceKind = "image"
	SourceSBOM      SourceKind = "sbom"
)

// Layer is one layer of an image, in application order.
type Layer struct {
	Digest    string `json:"digest"` // digest of the uncompressed layer (diff ID) when known, else of the blob
	MediaType string `json:"media_type,omitempty"`
	Size      int64  `json:"size,omitempty"`
}

// Source describes one scanned target.
type Source struct {
	Kind   SourceKind `json:"kind"`
	Name   string     `json:"name"`             // as given on the command line, or the image's reference
	Digest string     `json:"digest,omitempty"` // image config digest or file digest, "sha256:…"
	Layers []Layer    `json:"layers,omitempty"`
	Tags   []string   `json:"tags,omitempty"` // image repository tags
}

// FileError is a problem with one file that did not stop the rest of the inventory.
type FileError struct {
	Path string `json:"path"`
	Line int    `json:"line,omitempty"`
	// Cataloger names the cataloger that failed, if any.
	Cataloger string `json:"cataloger,omitempty"`
	Err       string `json:"error"`
}

func (e FileError) String() string {
	s := e.Path
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	return s + ": " + e.Err
}

// Inventory is everything known about one or more targets.
type Inventory struct {
	Sources  []Source   `json:"sources,omitempty"`
	Distro   *Distro    `json:"distro,omitempty"`
	Packages []*Package `json:"packages"`
	// Errors lists the files that could not be read completely. When it is not empty the
	// inventory is partial.
	Errors []FileError `json:"errors,omitempty"`

	batch int // counts Add calls, to keep cataloger-local IDs apart
}

// Partial reports whether some input could not be catalogued completely.
func (inv *Inventory) Partial() bool { return len(inv.Errors) > 0 }

// Compare orders packages for output: by ecosystem, name, version, first location, then PURL.
func Compare(a, b *Package) int {
	if c := strings.Compare(a.Ecosystem, b.Ecosystem); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	if c := strings.Compare(a.Version, b.Version); c != 0 {
		return c
	}
	if c := strings.Compare(firstPath(a), firstPath(b)); c != 0 {
		return c
	}
	if c := strings.Compare(a.PURL, b.PURL); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.Type), string(b.Type)); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

func firstPath(p *Package) string {
	if len(p.Locations) == 0 {
		return ""
	}
	return p.Locations[0].String()
}

// Sort puts packages, their lists and errors in a stable order. It does not change IDs.
func (inv *Inventory) Sort() {
	for _, p := range inv.Packages {
		slices.Sort(p.CPEs)
		p.CPEs = slices.Compact(p.CPEs)
		slices.Sort(p.DependsOn)
		p.DependsOn = slices.Compact(p.DependsOn)
		slices.SortFunc(p.Hashes, func(a, b Hash) int {
			if c := strings.Compare(a.Algorithm, b.Algorithm); c != 0 {
				return c
			}
			return strings.Compare(a.Value, b.Value)
		})
		p.Hashes = slices.Compact(p.Hashes)
		slices.SortFunc(p.Locations, func(a, b Location) int { return strings.Compare(a.String(), b.String()) })
		p.Locations = slices.Compact(p.Locations)
	}
	slices.SortStableFunc(inv.Packages, Compare)
	slices.SortFunc(inv.Errors, func(a, b FileError) int {
		return strings.Compare(a.String()+a.Cataloger, b.String()+b.Cataloger)
	})
}
