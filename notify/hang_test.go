package notify

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/store/storetest"
)

// TestHangingReceivers: while several receivers hang (their handlers held on a channel, the
// timeout an hour away), a healthy webhook gets every one of its deliveries before any
// hanging request returns. Receivers not heard from hold startWindow requests each; failing
// ones (whose latest attempt failed, here as recorded before a restart) one each and
// failingSlots together. Once the hanging receivers answer, their windows widen and they get all theirs.
func TestHangingReceivers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		hangers  int
		failing  bool // the hanging webhooks' latest attempt failed
		most     int  // requests held at once, at most
		mostPath int  // requests held at once by one webhook, at most
	}{
		{"new", 6, false, 6 * startWindow, startWindow},
		{"failing", failingSlots + 8, true, failingSlots, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T, dsn string) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				f := setup(t, dsn, Options{Timeout: time.Hour, Poll: time.Hour}, nil, nil)
				hold := make(chan struct{})
				hang := newHanger(t, hold)
				for i := range tt.hangers {
					w, err := f.n.Create(ctx, f.team, fmt.Sprintf("%s/h%d", hang.srv.URL, i), testSecret, nil)
					if err != nil {
						t.Fatal(err)
					}
					if tt.failing { // as another replica, or this one before a restart, recorded it
						if _, err := f.db.SQL().ExecContext(ctx, `UPDATE webhooks SET last_error = 'context deadline exceeded' WHERE id = ?`, w.ID); err != nil {
							t.Fatal(err)
						}
					}
				}
				const events = 3 * perWebhook
				done := runHealthy(ctx, t, f, events)
				most, mostPath, returned := hang.counts()
				if returned != 0 {
					t.Errorf("%d hanging requests returned before the healthy webhook had all its deliveries, want 0", returned)
				}
				if most == 0 || most > tt.most || mostPath > tt.mostPath {
					t.Errorf("hanging receivers held %d requests at once, %d on one webhook; want 1 to %d, at most %d", most, mostPath, tt.most, tt.mostPath)
				}
				close(hold)
				waitFor(t, func() bool { return deliveryStates(t, f.db)[StateDelivered] == events*(tt.hangers+1) })
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Run = %v", err)
				}
			})
		})
	}
}
