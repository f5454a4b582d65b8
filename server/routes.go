package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/server/access"
)

// routes is the server's route table. The OpenAPI document lists exactly these routes (a test
// checks it).
func (s *Server) routes() []route {
	return []route{
		{method: "GET", pattern: "/healthz", handle: s.healthz},
		{method: "GET", pattern: "/readyz", handle: s.readyz},
		{method: "GET", pattern: "/api/openapi.json", handle: serveOpenAPI},

		{method: "GET", pattern: "/auth/login", perIP: true, handle: s.login},
		{method: "GET", pattern: "/auth/callback", perIP: true, handle: s.callback},
		{method: "POST", pattern: "/auth/logout", perIP: true, handle: s.logout},
		{method: "GET", pattern: "/api/v1/session", scope: access.Read, handle: s.session},

		{method: "POST", pattern: "/api/v1/sboms", scope: access.Ingest, maxBody: MaxSBOMSize, handle: s.postSBOM},
		{method: "POST", pattern: "/api/v1/deployments", scope: access.Ingest, handle: s.postDeployment},
		{method: "POST", pattern: "/api/v1/attestations", scope: access.Ingest, maxBody: MaxDocumentSize, handle: s.postAttestation},
		{method: "POST", pattern: "/api/v1/vex", scope: access.Ingest, maxBody: MaxDocumentSize, handle: s.postVEX},
		{method: "POST", pattern: "/api/v1/advisories", scope: access.Admin, maxBody: MaxAdvisoriesSize, handle: s.postAdvisories},

		{method: "GET", pattern: "/api/v1/advisories/{id}", scope: access.Read, handle: s.getAdvisory},
		{method: "GET", pattern: "/api/v1/advisories/{id}/affected", scope: access.Read, handle: s.getAffected},
		{method: "GET", pattern: "/api/v1/artifacts", scope: access.Read, handle: s.listArtifacts},
		{method: "GET", pattern: "/api/v1/artifacts/{id}", scope: access.Read, handle: s.getArtifact},
		{method: "GET", pattern: "/api/v1/artifacts/{id}/findings", scope: access.Read, handle: s.listFindings},
		{method: "GET", pattern: "/api/v1/artifacts/{id}/components", scope: access.Read, handle: s.listComponents},
		{method: "GET", pattern: "/api/v1/artifacts/{id}/paths", scope: access.Read, handle: s.listPaths},
		{method: "GET", pattern: "/api/v1/artifacts/{id}/deployments", scope: access.Read, handle: s.listDeployments},
		{method: "GET", pattern: "/api/v1/artifacts/{id}/attestations", scope: access.Read, handle: s.listAttestations},
		{method: "GET", pattern: "/api/v1/components", scope: access.Read, handle: s.searchComponents},
		{method: "GET", pattern: "/api/v1/metrics", scope: access.Read, handle: s.metrics},

		{method: "POST", pattern: "/api/v1/webhooks", scope: access.Triage, handle: s.createWebhook},
		{method: "GET", pattern: "/api/v1/webhooks", scope: access.Read, handle: s.listWebhooks},
		{method: "DELETE", pattern: "/api/v1/webhooks/{id}", scope: access.Triage, handle: s.deleteWebhook},
		{method: "GET", pattern: "/api/v1/webhooks/{id}/deliveries", scope: access.Read, handle: s.listDeliveries},

		{method: "PUT", pattern: "/api/v1/findings/{id}/analysis", scope: access.Triage, handle: s.putFindingAnalysis},
		{method: "PUT", pattern: "/api/v1/advisories/{id}/analysis", scope: access.Triage, handle: s.putAdvisoryAnalysis},
		{method: "GET", pattern: "/api/v1/advisories/{id}/audit", scope: access.Read, handle: s.getAudit},
		{method: "GET", pattern: "/api/v1/vex/export", scope: access.Read, handle: s.exportVEX},
	}
}

// list is the answer of list routes.
type list[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

func listOf[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, Next: next}
}

// maxLimit bounds ?limit=.
const maxLimit = 1000

// page reads ?after= and ?limit=.
func page(r *http.Request) (portfolio.Page, error) {
	q := r.URL.Query()
	pg := portfolio.Page{After: q.Get("after")}
	var err error
	pg.Limit, err = intParam(r, "limit", 0, maxLimit)
	return pg, err
}

// idPage reads the {id} path parameter and the page.
func idPage(r *http.Request) (int64, portfolio.Page, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, portfolio.Page{}, err
	}
	pg, err := page(r)
	return id, pg, err
}

// intParam reads an integer query parameter in [0, max], def when absent.
func intParam(r *http.Request, name string, def, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > max {
		return 0, fmt.Errorf("%w: ?%s= must be an integer from 0 to %d", errBadRequest, name, max)
	}
	return n, nil
}

// pathID reads the {id} path parameter as a positive integer.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: %q is not an ID", errNotFound, r.PathValue("id"))
	}
	return id, nil
}

// decodeJSON reads the request body as one JSON value into v, refusing unknown fields.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return fmt.Errorf("%w: reading the JSON body: %v", errBadRequest, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: more than one JSON value in the body", errBadRequest)
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, c *call) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.Ready(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

// sessionInfo is the answer of GET /api/v1/session.
type sessionInfo struct {
	Kind  string   `json:"kind"` // "token" or "user"
	User  string   `json:"user"` // the token's name, or the user's name (else username, email or subject)
	Teams []string `json:"teams"`
	Scope string   `json:"scope"`
	CSRF  string   `json:"csrf,omitempty"`
	// OIDC says whether web UI login is configured.
	OIDC bool `json:"oidc"`
}

func (s *Server) session(w http.ResponseWriter, r *http.Request, c *call) error {
	teams := c.p.TeamNames
	if teams == nil {
		teams = []string{}
	}
	writeJSON(w, http.StatusOK, sessionInfo{Kind: c.p.Kind, User: c.p.DisplayName, Teams: teams, Scope: c.p.Scope.String(), CSRF: c.p.CSRF, OIDC: s.opts.OIDC != nil})
	return nil
}

func (s *Server) listArtifacts(w http.ResponseWriter, r *http.Request, c *call) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	items, next, err := s.opts.Portfolio.Artifacts(r.Context(), c.p.Portfolio(), r.URL.Query().Get("search"), pg)
	return reply(w, http.StatusOK, listOf(items, next), err)
}

