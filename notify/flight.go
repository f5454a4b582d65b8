package notify

import (
	"context"
	"time"
)

// Request slots: requests in flight at once, and at most to one webhook, so that receivers
// that hang until the timeout hold a bounded share of the slots and the other webhooks'
// deliveries go on around them. A webhook gets more deliveries claimed only once at most
// refillAt of its requests are in flight, so that claims (a few queries each) come in batches.
const (
	concurrency = 128
	perWebhook  = 32
	refillAt    = perWebhook / 4
)

// Recording: the outcomes of ended requests are written in one transaction once recordBatch
// have ended, no request is in flight any more, or the first of them ended recordLinger ago.
const (
	recordBatch  = 64
	recordLinger = 100 * time.Millisecond
)

// flight is one pass's requests. Only the pass's goroutine uses its fields except done, on
// which the requests' goroutines send their outcomes; it has room for all of them.
type flight struct {
	total  int           // requests in flight
	byHook map[int64]int // requests in flight per webhook
	done   chan landed
	// ended are the requests that ended and are not recorded yet, the first at linger's start.
	ended  []landed
	linger <-chan time.Time
}

// landed is a request that ended: the delivery and the attempt's outcome.
type landed struct {
	j job
	o outcome
}

// pass fans out what is new and delivers what is due until nothing is left or ctx ends.
//
// Up to concurrency requests are in flight, at most perWebhook to one webhook. Deliveries are
// claimed when slots are free for them and sent at once, each request in its own goroutine,
// and their outcomes are recorded in batches as requests end, so a receiver that hangs delays
// only its own deliveries. New events are fanned out when Wake is called or Poll has passed,
// a batch at a time between deliveries, so that they join the queue. When ctx ends, the
// requests under way are abandoned: pass waits for them to return and releases their
// deliveries without counting an attempt.
func (n *Notifier) pass(ctx context.Context) {
	f := &flight{byHook: map[int64]int{}, done: make(chan landed, concurrency)}
	defer n.landAll(ctx, f)
	poll := time.NewTimer(n.opts.Poll)
	defer poll.Stop()
	fan := true  // new events may be waiting to be fanned out
	due := false // deliveries may be due that a claim would take
	for ctx.Err() == nil {
		if fan {
			fan, due = n.fanOutBatch(ctx), true
		}
		if due && f.total < concurrency {
			jobs, more, err := n.claim(ctx, concurrency-f.total, f.byHook)
			if err != nil {
				n.logError(ctx, "delivering events", err)
				if f.total == 0 {
					return
				}
			}
			due = more
			for _, j := range jobs {
				n.launch(ctx, f, j)
			}
		}
		if f.total == 0 && !fan && !due {
			return
		}
		if fan || due && f.total < concurrency {
			// More to fan out or claim: take what has ended meanwhile and go on.
			for waiting := true; waiting; {
				select {
				case l := <-f.done:
					due = n.land(ctx, f, l) || due
				default:
					waiting = false
				}
			}
			continue
		}
		select {
		case l := <-f.done:
			due = n.land(ctx, f, l) || due
		case <-f.linger:
			n.flush(ctx, f)
		case <-n.wake:
			fan = true
		case <-poll.C:
			fan = true
			poll.Reset(n.opts.Poll)
		case <-ctx.Done():
		}
	}
}

// launch sends j in a goroutine of its own that reports on f.done.
func (n *Notifier) launch(ctx context.Context, f *flight, j job) {
	f.total++
	f.byHook[j.webhookID]++
	go func() {
		status, err := n.post(ctx, &j)
		f.done <- landed{j, outcome{status: status, err: err, abandoned: err != nil && ctx.Err() != nil, at: n.now()}}
	}()
}

// land takes the ended request l, records the ended ones when it is time (see recordBatch),
// and reports whether l's webhook may have more deliveries claimed (see refillAt).
func (n *Notifier) land(ctx context.Context, f *flight, l landed) (refill bool) {
	f.total--
	k := f.byHook[l.j.webhookID] - 1
	if k == 0 {
		delete(f.byHook, l.j.webhookID)
	} else {
		f.byHook[l.j.webhookID] = k
	}
	if len(f.ended) == 0 {
		f.linger = time.After(recordLinger)
	}
	f.ended = append(f.ended, l)
	if len(f.ended) >= recordBatch || f.total == 0 {
		n.flush(ctx, f)
	}
	return k <= refillAt
}

// flush records the outcomes of the ended requests in one transaction. Recording happens even
// when ctx has just ended; if it fails, the deliveries stay claimed until their lease runs out
// and are then sent again.
func (n *Notifier) flush(ctx context.Context, f *flight) {
	if len(f.ended) == 0 {
		return
	}
	jobs, outs := make([]job, len(f.ended)), make([]outcome, len(f.ended))
	for i, l := range f.ended {
		jobs[i], outs[i] = l.j, l.o
	}
	f.ended, f.linger = f.ended[:0], nil
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := n.record(rctx, jobs, outs); err != nil {
		n.log.Error("recording deliveries", "err", err)
	}
}

// landAll waits for the requests still in flight and records them.
func (n *Notifier) landAll(ctx context.Context, f *flight) {
	for f.total > 0 {
		n.land(ctx, f, <-f.done)
	}
	n.flush(ctx, f)
}
