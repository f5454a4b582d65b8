// Package portfolio is the server's record of everything an organisation runs: artifacts (one
// per stored SBOM) owned by teams, their components and dependency edges, where they are
// deployed, and the findings matched against the advisory database. When advisories change,
// Reevaluate finds the affected components by range scans over version keys (see DESIGN.md),
// diffs each affected artifact's findings, and writes finding.opened and finding.resolved
// events to the outbox in the same transaction.
//
// Every read takes a Scope: a caller sees only its teams' artifacts, and an artifact outside
// them is reported as ErrNotFound, never as forbidden.
package portfolio

import (
	"errors"
	"time"

	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// Errors. The server maps them once to HTTP status codes.
var (
	ErrNotFound = errors.New("not found")     // 404
	ErrInvalid  = errors.New("invalid input") // 400; wrapped with the reason
)

// Portfolio is the portfolio kept in one database, next to the advisories.
type Portfolio struct {
	st   *store.DB
	adv  *vulndb.DB
	now  func() time.Time
	gate gate // orders uploads and re-evaluations (gate.go)
	// afterMatch, when set by a test, runs in Ingest between the matching and the transaction.
	afterMatch func()
	// onEvents runs after a re-evaluation transaction that wrote events commits (OnEvents).
	onEvents func()
}

// OnEvents makes f run after each re-evaluation transaction that wrote events has committed,
// so that delivery can start while later batches of a large re-evaluation are written (the
// server wakes webhook delivery with it). Set it before the portfolio is used.
func (p *Portfolio) OnEvents(f func()) { p.onEvents = f }

// New returns the portfolio kept in st, matched against the advisories in adv (which lives in
// the same database). Components' version keys stored in another key format than the build's
// are re-derived first (reindex.go); a failure is logged, not returned.
func New(st *store.DB, adv *vulndb.DB) *Portfolio {
	p := &Portfolio{st: st, adv: adv, now: time.Now}
	p.ensureKeyFormatUnchecked()
	return p
}

// Scope is what a caller may see: all teams, or the listed ones.
type Scope struct {
	All   bool
	Teams []int64
}

// Page asks for one page of a list in keyset order: the items after the cursor After (an
// opaque string from the previous page's Next; "" for the first page), at most Limit of them
// (0 means 50; at most 1000).
type Page struct {
	After string
	Limit int
}

// Artifact is one stored SBOM's subject.
type Artifact struct {
	ID         int64     `json:"id"`
	Team       string    `json:"team"`
	Name       string    `json:"name"`
	Version    string    `json:"version"`
	Digest     string    `json:"digest"`
	Format     string    `json:"format"`
	Components int       `json:"components"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	// Open counts the open findings by severity level ("critical", …, "unknown").
	Open map[string]int `json:"open_findings"`
}

// IngestRequest stores an inventory as an artifact of a team.
type IngestRequest struct {
	TeamID  int64
	Name    string
	Version string
	// Digest is "sha256:<hex>"; when empty, the inventory's subject digest, else one derived
	// from the document (Document).
	Digest    string
	Format    string
	Document  []byte // the SBOM as received, for the derived digest; may be nil when Digest is set
	Inventory *sbom.Inventory
}

// IngestResult is the answer to an ingest.
type IngestResult struct {
	Artifact   Artifact `json:"artifact"`
	Components int      `json:"components"`
	Findings   int      `json:"findings"`
}

// Deployment says an artifact runs in an environment (and, optionally, on a target).
type Deployment struct {
	ID             int64     `json:"id"`
	ArtifactID     int64     `json:"artifact_id"`
	ArtifactDigest string    `json:"artifact_digest"`
	ArtifactName   string    `json:"artifact_name,omitempty"`
	Environment    string    `json:"environment"`
	Target         string    `json:"target"`
	Time           time.Time `json:"time"`
}

// Component is one package of an artifact.
type Component struct {
	ID         int64    `json:"id"`
	ArtifactID int64    `json:"artifact_id"`
	Ref        string   `json:"ref"`
	Purl       string   `json:"purl"`
	Ecosystem  string   `json:"ecosystem"`
	Name       string   `json:"name"`
	Version    string   `json:"version"`
	Direct     bool     `json:"direct"`
	Locations  []string `json:"locations,omitempty"`
}

// Finding is one advisory affecting one component of an artifact.
type Finding struct {
	ID         int64      `json:"id"`
	ArtifactID int64      `json:"artifact_id"`
	Component  Component  `json:"component"`
	Advisory   string     `json:"advisory"`
	Aliases    []string   `json:"aliases"`
	Summary    string     `json:"summary"`
	Severity   string     `json:"severity"`
	Score      *float64   `json:"score,omitempty"`
	Fixed      []string   `json:"fixed_versions"`
	State      string     `json:"state"` // "open" or "resolved"
	Opened     time.Time  `json:"opened"`
	Resolved   *time.Time `json:"resolved,omitempty"`
}

// FindingQuery filters an artifact's findings.
type FindingQuery struct {
	State string // "open" (default), "resolved" or "all"
	Page
}

// ComponentHit is a component found across the portfolio, with its artifact.
type ComponentHit struct {
	Artifact  Artifact  `json:"artifact"`
	Component Component `json:"component"`
}

// Affected answers "what does this advisory affect": the artifacts with the affected
// components, and where those artifacts are deployed now.
type Affected struct {
	Advisory    string             `json:"advisory"`
	IDs         []string           `json:"ids"` // the advisory and its aliases looked up
	Artifacts   []AffectedArtifact `json:"artifacts"`
	Deployments []Deployment       `json:"deployments"`
}

// AffectedArtifact is one affected artifact with its affected components.
type AffectedArtifact struct {
	ID         int64       `json:"id"`
	Name       string      `json:"name"`
	Version    string      `json:"version"`
	Digest     string      `json:"digest"`
	Components []Component `json:"components"`
}

// ReevalStats counts what a re-evaluation changed.
type ReevalStats struct {
	Advisories int `json:"advisories"`
	Components int `json:"components"` // components the range scans returned
	Artifacts  int `json:"artifacts"`  // artifacts whose findings were diffed
	Opened     int `json:"opened"`
	Resolved   int `json:"resolved"`
}

// Metrics are portfolio-wide figures for the dashboard.
type Metrics struct {
	// OpenBySeverity counts open findings by severity level.
	OpenBySeverity map[string]int `json:"open_by_severity"`
	// OpenByEnvironment counts open findings of currently deployed artifacts by environment
	// and severity level.
	OpenByEnvironment map[string]map[string]int `json:"open_by_environment"`
	// Trend is the number of open findings by severity at the end of each day, oldest first.
	Trend []TrendPoint `json:"trend"`
	// MeanTimeToRemediate is the mean time from opened to resolved over resolved findings,
	// in hours; nil when none is resolved.
	MeanTimeToRemediateHours *float64 `json:"mean_time_to_remediate_hours"`
	// Sprawl lists the packages with the most distinct versions across the portfolio.
	Sprawl []Sprawl `json:"version_sprawl"`
}

// TrendPoint is one day of the trend.
type TrendPoint struct {
	Day  string         `json:"day"` // YYYY-MM-DD (UTC)
	Open map[string]int `json:"open"`
}

// Sprawl is the number of distinct versions of one package across the portfolio.
type Sprawl struct {
	Ecosystem string   `json:"ecosystem"`
	Name      string   `json:"name"`
	Versions  int      `json:"versions"`
	Sample    []string `json:"sample"` // up to 10 of them
}
