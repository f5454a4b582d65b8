package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/notify"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// TestWebhooks registers a webhook, posts an advisory that opens a finding, and sees the
// finding.opened event arrive signed, and its delivery listed.
func TestWebhooks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		type hit struct{ event, signature, body string }
		hits := make(chan hit, 10)
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			hits <- hit{r.Header.Get("X-Hallmark-Event"), r.Header.Get("X-Hallmark-Signature"), string(b)}
		}))
		t.Cleanup(recv.Close)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		f := newFixture(t, dsn, func(o *Options) {
			n := notify.New(o.Store, notify.Options{AllowPrivateUnsafe: true})
			o.Webhooks = WebhookService(n)
			go func() { n.Run(ctx); close(done) }()
		})
		t.Cleanup(func() { cancel(); <-done })

		secret := "0123456789abcdef0123456789abcdef"
		var wh notify.Webhook
		f.call("POST", "/api/v1/webhooks", f.triageA, map[string]any{"url": recv.URL, "secret": secret, "events": []string{"finding.opened"}}, http.StatusCreated, &wh)
		f.call("POST", "/api/v1/webhooks", f.ingestA, map[string]any{"url": recv.URL, "secret": secret}, http.StatusForbidden, nil)
		f.call("POST", "/api/v1/webhooks", f.triageA, map[string]any{"url": "ftp://example.com/x", "secret": secret}, http.StatusBadRequest, nil)
		f.call("POST", "/api/v1/webhooks", f.triageA, map[string]any{"url": recv.URL, "secret": "short"}, http.StatusBadRequest, nil)
		f.call("POST", "/api/v1/webhooks", f.triageA, map[string]any{"url": recv.URL}, http.StatusBadRequest, nil)

		var hooks list[notify.Webhook]
		f.call("GET", "/api/v1/webhooks", f.ingestA, nil, http.StatusOK, &hooks)
		if len(hooks.Items) != 1 || hooks.Items[0].ID != wh.ID {
			t.Errorf("team a's webhooks %+v", hooks)
		}
		f.call("GET", "/api/v1/webhooks", f.readB, nil, http.StatusOK, &hooks)
		if len(hooks.Items) != 0 {
			t.Errorf("team b sees %+v", hooks)
		}

		if resp, body := f.postSBOM(f.ingestA, "name=shop&version=1", sbomDoc("shop"), false); resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST sbom: %d %s", resp.StatusCode, body)
		}
		f.call("POST", "/api/v1/advisories?wait=true", f.admin, []byte(lodashAdvisory), http.StatusOK, nil)
		var h hit
		select {
		case h = <-hits:
		case <-time.After(time.Minute):
			t.Fatal("no webhook delivery within a minute")
		}
		if h.event != "finding.opened" || h.signature == "" {
			t.Errorf("delivery %+v", h)
		}

		path := fmt.Sprintf("/api/v1/webhooks/%d", wh.ID)
		var dels list[notify.Delivery]
		for {
			f.call("GET", path+"/deliveries", f.ingestA, nil, http.StatusOK, &dels)
			if len(dels.Items) == 1 && dels.Items[0].State == notify.StateDelivered {
				break
			}
			time.Sleep(10 * time.Millisecond) // the delivery is recorded after the answer
		}
		f.call("GET", path+"/deliveries?failed=true", f.ingestA, nil, http.StatusOK, &dels)
		if len(dels.Items) != 0 {
			t.Errorf("failed deliveries %+v", dels)
		}
		f.call("GET", path+"/deliveries", f.readB, nil, http.StatusNotFound, nil)
		f.call("DELETE", path, f.readB, nil, http.StatusForbidden, nil)
		f.call("DELETE", path, f.triageA, nil, http.StatusNoContent, nil)
		f.call("DELETE", path, f.triageA, nil, http.StatusNotFound, nil)
	})
}
