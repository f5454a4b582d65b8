package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/store/storetest"
)

// buildHallmark builds the binary once per test run.
var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "hallmark-e2e-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "hallmark")
	// go test caches a passing result by the files the test opens: reading every file of the
	// module (but test data, .git and generated corpora) makes a change to any of them run
	// the test again, as a change to the binary it builds must.
	root, err := filepath.Abs("../..")
	if err != nil {
		return "", err
	}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || path == filepath.Join(root, "bench", "corpus")) {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() { // sources and embedded files (migrations, web assets, schemas)
			_, err := os.ReadFile(path)
			return err
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("reading the module's sources: %w", err)
	}
	out, err := exec.Command("go", "build", "-o", bin, "github.com/hallmark-dev/hallmark/cmd/hallmark").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func hallmark(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the hallmark binary; skipped in -short mode")
	}
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// server is a running "hallmark serve" process.
type server struct {
	cmd  *exec.Cmd
	base string
	logs *bytes.Buffer
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startServer(t *testing.T, bin, dsn, addr string) *server {
	t.Helper()
	s := &server{base: "http://" + addr, logs: &bytes.Buffer{}}
	// The clients upload as fast as they can: lift the per-token rate limit.
	s.cmd = exec.Command(bin, "serve", "--listen", addr, "--db", dsn, "--rate", "100000", "--burst", "100000")
	s.cmd.Stdout = s.logs
	s.cmd.Stderr = s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	t.Fatalf("server did not become ready; its output:\n%s", s.logs)
	return nil
}

// sbomDoc returns a small CycloneDX 1.6 document naming i in its components.
func sbomDoc(i int) []byte {
	var comps []string
	for k := 0; k < 50; k++ {
		comps = append(comps, fmt.Sprintf(`{"type":"library","bom-ref":"c%d","name":"pkg-%d","version":"1.%d.%d","purl":"pkg:npm/pkg-%d@1.%d.%d"}`, k, k, i%10, k, k, i%10, k))
	}
	return []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"component":{"type":"application","name":"app"}},"components":[` +
		strings.Join(comps, ",") + `]}`)
}

// TestKillDuringIngest kills the server with SIGKILL while clients upload SBOMs, restarts it on
// the same database, and checks that every upload the server acknowledged is there in full.
func TestKillDuringIngest(t *testing.T) {
	bin := hallmark(t)
	storetest.Run(t, func(t *testing.T, dsn string) {
		out, err := exec.Command(bin, "admin", "token", "create", "--db", dsn, "--name", "e2e", "--scope", "ingest", "--team", "e2e").CombinedOutput()
		if err != nil {
			t.Fatalf("admin token create: %v\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		token := strings.TrimSpace(lines[len(lines)-1])
		addr := freePort(t)
		srv := startServer(t, bin, dsn, addr)

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var mu sync.Mutex
		acked := map[string]int{} // digest → components acknowledged
		refused := ""             // the last refusal, for the failure message
		var wg sync.WaitGroup
		client := &http.Client{Timeout: 30 * time.Second}
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; ctx.Err() == nil; i += 4 {
					digest := fmt.Sprintf("sha256:%064x", i+1)
					req, _ := http.NewRequestWithContext(ctx, "POST", srv.base+"/api/v1/sboms?name=app&version=1.0."+fmt.Sprint(i)+"&digest="+digest, bytes.NewReader(sbomDoc(i)))
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/vnd.cyclonedx+json")
					resp, err := client.Do(req)
					if err != nil {
						return // the server is gone
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode/100 != 2 {
						mu.Lock()
						refused = fmt.Sprintf("%s: %s", resp.Status, body)
						mu.Unlock()
						continue
					}
					var res struct {
						Components int `json:"components"`
					}
					if json.Unmarshal(body, &res) == nil {
						mu.Lock()
						acked[digest] = res.Components
						mu.Unlock()
					}
				}
			}()
		}
		// Kill once some uploads are acknowledged and others are in flight.
		deadline := time.Now().Add(2 * time.Minute)
		for {
			mu.Lock()
			n, last := len(acked), refused
			mu.Unlock()
			if n >= 20 {
				break
			}
			if time.Now().After(deadline) {
				cancel()
				wg.Wait()
				srv.cmd.Process.Kill()
				srv.cmd.Wait()
				t.Fatalf("only %d uploads acknowledged in 2 minutes; last refusal: %s\nserver output:\n%s", n, last, srv.logs)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		srv.cmd.Wait()
		cancel()
		wg.Wait()

		srv = startServer(t, bin, dsn, addr)
		defer func() {
			srv.cmd.Process.Signal(syscall.SIGTERM)
			srv.cmd.Wait()
		}()
		stored := map[string]int{}
		after := ""
		for {
			req, _ := http.NewRequest("GET", srv.base+"/api/v1/artifacts?limit=1000&after="+after, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var page struct {
				Items []struct {
					Digest     string `json:"digest"`
					Components int    `json:"components"`
				} `json:"items"`
				Next string `json:"next"`
			}
			err = json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&page)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page.Items {
				stored[a.Digest] = a.Components
			}
			if page.Next == "" {
				break
			}
			after = page.Next
		}
		mu.Lock()
		defer mu.Unlock()
		for d, n := range acked {
			got, ok := stored[d]
			if !ok {
				t.Errorf("acknowledged upload %s is lost after kill -9", d)
			} else if got != n {
				t.Errorf("upload %s: %d components stored, %d acknowledged", d, got, n)
			}
		}
		t.Logf("%d uploads acknowledged before kill -9, %d artifacts stored after restart", len(acked), len(stored))
	})
}
