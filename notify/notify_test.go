package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

const payload = `{"event_id":"1","type":"finding.opened","team":"default","finding":{"advisory":"GHSA-xxxx"}}`

func TestDeliverSigned(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := setup(t, dsn, Options{}, nil, nil)
		db, n, rcv, team, w := f.db, f.n, f.rcv, f.team, f.hook
		ev := addEvent(t, db.SQL(), team, "finding.opened", payload)
		n.pass(ctx)

		reqs := rcv.requests()
		if len(reqs) != 1 {
			t.Fatalf("receiver got %d requests, want 1", len(reqs))
		}
		got := reqs[0]
		if err := Verify(testSecret, got.timestamp, []byte(got.body), got.signature); err != nil {
			t.Errorf("Verify: %v", err)
		}
		if err := CheckTimestamp(got.timestamp, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("CheckTimestamp: %v", err)
		}
		want := request{path: "/hook", event: "finding.opened", delivery: fmt.Sprintf("%d-%d", ev, w.ID),
			timestamp: got.timestamp, signature: got.signature, contentType: "application/json", body: payload}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(request{})); diff != "" {
			t.Errorf("request (-want +got):\n%s", diff)
		}

		ds, err := n.Deliveries(ctx, portfolio.Scope{All: true}, w.ID, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		wantD := []Delivery{{WebhookID: w.ID, EventID: ev, EventType: "finding.opened", Key: want.delivery,
			State: StateDelivered, Attempts: 1, LastStatus: 204}}
		if diff := cmp.Diff(wantD, ds, cmpopts.IgnoreFields(Delivery{}, "ID", "Created", "Delivered")); diff != "" {
			t.Errorf("Deliveries (-want +got):\n%s", diff)
		}
		if len(ds) == 1 && ds[0].Delivered == nil {
			t.Error("delivered delivery without a delivery time")
		}
		// Nothing more to do: the cursor is past the event and no request is repeated.
		n.pass(ctx)
		if k := len(rcv.requests()); k != 1 {
			t.Errorf("after a second pass the receiver got %d requests, want 1", k)
		}
		if c := cursor(t, db); c != ev {
			t.Errorf("cursor = %d, want %d", c, ev)
		}
	})
}

func TestRetrySameKey(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := setup(t, dsn, Options{}, func(k int) int {
			if k == 0 {
				return 500
			}
			return 200
		}, []string{"finding.opened"})
		db, n, rcv, team, w := f.db, f.n, f.rcv, f.team, f.hook
		ev := addEvent(t, db.SQL(), team, "finding.opened", payload)
		n.pass(ctx)

		reqs := rcv.requests()
		if len(reqs) != 2 {
			t.Fatalf("receiver got %d requests, want 2", len(reqs))
		}
		key := fmt.Sprintf("%d-%d", ev, w.ID)
		for i, r := range reqs {
			if r.delivery != key {
				t.Errorf("request %d: X-Hallmark-Delivery %q, want %q", i, r.delivery, key)
			}
			if err := Verify(testSecret, r.timestamp, []byte(r.body), r.signature); err != nil {
				t.Errorf("request %d: %v", i, err)
			}
		}
		ds, err := n.Deliveries(ctx, portfolio.Scope{All: true}, w.ID, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].State != StateDelivered || ds[0].Attempts != 2 || ds[0].LastError != "" {
			t.Errorf("Deliveries = %+v, want one delivered after 2 attempts", ds)
		}
		hooks, err := n.List(ctx, portfolio.Scope{All: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(hooks) != 1 || hooks[0].LastError != "" || hooks[0].Failing != 0 {
			t.Errorf("List = %+v, want no error after the successful retry", hooks)
		}
	})
}

func TestBackoffWaits(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var attempts []int
		f := setup(t, dsn, Options{Backoff: func(a int) time.Duration {
			attempts = append(attempts, a)
			return time.Hour
		}}, func(int) int { return 503 }, nil)
		db, n, rcv, team, w := f.db, f.n, f.rcv, f.team, f.hook
		now := time.Now()
		n.now = func() time.Time { return now }
		addEvent(t, db.SQL(), team, "finding.resolved", payload)
		n.pass(ctx)
		if k := len(rcv.requests()); k != 1 {
			t.Fatalf("receiver got %d requests before the backoff ended, want 1", k)
		}
		ds, err := n.Deliveries(ctx, portfolio.Scope{All: true}, w.ID, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].NextAttempt == nil || !ds[0].NextAttempt.Equal(fromMS(ms(now.Add(time.Hour)))) ||
			ds[0].LastStatus != 503 || !strings.Contains(ds[0].LastError, "HTTP 503: receiver says no") {
			t.Errorf("Deliveries = %+v, want one pending for an hour after a 503", ds)
		}
		now = now.Add(time.Hour)
		n.pass(ctx)
		if k := len(rcv.requests()); k != 2 {
			t.Fatalf("receiver got %d requests once the backoff ended, want 2", k)
		}
		if diff := cmp.Diff([]int{1, 2}, attempts); diff != "" {
			t.Errorf("Backoff's attempts (-want +got):\n%s", diff)
		}
	})
}

