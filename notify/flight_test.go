package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// hanger is a receiver that reads each request and then hangs until the client gives up or,
// if hold is not nil, until hold is closed, when it answers 204; it counts the requests it
// holds, in all and per path.
type hanger struct {
	srv  *httptest.Server
	hold chan struct{}

	mu       sync.Mutex
	holding  int            // guarded by mu
	most     int            // guarded by mu: the most held at once
	byPath   map[string]int // guarded by mu: held per path
	mostPath int            // guarded by mu: the most held at once on one path
	returned int            // guarded by mu: requests answered
}

func newHanger(t *testing.T, hold chan struct{}) *hanger {
	h := &hanger{hold: hold, byPath: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // the server notices a closed connection once the body is read
		h.mu.Lock()
		h.holding++
		h.most = max(h.most, h.holding)
		h.byPath[r.URL.Path]++
		h.mostPath = max(h.mostPath, h.byPath[r.URL.Path])
		h.mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-h.hold:
			w.WriteHeader(http.StatusNoContent)
		}
		h.mu.Lock()
		h.holding--
		h.byPath[r.URL.Path]--
		h.returned++
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// counts returns the most requests held at once, in all and on one path, and how many were
// answered.
func (h *hanger) counts() (most, mostPath, returned int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.most, h.mostPath, h.returned
}

// delivered counts the delivered deliveries of a webhook.
func delivered(t *testing.T, db *store.DB, webhook int64) int {
	t.Helper()
	var k int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM deliveries WHERE webhook_id = ? AND state = 'delivered'`, webhook).Scan(&k); err != nil {
		t.Fatal(err)
	}
	return k
}

// runHealthy writes events (after the webhooks), runs f's Notifier until ctx ends, and
// waits until f's own webhook has all of them delivered. Run's result comes on the channel.
func runHealthy(ctx context.Context, t *testing.T, f *fixture, events int) <-chan error {
	t.Helper()
	time.Sleep(2 * time.Millisecond) // the events are written after the webhooks
	for range events {
		addEvent(t, f.db.SQL(), f.team, "finding.opened", payload)
	}
	done := make(chan error, 1)
	go func() { done <- f.n.Run(ctx) }()
	waitFor(t, func() bool { return delivered(t, f.db, f.hook.ID) == events })
	return done
}

// TestHangingReceiver: a receiver that hangs (without a timeout in sight) holds at most
// startWindow requests (it never answers, so its window does not widen), and the deliveries
// to another webhook go on around it, including those of events written while it hangs. When Run stops, the hanging requests are abandoned and
// their deliveries stay pending without an attempt: none is lost.
func TestHangingReceiver(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f := setup(t, dsn, Options{Timeout: time.Hour, Poll: time.Hour}, nil, nil)
		hang := newHanger(t, nil)
		stuck, err := f.n.Create(ctx, f.team, hang.srv.URL, testSecret, nil)
		if err != nil {
			t.Fatal(err)
		}
		const events = 3 * perWebhook
		done := runHealthy(ctx, t, f, events)
		addEvent(t, f.db.SQL(), f.team, "finding.resolved", payload)
		f.n.Wake()
		waitFor(t, func() bool { return delivered(t, f.db, f.hook.ID) == events+1 })
		if most, _, _ := hang.counts(); most == 0 || most > startWindow {
			t.Errorf("the hanging receiver held %d requests at once, want 1 to %d", most, startWindow)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
		if got := delivered(t, f.db, stuck.ID); got != 0 {
			t.Errorf("%d deliveries to the hanging receiver recorded as delivered", got)
		}
		var pending, attempts int
		if err := f.db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*), COALESCE(SUM(attempts), 0) FROM deliveries
			WHERE webhook_id = ? AND state = 'pending' AND claimed_until = 0`, stuck.ID).Scan(&pending, &attempts); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([2]int{events + 1, 0}, [2]int{pending, attempts}); diff != "" {
			t.Errorf("the hanging receiver's deliveries [pending and released, attempts] (-want +got):\n%s", diff)
		}
	})
}
