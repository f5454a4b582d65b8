package portfolio

import (
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/store/storetest"
)

// queued reads the queue: advisory, attempts and last error of each row.
func (f *fixture) queued() []string {
	f.t.Helper()
	var out []string
	err := queryEach(f.ctx, f.st.SQL(), `SELECT advisory_id, attempts, last_error FROM reevaluations ORDER BY advisory_id`, nil, func(r *sql.Rows) error {
		var id, msg string
		var n int
		if err := r.Scan(&id, &n, &msg); err != nil {
			return err
		}
		if n > 0 {
			id += " " + msg
		}
		out = append(out, id)
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) runQueue(want ReevalStats) {
	f.t.Helper()
	st, err := f.p.RunQueue(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	if diff := cmp.Diff(&want, st); diff != "" {
		f.t.Errorf("RunQueue (-want +got):\n%s", diff)
	}
}

// newQueueFixture is a portfolio with the test SBOM and, not yet re-evaluated for, the
// advisories of testdata/later.
func newQueueFixture(t *testing.T, dsn string) *fixture {
	f := newFixture(t, dsn)
	inv, doc := readSBOM(t, "app.cdx.json")
	f.ingest(1, "shop", inv, doc)
	f.importAdvisories("testdata/later")
	return f
}

// TestQueue: queued advisories are re-evaluated once by RunQueue and leave the queue; a live
// claim holds them back until it expires; a failed run releases them with backoff.
func TestQueue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newQueueFixture(t, dsn)

		if err := f.p.Queue(f.ctx, []string{minimistAdv, "", minimistAdv}); err != nil {
			t.Fatal(err)
		}
		if n, err := f.p.Queued(f.ctx); err != nil || n != 1 {
			t.Fatalf("Queued = %d, %v; want 1", n, err)
		}
		f.runQueue(ReevalStats{Advisories: 1, Components: 1, Artifacts: 1, Opened: 1})
		if q := f.queued(); len(q) != 0 {
			t.Errorf("queue after RunQueue: %q", q)
		}
		f.runQueue(ReevalStats{}) // nothing due

		// Claimed by a run elsewhere: left alone until its lease ends, then taken.
		claim := newClaim()
		if err := f.p.queue(f.ctx, f.st.SQL(), []string{minimistAdv}, claim, f.now.Add(queueLease).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		f.runQueue(ReevalStats{})
		f.now = f.now.Add(queueLease + time.Second)
		f.runQueue(ReevalStats{Advisories: 1, Components: 1, Artifacts: 1}) // already open: no event
		if ev := f.events(); len(ev) != 1 {
			t.Errorf("events %q, want the one opening", ev)
		}

		// Queued again while a run holds it: that run's dequeue leaves the newer change.
		claim = newClaim()
		if err := f.p.Queue(f.ctx, []string{minimistAdv}); err != nil {
			t.Fatal(err)
		}
		if ids, err := f.p.claimQueued(f.ctx, claim); err != nil || len(ids) != 1 {
			t.Fatalf("claim = %q, %v", ids, err)
		}
		if err := f.p.Queue(f.ctx, []string{minimistAdv}); err != nil {
			t.Fatal(err)
		}
		if err := f.p.dequeue(f.ctx, claim, []string{minimistAdv}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{minimistAdv}, f.queued()); diff != "" {
			t.Errorf("queue after a stale dequeue (-want +got):\n%s", diff)
		}

		// A failed run: released with its error, due again after the backoff.
		claim = newClaim()
		if _, err := f.p.claimQueued(f.ctx, claim); err != nil {
			t.Fatal(err)
		}
		f.p.release(f.ctx, claim, errors.New("database went away"))
		if diff := cmp.Diff([]string{minimistAdv + " database went away"}, f.queued()); diff != "" {
			t.Errorf("queue after a failure (-want +got):\n%s", diff)
		}
		f.runQueue(ReevalStats{})
		f.now = f.now.Add(retryDelay(1))
		f.runQueue(ReevalStats{Advisories: 1, Components: 1, Artifacts: 1})
		if q := f.queued(); len(q) != 0 {
			t.Errorf("queue after the retry: %q", q)
		}
	})
}

// TestReevaluateNow re-evaluates in the caller and leaves nothing queued; the queue holds the
// advisories while it runs, under a claim RunQueue does not take.
func TestReevaluateNow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newQueueFixture(t, dsn)
		st, err := f.p.ReevaluateNow(f.ctx, []string{minimistAdv, "GHSA-not-stored"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&ReevalStats{Advisories: 2, Components: 1, Artifacts: 1, Opened: 1}, st); diff != "" {
			t.Errorf("ReevaluateNow (-want +got):\n%s", diff)
		}
		if q := f.queued(); len(q) != 0 {
			t.Errorf("queue after ReevaluateNow: %q", q)
		}
	})
}

// TestQueueConcurrent drains one queue from four goroutines: every advisory is re-evaluated
// and each finding opened once.
func TestQueueConcurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		for i := range 3 {
			inv, doc := readSBOM(t, "app.cdx.json")
			f.ingest(1, "shop", inv, append(doc, byte(i)))
		}
		f.importAdvisories("testdata/later")
		if err := f.p.Queue(f.ctx, []string{minimistAdv}); err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				_, err := f.p.RunQueue(f.ctx)
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if ev := f.events(); len(ev) != 3 {
			t.Errorf("%d events, want 3: %q", len(ev), ev)
		}
		if q := f.queued(); len(q) != 0 {
			t.Errorf("queue: %q", q)
		}
	})
}

// TestQueueTx: advisories queued in a transaction are queued when it commits and not when it
// rolls back; queued again, a claimed advisory is released to RunQueue.
func TestQueueTx(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newQueueFixture(t, dsn)
		tx, err := f.st.SQL().BeginTx(f.ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.p.QueueTx(f.ctx, tx, []string{minimistAdv}); err != nil {
			t.Fatal(err)
		}
		tx.Rollback()
		if q := f.queued(); len(q) != 0 {
			t.Fatalf("queue after a rollback: %q", q)
		}
		if err := f.p.queue(f.ctx, f.st.SQL(), []string{minimistAdv}, newClaim(), f.now.Add(queueLease).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		err = f.st.Transact(f.ctx, func(tx *sql.Tx) error { return f.p.QueueTx(f.ctx, tx, []string{minimistAdv, ""}) })
		if err != nil {
			t.Fatal(err)
		}
		f.runQueue(ReevalStats{Advisories: 1, Components: 1, Artifacts: 1, Opened: 1})
		if q := f.queued(); len(q) != 0 {
			t.Errorf("queue after RunQueue: %q", q)
		}
	})
}
