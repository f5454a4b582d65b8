package notify

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Outcomes of ended requests, for slots.end.
var (
	answered  = outcome{status: 503}
	noAnswer  = outcome{err: context.DeadlineExceeded}
	abandoned = outcome{err: context.Canceled, abandoned: true}
)

// ended counts a request to webhook id that ended with o.
func ended(s *slots, id int64, o outcome) {
	s.start(id, time.Time{})
	s.end(id, o)
}

// TestSlotsWindow: a webhook's window widens by one per answer up to perWebhook, narrows to
// one request when a request gets no answer, and widens again from there; an abandoned
// request changes nothing.
func TestSlotsWindow(t *testing.T) {
	type state struct {
		Window  int
		Failing bool
	}
	steps := []struct {
		o     outcome
		times int
	}{
		{answered, 3},
		{noAnswer, 1},
		{abandoned, 1},
		{answered, 1},
		{answered, 2 * perWebhook},
		{noAnswer, 2},
	}
	want := []state{{5, false}, {1, true}, {1, true}, {2, false}, {perWebhook, false}, {1, true}}
	s := newSlots()
	var got []state
	for _, st := range steps {
		for range st.times {
			ended(s, 7, st.o)
		}
		h := s.hooks[7]
		got = append(got, state{h.window, h.failing})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("windows (-want +got):\n%s", diff)
	}
	if s.total != 0 || s.probing != 0 || s.hooks[7].busy != 0 {
		t.Errorf("after every request ended: total %d, probing %d, busy %d; want 0", s.total, s.probing, s.hooks[7].busy)
	}
}

