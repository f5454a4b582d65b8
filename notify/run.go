package notify

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff bounds.
const (
	backoffBase = 40 * time.Second
	backoffMax  = 8 * time.Hour
)

// DefaultBackoff waits 40 s after the first failed attempt, doubling each time up to 8 hours,
// plus a random quarter at most (so that receivers coming back are not hit by every retry at
// once). Twelve attempts span about a day.
func DefaultBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := backoffMax
	if attempt <= 20 {
		d = min(backoffBase<<(attempt-1), backoffMax)
	}
	return d + rand.N(d/4+1)
}

// Run fans out new events and delivers due deliveries until ctx ends, then returns nil.
// Several replicas may run it on one database. Errors (a database that went away, say) are
// logged and the work retried at the next poll. Requests in flight when ctx ends are
// abandoned without counting as attempts; their deliveries are released for the next run.
func (n *Notifier) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-n.wake:
		case <-t.C:
		}
		n.pass(ctx)
		if n.idle != nil {
			n.idle()
		}
		t.Reset(n.opts.Poll)
	}
}

// pass fans out what is new, then delivers what is due, batch after batch, until nothing is
// left or ctx ends. Events written meanwhile wait for the next pass (Wake or Poll).
func (n *Notifier) pass(ctx context.Context) {
	for ctx.Err() == nil {
		k, err := n.fanOut(ctx)
		if err != nil {
			n.logError(ctx, "fanning out events", err)
			break
		}
		if k < fanOutBatch {
			break
		}
	}
	for ctx.Err() == nil {
		k, err := n.deliver(ctx)
		if err != nil {
			n.logError(ctx, "delivering events", err)
			return
		}
		if k == 0 {
			return
		}
	}
}

// logError logs err unless it is due to the end of ctx.
func (n *Notifier) logError(ctx context.Context, msg string, err error) {
	if ctx.Err() == nil {
		n.log.Error(msg, "err", err)
	}
}
