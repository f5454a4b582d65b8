package spdx

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hallmark-dev/hallmark/sbom"
)

// Prefixes of the annotation comments that carry what SPDX has no field for. The rest of the
// comment is a JSON object.
const (
	prefixPackage = "hallmark:package:" // packageExt, on every package written from the model
	prefixSource  = "hallmark:source:"  // sbom.Source, on the package standing for a source
	prefixDistro  = "hallmark:distro:"  // sbom.Distro, on the operating-system package
	prefixError   = "hallmark:error:"   // sbom.FileError, on the document
)

// annotator is the annotator of Hallmark's annotations ("Tool: hallmark").
const annotator = "hallmark"

// packageExt is the JSON object of a "hallmark:package:" annotation. Its fields are
// authoritative for the package; Exact, when present, overrides standard SPDX fields that could
// not hold the model's value exactly.
type packageExt struct {
	ID            string            `json:"id"`
	Type          sbom.Type         `json:"type,omitempty"`
	Constraint    string            `json:"constraint,omitempty"`
	Unresolved    bool              `json:"unresolved,omitempty"`
	Ecosystem     string            `json:"ecosystem,omitempty"`
	Licenses      []string          `json:"licenses,omitempty"`
	Locations     []sbom.Location   `json:"locations,omitempty"`
	Relation      sbom.Relation     `json:"relation,omitempty"`
	Scope         sbom.Scope        `json:"scope,omitempty"`
	SourceName    string            `json:"source_name,omitempty"`
	SourceVersion string            `json:"source_version,omitempty"`
	Arch          string            `json:"arch,omitempty"`
	VCS           *sbom.VCS         `json:"vcs,omitempty"`
	FoundBy       string            `json:"found_by,omitempty"`
	Properties    map[string]string `json:"properties,omitempty"`
	Exact         *exactFields      `json:"exact,omitempty"`
}

// sourceExt is the JSON object of a "hallmark:source:" annotation: the source and its position
// in Inventory.Sources (tag-value writers reorder packages).
type sourceExt struct {
	Index int `json:"index"`
	sbom.Source
}

// exactFields holds the exact model values of standard fields whose SPDX form is lossy. A nil
// pointer means the SPDX field is exact.
type exactFields struct {
	Name        *string      `json:"name,omitempty"`
	Version     *string      `json:"version,omitempty"`
	PURL        *string      `json:"purl,omitempty"`
	CPEs        *[]string    `json:"cpes,omitempty"`
	Hashes      *[]sbom.Hash `json:"hashes,omitempty"`
	Description *string      `json:"description,omitempty"`
	Supplier    *string      `json:"supplier,omitempty"`
	Homepage    *string      `json:"homepage,omitempty"`
	DownloadURL *string      `json:"download_url,omitempty"`
}

func (e *exactFields) empty() bool { return *e == exactFields{} }

// apply overwrites p's standard fields with the exact values.
func (e *exactFields) apply(p *sbom.Package) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&p.Name, e.Name)
	set(&p.Version, e.Version)
	set(&p.PURL, e.PURL)
	set(&p.Description, e.Description)
	set(&p.Supplier, e.Supplier)
	set(&p.Homepage, e.Homepage)
	set(&p.DownloadURL, e.DownloadURL)
	if e.CPEs != nil {
		p.CPEs = *e.CPEs
	}
	if e.Hashes != nil {
		p.Hashes = *e.Hashes
	}
}

// plain reports whether s survives a single-line SPDX field in both serialisations: valid
// UTF-8, no control characters or line separators, no surrounding white space and no
// tag-value <text> markers.
func plain(s string) bool {
	if !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return false
	}
	if strings.Contains(s, "<text>") || strings.Contains(s, "</text>") {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// token reports whether s is a plain string without white space, as an external reference
// locator must be.
func token(s string) bool {
	return s != "" && plain(s) && !strings.ContainsFunc(s, unicode.IsSpace)
}

// clean turns s into a plain string: invalid bytes and control characters become spaces,
// <text> markers are defused, and the result is trimmed.
func clean(s string) string {
	s = strings.ToValidUTF8(s, " ")
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return ' '
		}
		return r
	}, s)
	s = strings.ReplaceAll(s, "<text>", "(text)")
	s = strings.ReplaceAll(s, "</text>", "(/text)")
	return strings.TrimSpace(s)
}
