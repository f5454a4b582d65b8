// Package triage records what a team decided about its findings: an analysis per finding, or
// per advisory and package across the team's portfolio, in one of five states (not_affected
// with an OpenVEX justification, affected with an action, false_positive, in_triage,
// resolved), with author, time and comment.
//
// Every change appends a row to an audit trail (previous state → new state, who, when, why) in
// the transaction that makes it; nothing is changed without one. For answers which analysis
// is in force for a finding: the finding's own, else the latest of the analyses naming its
// advisory (or an alias) and its package. ExportOpenVEX writes the analyses in force as an
// OpenVEX 0.2.0 document whose products are the affected components' purls; IngestVEX reads
// OpenVEX, CycloneDX VEX and CSAF VEX documents (package vex) into per-advisory analyses.
//
// Every call takes a portfolio.Scope: another team's finding is reported as
// portfolio.ErrNotFound, never as forbidden.
package triage

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/vex"
)

// The analysis states.
const (
	NotAffected   = "not_affected"   // needs a Justification
	Affected      = "affected"       // needs an Action
	FalsePositive = "false_positive" // the finding is wrong (the component or version is not the advisory's)
	InTriage      = "in_triage"
	Resolved      = "resolved"
)

// States lists the analysis states.
var States = []string{NotAffected, Affected, FalsePositive, InTriage, Resolved}

// Justifications lists the justifications of not_affected: the OpenVEX (and CISA) ones.
var Justifications = vex.Justifications

// Limits on what an analysis holds and what one call handles.
const (
	MaxComment  = 16 << 10 // bytes of a comment or action
	MaxName     = 1024     // bytes of an advisory ID, purl or author
	MaxFindings = 10_000   // finding IDs of one For call
	maxAudit    = 1000     // entries of one Audit call
)

// Analysis is a decision about one finding (FindingID set) or about one advisory and package
// across a team's portfolio (FindingID nil; Advisory and Purl set).
type Analysis struct {
	ID        int64  `json:"id"`
	TeamID    int64  `json:"team_id"`
	FindingID *int64 `json:"finding_id,omitempty"`
	// Advisory is the advisory's ID (for a finding's analysis, the finding's advisory); an
	// analysis applies to a finding that knows the advisory by this ID or one of Aliases.
	Advisory string   `json:"advisory"`
	Aliases  []string `json:"aliases,omitempty"`
	// Purl names the package: without version, every version of it; with one (as VEX
	// documents may give), that version only. Qualifiers and subpath are not kept. Empty for
	// a finding's analysis.
	Purl          string    `json:"purl,omitempty"`
	State         string    `json:"state"`
	Justification string    `json:"justification,omitempty"`
	Action        string    `json:"action,omitempty"`
	Comment       string    `json:"comment"`
	Author        string    `json:"author"`
	Time          time.Time `json:"time"`
}

// AuditEntry is one change of an analysis.
type AuditEntry struct {
	ID            int64     `json:"id"`
	AnalysisID    int64     `json:"analysis_id"`
	TeamID        int64     `json:"team_id"`
	FindingID     *int64    `json:"finding_id,omitempty"`
	Advisory      string    `json:"advisory"`
	Purl          string    `json:"purl,omitempty"`
	PrevState     string    `json:"previous_state"` // "" when the analysis was new
	State         string    `json:"state"`
	Justification string    `json:"justification,omitempty"`
	Action        string    `json:"action,omitempty"`
	Comment       string    `json:"comment"`
	Author        string    `json:"author"`
	Via           string    `json:"via,omitempty"` // who recorded it for Author (a VEX document's uploader)
	Time          time.Time `json:"time"`
}

// Triage is the analyses kept in one database, next to the portfolio.
type Triage struct {
	st  *store.DB
	now func() time.Time
}

// New returns the triage records kept in st.
func New(st *store.DB) *Triage {
	return &Triage{st: st, now: time.Now}
}

// invalid wraps portfolio.ErrInvalid with a reason.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", portfolio.ErrInvalid, fmt.Sprintf(format, args...))
}

// check enforces the rules of a state on a, after trimming its fields: a known state; a
// justification with not_affected only, and one of Justifications (or, when impact is set,
// as VEX allows, a comment saying why); an action with affected only, and required there.
func check(a *Analysis, impact bool) error {
	a.Advisory = strings.TrimSpace(a.Advisory)
	a.Purl = strings.TrimSpace(a.Purl)
	a.Author = strings.TrimSpace(a.Author)
	a.Justification = strings.TrimSpace(a.Justification)
	a.Action = strings.TrimSpace(a.Action)
	switch {
	case !slices.Contains(States, a.State):
		return invalid("state %q is not one of %s", a.State, strings.Join(States, ", "))
	case a.Justification != "" && a.State != NotAffected:
		return invalid("a justification goes with state not_affected only")
	case a.Justification != "" && !slices.Contains(Justifications, a.Justification):
		return invalid("justification %q is not one of %s", a.Justification, strings.Join(Justifications, ", "))
	case a.State == NotAffected && a.Justification == "" && !(impact && a.Comment != ""):
		return invalid("state not_affected needs a justification, one of %s", strings.Join(Justifications, ", "))
	case a.Action != "" && a.State != Affected:
		return invalid("an action goes with state affected only")
	case a.State == Affected && a.Action == "":
		return invalid("state affected needs an action (what is done about it)")
	case a.Author == "":
		return invalid("no author")
	case len(a.Author) > MaxName || len(a.Advisory) > MaxName || len(a.Purl) > MaxName:
		return invalid("an author, advisory or purl is longer than %d bytes", MaxName)
	case len(a.Comment) > MaxComment || len(a.Action) > MaxComment:
		return invalid("a comment or action is longer than %d bytes", MaxComment)
	case len(a.Aliases) > 100:
		return invalid("more than 100 aliases")
	}
	if a.FindingID == nil {
		if a.Advisory == "" || strings.ContainsAny(a.Advisory, " \t\r\n") {
			return invalid("advisory %q: want an ID such as CVE-2021-44228 or GHSA-jfh8-c2jp-5v3q", a.Advisory)
		}
		if a.Purl == "" {
			return invalid("an analysis names a finding, or an advisory and a package (purl)")
		}
	}
	return nil
}

// inScope reports whether sc sees team.
func inScope(sc portfolio.Scope, team int64) bool {
	return sc.All || slices.Contains(sc.Teams, team)
}

// scopeFilter returns the condition " AND col IN (?, …)" limiting col to sc's teams, with its
// arguments; ok is false when sc sees no team.
func scopeFilter(sc portfolio.Scope, col string) (cond string, args []any, ok bool) {
	if sc.All {
		return "", nil, true
	}
	if len(sc.Teams) == 0 {
		return "", nil, false
	}
	for _, t := range sc.Teams {
		args = append(args, t)
	}
	return " AND " + col + " IN (" + placeholders(len(args)) + ")", args, true
}

// placeholders returns "?, ?, …" with n of them.
func placeholders(n int) string { return store.Placeholders(n) }

// millis converts a time to Unix milliseconds and back.
func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