func TestGiveUp(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := setup(t, dsn, Options{MaxAttempts: 3}, func(int) int { return 500 }, nil)
		db, n, rcv, team, w := f.db, f.n, f.rcv, f.team, f.hook
		ok := newReceiver(t, nil)
		w2, err := n.Create(ctx, team, ok.srv.URL, testSecret, nil)
		if err != nil {
			t.Fatal(err)
		}
		ev := addEvent(t, db.SQL(), team, "finding.opened", payload)
		n.pass(ctx)
		if k := len(rcv.requests()); k != 3 {
			t.Errorf("failing receiver got %d requests, want 3", k)
		}
		failed, err := n.Deliveries(ctx, portfolio.Scope{All: true}, w.ID, true, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []Delivery{{WebhookID: w.ID, EventID: ev, EventType: "finding.opened", Key: fmt.Sprintf("%d-%d", ev, w.ID),
			State: StateFailed, Attempts: 3, LastStatus: 500, LastError: "HTTP 500: receiver says no"}}
		if diff := cmp.Diff(want, failed, cmpopts.IgnoreFields(Delivery{}, "ID", "Created")); diff != "" {
			t.Errorf("failed deliveries (-want +got):\n%s", diff)
		}
		if failed, err := n.Deliveries(ctx, portfolio.Scope{All: true}, w2.ID, true, 10); err != nil || len(failed) != 0 {
			t.Errorf("failed deliveries of the working webhook = %v, %v; want none", failed, err)
		}
		hooks, err := n.List(ctx, portfolio.Scope{All: true})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]Webhook{}
		for _, h := range hooks {
			got[h.ID] = h
		}
		if h := got[w.ID]; h.Failing != 1 || h.LastError != "HTTP 500: receiver says no" {
			t.Errorf("failing webhook listed as %+v", h)
		}
		if h := got[w2.ID]; h.Failing != 0 || h.LastError != "" {
			t.Errorf("working webhook listed as %+v", h)
		}
	})
}

// TestReplicas runs two Notifiers, each with its own connection pool, on one database: every
// event reaches the receiver exactly once.
func TestReplicas(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		db1, db2 := openDB(t, dsn), openDB(t, dsn)
		rcv := newReceiver(t, nil)
		n1 := newTestNotifier(db1, Options{Poll: 5 * time.Millisecond})
		n2 := newTestNotifier(db2, Options{Poll: 5 * time.Millisecond})
		team := defaultTeam(t, db1)
		if _, err := n1.Create(ctx, team, rcv.srv.URL, testSecret, nil); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for _, n := range []*Notifier{n1, n2} {
			wg.Go(func() {
				if err := n.Run(ctx); err != nil {
					t.Errorf("Run: %v", err)
				}
			})
		}
		const events = 60
		for i := range events {
			addEvent(t, db1.SQL(), team, "finding.opened", fmt.Sprintf(`{"i":%d}`, i))
			if i%2 == 0 {
				n1.Wake()
			} else {
				n2.Wake()
			}
		}
		waitFor(t, func() bool { return deliveryStates(t, db1)[StateDelivered] == events })
		cancel()
		wg.Wait()
		seen := map[string]int{}
		for _, r := range rcv.requests() {
			seen[r.delivery]++
		}
		if len(seen) != events {
			t.Errorf("receiver saw %d distinct deliveries, want %d", len(seen), events)
		}
		for k, c := range seen {
			if c != 1 {
				t.Errorf("delivery %s received %d times", k, c)
			}
		}
	})
}

// waitFor polls cond until it holds; the test's own deadline bounds the wait.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		if d, ok := t.Deadline(); ok && time.Until(d) < 5*time.Second {
			t.Fatal("condition not met before the test deadline")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRestart: a new Notifier (a restarted server) delivers what an earlier one fanned out,
