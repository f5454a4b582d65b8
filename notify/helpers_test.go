package notify

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

const testSecret = "0123456789abcdef-test-secret"

// openDB opens dsn with the migrations applied, closed when tb ends.
func openDB(tb testing.TB, dsn string) *store.DB {
	tb.Helper()
	return storetest.Open(tb, dsn)
}

// newTestNotifier returns a Notifier for tests: private addresses allowed, quiet logs, gaps
// judged at once, retries due at once unless opts says otherwise.
func newTestNotifier(db *store.DB, opts Options) *Notifier {
	opts.AllowPrivateUnsafe = true
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Backoff == nil {
		opts.Backoff = func(int) time.Duration { return 0 }
	}
	n := New(db, opts)
	n.settle = 0
	return n
}

// addTeam creates a team and returns its ID.
func addTeam(tb testing.TB, db *store.DB, name string) int64 {
	tb.Helper()
	var id int64
	if err := db.SQL().QueryRowContext(context.Background(), `INSERT INTO teams (name, created_at) VALUES (?, ?) RETURNING id`, name, time.Now().UnixMilli()).Scan(&id); err != nil {
		tb.Fatal(err)
	}
	return id
}

// defaultTeam returns the ID of the team every database starts with.
func defaultTeam(tb testing.TB, db *store.DB) int64 {
	tb.Helper()
	var id int64
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT id FROM teams WHERE name = 'default'`).Scan(&id); err != nil {
		tb.Fatal(err)
	}
	return id
}

// rowQuerier is a database or a transaction.
type rowQuerier interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// addEvent writes an event to the outbox as package portfolio does and returns its ID.
func addEvent(tb testing.TB, q rowQuerier, team int64, typ, payload string) int64 {
	tb.Helper()
	return addEventAt(tb, q, team, typ, payload, time.Now())
}

// addEventAt writes an event created at the given time and returns its ID.
func addEventAt(tb testing.TB, q rowQuerier, team int64, typ, payload string, at time.Time) int64 {
	tb.Helper()
	var id int64
	if err := q.QueryRowContext(context.Background(), `INSERT INTO events (type, team_id, payload, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		typ, team, payload, at.UnixMilli()).Scan(&id); err != nil {
		tb.Fatal(err)
	}
	return id
}

// request is what a receiver got.
type request struct {
	path                                  string
	event, delivery, timestamp, signature string
	contentType                           string
	body                                  string
}

// receiver is a webhook endpoint that records requests and answers with status(n) for the
// n-th one (0-based).
type receiver struct {
	srv    *httptest.Server
	status func(n int) int
	got    chan request // every request, if not nil

	mu   sync.Mutex
	reqs []request // guarded by mu
}

func newReceiver(tb testing.TB, status func(n int) int) *receiver {
	r := &receiver{status: status}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		rq := request{
			path: req.URL.Path, event: req.Header.Get("X-Hallmark-Event"), delivery: req.Header.Get("X-Hallmark-Delivery"),
			timestamp: req.Header.Get("X-Hallmark-Timestamp"), signature: req.Header.Get("X-Hallmark-Signature"),
			contentType: req.Header.Get("Content-Type"), body: string(body),
		}
		r.mu.Lock()
		k := len(r.reqs)
		r.reqs = append(r.reqs, rq)
		r.mu.Unlock()
		code := http.StatusNoContent
		if r.status != nil {
			code = r.status(k)
		}
		w.WriteHeader(code)
		if code >= 300 {
			io.WriteString(w, "receiver says no\n")
		}
		if r.got != nil {
			r.got <- rq
		}
	}))
	tb.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.reqs...)
}

// deliveryStates counts deliveries by state.
func deliveryStates(tb testing.TB, db *store.DB) map[string]int {
	tb.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT state, COUNT(*) FROM deliveries GROUP BY state`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var k int
		if err := rows.Scan(&s, &k); err != nil {
			tb.Fatal(err)
		}
		out[s] = k
	}
	return out
}

// cursor returns the fan-out cursor.
func cursor(tb testing.TB, db *store.DB) int64 {
	tb.Helper()
	var c int64
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT last_event_id FROM notify_cursor`).Scan(&c); err != nil {
		tb.Fatal(err)
	}
	return c
}

// fixture is a database, a Notifier on it and one webhook of the default team pointing to a
// receiver.
type fixture struct {
	db   *store.DB
	n    *Notifier
	rcv  *receiver
	team int64
	hook *Webhook
}

// setup makes a fixture whose receiver answers status(n) (nil: 204) and whose webhook wants
// events (nil: all).
func setup(t testing.TB, dsn string, opts Options, status func(int) int, events []string) *fixture {
	t.Helper()
	f := &fixture{db: openDB(t, dsn), rcv: newReceiver(t, status)}
	f.n = newTestNotifier(f.db, opts)
	f.team = defaultTeam(t, f.db)
	w, err := f.n.Create(context.Background(), f.team, f.rcv.srv.URL+"/hook", testSecret, events)
	if err != nil {
		t.Fatal(err)
	}
	f.hook = w
	return f
}
