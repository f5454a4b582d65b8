package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/server/access"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
	"github.com/hallmark-dev/hallmark/version/lookup"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// Environment of the child server process of TestKillDuringIngest.
const (
	envChildDSN  = "HALLMARK_TEST_CHILD_DSN"
	envChildAddr = "HALLMARK_TEST_CHILD_ADDR"
)

func TestMain(m *testing.M) {
	if dsn := os.Getenv(envChildDSN); dsn != "" {
		if err := serveChild(dsn, os.Getenv(envChildAddr)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serveChild serves the database dsn on a free port, written to the file addrFile, until the
// process is killed.
func serveChild(dsn, addrFile string) error {
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	adv := vulndb.FromStore(st, lookup.For)
	srv, err := New(Options{Store: st, Advisories: adv, Portfolio: portfolio.New(st, adv), Access: access.New(st), Rate: 1e6, Burst: 1e6})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	if err := os.WriteFile(addrFile+".tmp", []byte(ln.Addr().String()), 0o644); err != nil {
		return err
	}
	if err := os.Rename(addrFile+".tmp", addrFile); err != nil {
		return err
	}
	return Serve(ctx, ln, srv, ServeOptions{})
}

// startChild starts this test binary as a server over dsn and returns its URL.
func startChild(t *testing.T, dsn string) (*exec.Cmd, string) {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChildDSN+"="+dsn, envChildAddr+"="+addrFile)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	exited := make(chan error, 1)
	go func() { _, err := cmd.Process.Wait(); exited <- err }()
	for {
		if b, err := os.ReadFile(addrFile); err == nil {
			return cmd, "http://" + string(b)
		}
		select {
		case err := <-exited:
			t.Fatalf("the server process exited before listening: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestKillDuringIngest kills the server (SIGKILL) while SBOMs are being uploaded, restarts it
// on the same database, and finds every upload that was acknowledged with 201.
func TestKillDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := access.New(st).CreateToken(ctx, "ci", access.Ingest, []string{"a"})
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		child, url := startChild(t, dsn)
		f := &fixture{t: t, url: url}

		const workers, killAfter = 4, 20
		var mu sync.Mutex
		var acked []string // names of acknowledged uploads; guarded by mu
		var wg sync.WaitGroup
		killed := make(chan struct{})
		var once sync.Once
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					name := fmt.Sprintf("app-%d-%d", w, i)
					req, _ := http.NewRequest("POST", url+"/api/v1/sboms?name="+name+"&version=1", bytesReader(sbomDoc(name)))
					req.Header.Set("Content-Type", MediaCycloneDX)
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						return // the server is gone
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						continue
					}
					mu.Lock()
					acked = append(acked, name)
					n := len(acked)
					mu.Unlock()
					if n >= killAfter {
						once.Do(func() { child.Process.Kill(); close(killed) })
					}
				}
			}()
		}
		<-killed
		wg.Wait()
		child.Wait()

		_, url = startChild(t, dsn)
		f.url = url
		mu.Lock()
		defer mu.Unlock()
		for _, name := range acked {
			var arts list[portfolio.Artifact]
			f.call("GET", "/api/v1/artifacts?search="+name, token, nil, http.StatusOK, &arts)
			found := false
			for _, a := range arts.Items {
				found = found || (a.Name == name && a.Components == 2)
			}
			if !found {
				t.Errorf("acknowledged upload %s is missing after the restart: %+v", name, arts.Items)
			}
		}
		t.Logf("%d acknowledged uploads, all found after kill -9", len(acked))
	})
}