// TestSlotsOffer: what one claim offers each webhook with due deliveries.
func TestSlotsOffer(t *testing.T) {
	type offered struct{ Take, Room int }
	tests := []struct {
		name  string
		setup func(s *slots)
		hooks []int64
		limit int
		want  []offered
	}{{
		name:  "new webhooks start with a small window",
		setup: func(*slots) {},
		hooks: []int64{1, 2, 3},
		limit: concurrency,
		want:  []offered{{startWindow, startWindow}, {startWindow, startWindow}, {startWindow, startWindow}},
	}, {
		name:  "an even share of the limit",
		setup: func(*slots) {},
		hooks: []int64{1, 2, 3},
		limit: 4,
		want:  []offered{{1, startWindow}, {1, startWindow}, {1, startWindow}},
	}, {
		name: "a healthy webhook's full window",
		setup: func(s *slots) {
			for range perWebhook {
				ended(s, 1, answered)
			}
		},
		hooks: []int64{1},
		limit: concurrency,
		want:  []offered{{perWebhook, perWebhook}},
	}, {
		name: "more than a quarter of the window in flight: nothing until it empties",
		setup: func(s *slots) {
			for range perWebhook {
				ended(s, 1, answered)
			}
			for range perWebhook/4 + 1 {
				s.start(1, time.Time{})
			}
		},
		hooks: []int64{1},
		limit: concurrency,
		want:  []offered{{0, 0}},
	}, {
		name: "a failing webhook probes with one request",
		setup: func(s *slots) {
			ended(s, 1, answered)
			ended(s, 1, noAnswer)
		},
		hooks: []int64{1, 2},
		limit: concurrency,
		want:  []offered{{1, 1}, {startWindow, startWindow}},
	}, {
		name: "a failing webhook's probe in flight",
		setup: func(s *slots) {
			ended(s, 1, noAnswer)
			s.start(1, time.Time{})
		},
		hooks: []int64{1},
		limit: concurrency,
		want:  []offered{{0, 0}},
	}, {
		name: "failing webhooks share failingSlots",
		setup: func(s *slots) {
			for id := range int64(failingSlots + 2) {
				ended(s, 100+id, noAnswer)
			}
			for id := range int64(failingSlots - 1) {
				s.start(100+id, time.Time{})
			}
		},
		hooks: []int64{1, 100 + failingSlots - 1, 100 + failingSlots, 100 + failingSlots + 1},
		limit: concurrency,
		want:  []offered{{startWindow, startWindow}, {1, 1}, {0, 0}, {0, 0}},
	}, {
		name: "no failing webhook while the budget is used up",
		setup: func(s *slots) {
			for id := range int64(failingSlots + 1) {
				ended(s, 100+id, noAnswer)
				s.start(100+id, time.Time{})
			}
		},
		hooks: []int64{1, 100 + failingSlots},
		limit: concurrency,
		want:  []offered{{startWindow, startWindow}, {0, 0}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSlots()
			tt.setup(s)
			hooks := make([]target, len(tt.hooks))
			for i, id := range tt.hooks {
				hooks[i].id = id
			}
			if fresh := s.offer(hooks, tt.limit); fresh {
				t.Errorf("offer reported webhooks left out for the first time, want none")
			}
			var got []offered
			for _, h := range hooks {
				got = append(got, offered{h.take, h.room})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("offer (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSlotsFailedBefore: a webhook not heard from whose latest attempt failed (on another
// replica, or before a restart) probes as a failing webhook; while the failing budget is used
// up it is offered nothing, and offer says so once, the first time.
func TestSlotsFailedBefore(t *testing.T) {
	type result struct {
		Take, Room []int
		Fresh      bool
	}
	s := newSlots()
	var got []result
	for _, probing := range []int{0, failingSlots - 1, failingSlots - 1} {
		s.probing = probing
		hooks := []target{{id: 1, failed: true}, {id: 2, failed: true}, {id: 3}}
		fresh := s.offer(hooks, concurrency)
		var r result
		for _, h := range hooks {
			r.Take, r.Room = append(r.Take, h.take), append(r.Room, h.room)
		}
		r.Fresh = fresh
		got = append(got, r)
		if probing == 0 {
			s = newSlots()
		}
	}
	want := []result{
		{Take: []int{1, 1, startWindow}, Room: []int{1, 1, startWindow}},
		{Take: []int{1, 0, startWindow}, Room: []int{1, 0, startWindow}, Fresh: true},
		{Take: []int{1, 0, startWindow}, Room: []int{1, 0, startWindow}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("offers (-want +got):\n%s", diff)
	}
}

// TestSlotsHeld: a claim leaves out the webhooks that may not have more now: those with too
// much in flight, and failing ones while the failing budget is used up, busy ones first.
func TestSlotsHeld(t *testing.T) {
	s := newSlots()
	ended(s, 1, answered) // window 3, nothing in flight: ready
	s.start(2, time.Time{})
	s.start(2, time.Time{}) // startWindow in flight
	for id := range int64(failingSlots + 1) {
		ended(s, 100+id, noAnswer)
	}
	if diff := cmp.Diff([]int64{2}, s.held()); diff != "" {
		t.Errorf("held with the failing budget free (-want +got):\n%s", diff)
	}
	for id := range int64(failingSlots) {
		s.start(100+id, time.Time{})
	}
	want := []int64{2}
	for id := range int64(failingSlots) {
		want = append(want, 100+id)
	}
	want = append(want, 100+failingSlots)
	if diff := cmp.Diff(want, s.held()); diff != "" {
		t.Errorf("held with the failing budget used up (-want +got):\n%s", diff)
	}
}

// TestSlotsSweep: webhooks with nothing in flight are forgotten forgetAfter after their last
// request, and start again at startWindow; those with requests in flight are kept.
func TestSlotsSweep(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	s := newSlots()
	s.start(1, t0)
	s.end(1, outcome{err: context.DeadlineExceeded, at: t0})
	s.start(2, t0)
	s.sweep(t0.Add(forgetAfter))
	if s.hooks[1] == nil || s.hooks[2] == nil {
		t.Fatal("forgot webhooks before forgetAfter")
	}
	s.sweep(t0.Add(forgetAfter + sweepEvery + time.Second))
	if s.hooks[1] != nil || s.hooks[2] == nil {
		t.Errorf("after forgetAfter: webhook 1 kept %v, webhook 2 kept %v; want false, true", s.hooks[1] != nil, s.hooks[2] != nil)
	}
	if got := s.room(1); got != startWindow {
		t.Errorf("a forgotten webhook's room = %d, want %d", got, startWindow)
	}
}
