package notify

import (
	"context"
	"time"
)

// claimFree is how many slots must be free for a claim: while the slots are nearly all taken,
// claims wait for a few requests to end and come in batches instead of one per request.
const claimFree = concurrency / 8

// Recording: the outcomes of ended requests are written in one transaction once recordBatch
// have ended, no request is in flight any more, or the first of them ended recordLinger ago.
const (
	recordBatch  = 64
	recordLinger = 100 * time.Millisecond
)

// flight is one pass's requests, counted in the Notifier's slots. Only the pass's goroutine
// uses its fields except done, on which the requests' goroutines send their outcomes; it has
// room for all of them.
type flight struct {
	done chan landed
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
// Up to concurrency requests are in flight, each webhook's share adapted to how its receiver
// answers (see slots). Deliveries are claimed when slots are free for them and sent at once,
// each request in its own goroutine, and their outcomes are recorded in batches as requests
// end, so a receiver that hangs delays only its own deliveries. New events are fanned out when Wake is called or Poll has passed,
// a batch at a time between deliveries, so that they join the queue. When ctx ends, the
// requests under way are abandoned: pass waits for them to return and releases their
// deliveries without counting an attempt.
func (n *Notifier) pass(ctx context.Context) {
	f := &flight{done: make(chan landed, concurrency)}
	s := n.slots
	defer n.landAll(ctx, f)
	poll := time.NewTimer(n.opts.Poll)
	defer poll.Stop()
	fan := true  // new events may be waiting to be fanned out
	due := false // deliveries may be due that a claim would take
	for ctx.Err() == nil {
		if fan {
			fan, due = n.fanOutBatch(ctx), true
		}
		if due && s.total <= concurrency-claimFree {
			jobs, more, err := n.claim(ctx, concurrency-s.total)
			if err != nil {
				n.logError(ctx, "delivering events", err)
				if s.total == 0 {
					return
				}
			}
			due = more
			for _, j := range jobs {
				n.launch(ctx, f, j)
			}
		}
		if s.total == 0 && !fan && !due {
			return
		}
		if fan || due && s.total <= concurrency-claimFree {
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
	n.slots.start(j.webhookID, n.now())
	go func() {
		status, err := n.post(ctx, &j)
		f.done <- landed{j, outcome{status: status, err: err, abandoned: err != nil && ctx.Err() != nil, at: n.now()}}
	}()
}

// land takes the ended request l, records the ended ones when it is time (see recordBatch),
// and reports whether a claim might now find more to send: l's webhook is ready for more, or
// a slot of the failing budget came free (see slots).
func (n *Notifier) land(ctx context.Context, f *flight, l landed) (refill bool) {
	s := n.slots
	freed := s.end(l.j.webhookID, l.o)
	if len(f.ended) == 0 {
		f.linger = time.After(recordLinger)
	}
	f.ended = append(f.ended, l)
	if len(f.ended) >= recordBatch || s.total == 0 {
		n.flush(ctx, f)
	}
	return freed || s.ready(l.j.webhookID)
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
	for n.slots.total > 0 {
		n.land(ctx, f, <-f.done)
	}
	n.flush(ctx, f)
}
