package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hallmark-dev/hallmark/portfolio"
)

// DefaultReevaluationPoll is how often ReevaluationWorker looks for advisories that other
// replicas queued (those this replica queues wake it at once).
const DefaultReevaluationPoll = time.Second

// ReevaluationWorker returns the worker that re-evaluates the portfolio for queued advisories
// (portfolio.RunQueue): at once when this replica queues some, and every poll (0 means
// DefaultReevaluationPoll) for those that other replicas queued or that a replica left behind
// when it stopped mid-way.
func (s *Server) ReevaluationWorker(poll time.Duration) Worker {
	if poll <= 0 {
		poll = DefaultReevaluationPoll
	}
	return Worker{Name: "re-evaluation", Run: func(ctx context.Context) error {
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			start := time.Now()
			st, err := s.opts.Portfolio.RunQueue(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Error("re-evaluation failed; the advisories stay queued", "error", err)
			}
			if st != nil && st.Advisories > 0 {
				s.notifyChanges(st)
				s.log.Info("re-evaluated", "advisories", st.Advisories, "artifacts", st.Artifacts,
					"opened", st.Opened, "resolved", st.Resolved, "duration", time.Since(start))
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-s.reevalWake:
			case <-t.C:
			}
		}
	}}
}

// wakeReevaluation wakes the re-evaluation worker for advisories this replica has queued
// (the queue is in the database, so the work survives this process; the worker of another
// replica finds it at its next poll).
func (s *Server) wakeReevaluation() {
	select {
	case s.reevalWake <- struct{}{}:
	default: // already woken
	}
}

// reevaluate re-evaluates the portfolio for the given advisories in the caller (through the
// queue, so a failure leaves them to the worker) and wakes webhook delivery.
func (s *Server) reevaluate(ctx context.Context, ids []string) (*portfolio.ReevalStats, error) {
	if len(ids) == 0 {
		return &portfolio.ReevalStats{}, nil
	}
	stats, err := s.opts.Portfolio.ReevaluateNow(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("re-evaluating the portfolio: %w", err)
	}
	s.notifyChanges(stats)
	return stats, nil
}

// notifyChanges wakes webhook delivery when a re-evaluation wrote events.
func (s *Server) notifyChanges(st *portfolio.ReevalStats) {
	if s.opts.Webhooks != nil && st.Opened+st.Resolved > 0 {
		s.opts.Webhooks.Wake()
	}
}

// parseWait reads the wait query parameter of POST /api/v1/advisories.
func parseWait(v string) (bool, error) {
	switch v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, errors.New("wait must be true or false")
}
