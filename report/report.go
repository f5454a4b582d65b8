// Package report is the result of a vulnerability scan and its output handlers. The result is
// a documented, versioned contract ("hallmark.scan/v1", JSON Schema in
// report/schema/scan-v1.schema.json): the JSON handler writes it, Read reads it back, and every
// other handler (table, Markdown, SARIF, CycloneDX, OpenVEX) renders the same value, so JSON
// output can be rendered again in any format later.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/hallmark-dev/hallmark/sbom"
)

// Schema is the name and version of the JSON contract.
const Schema = "hallmark.scan/v1"

// Result is one scan.
type Result struct {
	Schema   string    `json:"schema"`
	Tool     Tool      `json:"tool"`
	Created  time.Time `json:"created"`
	Database Database  `json:"database"`
	Targets  []Target  `json:"targets"`
	Findings []Finding `json:"findings"`
	// Unmatched lists packages that could not be checked, with the reason (no exact version,
	// no ecosystem, no version scheme).
	Unmatched []Unmatched `json:"unmatched,omitempty"`
	// ExpiredIgnores lists ignore entries past their expiry: they no longer apply.
	ExpiredIgnores []Ignore `json:"expired_ignores,omitempty"`
	// Errors lists files that could not be read completely: the result is then partial.
	Errors []sbom.FileError `json:"errors,omitempty"`
	// Inventory is what was scanned, so that the SBOM-based formats can be rendered from JSON.
	Inventory *sbom.Inventory `json:"inventory,omitempty"`
}

// Tool names the scanner.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Database describes the advisory database used.
type Database struct {
	Path       string    `json:"path,omitempty"`
	Advisories int       `json:"advisories"`
	LastUpdate time.Time `json:"last_update,omitzero"`
}

// Target is one scanned target.
type Target struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Digest string `json:"digest,omitempty"`
}

// Finding is one vulnerability of one package.
type Finding struct {
	// ID is the primary advisory ID; Advisories every advisory merged into the finding.
	ID         string   `json:"id"`
	Advisories []string `json:"advisories"`
	Aliases    []string `json:"aliases"`
	Summary    string   `json:"summary,omitempty"`
	Package    Package  `json:"package"`
	// Locations are where the package was found (file, line, image layer).
	Locations []sbom.Location `json:"locations"`
	Relation  string          `json:"relation,omitempty"` // direct or transitive
	Scope     string          `json:"scope,omitempty"`
	// Via names the direct dependencies that bring a transitive package in, where the graph is
	// known.
	Via      []string `json:"via,omitempty"`
	Severity Severity `json:"severity"`
	// FixedVersions are the versions the advisories name as fixed, lowest first.
	FixedVersions []string `json:"fixed_versions"`
	// Advice is the lowest version that fixes every finding of this package, or "" if none.
	Advice   string  `json:"advice"`
	Ignored  *Ignore `json:"ignored,omitempty"`
	Modified string  `json:"modified,omitempty"`
	// URL links to the primary advisory.
	URL string `json:"url,omitempty"`
	// VEX is the VEX statement that applies to the finding ('hallmark scan --vex'), if any.
	// A not_affected or fixed statement suppresses the finding (see Suppressed): it stays in
	// the result with the statement, but does not count for --fail-on.
	VEX *VEXStatement `json:"vex,omitempty"`
	// Reachability says whether the vulnerable symbols are reachable from the program, for Go
	// findings when scanned with --reachability.
	Reachability *Reachability `json:"reachability,omitempty"`
}

// VEXStatement is the VEX statement that decided a finding's status: the statement that
// applies (the latest, by timestamp, of those naming the finding's vulnerability and
// package) and where it came from.
type VEXStatement struct {
	// Status is the OpenVEX status: not_affected, affected, fixed or under_investigation
	// (CycloneDX analysis states and CSAF product statuses are mapped to it).
	Status string `json:"status"`
	// Justification is the OpenVEX justification of a not_affected status, if given.
	Justification   string `json:"justification,omitempty"`
	ImpactStatement string `json:"impact_statement,omitempty"`
	ActionStatement string `json:"action_statement,omitempty"`
	StatusNotes     string `json:"status_notes,omitempty"`
	// Vulnerability and Product are the names the statement used for them.
	Vulnerability string `json:"vulnerability"`
	Product       string `json:"product"`
	// Timestamp is when the statement was made (its own, else its document's), RFC 3339.
	Timestamp string `json:"timestamp,omitempty"`
	// Format is the document's format: openvex, cyclonedx or csaf.
	Format string `json:"format"`
	// Document is the file the statement was read from; DocumentID the document's own
	// identifier (OpenVEX @id, CycloneDX serialNumber, CSAF tracking ID), if any.
	Document   string `json:"document"`
	DocumentID string `json:"document_id,omitempty"`
	// Statement locates the statement in its document: its @id, or a JSON path such as
	// "statements[2]" or "vulnerabilities[0]".
	Statement string `json:"statement"`
}

