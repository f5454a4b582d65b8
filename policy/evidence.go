package policy

import (
	"slices"
	"time"

	"github.com/hallmark-dev/hallmark/report"
)

// EvidenceSchema is the name and version of the evidence contract.
const EvidenceSchema = "hallmark.evidence/v1"

// Document is the input of a policy: everything Hallmark knows about an artifact, in one
// documented JSON document ("hallmark.evidence/v1", JSON Schema in JSONSchema). Policies read
// it as input; readers must ignore members they do not know.
type Document struct {
	Schema string `json:"schema"`
	// Created is the time the evidence was assembled; days_since_published and ignore expiry
	// are computed against it.
	Created  time.Time       `json:"created"`
	Tool     report.Tool     `json:"tool"`
	Database report.Database `json:"database"`
	Artifact Artifact        `json:"artifact"`
	// Inventory summarises the packages that were scanned.
	Inventory InventorySummary `json:"inventory"`
	// Findings are the scan's findings, ignored ones included, with computed fields.
	Findings []Finding `json:"findings"`
	// Attestations are the verified attestations about the artifact. Only attestations whose
	// signature and signer were verified belong here.
	Attestations []Attestation `json:"attestations"`
	// Ignores are the ignore entries: the ones that apply to findings and the expired ones.
	Ignores []IgnoreEntry `json:"ignores"`
	// Lifecycle lists end-of-life facts about components, when a lifecycle data source
	// provides them; empty otherwise.
	Lifecycle []Lifecycle `json:"lifecycle"`
	// Partial is true when some input could not be read completely (see Errors).
	Partial bool     `json:"partial"`
	Errors  []string `json:"errors"`
}

// Artifact is what the evidence is about: the scanned targets.
type Artifact struct {
	Targets []report.Target `json:"targets"`
	// Digests are the targets' digests ("sha256:…"), without duplicates.
	Digests []string `json:"digests"`
}

// InventorySummary counts the scanned packages.
type InventorySummary struct {
	Packages   int `json:"packages"`
	Direct     int `json:"direct"`
	Transitive int `json:"transitive"`
	// UnknownRelation counts packages whose relation to the project is not known.
	UnknownRelation int            `json:"unknown_relation"`
	Ecosystems      map[string]int `json:"ecosystems"`
	// Unmatched counts packages that could not be checked for vulnerabilities.
	Unmatched int `json:"unmatched"`
}

// Finding is a scan finding (report.Finding, every member of the scan JSON) with the fields
// policies decide on, computed once.
type Finding struct {
	report.Finding
	// VEXStatus is the status of the VEX statement applied to the finding: not_affected,
	// affected, fixed, under_investigation, or "" when none applies.
	VEXStatus string `json:"vex_status"`
	// ReachabilityStatus is reachable or unreachable as reachability.status says, else
	// unknown (not analysed, or the analysis could not decide).
	ReachabilityStatus string `json:"reachability_status"`
	// SeverityLevel repeats severity.level: unknown, low, medium, high or critical.
	SeverityLevel string `json:"severity_level"`
	// Published is the date days_since_published counts from (RFC 3339): the advisories'
	// modified date, the only one the scan result has; "" when unknown.
	Published string `json:"published"`
	// DaysSincePublished is the number of whole days from Published to Created; -1 when
	// unknown.
	DaysSincePublished int `json:"days_since_published"`
	// FixAvailable is true when a fixing version is known (advice is not empty).
	FixAvailable bool `json:"fix_available"`
	// IsIgnored is true when an ignore entry that has not expired applies.
	IsIgnored bool `json:"is_ignored"`
	// Suppressed is true when the finding does not count: ignored, or a VEX statement says
	// not_affected or fixed.
	Suppressed bool `json:"suppressed"`
}

// Attestation is one verified attestation about the artifact. The attest and provenance
// commands fill it in; it is the shape policies rely on.
type Attestation struct {
	// PredicateType is the in-toto predicate type ("https://slsa.dev/provenance/v1", …).
	PredicateType string `json:"predicate_type"`
	// Subjects are the digests ("sha256:…") the statement is about.
	Subjects []string `json:"subjects"`
	Signer   Signer   `json:"signer"`
	// Builder is the SLSA builder.id, "" for non-provenance predicates.
	Builder string `json:"builder"`
	// Source is the source repository the provenance names, if any.
	Source Source `json:"source"`
	// SLSALevel is the SLSA build level the verified evidence supports (0–3).
	SLSALevel int `json:"slsa_level"`
	// Bundle names the file the attestation was read from.
	Bundle string `json:"bundle,omitempty"`
}

