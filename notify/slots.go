package notify

import (
	"slices"
	"time"
)

// Request slots: requests in flight at once on one replica, and at most to one webhook.
//
// A webhook's share adapts to how its receiver answers, so that receivers that hang (accept
// the connection and never answer) hold a few slots, not a full share each, and the other
// webhooks' deliveries go on around them. A webhook this replica has not heard from starts
// with startWindow requests in flight, or as failing if its latest attempt (by another
// replica, or before a restart) failed; each answer (any HTTP status: the receiver is there)
// widens its window by one up to perWebhook, so a healthy webhook's window doubles with each
// round of answers. A request that got no answer (a timeout, no connection) narrows the
// window to one request: the webhook is failing and probes with one delivery at a time until
// an answer comes again. Failing webhooks together have at most failingSlots requests in
// flight, so that however many receivers are down, the other webhooks keep the rest.
const (
	concurrency  = 128
	perWebhook   = 32
	startWindow  = 2
	failingSlots = concurrency / 4
)

// What slots remembers: a webhook with nothing in flight is forgotten (and starts again at
// startWindow) once forgetAfter has passed since its last request, checked every sweepEvery.
// At most maxHeld webhooks are left out of a claim in SQL; the others that have no room are
// skipped after the query.
const (
	forgetAfter = time.Hour
	sweepEvery  = time.Minute
	maxHeld     = 1000
)

// slots shares one replica's request slots among webhooks (see concurrency). Only the
// goroutine running pass (Run runs one at a time) uses it.
type slots struct {
	total   int // requests in flight
	probing int // requests in flight counted against failingSlots
	hooks   map[int64]*share
	swept   time.Time
}

// share is one webhook's part of the slots.
type share struct {
	busy    int  // requests in flight
	probes  int  // of busy, those counted against failingSlots
	window  int  // requests it may have in flight
	failing bool // its latest ended request got no answer
	used    time.Time
}

func newSlots() *slots { return &slots{hooks: map[int64]*share{}} }

// room returns how many more requests webhook id may have in flight now, leaving out the
// failing budget (see offer).
func (s *slots) room(id int64) int {
	h := s.hooks[id]
	if h == nil {
		return startWindow
	}
	return max(h.window-h.busy, 0)
}

// failing reports whether webhook id's latest ended request got no answer.
func (s *slots) failing(id int64) bool {
	h := s.hooks[id]
	return h != nil && h.failing
}

// ready reports whether a claim should offer webhook id deliveries: once at most a quarter of
// its window is in flight, so that claims (a few queries each) come in batches, and, if it is
// failing, while the failing budget has room.
func (s *slots) ready(id int64) bool {
	h := s.hooks[id]
	if h == nil {
		return true
	}
	if h.failing && s.probing >= failingSlots {
		return false
	}
	return h.busy <= h.window/4 && h.busy < h.window
}

// held returns webhooks a claim should leave out, at most maxHeld: those with requests in
// flight that are not ready first, then failing ones while the failing budget is used up.
func (s *slots) held() []int64 {
	var out, idle []int64
	for id, h := range s.hooks {
		switch {
		case s.ready(id):
		case h.busy > 0:
			out = append(out, id)
		default:
			idle = append(idle, id)
		}
	}
	slices.Sort(out)
	slices.Sort(idle)
	out = append(out, idle...)
	return out[:min(len(out), maxHeld)]
}

// offer sets, for the webhooks hooks with due deliveries in the order they are served, how
// many deliveries a claim of at most limit offers each (take, 0 for none now) and how many it
// could have taken (room): an even share of limit, within the webhook's room and, for failing
// webhooks, the failing budget. A webhook not heard from whose latest attempt failed (failed:
// on another replica, or before a restart) is taken as failing. fresh reports whether such a
// webhook was offered nothing: a claim right away, which leaves it out, may reach others.
func (s *slots) offer(hooks []target, limit int) (fresh bool) {
	ready := 0
	var seen []int
	for i := range hooks {
		h := &hooks[i]
		if h.failed && s.hooks[h.id] == nil {
			s.hooks[h.id] = &share{window: 1, failing: true}
			seen = append(seen, i)
		}
		h.take, h.room = 0, 0
		if s.ready(h.id) {
			h.room = s.room(h.id)
			ready++
		}
	}
	if ready > 0 {
		per := max(limit/ready, 1)
		budget := failingSlots - s.probing
		for i := range hooks {
			h := &hooks[i]
			if h.room == 0 {
				continue
			}
			if s.failing(h.id) {
				h.room = max(min(h.room, budget), 0)
				budget -= min(per, h.room)
			}
			h.take = min(per, h.room)
		}
	}
	for _, i := range seen {
		fresh = fresh || hooks[i].take == 0
	}
	return fresh
}

// start counts a request to webhook id that starts at now.
func (s *slots) start(id int64, now time.Time) {
	h := s.hooks[id]
	if h == nil {
		h = &share{window: startWindow}
		s.hooks[id] = h
	}
	h.busy++
	s.total++
	if h.failing {
		h.probes++
		s.probing++
	}
	h.used = now
}

// end counts the end of a request to webhook id with outcome o, adapts the webhook's window,
// and reports whether a slot of the failing budget came free. An abandoned request (Run
// ended) says nothing of the receiver.
func (s *slots) end(id int64, o outcome) (freed bool) {
	h := s.hooks[id]
	if h == nil || h.busy == 0 {
		return false
	}
	h.busy--
	s.total--
	if h.probes > 0 {
		h.probes--
		s.probing--
		freed = true
	}
	h.used = o.at
	switch {
	case o.abandoned:
	case o.status != 0:
		h.failing = false
		h.window = min(h.window+1, perWebhook)
	default:
		h.failing = true
		h.window = 1
	}
	return freed
}

// sweep forgets, at most once every sweepEvery, the webhooks with nothing in flight whose
// last request is more than forgetAfter before now.
func (s *slots) sweep(now time.Time) {
	if now.Sub(s.swept) < sweepEvery {
		return
	}
	s.swept = now
	for id, h := range s.hooks {
		if h.busy == 0 && now.Sub(h.used) > forgetAfter {
			delete(s.hooks, id)
		}
	}
}
