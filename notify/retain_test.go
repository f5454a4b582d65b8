package notify

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/server/access"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// leftOver returns the event IDs left, and the deliveries left as "event-state".
func leftOver(t *testing.T, db *store.DB) (events []int64, deliveries []string) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.SQL().QueryContext(ctx, `SELECT id FROM events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		events = append(events, id)
	}
	drows, err := db.SQL().QueryContext(ctx, `SELECT event_id, state FROM deliveries ORDER BY event_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer drows.Close()
	for drows.Next() {
		var id int64
		var state string
		if err := drows.Scan(&id, &state); err != nil {
			t.Fatal(err)
		}
		deliveries = append(deliveries, fmt.Sprintf("%d-%s", id, state))
	}
	return events, deliveries
}

// TestEventRetention: old events whose deliveries are all finished (delivered, given up, or
// none at all) are removed with their deliveries, a batch at a time; an old event with a
// delivery pending, a recent one, and one not fanned out yet stay. A negative retention keeps
// everything.
func TestEventRetention(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := setup(t, dsn, Options{MaxAttempts: 1, EventRetention: 24 * time.Hour}, func(k int) int {
			if k == 1 {
				return 500
			}
			return 204
		}, nil)
		// The webhook is older than the events.
		if _, err := f.db.SQL().ExecContext(ctx, `UPDATE webhooks SET created_at = 0`); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-48 * time.Hour)
		other := addTeam(t, f.db, "other")
		addEventAt(t, f.db.SQL(), f.team, "finding.opened", `{"a":"delivered"}`, old)
		f.n.pass(ctx)
		addEventAt(t, f.db.SQL(), f.team, "finding.opened", `{"b":"failed"}`, old)
		f.n.pass(ctx)
		addEventAt(t, f.db.SQL(), other, "finding.opened", `{"c":"no webhook"}`, old)
		recent := addEventAt(t, f.db.SQL(), f.team, "finding.opened", `{"d":"recent"}`, time.Now())
		f.n.pass(ctx)
		pending := addEventAt(t, f.db.SQL(), f.team, "finding.opened", `{"e":"pending"}`, old)
		if _, err := f.n.fanOut(ctx); err != nil {
			t.Fatal(err)
		}
		above := addEventAt(t, f.db.SQL(), f.team, "finding.opened", `{"f":"not fanned out"}`, old)

		before := map[string]int{StateDelivered: 2, StateFailed: 1, StatePending: 1}
		if diff := cmp.Diff(before, deliveryStates(t, f.db)); diff != "" {
			t.Fatalf("deliveries before the clean-up (-want +got):\n%s", diff)
		}
		forever := newTestNotifier(f.db, Options{EventRetention: -1})
		if k, err := forever.pruneEvents(ctx); err != nil || k != 0 {
			t.Errorf("pruneEvents with a negative retention = %d, %v; want 0, nil", k, err)
		}

		f.n.eventBatch = 1
		if ran, err := f.n.cleanUp(ctx); err != nil || !ran {
			t.Fatalf("cleanUp = %v, %v; want true, nil", ran, err)
		}
		events, deliveries := leftOver(t, f.db)
		if diff := cmp.Diff([]int64{recent, pending, above}, events); diff != "" {
			t.Errorf("events left (-want +got):\n%s", diff)
		}
		wantDeliveries := []string{fmt.Sprintf("%d-delivered", recent), fmt.Sprintf("%d-pending", pending)}
		if diff := cmp.Diff(wantDeliveries, deliveries); diff != "" {
			t.Errorf("deliveries left (-want +got):\n%s", diff)
		}
	})
}

// TestCleanUpLease: with leases, one replica at a time cleans up.
func TestCleanUpLease(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db1, db2 := openDB(t, dsn), openDB(t, dsn)
		n1 := newTestNotifier(db1, Options{Leases: access.New(db1), Holder: "replica-1"})
		n2 := newTestNotifier(db2, Options{Leases: access.New(db2), Holder: "replica-2"})
		var got []bool
		for _, n := range []*Notifier{n1, n2, n1} {
			ran, err := n.cleanUp(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ran)
		}
		if diff := cmp.Diff([]bool{true, false, true}, got); diff != "" {
			t.Errorf("cleanUp ran on replicas 1, 2, 1 (-want +got):\n%s", diff)
		}
	})
}
