package notify

import (
	"context"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// needPgx skips t when db's driver connections do not hand out pgx's connection.
func needPgx(t *testing.T, db *store.DB) {
	t.Helper()
	conn, err := db.SQL().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var ok bool
	conn.Raw(func(dc any) error { _, ok = dc.(pgxConner); return nil })
	if !ok {
		t.Skip("LISTEN tests skipped: package store's PostgreSQL driver connection has no Conn() *pgx.Conn method yet")
	}
}

// drain empties n's wake channel.
func drain(n *Notifier) {
	select {
	case <-n.wake:
	default:
	}
}

// TestListenWakesReplicas: on PostgreSQL, events written through one replica's connections
// wake another replica's Notifier at commit (not before), without any Wake call there; after
// its connection is killed, the listener connects again.
func TestListenWakesReplicas(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewPostgres(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	writer := openDB(t, dsn)
	db := openDB(t, dsn)
	needPgx(t, db)
	n := newTestNotifier(db, Options{})
	n.relisten = 0
	listening := make(chan struct{}, 1)
	n.listening = func() { listening <- struct{}{} }
	done := make(chan struct{})
	go func() { n.listen(ctx); close(done) }()
	team := defaultTeam(t, writer)

	for round := range 2 {
		<-listening
		drain(n) // the wake the listener sends when it starts
		tx, err := writer.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		addEvent(t, tx, team, "finding.opened", payload)
		addEvent(t, tx, team, "finding.opened", payload)
		select {
		case <-n.wake:
			t.Fatalf("round %d: woken before the events were committed", round)
		default:
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		<-n.wake
		if round == 0 {
			// Kill the listening connection: the listener must come back.
			var killed bool
			if err := writer.SQL().QueryRowContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND query = 'LISTEN `+eventsChannel+`'`).Scan(&killed); err != nil || !killed {
				t.Fatalf("killing the listening connection: %v, %v", killed, err)
			}
		}
	}
	cancel()
	<-done
}

// TestRunListens: two replicas run with an hour's poll; an event written without a Wake
// reaches the receiver once, through the notification.
func TestRunListens(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewPostgres(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := setup(t, dsn, Options{Poll: time.Hour}, nil, nil)
	needPgx(t, f.db)
	f.rcv.got = make(chan request, 2)
	db2 := openDB(t, dsn)
	n2 := newTestNotifier(db2, Options{Poll: time.Hour})
	listening := make(chan struct{}, 2)
	for _, n := range []*Notifier{f.n, n2} {
		n.listening = func() { listening <- struct{}{} }
	}
	errs := make(chan error, 2)
	for _, n := range []*Notifier{f.n, n2} {
		go func() { errs <- n.Run(ctx) }()
	}
	<-listening
	<-listening
	addEvent(t, f.db.SQL(), f.team, "finding.opened", payload)
	got := <-f.rcv.got
	if got.event != "finding.opened" {
		t.Errorf("event %q", got.event)
	}
	cancel()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Run = %v", err)
		}
	}
	if k := len(f.rcv.requests()); k != 1 {
		t.Errorf("the receiver got %d requests, want 1", k)
	}
}
