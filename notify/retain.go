package notify

import (
	"context"
	"fmt"
	"time"
)

// Retention.
const (
	// Retention is how long a delivered delivery is kept.
	Retention = 30 * 24 * time.Hour
	// DefaultEventRetention is how long an event is kept once its deliveries are finished.
	DefaultEventRetention = 30 * 24 * time.Hour

	pruneEvery   = time.Hour
	pruneBatch   = 10000 // deliveries removed per statement
	eventBatch   = 1000  // events removed per statement
	cleanUpLease = "webhook-cleanup"
)

// Leaser hands out named leases, each held by one holder at a time until it expires, so that
// one replica at a time runs a periodic job. *access.Access is one.
type Leaser interface {
	Lease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// cleanUp removes old deliveries and events (prune, pruneEvents) when this replica holds the
// clean-up lease (Options.Leases; without it, always) and reports whether it did. The lease
// outlives two runs, so the holder keeps it from one to the next; when the holder stops,
// another replica takes over once it expires.
func (n *Notifier) cleanUp(ctx context.Context) (bool, error) {
	if n.opts.Leases != nil {
		ok, err := n.opts.Leases.Lease(ctx, cleanUpLease, n.opts.Holder, 2*pruneEvery)
		if err != nil || !ok {
			return false, err
		}
	}
	if err := n.prune(ctx); err != nil {
		return true, fmt.Errorf("removing old deliveries: %w", err)
	}
	k, err := n.pruneEvents(ctx)
	if err != nil {
		return true, fmt.Errorf("removing old events: %w", err)
	}
	if k > 0 {
		n.log.Info("removed old events", "events", k, "retention", n.opts.EventRetention)
	}
	return true, nil
}

// prune removes the deliveries delivered more than Retention ago. Pending and failed
// deliveries stay: the failed ones are what a webhook's failures show.
func (n *Notifier) prune(ctx context.Context) error {
	_, err := n.deleteBatches(ctx, pruneBatch, `DELETE FROM deliveries WHERE id IN
		(SELECT id FROM deliveries WHERE state = 'delivered' AND delivered_at < ? LIMIT ?)`, ms(n.now().Add(-Retention)))
	return err
}

// pruneEvents removes the events written more than Options.EventRetention ago whose
// deliveries are all finished (delivered or failed; none pending), with those deliveries (the
// foreign key cascades), and returns how many. Only events at or below the fan-out cursor
// are removed: above it, an event may not have its deliveries yet.
func (n *Notifier) pruneEvents(ctx context.Context) (int64, error) {
	if n.opts.EventRetention < 0 {
		return 0, nil
	}
	return n.deleteBatches(ctx, n.eventBatch, `DELETE FROM events WHERE id IN (SELECT e.id FROM events e
		WHERE e.created_at < ? AND e.id <= (SELECT last_event_id FROM notify_cursor WHERE id = 1)
		AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.state = 'pending')
		ORDER BY e.created_at, e.id LIMIT ?)`, ms(n.now().Add(-n.opts.EventRetention)))
}

// deleteBatches runs del, a DELETE of at most batch rows that takes cutoff and batch as its
// arguments, until it deletes fewer than batch, and returns how many rows it deleted. Each
// statement is a transaction of its own, so that locks are held briefly.
func (n *Notifier) deleteBatches(ctx context.Context, batch int, del string, cutoff int64) (int64, error) {
	var total int64
	for {
		res, err := n.st.SQL().ExecContext(ctx, del, cutoff, batch)
		if err != nil {
			return total, err
		}
		k, err := res.RowsAffected()
		total += k
		if err != nil || k < int64(batch) {
			return total, err
		}
	}
}
