package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/hallmark-dev/hallmark/portfolio"
)

// Webhooks registers webhooks and delivers the outbox's events to them (package notify). The
// values returned are answered as JSON.
type Webhooks interface {
	CreateWebhook(ctx context.Context, teamID int64, url, secret string, events []string) (any, error)
	ListWebhooks(ctx context.Context, sc portfolio.Scope) (any, error)
	// DeleteWebhook returns portfolio.ErrNotFound for a webhook outside sc.
	DeleteWebhook(ctx context.Context, sc portfolio.Scope, id int64) error
	Deliveries(ctx context.Context, sc portfolio.Scope, webhookID int64, failedOnly bool, limit int) (any, error)
	// Wake says events were written: deliver now rather than at the next poll.
	Wake()
}

// Analysis is an analysis to record: per finding (FindingID) or per advisory and package
// (Advisory, Purl) across the team's portfolio.
type Analysis struct {
	TeamID        int64
	FindingID     *int64
	Advisory      string
	Purl          string
	State         string
	Justification string
	Action        string
	Comment       string
	Author        string
}

// Triage records analyses with their audit trail, reads and exports them, and ingests VEX
// documents (package triage). The values returned are answered as JSON.
type Triage interface {
	SetAnalysis(ctx context.Context, sc portfolio.Scope, a Analysis) (any, error)
	// Analyses returns the analysis in force per finding, for the findings that have one.
	Analyses(ctx context.Context, sc portfolio.Scope, findingIDs []int64) (map[int64]any, error)
	Audit(ctx context.Context, sc portfolio.Scope, advisory string, limit int) (any, error)
	ExportOpenVEX(ctx context.Context, sc portfolio.Scope, w io.Writer, author string) error
	IngestVEX(ctx context.Context, teamID int64, doc []byte, author string) (statements int, err error)
}

// Evidence verifies and stores attestations (package evidence). The values returned are
// answered as JSON.
type Evidence interface {
	IngestAttestation(ctx context.Context, teamID int64, bundle []byte) (any, error)
	// AttestationsFor lists the attestations in sc about an artifact digest ("sha256:…").
	AttestationsFor(ctx context.Context, sc portfolio.Scope, digest string) (any, error)
}

// webhookRequest is the body of POST /api/v1/webhooks.
type webhookRequest struct {
	URL    string   `json:"url"`
	Secret string   `json:"secret"`
	Events []string `json:"events"`
}

// maxSecret bounds a webhook secret.
const maxSecret = 1024

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.opts.Webhooks == nil {
		return fmt.Errorf("%w: webhooks", errNotAvailable)
	}
	var req webhookRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.URL == "" || req.Secret == "" || len(req.Secret) > maxSecret {
		return fmt.Errorf("%w: url and secret (up to %d bytes) are required", errBadRequest, maxSecret)
	}
	team, err := s.teamFor(r, c)
	if err != nil {
		return err
	}
	wh, err := s.opts.Webhooks.CreateWebhook(r.Context(), team, req.URL, req.Secret, req.Events)
	return reply(w, http.StatusCreated, wh, err)
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.opts.Webhooks == nil {
		return fmt.Errorf("%w: webhooks", errNotAvailable)
	}
	items, err := s.opts.Webhooks.ListWebhooks(r.Context(), c.p.Portfolio())
	return reply(w, http.StatusOK, map[string]any{"items": items, "next": ""}, err)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.opts.Webhooks == nil {
		return fmt.Errorf("%w: webhooks", errNotAvailable)
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.opts.Webhooks.DeleteWebhook(r.Context(), c.p.Portfolio(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.opts.Webhooks == nil {
		return fmt.Errorf("%w: webhooks", errNotAvailable)
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit", 50, maxLimit)
	if err != nil {
		return err
	}
	failed := r.URL.Query().Get("failed") == "true"
	items, err := s.opts.Webhooks.Deliveries(r.Context(), c.p.Portfolio(), id, failed, limit)
	return reply(w, http.StatusOK, map[string]any{"items": items, "next": ""}, err)
}

// analysisRequest is the body of the analysis routes.
type analysisRequest struct {
	Purl          string `json:"purl,omitempty"` // per advisory only
	State         string `json:"state"`
	Justification string `json:"justification"`
	Action        string `json:"action"`
	Comment       string `json:"comment"`
}

// maxAnalysisText bounds the analysis's text fields.
const maxAnalysisText = 16 << 10

func (req *analysisRequest) check() error {
	switch req.State {
	case "not_affected", "affected", "false_positive", "in_triage", "resolved":
	default:
		return fmt.Errorf("%w: state must be not_affected, affected, false_positive, in_triage or resolved", errBadRequest)
	}
	if len(req.Justification)+len(req.Action)+len(req.Comment)+len(req.Purl) > maxAnalysisText {
		return fmt.Errorf("%w: analysis text longer than %d bytes", errBadRequest, maxAnalysisText)
	}
	return nil
}

func (s *Server) putFindingAnalysis(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.opts.Triage == nil {
		return fmt.Errorf("%w: triage", errNotAvailable)
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req analysisRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	a, err := s.opts.Triage.SetAnalysis(r.Context(), c.p.Portfolio(), Analysis{FindingID: &id, State: req.State,
		Justification: req.Justification, Action: req.Action, Comment: req.Comment, Author: c.p.Name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) putAdvisoryAnalysis(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.opts.Triage == nil {
		return fmt.Errorf("%w: triage", errNotAvailable)
	}
	var req analysisRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	if req.Purl == "" {
		return fmt.Errorf("%w: purl is required", errBadRequest)
	}
	team, err := s.teamFor(r, c)
	if err != nil {
		return err
	}
	a, err := s.opts.Triage.SetAnalysis(r.Context(), c.p.Portfolio(), Analysis{TeamID: team, Advisory: r.PathValue("id"), Purl: req.Purl,
		State: req.State, Justification: req.Justification, Action: req.Action, Comment: req.Comment, Author: c.p.Name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) getAudit(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.opts.Triage == nil {
		return fmt.Errorf("%w: triage", errNotAvailable)
	}
	limit, err := intParam(r, "limit", 100, maxLimit)
	if err != nil {
		return err
	}
	items, err := s.opts.Triage.Audit(r.Context(), c.p.Portfolio(), r.PathValue("id"), limit)
	return reply(w, http.StatusOK, map[string]any{"items": items, "next": ""}, err)
}

func (s *Server) exportVEX(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.opts.Triage == nil {
		return fmt.Errorf("%w: triage", errNotAvailable)
	}
	// Rendered into memory first: an error after the first byte could not change the status.
	var buf bytes.Buffer
	if err := s.opts.Triage.ExportOpenVEX(r.Context(), c.p.Portfolio(), &buf, c.p.Name); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="hallmark.openvex.json"`)
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}
