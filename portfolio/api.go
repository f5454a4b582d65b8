package portfolio

import (
	"context"
	"errors"
)

// errTodo marks the methods whose implementation is in progress (the package's helper
// replaces each body); the server compiles against these signatures.
var errTodo = errors.New("portfolio: not implemented yet")

// Ingest stores req's inventory as an artifact (replacing the components of an artifact of the
// same team with the same digest), matches its components against the advisories, and opens
// (or resolves) findings, with events, in one transaction.
func (p *Portfolio) Ingest(ctx context.Context, req IngestRequest) (*IngestResult, error) {
	return nil, errTodo
}

// Deploy records a deployment of the artifact with the given digest visible in scope.
func (p *Portfolio) Deploy(ctx context.Context, sc Scope, d Deployment) (*Deployment, error) {
	return nil, errTodo
}

// Artifacts lists the artifacts in scope whose name contains search ("" for all), by ID.
func (p *Portfolio) Artifacts(ctx context.Context, sc Scope, search string, pg Page) (items []Artifact, next string, err error) {
	return nil, "", errTodo
}

// Artifact returns one artifact; ErrNotFound when it is not in scope.
func (p *Portfolio) Artifact(ctx context.Context, sc Scope, id int64) (*Artifact, error) {
	return nil, errTodo
}

// Findings lists an artifact's findings.
func (p *Portfolio) Findings(ctx context.Context, sc Scope, artifactID int64, q FindingQuery) (items []Finding, next string, err error) {
	return nil, "", errTodo
}

// Components lists an artifact's components.
func (p *Portfolio) Components(ctx context.Context, sc Scope, artifactID int64, pg Page) (items []Component, next string, err error) {
	return nil, "", errTodo
}

// Paths returns every dependency path from the artifact to the components with the given
// purl (with or without version), each path listing components from a direct dependency to
// the component; at most limit paths.
func (p *Portfolio) Paths(ctx context.Context, sc Scope, artifactID int64, purl string, limit int) ([][]Component, error) {
	return nil, errTodo
}

// Deployments lists the deployments of an artifact, newest first.
func (p *Portfolio) Deployments(ctx context.Context, sc Scope, artifactID int64) ([]Deployment, error) {
	return nil, errTodo
}

// Search finds the components in scope with a package URL's type, namespace and name (its
// version, if any, is ignored), within a version range in the ecosystem's semantics: rng is
// "" (any version) or comparisons separated by commas, such as ">=4.0.0,<4.17.21" or "=1.2.3".
func (p *Portfolio) Search(ctx context.Context, sc Scope, purl, rng string, pg Page) (items []ComponentHit, next string, err error) {
	return nil, "", errTodo
}

// AffectedBy answers which artifacts in scope contain components affected by the advisory id
// (or an advisory with that alias), and where they are deployed now; ErrNotFound when no
// advisory has that ID or alias.
func (p *Portfolio) AffectedBy(ctx context.Context, sc Scope, id string) (*Affected, error) {
	return nil, errTodo
}

// Reevaluate re-matches the components affected by the given advisories (before or after
// their change: findings of these advisories that no longer match are resolved) and writes
// the resulting events.
func (p *Portfolio) Reevaluate(ctx context.Context, advisoryIDs []string) (*ReevalStats, error) {
	return nil, errTodo
}

// Metrics computes the dashboard's figures for scope over the last days days.
func (p *Portfolio) Metrics(ctx context.Context, sc Scope, days int) (*Metrics, error) {
	return nil, errTodo
}

// Teams returns the names of teams by ID, for the IDs given (all when ids is nil).
func (p *Portfolio) Teams(ctx context.Context, ids []int64) (map[int64]string, error) {
	return nil, errTodo
}