// Suppressed reports whether a VEX statement says the finding's package is not affected or
// already fixed: the finding stays in the result but does not count for --fail-on.
func (f *Finding) Suppressed() bool {
	return f.VEX != nil && (f.VEX.Status == "not_affected" || f.VEX.Status == "fixed")
}

// Package identifies the affected package.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	PURL      string `json:"purl"`
	// Ref is the package's ID in the inventory (the CycloneDX bom-ref).
	Ref string `json:"ref,omitempty"`
}

// Severity is a finding's highest severity.
type Severity struct {
	Level string `json:"level"` // unknown, low, medium, high, critical
	// Score is the CVSS base score, 0 when no CVSS vector is known.
	Score float64 `json:"score"`
	// Type is the kind of Vector: CVSS_V3, CVSS_V4, CVSS_V2, "ecosystem" for a label, or ""
	// when the advisories give no severity.
	Type string `json:"type"`
	// Vector is the CVSS vector, or the ecosystem's label ("HIGH"), or "".
	Vector string `json:"vector"`
}

// Ignore is an entry of an ignore file that applies to a finding (or has expired).
type Ignore struct {
	ID      string `json:"id"`
	Package string `json:"package,omitempty"`
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"` // YYYY-MM-DD
	Source  string `json:"source,omitempty"`  // the ignore file
}

// Unmatched is a package that could not be checked.
type Unmatched struct {
	Package Package `json:"package"`
	Reason  string  `json:"reason"`
}

// Levels in increasing order.
var Levels = []string{"unknown", "low", "medium", "high", "critical"}

// LevelRank returns the position of a level in Levels, or -1.
func LevelRank(level string) int {
	for i, l := range Levels {
		if l == level {
			return i
		}
	}
	return -1
}

// Active returns the findings that are neither ignored nor suppressed by a VEX statement.
func (r *Result) Active() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Ignored == nil && !f.Suppressed() {
			out = append(out, f)
		}
	}
	return out
}

// WriteJSON writes the result as indented JSON, following the JSON Schema in JSONSchema: the
// lists the schema requires are written as [] rather than null when empty.
func WriteJSON(w io.Writer, r *Result) error {
	if len(r.Findings) >= parallelItems || r.Inventory != nil && len(r.Inventory.Packages) >= parallelItems {
		return writeJSONParallel(w, r)
	}
	return encodeIndented(w, normalized(r), "")
}

// normalized returns a shallow copy of r whose required lists are non-nil; r is not changed.
func normalized(r *Result) *Result {
	c := *r
	c.Targets = nonNil(c.Targets)
	c.Findings = make([]Finding, len(r.Findings))
	for i, f := range r.Findings {
		c.Findings[i] = normalizedFinding(f)
	}
	if r.Inventory != nil && r.Inventory.Packages == nil {
		inv := *r.Inventory
		inv.Packages = []*sbom.Package{}
		c.Inventory = &inv
	}
	return &c
}

// normalizedFinding returns f with its required lists non-nil.
func normalizedFinding(f Finding) Finding {
	f.Advisories = nonNil(f.Advisories)
	f.Aliases = nonNil(f.Aliases)
	f.Locations = nonNil(f.Locations)
	f.FixedVersions = nonNil(f.FixedVersions)
	return f
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// MaxJSONSize bounds a result read back.
const MaxJSONSize = 1 << 30

// ReadJSON reads a result written by WriteJSON, checking its schema name.
func ReadJSON(rd io.Reader) (*Result, error) {
	dec := json.NewDecoder(io.LimitReader(rd, MaxJSONSize))
	var r Result
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("reading a scan result: %w", err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("reading a scan result: schema %q, want %q", r.Schema, Schema)
	}
	return &r, nil
}
