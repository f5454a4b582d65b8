package server

import (
	"context"
	"io"

	"github.com/hallmark-dev/hallmark/evidence"
	"github.com/hallmark-dev/hallmark/notify"
	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/triage"
)

// TriageService adapts package triage to the Triage interface.
func TriageService(t *triage.Triage) Triage { return triageAdapter{t} }

type triageAdapter struct{ t *triage.Triage }

var _ Triage = triageAdapter{}

func (a triageAdapter) SetAnalysis(ctx context.Context, sc portfolio.Scope, an Analysis) (any, error) {
	return a.t.Set(ctx, sc, triage.Analysis{TeamID: an.TeamID, FindingID: an.FindingID, Advisory: an.Advisory, Purl: an.Purl,
		State: an.State, Justification: an.Justification, Action: an.Action, Comment: an.Comment, Author: an.Author})
}

func (a triageAdapter) Analyses(ctx context.Context, sc portfolio.Scope, ids []int64) (map[int64]any, error) {
	m, err := a.t.For(ctx, sc, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]any, len(m))
	for id, an := range m {
		out[id] = an
	}
	return out, nil
}

func (a triageAdapter) Audit(ctx context.Context, sc portfolio.Scope, advisory string, limit int) (any, error) {
	entries, err := a.t.Audit(ctx, sc, advisory, limit)
	if entries == nil {
		entries = []triage.AuditEntry{}
	}
	return entries, err
}

func (a triageAdapter) ExportOpenVEX(ctx context.Context, sc portfolio.Scope, w io.Writer, author string) error {
	return a.t.ExportOpenVEX(ctx, sc, w, author)
}

func (a triageAdapter) IngestVEX(ctx context.Context, teamID int64, doc []byte, author string) (int, error) {
	return a.t.IngestVEX(ctx, teamID, doc, author)
}

// EvidenceService adapts package evidence to the Evidence interface.
func EvidenceService(s *evidence.Store) Evidence { return evidenceAdapter{s} }

type evidenceAdapter struct{ s *evidence.Store }

var _ Evidence = evidenceAdapter{}

func (a evidenceAdapter) IngestAttestation(ctx context.Context, teamID int64, bundle []byte) (any, error) {
	return a.s.Ingest(ctx, teamID, bundle)
}

func (a evidenceAdapter) AttestationsFor(ctx context.Context, sc portfolio.Scope, digest string) (any, error) {
	list, err := a.s.ForDigest(ctx, sc, digest)
	if list == nil {
		list = []evidence.Attestation{}
	}
	return list, err
}

// WebhookService adapts package notify to the Webhooks interface.
func WebhookService(n *notify.Notifier) Webhooks { return webhookAdapter{n} }

type webhookAdapter struct{ n *notify.Notifier }

var _ Webhooks = webhookAdapter{}

func (a webhookAdapter) CreateWebhook(ctx context.Context, teamID int64, url, secret string, events []string) (any, error) {
	return a.n.Create(ctx, teamID, url, secret, events)
}

func (a webhookAdapter) ListWebhooks(ctx context.Context, sc portfolio.Scope) (any, error) {
	list, err := a.n.List(ctx, sc)
	if list == nil {
		list = []notify.Webhook{}
	}
	return list, err
}

func (a webhookAdapter) DeleteWebhook(ctx context.Context, sc portfolio.Scope, id int64) error {
	return a.n.Delete(ctx, sc, id)
}

func (a webhookAdapter) Deliveries(ctx context.Context, sc portfolio.Scope, id int64, failedOnly bool, limit int) (any, error) {
	list, err := a.n.Deliveries(ctx, sc, id, failedOnly, limit)
	if list == nil {
		list = []notify.Delivery{}
	}
	return list, err
}

func (a webhookAdapter) Wake() { a.n.Wake() }
