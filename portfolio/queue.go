package portfolio

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hallmark-dev/hallmark/store"
)

// The re-evaluation queue (table reevaluations, migration 0013) holds the advisories whose
// change the portfolio has not caught up with yet. Queueing is durable: an advisory queued
// and then lost to a crash of the process re-evaluating it is taken again by any replica
// once its claim expires. Re-evaluation is idempotent (a diff of findings), so running an
// advisory twice, as a taken-over claim may, writes nothing the second time.

const (
	// queueLease is how long a claim on queued advisories holds before another replica may
	// take them: far longer than re-evaluating one batch takes.
	queueLease = 5 * time.Minute
	// queueRetry is the first wait before a failed re-evaluation is tried again; it doubles
	// with each attempt up to queueRetryMax.
	queueRetry    = 5 * time.Second
	queueRetryMax = 10 * time.Minute
	// maxQueueError bounds the error text kept with a queued advisory.
	maxQueueError = 1000
)

// Queue queues advisories for re-evaluation (RunQueue). An advisory already queued is queued
// again with its claim cleared: a run that read the advisory's previous version must not
// dequeue the newer change.
func (p *Portfolio) Queue(ctx context.Context, ids []string) error {
	return p.queue(ctx, p.st.SQL(), cleanIDs(ids), 0, 0)
}

// QueueTx is Queue inside tx, the transaction that stores the advisories' change, so that the
// change and its queueing commit together or not at all: the server passes it to the import
// (vulndb.OnChanged), since a retried upload finds the advisories unchanged and would never
// queue them again.
func (p *Portfolio) QueueTx(ctx context.Context, tx *sql.Tx, ids []string) error {
	return p.queue(ctx, tx, cleanIDs(ids), 0, 0)
}

// queue upserts ids through q with the given claim and lease end (0, 0: unclaimed).
func (p *Portfolio) queue(ctx context.Context, q querier, ids []string, claim, until int64) error {
	now := p.now().UnixMilli()
	args := make([]any, 0, 4*len(ids))
	for _, id := range ids {
		args = append(args, id, now, claim, until)
	}
	err := insertRows(ctx, q, `INSERT INTO reevaluations (advisory_id, queued_at, claim, claimed_until) VALUES `, 4,
		` ON CONFLICT (advisory_id) DO UPDATE SET queued_at = excluded.queued_at, claim = excluded.claim,
		claimed_until = excluded.claimed_until, attempts = 0, last_error = ''`, args, nil)
	if err != nil {
		return fmt.Errorf("queueing advisories for re-evaluation: %w", err)
	}
	return nil
}

// ReevaluateNow re-evaluates the advisories in the caller's goroutine, through the queue: they
// are queued under this call's claim first, so that if the call fails or the process dies,
// RunQueue (on any replica) takes them once the claim ends. Each batch leaves the queue when
// its re-evaluation has committed.
func (p *Portfolio) ReevaluateNow(ctx context.Context, ids []string) (*ReevalStats, error) {
	ids = cleanIDs(ids)
	total := &ReevalStats{}
	if len(ids) == 0 {
		return total, nil
	}
	claim := newClaim()
	if err := p.queue(ctx, p.st.SQL(), ids, claim, p.now().Add(queueLease).UnixMilli()); err != nil {
		return nil, err
	}
	err := chunks(ids, reevalBatch, func(part []string) error {
		// Later batches' claims may have run out while earlier ones ran: renew this one's.
		if err := p.extendClaim(ctx, claim, part); err != nil {
			return err
		}
		st, err := p.reevaluate(ctx, part)
		if err != nil {
			return err
		}
		total.add(st)
		return p.dequeue(ctx, claim, part)
	})
	if err != nil {
		p.release(ctx, claim, err)
		return nil, err
	}
	return total, nil
}

// RunQueue re-evaluates queued advisories, a batch at a time, until none is due (queued and
// neither claimed by a live run nor waiting to be retried), and returns what it did. A batch
// that fails is released to be retried with backoff, and its error returned.
func (p *Portfolio) RunQueue(ctx context.Context) (*ReevalStats, error) {
	total := &ReevalStats{}
	for {
		claim := newClaim()
		ids, err := p.claimQueued(ctx, claim)
		if err != nil || len(ids) == 0 {
			return total, err
		}
		st, err := p.reevaluate(ctx, ids)
		if err == nil {
			err = p.dequeue(ctx, claim, ids)
		}
		if err != nil {
			p.release(ctx, claim, err)
			return total, err
		}
		total.add(st)
	}
}

// Queued counts the advisories waiting for re-evaluation (claimed or not).
func (p *Portfolio) Queued(ctx context.Context) (int, error) {
	var n int
	if err := p.st.SQL().QueryRowContext(ctx, `SELECT count(*) FROM reevaluations`).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting queued re-evaluations: %w", err)
	}
	return n, nil
}