// and, once the lease expires, what an earlier one claimed and never finished.
func TestRestart(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		dbA := openDB(t, dsn)
		rcv := newReceiver(t, nil)
		a := newTestNotifier(dbA, Options{})
		team := defaultTeam(t, dbA)
		w, err := a.Create(ctx, team, rcv.srv.URL, testSecret, nil)
		if err != nil {
			t.Fatal(err)
		}
		e1 := addEvent(t, dbA.SQL(), team, "finding.opened", `{"n":1}`)
		if _, err := a.fanOut(ctx); err != nil {
			t.Fatal(err)
		}
		if jobs, _, err := a.claim(ctx, concurrency); err != nil || len(jobs) != 1 {
			t.Fatalf("claim = %d jobs, %v; want 1", len(jobs), err)
		}
		e2 := addEvent(t, dbA.SQL(), team, "finding.resolved", `{"n":2}`)
		if _, err := a.fanOut(ctx); err != nil {
			t.Fatal(err)
		}
		dbA.Close() // a crashes

		dbB := openDB(t, dsn)
		b := newTestNotifier(dbB, Options{})
		b.pass(ctx)
		if diff := cmp.Diff([]string{fmt.Sprintf("%d-%d", e2, w.ID)}, deliveries(rcv)); diff != "" {
			t.Errorf("after the restart (-want +got):\n%s", diff)
		}
		later := time.Now().Add(b.lease() + time.Second)
		b.now = func() time.Time { return later }
		b.pass(ctx)
		want := []string{fmt.Sprintf("%d-%d", e2, w.ID), fmt.Sprintf("%d-%d", e1, w.ID)}
		if diff := cmp.Diff(want, deliveries(rcv)); diff != "" {
			t.Errorf("after the lease expired (-want +got):\n%s", diff)
		}
	})
}

func deliveries(r *receiver) []string {
	var out []string
	for _, q := range r.requests() {
		out = append(out, q.delivery)
	}
	return out
}

// TestShutdown: a request under way when Run's context ends is abandoned without counting as
// an attempt, and the delivery is released for the next run.
func TestShutdown(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx, cancel := context.WithCancel(context.Background())
		db := openDB(t, dsn)
		n := newTestNotifier(db, Options{Poll: time.Hour})
		started := make(chan struct{}, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.ReadAll(r.Body) // the server notices a closed connection once the body is read
			started <- struct{}{}
			<-r.Context().Done() // answers only when the client gives up
		}))
		defer srv.Close()
		team := defaultTeam(t, db)
		w, err := n.Create(ctx, team, srv.URL, testSecret, nil)
		if err != nil {
			t.Fatal(err)
		}
		addEvent(t, db.SQL(), team, "finding.opened", payload)
		done := make(chan error)
		go func() { done <- n.Run(ctx) }()
		<-started
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v, want nil at shutdown", err)
		}
		var attempts int
		var claimed int64
		if err := db.SQL().QueryRowContext(context.Background(), `SELECT attempts, claimed_until FROM deliveries WHERE webhook_id = ?`, w.ID).Scan(&attempts, &claimed); err != nil {
			t.Fatal(err)
		}
		if attempts != 0 || claimed != 0 {
			t.Errorf("after shutdown: attempts %d, claimed_until %d; want 0, 0", attempts, claimed)
		}
	})
}

func TestWake(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f := setup(t, dsn, Options{Poll: time.Hour}, nil, nil)
		db, n, rcv, team := f.db, f.n, f.rcv, f.team
		rcv.got = make(chan request, 1)
		idle := make(chan struct{}, 1)
		n.idle = func() { idle <- struct{}{} }
		done := make(chan error)
		go func() { done <- n.Run(ctx) }()
		// Run's first pass finds nothing; the event is delivered after Wake, not an hour later.
		<-idle
		addEvent(t, db.SQL(), team, "finding.opened", payload)
		n.Wake()
		got := <-rcv.got
		if got.event != "finding.opened" {
			t.Errorf("event %q", got.event)
		}
		<-idle
		cancel()
		<-done
	})
}