func (s *Server) getArtifact(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := s.opts.Portfolio.Artifact(r.Context(), c.p.Portfolio(), id)
	return reply(w, http.StatusOK, a, err)
}

// findingView is a finding with the analysis in force, when the triage service is there.
type findingView struct {
	portfolio.Finding
	Analysis any `json:"analysis,omitempty"`
}

func (s *Server) listFindings(w http.ResponseWriter, r *http.Request, c *call) error {
	id, pg, err := idPage(r)
	if err != nil {
		return err
	}
	state := r.URL.Query().Get("state")
	switch state {
	case "", "open", "resolved", "all":
	default:
		return fmt.Errorf("%w: ?state= must be open, resolved or all", errBadRequest)
	}
	sc := c.p.Portfolio()
	items, next, err := s.opts.Portfolio.Findings(r.Context(), sc, id, portfolio.FindingQuery{State: state, Page: pg})
	if err != nil {
		return err
	}
	views := make([]findingView, len(items))
	ids := make([]int64, len(items))
	for i, f := range items {
		views[i].Finding = f
		ids[i] = f.ID
	}
	if s.opts.Triage != nil && len(ids) > 0 {
		an, err := s.opts.Triage.Analyses(r.Context(), sc, ids)
		if err != nil {
			return err
		}
		for i := range views {
			if a, ok := an[views[i].ID]; ok {
				views[i].Analysis = a
			}
		}
	}
	writeJSON(w, http.StatusOK, listOf(views, next))
	return nil
}

func (s *Server) listComponents(w http.ResponseWriter, r *http.Request, c *call) error {
	id, pg, err := idPage(r)
	if err != nil {
		return err
	}
	items, next, err := s.opts.Portfolio.Components(r.Context(), c.p.Portfolio(), id, pg)
	return reply(w, http.StatusOK, listOf(items, next), err)
}

// maxPaths bounds the dependency paths of one answer.
const maxPaths = 1000

func (s *Server) listPaths(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	purl := r.URL.Query().Get("purl")
	if purl == "" {
		return fmt.Errorf("%w: ?purl= is required", errBadRequest)
	}
	limit, err := intParam(r, "limit", 100, maxPaths)
	if err != nil {
		return err
	}
	paths, err := s.opts.Portfolio.Paths(r.Context(), c.p.Portfolio(), id, purl, limit)
	if err != nil {
		return err
	}
	if paths == nil {
		paths = [][]portfolio.Component{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"paths": paths})
	return nil
}

func (s *Server) listDeployments(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	items, err := s.opts.Portfolio.Deployments(r.Context(), c.p.Portfolio(), id)
	return reply(w, http.StatusOK, listOf(items, ""), err)
}

func (s *Server) listAttestations(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.opts.Evidence == nil {
		return fmt.Errorf("%w: attestations", errNotAvailable)
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sc := c.p.Portfolio()
	a, err := s.opts.Portfolio.Artifact(r.Context(), sc, id)
	if err != nil {
		return err
	}
	items, err := s.opts.Evidence.AttestationsFor(r.Context(), sc, a.Digest)
	return reply(w, http.StatusOK, map[string]any{"items": items, "next": ""}, err)
}

func (s *Server) searchComponents(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	if q.Get("purl") == "" {
		return fmt.Errorf("%w: ?purl= is required (pkg:TYPE/NAMESPACE/NAME)", errBadRequest)
	}
	pg, err := page(r)
	if err != nil {
		return err
	}
	items, next, err := s.opts.Portfolio.Search(r.Context(), c.p.Portfolio(), q.Get("purl"), q.Get("range"), pg)
	return reply(w, http.StatusOK, listOf(items, next), err)
}

// maxDays bounds the metrics' trend.
const maxDays = 366

func (s *Server) metrics(w http.ResponseWriter, r *http.Request, c *call) error {
	days, err := intParam(r, "days", 30, maxDays)
	if err != nil {
		return err
	}
	m, err := s.opts.Portfolio.Metrics(r.Context(), c.p.Portfolio(), days)
	return reply(w, http.StatusOK, m, err)
}

// deploymentRequest is the body of POST /api/v1/deployments.
type deploymentRequest struct {
	ArtifactDigest string     `json:"artifact_digest"`
	Environment    string     `json:"environment"`
	Target         string     `json:"target"`
	Time           *time.Time `json:"time"`
}

func (s *Server) postDeployment(w http.ResponseWriter, r *http.Request, c *call) error {
	var req deploymentRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.ArtifactDigest == "" || req.Environment == "" {
		return fmt.Errorf("%w: artifact_digest and environment are required", errBadRequest)
	}
	d := portfolio.Deployment{ArtifactDigest: req.ArtifactDigest, Environment: req.Environment, Target: req.Target, Time: s.now().UTC()}
	if req.Time != nil {
		d.Time = req.Time.UTC()
	}
	got, err := s.opts.Portfolio.Deploy(r.Context(), c.p.Portfolio(), d)
	return reply(w, http.StatusCreated, got, err)
}