// Signer is who signed an attestation: a certificate identity and OIDC issuer (keyless), or
// a key.
type Signer struct {
	Identity string `json:"identity,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	// KeyID identifies the public key of a keyed signature ("sha256:…" of the key).
	KeyID string `json:"key_id,omitempty"`
}

// Source is a source repository at a revision.
type Source struct {
	URI    string `json:"uri,omitempty"`
	Digest string `json:"digest,omitempty"` // "gitCommit:…" or "sha1:…"
	Ref    string `json:"ref,omitempty"`    // refs/heads/main, refs/tags/v1.2.3
}

// IgnoreEntry is an ignore entry with its state.
type IgnoreEntry struct {
	report.Ignore
	// Expired is true when the entry's expiry date has passed: it no longer applies.
	Expired bool `json:"expired"`
	// Findings lists the finding IDs the entry applies to (empty for expired entries).
	Findings []string `json:"findings"`
}

// Lifecycle is an end-of-life fact about a component.
type Lifecycle struct {
	Package report.Package `json:"package"`
	EOL     bool           `json:"eol"`
	// EOLDate is the end-of-life date (YYYY-MM-DD), "" when unknown.
	EOLDate string `json:"eol_date,omitempty"`
	// Source names the data the fact comes from.
	Source string `json:"source,omitempty"`
}

// Evidence builds the evidence document of a scan result at time now. Findings keep every
// member of the scan JSON (vex and reachability included) and gain the computed fields.
func Evidence(res *report.Result, now time.Time) *Document {
	now = now.UTC().Truncate(time.Second)
	ev := &Document{
		Schema:       EvidenceSchema,
		Created:      now,
		Tool:         res.Tool,
		Database:     res.Database,
		Artifact:     Artifact{Targets: slices.Clone(res.Targets), Digests: []string{}},
		Inventory:    InventorySummary{Ecosystems: map[string]int{}, Unmatched: len(res.Unmatched)},
		Findings:     make([]Finding, 0, len(res.Findings)),
		Attestations: []Attestation{},
		Ignores:      []IgnoreEntry{},
		Lifecycle:    []Lifecycle{},
		Errors:       []string{},
	}
	if ev.Artifact.Targets == nil {
		ev.Artifact.Targets = []report.Target{}
	}
	for _, t := range res.Targets {
		if t.Digest != "" && !slices.Contains(ev.Artifact.Digests, t.Digest) {
			ev.Artifact.Digests = append(ev.Artifact.Digests, t.Digest)
		}
	}
	if inv := res.Inventory; inv != nil {
		for _, p := range inv.Packages {
			ev.Inventory.Packages++
			switch p.Relation {
			case "direct":
				ev.Inventory.Direct++
			case "transitive":
				ev.Inventory.Transitive++
			default:
				ev.Inventory.UnknownRelation++
			}
			eco := p.Ecosystem
			if eco == "" {
				eco = "unknown"
			}
			ev.Inventory.Ecosystems[eco]++
		}
	}
	for _, e := range res.Errors {
		ev.Errors = append(ev.Errors, e.String())
	}
	ev.Partial = len(res.Errors) > 0

	applied := map[string]int{} // ignore key → index in ev.Ignores
	for _, f := range res.Findings {
		ef := newFinding(f, now)
		ev.Findings = append(ev.Findings, ef)
		if f.Ignored == nil {
			continue
		}
		k := ignoreKey(*f.Ignored)
		i, ok := applied[k]
		if !ok {
			i = len(ev.Ignores)
			applied[k] = i
			ev.Ignores = append(ev.Ignores, IgnoreEntry{Ignore: *f.Ignored, Findings: []string{}})
		}
		if !slices.Contains(ev.Ignores[i].Findings, f.ID) {
			ev.Ignores[i].Findings = append(ev.Ignores[i].Findings, f.ID)
		}
	}
	for _, ig := range res.ExpiredIgnores {
		ev.Ignores = append(ev.Ignores, IgnoreEntry{Ignore: ig, Expired: true, Findings: []string{}})
	}
	return ev
}

func ignoreKey(ig report.Ignore) string {
	return ig.Source + "\x00" + ig.ID + "\x00" + ig.Package + "\x00" + ig.Expires
}

// newFinding computes a finding's policy fields.
func newFinding(f report.Finding, now time.Time) Finding {
	f.Advisories = nonNil(f.Advisories)
	f.Aliases = nonNil(f.Aliases)
	f.Locations = nonNil(f.Locations)
	f.FixedVersions = nonNil(f.FixedVersions)
	ef := Finding{
		Finding:            f,
		ReachabilityStatus: report.Unknown,
		SeverityLevel:      f.Severity.Level,
		DaysSincePublished: -1,
		FixAvailable:       f.Advice != "",
		IsIgnored:          f.Ignored != nil,
	}
	if ef.SeverityLevel == "" {
		ef.SeverityLevel = "unknown"
	}
	if f.VEX != nil {
		ef.VEXStatus = f.VEX.Status
	}
	if f.Reachability != nil && (f.Reachability.Status == report.Reachable || f.Reachability.Status == report.Unreachable) {
		ef.ReachabilityStatus = f.Reachability.Status
	}
	// OSV's published date is not in the scan result: modified, the latest modification of
	// the finding's advisories, is the closest date it has, and never overstates the age.
	published := f.Modified
	if t, err := time.Parse(time.RFC3339, published); err == nil {
		ef.Published = published
		if d := now.Sub(t); d >= 0 {
			ef.DaysSincePublished = int(d / (24 * time.Hour))
		} else {
			ef.DaysSincePublished = 0
		}
	}
	ef.Suppressed = ef.IsIgnored || f.Suppressed()
	return ef
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