func TestFilterAndTeams(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openDB(t, dsn)
		n := newTestNotifier(db, Options{})
		rcv := newReceiver(t, nil)
		red := defaultTeam(t, db)
		blue := addTeam(t, db, "blue")
		resolvedOnly, err := n.Create(ctx, red, rcv.srv.URL+"/red-resolved", testSecret, []string{"finding.resolved", "finding.resolved"})
		if err != nil {
			t.Fatal(err)
		}
		redAll, err := n.Create(ctx, red, rcv.srv.URL+"/red-all", testSecret, nil)
		if err != nil {
			t.Fatal(err)
		}
		blueAll, err := n.Create(ctx, blue, rcv.srv.URL+"/blue-all", testSecret, []string{})
		if err != nil {
			t.Fatal(err)
		}
		addEvent(t, db.SQL(), red, "finding.opened", `{"red":"opened"}`)
		addEvent(t, db.SQL(), red, "finding.resolved", `{"red":"resolved"}`)
		addEvent(t, db.SQL(), blue, "finding.opened", `{"blue":"opened"}`)
		n.pass(ctx)

		got := map[string][]string{}
		for _, r := range rcv.requests() {
			got[r.path] = append(got[r.path], r.body)
		}
		for _, v := range got {
			sortStrings(v)
		}
		want := map[string][]string{
			"/red-resolved": {`{"red":"resolved"}`},
			"/red-all":      {`{"red":"opened"}`, `{"red":"resolved"}`},
			"/blue-all":     {`{"blue":"opened"}`},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("requests by webhook (-want +got):\n%s", diff)
		}

		// Scopes.
		blueScope := portfolio.Scope{Teams: []int64{blue}}
		list, err := n.List(ctx, blueScope)
		if err != nil {
			t.Fatal(err)
		}
		wantList := []Webhook{{ID: blueAll.ID, TeamID: blue, URL: rcv.srv.URL + "/blue-all", Events: []string{}}}
		if diff := cmp.Diff(wantList, list, cmpopts.IgnoreFields(Webhook{}, "Created")); diff != "" {
			t.Errorf("List(blue) (-want +got):\n%s", diff)
		}
		all, err := n.List(ctx, portfolio.Scope{All: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 || !cmp.Equal(all[0].Events, []string{"finding.resolved"}) {
			t.Errorf("List(all) = %+v", all)
		}
		if none, err := n.List(ctx, portfolio.Scope{}); err != nil || len(none) != 0 {
			t.Errorf("List(no teams) = %v, %v", none, err)
		}
		if err := n.Delete(ctx, blueScope, redAll.ID); !errors.Is(err, portfolio.ErrNotFound) {
			t.Errorf("Delete outside scope = %v, want ErrNotFound", err)
		}
		if _, err := n.Deliveries(ctx, blueScope, resolvedOnly.ID, false, 0); !errors.Is(err, portfolio.ErrNotFound) {
			t.Errorf("Deliveries outside scope = %v, want ErrNotFound", err)
		}
		if err := n.Delete(ctx, portfolio.Scope{Teams: []int64{red}}, redAll.ID); err != nil {
			t.Fatal(err)
		}
		if err := n.Delete(ctx, portfolio.Scope{All: true}, redAll.ID); !errors.Is(err, portfolio.ErrNotFound) {
			t.Errorf("second Delete = %v, want ErrNotFound", err)
		}
		// A deleted webhook gets nothing more; one created after an event does not get it.
		addEvent(t, db.SQL(), red, "finding.opened", `{"red":"after"}`)
		before := len(rcv.requests())
		n.pass(ctx)
		if k := len(rcv.requests()); k != before {
			t.Errorf("events delivered to deleted or filtered webhooks: %d requests", k-before)
		}
		late, err := n.Create(ctx, blue, rcv.srv.URL+"/late", testSecret, nil)
		if err != nil {
			t.Fatal(err)
		}
		n.pass(ctx)
		if ds, err := n.Deliveries(ctx, blueScope, late.ID, false, 0); err != nil || len(ds) != 0 {
			t.Errorf("deliveries of a webhook created after the events: %v, %v", ds, err)
		}
	})
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestCreateInvalid(t *testing.T) {
	t.Parallel()
	db := openDB(t, storetest.Engines()[0].NewDSN(t))
	strict := New(db, Options{})
	team := defaultTeam(t, db)
	tests := []struct {
		name   string
		n      *Notifier
		team   int64
		url    string
		secret string
		events []string
	}{
		{"ftp", strict, team, "ftp://example.com/x", testSecret, nil},
		{"no host", strict, team, "https:///x", testSecret, nil},
		{"relative", strict, team, "/hook", testSecret, nil},
		{"credentials", strict, team, "https://user:pw@example.com/", testSecret, nil},
		{"localhost", strict, team, "http://localhost:8080/", testSecret, nil},
		{"loopback", strict, team, "http://127.0.0.1/", testSecret, nil},
		{"private", strict, team, "https://10.1.2.3/", testSecret, nil},
		{"metadata", strict, team, "http://169.254.169.254/latest/meta-data", testSecret, nil},
		{"ipv6 loopback", strict, team, "http://[::1]:80/", testSecret, nil},
		{"mapped loopback", strict, team, "http://[::ffff:127.0.0.1]/", testSecret, nil},
		{"long", strict, team, "https://example.com/" + strings.Repeat("a", MaxURL), testSecret, nil},
		{"short secret", strict, team, "https://example.com/", "short", nil},
		{"long secret", strict, team, "https://example.com/", strings.Repeat("s", MaxSecret+1), nil},
		{"unknown event", strict, team, "https://example.com/", testSecret, []string{"finding.opend"}},
		{"no team", strict, 9999, "https://example.com/", testSecret, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := tt.n.Create(context.Background(), tt.team, tt.url, tt.secret, tt.events)
			if !errors.Is(err, portfolio.ErrInvalid) {
				t.Errorf("Create = %+v, %v; want ErrInvalid", w, err)
			}
		})
	}
	if w, err := strict.Create(context.Background(), team, "https://example.com/hooks?x=1", testSecret, nil); err != nil || w.ID == 0 {
		t.Errorf("valid webhook: %+v, %v", w, err)
	}
	lax := newTestNotifier(db, Options{})
	if _, err := lax.Create(context.Background(), team, "http://127.0.0.1:9/", testSecret, nil); err != nil {
		t.Errorf("with AllowPrivateUnsafe: %v", err)
	}
}

