package notify

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/store/storetest"
)

// TestOutOfOrderCommits: on PostgreSQL an event can commit after one with a higher ID. It is
// still fanned out, and the cursor waits for it; an ID lost to a rollback is passed over once
// no transaction that could still write it is running.
func TestOutOfOrderCommits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t, storetest.NewPostgres(t), Options{}, nil, nil)
	start := cursor(t, f.db)

	slow, err := f.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback()
	late := addEvent(t, slow, f.team, "finding.opened", `{"n":"late"}`)
	early := addEvent(t, f.db.SQL(), f.team, "finding.opened", `{"n":"early"}`)
	f.n.pass(ctx)
	if diff := cmp.Diff([]string{`{"n":"early"}`}, bodies(f.rcv)); diff != "" {
		t.Errorf("delivered while an earlier event is uncommitted (-want +got):\n%s", diff)
	}
	if c := cursor(t, f.db); c != start {
		t.Errorf("cursor moved to %d over an uncommitted event (%d)", c, late)
	}

	if err := slow.Commit(); err != nil {
		t.Fatal(err)
	}
	f.n.pass(ctx)
	if diff := cmp.Diff([]string{`{"n":"early"}`, `{"n":"late"}`}, bodies(f.rcv)); diff != "" {
		t.Errorf("delivered after the commit (-want +got):\n%s", diff)
	}
	if c := cursor(t, f.db); c != early {
		t.Errorf("cursor = %d, want %d", c, early)
	}

	lost, err := f.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lost.Rollback()
	addEvent(t, lost, f.team, "finding.opened", `{"n":"lost"}`)
	next := addEvent(t, f.db.SQL(), f.team, "finding.opened", `{"n":"next"}`)
	f.n.pass(ctx)
	if c := cursor(t, f.db); c != early {
		t.Errorf("cursor moved to %d while the transaction holding the gap runs", c)
	}
	lost.Rollback()
	// Once every transaction that was running when the gap was seen has ended, a pass moves
	// the cursor over the gap. Transactions of other tests on the same server may delay that:
	// the snapshot bound is the server's.
	deadline := time.Now().Add(30 * time.Second)
	for {
		f.n.pass(ctx)
		if cursor(t, f.db) == next {
			break
		}
		if !heldBack(t, f) {
			f.n.pass(ctx)
			if c := cursor(t, f.db); c != next {
				t.Fatalf("cursor = %d after the rollback, want %d", c, next)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Skip("a long transaction of another client of the PostgreSQL server keeps the gap open")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if diff := cmp.Diff([]string{`{"n":"early"}`, `{"n":"late"}`, `{"n":"next"}`}, bodies(f.rcv)); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	var marks int
	if err := f.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM notify_fanout`).Scan(&marks); err != nil {
		t.Fatal(err)
	}
	if marks != 0 {
		t.Errorf("%d fan-out marks left", marks)
	}
}

// heldBack reports whether a transaction older than a gap f's Notifier watches is running.
func heldBack(t *testing.T, f *fixture) bool {
	t.Helper()
	f.n.mu.Lock()
	var bound uint64
	for _, g := range f.n.gaps {
		bound = max(bound, g.xmax)
	}
	f.n.mu.Unlock()
	var xmin uint64
	if err := f.db.SQL().QueryRowContext(context.Background(), `SELECT CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT)`).Scan(&xmin); err != nil {
		t.Fatal(err)
	}
	return bound == 0 || xmin < bound
}

// TestFanOutBatches fans out more events than one batch holds.
func TestFanOutBatches(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := setup(t, dsn, Options{}, nil, nil)
		const events = fanOutBatch*2 + 7
		tx, err := f.db.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var last int64
		for range events {
			last = addEvent(t, tx, f.team, "finding.resolved", `{}`)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		total := 0
		for {
			k, err := f.n.fanOut(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if k == 0 {
				break
			}
			total += k
		}
		if total != events {
			t.Errorf("fanned out %d events, want %d", total, events)
		}
		if got := deliveryStates(t, f.db)[StatePending]; got != events {
			t.Errorf("%d pending deliveries, want %d", got, events)
		}
		if c := cursor(t, f.db); c != last {
			t.Errorf("cursor = %d, want %d", c, last)
		}
	})
}

func bodies(r *receiver) []string {
	var out []string
	for _, q := range r.requests() {
		out = append(out, q.body)
	}
	return out
}
