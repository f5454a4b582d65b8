package notify

import (
	"context"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/store/storetest"
)

// TestBacklogDoesNotStarve: a webhook whose receiver has been down while many events piled up
// must not hold back a newer webhook's delivery (claims once took the oldest due deliveries
// first, so the new webhook waited for the whole backlog's attempts).
func TestBacklogDoesNotStarve(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := setup(t, dsn, Options{}, func(int) int { return 503 }, nil)
		for range 3 * perWebhook {
			addEvent(t, f.db.SQL(), f.team, "finding.opened", payload)
		}
		for {
			k, err := f.n.fanOut(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if k == 0 {
				break
			}
		}
		healthy := newReceiver(t, nil)
		w, err := f.n.Create(ctx, f.team, healthy.srv.URL+"/hook", testSecret, nil)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // the new event is written after the webhook
		addEvent(t, f.db.SQL(), f.team, "finding.opened", payload)
		if _, err := f.n.fanOut(ctx); err != nil {
			t.Fatal(err)
		}
		jobs, _, err := f.n.claim(ctx, concurrency)
		if err != nil {
			t.Fatal(err)
		}
		perHook := map[int64]int{}
		for _, j := range jobs {
			perHook[j.webhookID]++
		}
		if perHook[w.ID] != 1 || perHook[f.hook.ID] == 0 || perHook[f.hook.ID] > perWebhook {
			t.Errorf("one claim took %v deliveries per webhook; want the new webhook's one and the backlog's share (at most %d)", perHook, perWebhook)
		}
	})
}