func TestTooManyWebhooks(t *testing.T) {
	t.Parallel()
	db := openDB(t, storetest.Engines()[0].NewDSN(t))
	n := New(db, Options{})
	team := defaultTeam(t, db)
	for i := range MaxWebhooksPerTeam {
		if _, err := n.Create(context.Background(), team, fmt.Sprintf("https://example.com/%d", i), testSecret, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.Create(context.Background(), team, "https://example.com/one-more", testSecret, nil); !errors.Is(err, portfolio.ErrInvalid) {
		t.Errorf("webhook %d: %v, want ErrInvalid", MaxWebhooksPerTeam+1, err)
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := setup(t, dsn, Options{MaxAttempts: 1}, func(k int) int {
			if k == 1 {
				return 500
			}
			return 200
		}, nil)
		now := time.Now()
		f.n.now = func() time.Time { return now.Add(-Retention - time.Hour) }
		addEvent(t, f.db.SQL(), f.team, "finding.opened", `{"old":"delivered"}`)
		f.n.pass(ctx)
		addEvent(t, f.db.SQL(), f.team, "finding.opened", `{"old":"failed"}`)
		f.n.pass(ctx)
		f.n.now = func() time.Time { return now }
		addEvent(t, f.db.SQL(), f.team, "finding.opened", `{"new":"delivered"}`)
		f.n.pass(ctx)
		if err := f.n.prune(ctx); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{StateDelivered: 1, StateFailed: 1}
		if diff := cmp.Diff(want, deliveryStates(t, f.db)); diff != "" {
			t.Errorf("deliveries after pruning (-want +got):\n%s", diff)
		}
	})
}

// TestFailedAttempts: a receiver that does not answer within Timeout, and one that redirects,
// fail the attempt (and are retried later).
func TestFailedAttempts(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := setup(t, dsn, Options{Timeout: 50 * time.Millisecond, Backoff: func(int) time.Duration { return time.Hour }}, func(int) int { return http.StatusFound }, nil)
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.ReadAll(r.Body)
			<-r.Context().Done()
		}))
		defer hang.Close()
		slow, err := f.n.Create(ctx, f.team, hang.URL, testSecret, nil)
		if err != nil {
			t.Fatal(err)
		}
		addEvent(t, f.db.SQL(), f.team, "finding.opened", payload)
		f.n.pass(ctx)
		for _, c := range []struct {
			hook   int64
			status int
			err    string
		}{
			{f.hook.ID, http.StatusFound, `HTTP 302: redirect to "" not followed`},
			{slow.ID, 0, "context deadline exceeded"},
		} {
			ds, err := f.n.Deliveries(ctx, portfolio.Scope{All: true}, c.hook, false, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 1 || ds[0].State != StatePending || ds[0].Attempts != 1 || ds[0].LastStatus != c.status || !strings.Contains(ds[0].LastError, c.err) {
				t.Errorf("webhook %d: deliveries %+v, want one pending after an attempt failing with %q", c.hook, ds, c.err)
			}
		}
	})
}