// claimQueued claims up to one batch of due advisories, oldest first.
func (p *Portfolio) claimQueued(ctx context.Context, claim int64) ([]string, error) {
	now := p.now().UnixMilli()
	sub := `SELECT advisory_id FROM reevaluations WHERE claimed_until <= ? ORDER BY queued_at, advisory_id LIMIT ?`
	if p.st.Dialect() == store.Postgres {
		// Replicas claim different rows instead of waiting for each other's.
		sub += ` FOR UPDATE SKIP LOCKED`
	}
	var ids []string
	err := queryEach(ctx, p.st.SQL(), `UPDATE reevaluations SET claim = ?, claimed_until = ? WHERE advisory_id IN (`+sub+`) RETURNING advisory_id`,
		[]any{claim, now + queueLease.Milliseconds(), now, reevalBatch}, func(r *sql.Rows) error {
			var id string
			if err := r.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("claiming queued re-evaluations: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

// extendClaim renews the lease of the rows of ids that claim still holds.
func (p *Portfolio) extendClaim(ctx context.Context, claim int64, ids []string) error {
	until := p.now().Add(queueLease).UnixMilli()
	return chunks(ids, maxIn, func(part []string) error {
		_, err := p.st.SQL().ExecContext(ctx, `UPDATE reevaluations SET claimed_until = ? WHERE claim = ? AND advisory_id IN (`+marks(len(part))+`)`,
			append([]any{until, claim}, anys(part)...)...)
		if err != nil {
			return fmt.Errorf("renewing a re-evaluation claim: %w", err)
		}
		return nil
	})
}

// dequeue removes the rows of ids that claim still holds: a row queued again since (its
// claim cleared) stays for the next run.
func (p *Portfolio) dequeue(ctx context.Context, claim int64, ids []string) error {
	return chunks(ids, maxIn, func(part []string) error {
		_, err := p.st.SQL().ExecContext(ctx, `DELETE FROM reevaluations WHERE claim = ? AND advisory_id IN (`+marks(len(part))+`)`,
			append([]any{claim}, anys(part)...)...)
		if err != nil {
			return fmt.Errorf("dequeueing re-evaluated advisories: %w", err)
		}
		return nil
	})
}

// release gives up claim's rows after a failure: they become due again after a backoff that
// grows with their attempts, and keep the error for operators. It runs even when ctx has
// ended (a cancelled request must not leave its claim for the whole lease); its own failure
// only leaves the rows to the lease's end.
func (p *Portfolio) release(ctx context.Context, claim int64, cause error) {
	msg := cause.Error()
	if len(msg) > maxQueueError {
		msg = msg[:maxQueueError]
	}
	now := p.now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	rows, err := p.st.SQL().QueryContext(ctx, `SELECT advisory_id, attempts FROM reevaluations WHERE claim = ?`, claim)
	if err != nil {
		return
	}
	byAttempts := map[int][]string{}
	for rows.Next() {
		var id string
		var n int
		if rows.Scan(&id, &n) == nil {
			byAttempts[n] = append(byAttempts[n], id)
		}
	}
	if rows.Close() != nil || rows.Err() != nil {
		return
	}
	for n, ids := range byAttempts {
		next := now.Add(retryDelay(n + 1)).UnixMilli()
		_ = chunks(ids, maxIn, func(part []string) error {
			_, err := p.st.SQL().ExecContext(ctx, `UPDATE reevaluations SET claim = 0, claimed_until = ?, attempts = attempts + 1, last_error = ?
				WHERE claim = ? AND advisory_id IN (`+marks(len(part))+`)`, append([]any{next, msg, claim}, anys(part)...)...)
			return err
		})
	}
}

// retryDelay is the wait before attempt n (n ≥ 1) of a failed re-evaluation.
func retryDelay(n int) time.Duration {
	d := queueRetry
	for i := 1; i < n && d < queueRetryMax; i++ {
		d *= 2
	}
	return min(d, queueRetryMax)
}

// newClaim returns a random non-zero claim token (0 means unclaimed).
func newClaim() int64 {
	for {
		if c := rand.Int64(); c != 0 {
			return c
		}
	}
}

// cleanIDs sorts ids and drops duplicates and empty ones.
func cleanIDs(ids []string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return slices.DeleteFunc(ids, func(s string) bool { return s == "" })
}

func (s *ReevalStats) add(o *ReevalStats) {
	s.Advisories += o.Advisories
	s.Components += o.Components
	s.Artifacts += o.Artifacts
	s.Opened += o.Opened
	s.Resolved += o.Resolved
}
