package server

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/store/storetest"
)

// TestServeDrains cancels Serve's context while a request is in flight: the request finishes
// with its answer, then the workers stop, then Serve returns.
func TestServeDrains(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		if r.Context().Err() != nil {
			t.Error("the in-flight request's context was cancelled by the shutdown")
		}
		w.Write([]byte("done"))
		finished.Store(true)
	})
	var workerSawDrained atomic.Bool
	worker := Worker{Name: "test", Run: func(ctx context.Context) error {
		<-ctx.Done()
		workerSawDrained.Store(finished.Load())
		return ctx.Err()
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, h, ServeOptions{Drain: time.Minute}, worker) }()

	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			answer <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answer <- string(b)
	}()
	<-started
	cancel()
	// Wait until the shutdown has closed the listener, then let the request finish.
	for {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	if got := <-answer; got != "done" {
		t.Errorf("in-flight request got %q, want done", got)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if !workerSawDrained.Load() {
		t.Error("the worker was stopped before the in-flight request finished")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the listener still accepts connections after Serve returned")
	}
}

func TestSyncOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		if resp, body := f.postSBOM(f.ingestA, "name=shop&version=1", sbomDoc("shop"), false); resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST sbom: %d %s", resp.StatusCode, body)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "GHSA-35jh-r3h4-6jhm.json"), []byte(lodashAdvisory), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		opts := SyncOptions{Sources: []string{dir}, Holder: "replica-1", Interval: time.Hour}
		res, err := f.srv.SyncOnce(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"GHSA-35jh-r3h4-6jhm"}, res.Changed); diff != "" || res.Skipped {
			t.Errorf("first sync %+v (-want +got):\n%s", res, diff)
		}
		if res.Reevaluation == nil || res.Reevaluation.Opened != 1 {
			t.Errorf("re-evaluation %+v, want one finding opened", res.Reevaluation)
		}
		// Another replica does not sync while the first holds the lease.
		other := opts
		other.Holder = "replica-2"
		if res, err := f.srv.SyncOnce(ctx, other); err != nil || !res.Skipped {
			t.Errorf("second replica: %+v, %v; want skipped", res, err)
		}
		// Nothing changed since the last sync.
		if res, err := f.srv.SyncOnce(ctx, opts); err != nil || len(res.Changed) != 0 || res.Skipped {
			t.Errorf("second sync: %+v, %v; want no change", res, err)
		}
		// A missing source is an error; the others still sync.
		opts.Sources = append([]string{filepath.Join(dir, "missing")}, dir)
		if _, err := f.srv.SyncOnce(ctx, opts); err == nil {
			t.Error("sync of a missing source: no error")
		}
	})
}

// TestSyncBucket syncs from an OSV bucket (a fake one on an httptest server): ecosystems.txt
// and npm/all.zip.
func TestSyncBucket(t *testing.T) {
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.Create("GHSA-35jh-r3h4-6jhm.json")
	w.Write([]byte(lodashAdvisory))
	zw.Close()
	bucket := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ecosystems.txt":
			w.Write([]byte("npm\n"))
		case "/npm/all.zip":
			w.Write(zbuf.Bytes())
		default:
			http.NotFound(w, r)
		}
	}))
	defer bucket.Close()
	f := newFixture(t, storetest.Engines()[0].NewDSN(t))
	if resp, body := f.postSBOM(f.ingestA, "name=shop&version=1", sbomDoc("shop"), false); resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST sbom: %d %s", resp.StatusCode, body)
	}
	res, err := f.srv.SyncOnce(context.Background(), SyncOptions{Sources: []string{bucket.URL}, Holder: "r1", CacheDir: t.TempDir(), Client: bucket.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"GHSA-35jh-r3h4-6jhm"}, res.Changed); diff != "" || res.Reevaluation == nil || res.Reevaluation.Opened != 1 {
		t.Errorf("sync from a bucket %+v (-want +got changed):\n%s", res, diff)
	}
}
