package notify

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/store/storetest"
)

// BenchmarkFanOutDeliver measures fan-out and delivery together: b.N events of one team, each
// to one webhook, from the outbox to a local receiver answering 204. Writing the events is
// not timed.
func BenchmarkFanOutDeliver(b *testing.B) {
	body := `{"type":"finding.opened","finding":{"advisory":"GHSA-` + strings.Repeat("x", 500) + `"}}`
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			f := setup(b, e.NewDSN(b), Options{}, nil, nil)
			tx, err := f.db.SQL().BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for range b.N {
				addEvent(b, tx, f.team, "finding.opened", body)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			f.n.pass(ctx)
			b.StopTimer()
			if got := deliveryStates(b, f.db)[StateDelivered]; got != b.N {
				b.Fatalf("%d delivered, want %d", got, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkWakeToReceiver measures the latency of one event: from Wake, after the event is
// written, to the receiver's answer, with Run going (Poll one hour, so only Wake triggers).
func BenchmarkWakeToReceiver(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f := setup(b, e.NewDSN(b), Options{Poll: time.Hour}, nil, nil)
			f.rcv.got = make(chan request, 1)
			done := make(chan error)
			go func() { done <- f.n.Run(ctx) }()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				addEvent(b, f.db.SQL(), f.team, "finding.opened", payload)
				b.StartTimer()
				f.n.Wake()
				<-f.rcv.got
			}
			b.StopTimer()
			cancel()
			<-done
		})
	}
}

// BenchmarkNotifyToReceiver measures, on PostgreSQL, the latency of one event written through
// another replica's connections, with no Wake call: from its commit to the receiver's answer,
// through LISTEN/NOTIFY (Poll one hour).
func BenchmarkNotifyToReceiver(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := storetest.NewPostgres(b)
	writer := openDB(b, dsn)
	f := setup(b, dsn, Options{Poll: time.Hour}, nil, nil)
	conn, err := f.db.SQL().Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var ok bool
	conn.Raw(func(dc any) error { _, ok = dc.(pgxConner); return nil })
	conn.Close()
	if !ok {
		b.Skip("package store's PostgreSQL driver connection has no Conn() *pgx.Conn method yet")
	}
	f.rcv.got = make(chan request, 1)
	listening := make(chan struct{}, 1)
	f.n.listening = func() { listening <- struct{}{} }
	done := make(chan error)
	go func() { done <- f.n.Run(ctx) }()
	<-listening
	b.ResetTimer()
	for range b.N {
		addEvent(b, writer.SQL(), f.team, "finding.opened", payload)
		<-f.rcv.got
	}
	b.StopTimer()
	cancel()
	<-done
}

// BenchmarkPruneEvents measures removing old events, each with one delivered delivery (which
// the foreign key removes with it): b.N events, written and fanned out beforehand.
func BenchmarkPruneEvents(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			f := setup(b, e.NewDSN(b), Options{EventRetention: time.Hour}, nil, nil)
			tx, err := f.db.SQL().BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			old := time.Now().Add(-2 * time.Hour)
			for range b.N {
				addEventAt(b, tx, f.team, "finding.opened", payload, old)
			}
			for _, q := range []string{
				`INSERT INTO deliveries (event_id, webhook_id, state, attempts, next_attempt_at, claimed_until, created_at, delivered_at)
					SELECT id, ?, 'delivered', 1, 0, 0, 0, 0 FROM events`,
				`UPDATE notify_cursor SET last_event_id = (SELECT MAX(id) FROM events) WHERE ? > 0`,
			} {
				if _, err := tx.ExecContext(ctx, q, f.hook.ID); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			k, err := f.n.pruneEvents(ctx)
			b.StopTimer()
			if err != nil || k != int64(b.N) {
				b.Fatalf("pruneEvents = %d, %v; want %d", k, err, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
