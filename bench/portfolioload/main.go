// Command portfolioload measures a running Hallmark server on a generated portfolio (see
// bench/genportfolio): the ingest throughput of its SBOMs, then the time from posting a new
// advisory to the complete affected-deployments answer and to the first and last webhook
// deliveries of the events it causes. It prints the figures BENCHMARKS.md records.
//
//	hallmark serve --db DSN &      # note the bootstrap token
//	go run ./bench/portfolioload -server http://127.0.0.1:8080 -token hm_… -dir bench/corpus/portfolio
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

func main() {
	server := flag.String("server", "http://127.0.0.1:8080", "server base URL")
	token := flag.String("token", os.Getenv("HALLMARK_TOKEN"), "API token with admin scope (or HALLMARK_TOKEN)")
	dir := flag.String("dir", "bench/corpus/portfolio", "genportfolio output")
	conc := flag.Int("concurrency", 4, "concurrent uploads")
	limit := flag.Int("n", 0, "ingest only the first n SBOMs (0: all)")
	from := flag.Int("from", 0, "skip the first SBOMs (to continue an earlier run)")
	skipIngest := flag.Bool("skip-ingest", false, "the portfolio is already loaded")
	envs := flag.Int("environments", 3, "spread deployments over this many environments")
	advisory := flag.String("advisory", "advisory-hot.json", "advisory file in -dir to post")
	wait := flag.Duration("wait", 60*time.Second, "how long to wait for webhook deliveries")
	syncPost := flag.Bool("sync", false, "post the advisory with wait=true: the POST answers after the re-evaluation")
	flag.Parse()
	c := &client{base: strings.TrimSuffix(*server, "/"), token: *token, http: &http.Client{Timeout: 10 * time.Minute}}
	ctx := context.Background()
	if !*skipIngest {
		files, err := filepath.Glob(filepath.Join(*dir, "sboms", "*.cdx.json"))
		if err != nil || len(files) == 0 {
			log.Fatalf("no SBOMs in %s/sboms (run bench/genportfolio): %v", *dir, err)
		}
		sort.Strings(files)
		if *limit > 0 && *limit < len(files) {
			files = files[:*limit]
		}
		files = files[min(*from, len(files)):]
		if err := ingest(ctx, c, files, *conc, *envs); err != nil {
			log.Fatal(err)
		}
	}
	if err := advisoryToAlert(ctx, c, filepath.Join(*dir, *advisory), *wait, *syncPost); err != nil {
		log.Fatal(err)
	}
}

type client struct {
	base, token string
	http        *http.Client
}

func (c *client) do(ctx context.Context, method, path, ctype string, body io.Reader, hdr map[string]string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func ingest(ctx context.Context, c *client, files []string, conc, envs int) error {
	var g errgroup.Group
	g.SetLimit(conc)
	lat := make([]time.Duration, len(files))
	var comps atomic.Int64
	start := time.Now()
	for i, f := range files {
		g.Go(func() error {
			raw, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(raw)
			zw.Close()
			name := strings.TrimSuffix(filepath.Base(f), ".cdx.json")
			t := time.Now()
			var res struct {
				Artifact struct {
					Digest string `json:"digest"`
				} `json:"artifact"`
				Components int `json:"components"`
			}
			err = c.do(ctx, "POST", "/api/v1/sboms?name="+name+"&version=1.0.0", "application/vnd.cyclonedx+json", &buf,
				map[string]string{"Content-Encoding": "gzip"}, &res)
			if err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			lat[i] = time.Since(t)
			comps.Add(int64(res.Components))
			dep, _ := json.Marshal(map[string]string{
				"artifact_digest": res.Artifact.Digest,
				"environment":     fmt.Sprintf("env-%d", i%envs),
				"target":          fmt.Sprintf("cluster-%d/%s", i%7, name),
			})
			if err := c.do(ctx, "POST", "/api/v1/deployments", "application/json", bytes.NewReader(dep), nil, nil); err != nil {
				return err
			}
			if n := i + 1; n%500 == 0 {
				log.Printf("ingested %d SBOMs in %.1fs", n, time.Since(start).Seconds())
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	el := time.Since(start)
	slices.Sort(lat)
	fmt.Printf("ingest: %d SBOMs, %d components in %.1f s: %.1f SBOMs/s, %.0f components/s; upload latency p50 %v p99 %v max %v (concurrency %d)\n",
		len(files), comps.Load(), el.Seconds(), float64(len(files))/el.Seconds(), float64(comps.Load())/el.Seconds(),
		pct(lat, 50), pct(lat, 99), lat[len(lat)-1], conc)
	return nil
}

func pct(s []time.Duration, p int) time.Duration {
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, len(s)*p/100)].Round(time.Millisecond)
}

func advisoryToAlert(ctx context.Context, c *client, path string, wait time.Duration, waitForReeval bool) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	// A fresh ID each run, so that the advisory is new to the server.
	var adv map[string]any
	if err := json.Unmarshal(doc, &adv); err != nil {
		return err
	}
	id := fmt.Sprintf("%s-%d", adv["id"], time.Now().UnixNano())
	adv["id"] = id
	adv["aliases"] = []string{}
	doc, _ = json.Marshal(adv)

	// A webhook receiver on loopback.
	var mu sync.Mutex
	var first, last time.Time
	var events int
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		now := time.Now()
		if bytes.Contains(b, []byte(id)) {
			mu.Lock()
			if first.IsZero() {
				first = now
			}
			last = now
			events++
			mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	hook, _ := json.Marshal(map[string]any{"url": "http://" + ln.Addr().String() + "/hook", "secret": "bench-secret-0123456789abcdef", "events": []string{"finding.opened"}})
	var wh struct {
		ID int64 `json:"id"`
	}
	if err := c.do(ctx, "POST", "/api/v1/webhooks", "application/json", bytes.NewReader(hook), nil, &wh); err != nil {
		return err
	}
	// The receiver goes away with this program: so does the webhook, or the server would
	// retry its deliveries in every later run.
	defer c.do(context.WithoutCancel(ctx), "DELETE", fmt.Sprintf("/api/v1/webhooks/%d", wh.ID), "", nil, nil, nil)

	t0 := time.Now()
	post := "/api/v1/advisories"
	if waitForReeval {
		post += "?wait=true"
	}
	if err := c.do(ctx, "POST", post, "application/json", bytes.NewReader(doc), nil, nil); err != nil {
		return err
	}
	posted := time.Since(t0)
	var aff struct {
		Artifacts   []json.RawMessage `json:"artifacts"`
		Deployments []json.RawMessage `json:"deployments"`
	}
	if err := c.do(ctx, "GET", "/api/v1/advisories/"+id+"/affected", "", nil, nil, &aff); err != nil {
		return err
	}
	answered := time.Since(t0)
	fmt.Printf("advisory %s: POST answered in %v; affected answer complete in %v: %d artifacts, %d deployments\n",
		filepath.Base(path), posted.Round(time.Millisecond), answered.Round(time.Millisecond), len(aff.Artifacts), len(aff.Deployments))
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := events
		mu.Unlock()
		if n >= len(aff.Artifacts) && n > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if events == 0 {
		fmt.Printf("webhook: no delivery within %v\n", wait)
		return nil
	}
	fmt.Printf("webhook: first delivery %v after the POST, %d finding.opened deliveries, last %v after the POST\n",
		first.Sub(t0).Round(time.Millisecond), events, last.Sub(t0).Round(time.Millisecond))
	return nil
}
