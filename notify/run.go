package notify

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hallmark-dev/hallmark/store"
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
// logged and the work retried at the next poll. On PostgreSQL, Run also listens for the
// notification that a trigger sends when a transaction that wrote events commits (migration
// 0011), so that every replica, not only the one whose Wake was called, fans out and delivers
// at once; polling remains the fallback. At start and then once an hour, old deliveries and
// events are removed (see cleanUp), alongside delivery. Requests in flight when ctx ends are
// abandoned without counting as attempts; their deliveries are released for the next run.
func (n *Notifier) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	bctx, stop := context.WithCancel(ctx)
	defer stop()
	if n.st.Dialect() == store.Postgres {
		wg.Go(func() { n.listen(bctx) })
	}
	wg.Go(func() { n.keepClean(bctx) })
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

// keepClean runs cleanUp at once and then every pruneEvery until ctx ends, apart from
// delivery, so that removing a large backlog of old events does not hold deliveries up.
func (n *Notifier) keepClean(ctx context.Context) {
	for {
		if _, err := n.cleanUp(ctx); err != nil {
			n.logError(ctx, "removing old deliveries and events", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pruneEvery):
		}
	}
}

// fanOutBatch fans out one batch of new events and reports whether more may be waiting.
func (n *Notifier) fanOutBatch(ctx context.Context) bool {
	k, err := n.fanOut(ctx)
	if err != nil {
		n.logError(ctx, "fanning out events", err)
		return false
	}
	return k == fanOutBatch
}

// logError logs err unless it is due to the end of ctx.
func (n *Notifier) logError(ctx context.Context, msg string, err error) {
	if ctx.Err() == nil {
		n.log.Error(msg, "err", err)
	}
}
