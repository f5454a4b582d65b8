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

// hanger is a receiver that reads each request and then hangs until the client gives up,
// counting the requests it holds.
type hanger struct {
	srv *httptest.Server

	mu      sync.Mutex
	holding int // guarded by mu
	most    int // guarded by mu: the most held at once
}

func newHanger(t *testing.T) *hanger {
	h := &hanger{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // the server notices a closed connection once the body is read
		h.mu.Lock()
		h.holding++
		h.most = max(h.most, h.holding)
		h.mu.Unlock()
		<-r.Context().Done()
		h.mu.Lock()
		h.holding--
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
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

// TestHangingReceiver: a receiver that hangs (without a timeout in sight) holds at most
// perWebhook requests, and the deliveries to another webhook go on around it, including those
// of events written while it hangs. When Run stops, the hanging requests are abandoned and
// their deliveries stay pending without an attempt: none is lost.
func TestHangingReceiver(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f := setup(t, dsn, Options{Timeout: time.Hour, Poll: time.Hour}, nil, nil)
		hang := newHanger(t)
		stuck, err := f.n.Create(ctx, f.team, hang.srv.URL, testSecret, nil)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // the events are written after the webhooks
		const events = 3 * perWebhook
		for range events {
			addEvent(t, f.db.SQL(), f.team, "finding.opened", payload)
		}
		done := make(chan error)
		go func() { done <- f.n.Run(ctx) }()
		waitFor(t, func() bool { return delivered(t, f.db, f.hook.ID) == events })
		addEvent(t, f.db.SQL(), f.team, "finding.resolved", payload)
		f.n.Wake()
		waitFor(t, func() bool { return delivered(t, f.db, f.hook.ID) == events+1 })
		hang.mu.Lock()
		most := hang.most
		hang.mu.Unlock()
		if most == 0 || most > perWebhook {
			t.Errorf("the hanging receiver held %d requests at once, want 1 to %d", most, perWebhook)
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
