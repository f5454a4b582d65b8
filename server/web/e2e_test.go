package web_test

// The end-to-end test: the web UI in a real headless Chromium, driven through the Chrome
// DevTools Protocol (chromedp), against the real server (package server over a fresh SQLite,
// and PostgreSQL when configured, database). It ingests SBOMs, attestations and advisories
// through the API, and clicks through sign-in, the artifacts list, a webhook's registration,
// the advisory page and its triage form, the artifact page, the webhooks' failures, the
// OpenVEX export, the dashboard, and a cookie session with its CSRF token, saving a
// screenshot of each page and failing on console errors and accessibility problems.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/hallmark-dev/hallmark/evidence"
	"github.com/hallmark-dev/hallmark/notify"
	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/server"
	"github.com/hallmark-dev/hallmark/server/access"
	"github.com/hallmark-dev/hallmark/server/web"
	"github.com/hallmark-dev/hallmark/store/storetest"
	"github.com/hallmark-dev/hallmark/triage"
	"github.com/hallmark-dev/hallmark/version/lookup"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// backend is a real server over a fresh database, with the web UI, and an admin token of the
// default team.
type backend struct {
	URL, Token string
	access     *access.Access
}

// startBackend starts the server over the database at dsn, with every service the API has;
// each configure function may change its options, knowing the URL the server will have.
func startBackend(t *testing.T, dsn string, configure ...func(o *server.Options, url string)) *backend {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, dsn)
	adv := vulndb.FromStore(st, lookup.For)
	acc := access.New(st)
	// Trusted: the signer of the Sigstore conformance suite's bundles, under the public-good root.
	ev, err := evidence.New(st, evidence.Options{Identities: []evidence.Identity{{
		IssuerRegexp: `^https://token\.actions\.githubusercontent\.com$`,
		SANRegexp:    `^https://github\.com/sigstore-conformance/`,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	// Webhooks on this machine's test receivers, given up after one failed attempt.
	n := notify.New(st, notify.Options{AllowPrivateUnsafe: true, MaxAttempts: 1, Poll: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		<-done
	})
	opts := server.Options{
		Store:      st,
		Advisories: adv,
		Portfolio:  portfolio.New(st, adv),
		Access:     acc,
		Triage:     server.TriageService(triage.New(st)),
		Evidence:   server.EvidenceService(ev),
		Webhooks:   server.WebhookService(n),
		Web:        web.Handler(),
	}
	hs := httptest.NewUnstartedServer(nil) // listening already: its URL is known
	t.Cleanup(hs.Close)
	url := "http://" + hs.Listener.Addr().String()
	for _, c := range configure {
		c(&opts, url)
	}
	srv, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := acc.CreateToken(ctx, "e2e", access.Admin, []string{"default"})
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = srv
	hs.Start()
	return &backend{URL: hs.URL, Token: token, access: acc}
}

// setCookie sets the session cookie for the server at url, as its login does.
func setCookie(url, secret string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		httpOnly := true
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{
			Name: server.SessionCookie, Value: secret, URL: url, Path: "/", HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax})
		return err
	})
}

// signInWithToken signs in on the login page with an API token, as a developer does.
func signInWithToken(token string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		waitText("main h1", "Sign in"),
		chromedp.Click(chromedp.CSS("main details > summary")),
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Click(chromedp.CSS(".token-form button[type=submit]")),
		waitText("main h1", "Dashboard"))
}

// session opens a web session of the default team for the user with the scope, as an OIDC
// login does, and returns the cookie's value.
func (be *backend) session(t *testing.T, email string, scope access.Scope) string {
	t.Helper()
	ctx := context.Background()
	teams, err := be.access.TeamsNamed(ctx, []string{"default"})
	if err != nil {
		t.Fatal(err)
	}
	u := access.User{Issuer: "https://idp.example", Subject: email, Email: email}
	secret, err := be.access.CreateSession(ctx, u, scope, teams, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// waitWebhookFailure waits until the API reports the webhook's failed delivery (the notifier
// records it after the receiver's answer).
func (be *backend) waitWebhookFailure(t *testing.T) {
	t.Helper()
	for range 600 {
		var list struct {
			Items []struct {
				LastError string `json:"last_error"`
				Failing   int    `json:"failing"`
			} `json:"items"`
		}
		be.api(t, "GET", "/api/v1/webhooks", "", nil, &list)
		if len(list.Items) == 1 && list.Items[0].Failing > 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the webhook's failed delivery was never recorded")
}

// api calls the server's API with the backend's token and decodes the JSON answer into out.
func (be *backend) api(t *testing.T, method, path, contentType string, body []byte, out any) {
	t.Helper()
	req, err := http.NewRequest(method, be.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+be.Token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s: %s", method, path, res.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, data, err)
		}
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// shopDigest is the digest of the artifact the attestations in testdata are about.
const shopDigest = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"

// inBrowser runs test on each database engine, unless the tests are short or there is no
// Chromium.
func inBrowser(t *testing.T, test func(t *testing.T, dsn string)) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test in Chromium: skipped with -short")
	}
	chromium(t)
	storetest.Run(t, test)
}

// TestEndToEnd clicks through ingest → advisory → triage in Chromium.
func TestEndToEnd(t *testing.T) {
	inBrowser(t, func(t *testing.T, dsn string) {
		endToEnd(t, startBackend(t, dsn))
	})
}

func endToEnd(t *testing.T, be *backend) {
	b := newBrowser(t)
	t.Logf("screenshots in %s", b.dir)

	// An SBOM arrives from CI, and the artifact is deployed.
	var ingested struct {
		Artifact struct {
			ID     int64  `json:"id"`
			Digest string `json:"digest"`
		} `json:"artifact"`
	}
	be.api(t, "POST", "/api/v1/sboms?name=shop&version=1.4.0&digest="+shopDigest, "application/vnd.cyclonedx+json", readFile(t, "shop.cdx.json"), &ingested)
	// Build provenance about that digest: one bundle verifies, one has a broken signature.
	be.api(t, "POST", "/api/v1/attestations", "application/json", readFile(t, "provenance.sigstore.json"), nil)
	be.api(t, "POST", "/api/v1/attestations", "application/json", readFile(t, "provenance-bad-signature.sigstore.json"), nil)
	deployment := fmt.Sprintf(`{"artifact_digest": %s, "environment": "production", "target": "web-1"}`, js(ingested.Artifact.Digest))
	be.api(t, "POST", "/api/v1/deployments", "application/json", []byte(deployment), nil)
	be.api(t, "POST", "/api/v1/advisories?wait=true", "application/json", readFile(t, "lodash.osv.json"), nil)
	// Two more artifacts (other digests, so not the same one again), for the list's pages.
	for _, name := range []string{"shop-admin", "warehouse"} {
		digest := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(name)))
		be.api(t, "POST", "/api/v1/sboms?name="+name+"&version=2.0.0&digest="+digest, "application/vnd.cyclonedx+json", readFile(t, "shop.cdx.json"), nil)
	}

	// Without a session the UI asks to sign in; a token signs this tab in.
	b.step(t, "login page",
		chromedp.Navigate(be.URL+"/"),
		waitText("main h1", "Sign in"),
		waitFor(`document.querySelector('a[href="/auth/login"]') !== null`))
	b.page(t, "01-login")
	b.step(t, "sign in with a token", signInWithToken(be.Token), waitText("main", "Open findings"))

	// The artifacts list shows the artifact, also when searched for.
	b.step(t, "artifacts list",
		chromedp.Click(chromedp.CSS(`header nav a[href="/artifacts"]`)),
		waitText("main h1", "Artifacts"),
		waitText("table.artifacts tbody", "shop"),
		chromedp.SendKeys(chromedp.ID("artifact-search"), "sho"),
		waitFor(`location.search === '?q=sho'`),
		waitText("main .status", "matching"),
		waitText("table.artifacts tbody", "1.4.0"))
	b.page(t, "02-artifacts")
	b.step(t, "artifacts in pages",
		chromedp.Navigate(be.URL+"/artifacts?limit=2"),
		waitFor(`document.querySelectorAll('table.artifacts tbody tr').length === 2`),
		waitText("main .status", "2 artifacts so far"),
		chromedp.Click(chromedp.CSS("button.more")),
		waitFor(`document.querySelectorAll('table.artifacts tbody tr').length === 3`),
		waitFor(`document.querySelector('button.more').hidden`),
		waitText("table.artifacts tbody", "warehouse"))

	// A webhook is registered through the form; its receiver is down.
	hits := make(chan string, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.Header.Get("X-Hallmark-Delivery")
		http.Error(w, "receiver down", http.StatusInternalServerError)
	}))
	t.Cleanup(receiver.Close)
	b.step(t, "register a webhook",
		chromedp.Click(chromedp.CSS(`header nav a[href="/webhooks"]`)),
		waitText("main h1", "Webhooks"),
		waitText("#webhook-list", "No webhook"),
		chromedp.SendKeys(chromedp.ID("webhook-url"), receiver.URL+"/hook"),
		chromedp.SendKeys(chromedp.ID("webhook-secret"), "0123456789abcdef0123456789abcdef"),
		chromedp.Click(chromedp.ID("webhook-event-finding-opened")),
		chromedp.Click(chromedp.CSS("form.webhook button[type=submit]")),
		waitText("form.webhook .status", "Registered"),
		waitText("table.webhooks", receiver.URL+"/hook"),
		waitText("table.webhooks", "finding.opened"))

	// An advisory is published; its page lists the artifact and where it runs.
	be.api(t, "POST", "/api/v1/advisories?wait=true", "application/json", readFile(t, "qs.osv.json"), nil)
	b.step(t, "advisory page",
		chromedp.Click(chromedp.CSS(`header nav a[href="/advisories"]`)),
		chromedp.SendKeys(chromedp.ID("advisory-id"), "CVE-2022-24999"),
		chromedp.Click(chromedp.CSS("form.lookup button[type=submit]")),
		waitText("main h1", "GHSA-hrpp-h998-j3pp (CVE-2022-24999)"),
		waitText("table.affected-artifacts", "shop"),
		waitText("table.affected-artifacts", "pkg:npm/qs@6.7.0"),
		waitText("table.affected-deployments", "production"),
		waitText("#audit", "No analysis"))
	b.page(t, "03-advisory")

	// Triage through the form: qs is not affected in this portfolio.
	b.step(t, "triage",
		choose("triage-state", "not_affected"),
		choose("triage-justification", "vulnerable_code_not_in_execute_path"),
		chromedp.SendKeys(chromedp.ID("triage-comment"), "shop never parses untrusted query strings"),
		chromedp.Click(chromedp.CSS("form.triage button[type=submit]")),
		waitText("form.triage .status", "Saved"),
		waitText("#audit table", "not affected"),
		waitText("#audit table", "vulnerable_code_not_in_execute_path"),
		waitText("#audit table", "shop never parses untrusted query strings"))
	b.page(t, "04-triaged")

	// The artifact's finding shows the new state, and its dependency paths are highlighted.
	b.step(t, "artifact page",
		chromedp.Click(chromedp.CSS("table.affected-artifacts a")),
		waitText("main h1", "shop"),
		waitText("table.findings", "GHSA-hrpp-h998-j3pp"),
		waitText(`table.findings tr:has(button[data-purl="pkg:npm/qs@6.7.0"]) td.triage`, "not affected"),
		waitText(`table.findings tr:has(button[data-purl="pkg:npm/lodash@4.17.20"]) td.triage`, "not triaged"),
		waitText("table.deployments", "production"),
		waitText("table.attestations", "https://slsa.dev/provenance/v1"),
		waitText("table.attestations", "verified"),
		waitText("table.attestations", "https://github.com/sigstore-conformance/"),
		waitText("table.attestations", "not verified"),
		chromedp.Click(chromedp.CSS(`button[data-purl="pkg:npm/qs@6.7.0"]`)),
		waitFor(`document.querySelector('button[data-purl="pkg:npm/qs@6.7.0"]').getAttribute('aria-pressed') === 'true'`),
		// Both paths: shop → express → qs and shop → express → body-parser → qs.
		waitFor(`document.querySelectorAll('#tree .node[aria-current="true"]').length === 2`),
		waitText("#tree li.on-path", "body-parser"),
		// The root, express, body-parser and qs twice; not lodash, vulnerable but elsewhere.
		waitFor(`document.querySelectorAll('#tree li.on-path').length === 5`),
		waitFor(`[...document.querySelectorAll('#tree li:not(.on-path) .node')].some((n) => n.textContent.startsWith('lodash 4.17.20'))`))
	b.page(t, "05-artifact")
	b.step(t, "triage from a finding",
		chromedp.Click(chromedp.CSS(`table.findings tr:has(button[data-purl="pkg:npm/lodash@4.17.20"]) td.triage a`)),
		waitText("main h1", "GHSA-35jh-r3h4-6jhm"),
		waitFor(`document.getElementById('triage-purl').value === 'pkg:npm/lodash'`),
		waitFor(`location.hash === '#sec-triage'`))

	// The finding.opened event went to the receiver, which failed: the webhooks page says so.
	select {
	case key := <-hits:
		if key == "" {
			t.Error("the webhook delivery has no X-Hallmark-Delivery key")
		}
	case <-time.After(time.Minute): // only stops a hung test
		t.Fatal("no webhook delivery reached the receiver")
	}
	be.waitWebhookFailure(t)
	b.step(t, "webhook failure",
		chromedp.Click(chromedp.CSS(`header nav a[href="/webhooks"]`)),
		waitText("table.webhooks", "failing"),
		chromedp.Click(chromedp.CSS("table.webhooks button[aria-controls]")),
		waitText("table.deliveries", "finding.opened"),
		waitText("table.deliveries", "failed"),
		waitText("table.deliveries", "HTTP 500"))
	b.page(t, "06-webhooks")
	b.step(t, "delete the webhook",
		chromedp.Click(chromedp.CSS("table.webhooks button.delete")),
		waitText("table.webhooks button.delete", "Confirm delete"),
		chromedp.Click(chromedp.CSS("table.webhooks button.delete")),
		waitText("#webhook-list", "No webhook"))

	// The analyses leave as OpenVEX.
	b.step(t, "OpenVEX export",
		chromedp.Click(chromedp.CSS(`header nav a[href="/advisories"]`)),
		chromedp.Click(chromedp.CSS("form.vex-export button[type=submit]")),
		waitFor(`/with [1-9][0-9]* statements?\./.test(document.querySelector('form.vex-export .status').textContent)`))
	b.page(t, "07-advisories")

	// The dashboard counts the finding.
	b.step(t, "dashboard",
		chromedp.Click(chromedp.CSS(`header nav a[href="/"]`)),
		waitText("main h1", "Dashboard"),
		waitText("main .cards", "high"),
		// On a fresh load, the first stop of the keyboard skips the navigation.
		chromedp.Reload(),
		waitText("main .cards", "high"),
		chromedp.KeyEvent("\t"),
		waitFor(`document.activeElement.classList.contains('skip')`),
		chromedp.KeyEvent("\r"),
		waitFor(`document.activeElement.id === 'main'`))
	b.page(t, "08-dashboard")

	// Signing out forgets the tab's token.
	b.step(t, "sign out",
		chromedp.Click(chromedp.ID("sign-out")),
		waitText("main h1", "Sign in"),
		waitFor(`document.getElementById('who').hidden`))

	// A web session, as /auth/callback opens one after an OIDC login: a cookie, and the CSRF
	// token from GET /api/v1/session on the triage form's PUT.
	secret := be.session(t, "alice@example.com", access.Triage)
	b.step(t, "session cookie",
		setCookie(be.URL, secret),
		chromedp.Navigate(be.URL+"/advisories/GHSA-hrpp-h998-j3pp"),
		waitText("#who", "alice@example.com"),
		waitText("main h1", "GHSA-hrpp-h998-j3pp"),
		waitText("#audit table", "not affected"))
	b.step(t, "triage in a session",
		choose("triage-state", "affected"),
		chromedp.SendKeys(chromedp.ID("triage-action"), "upgrade qs to 6.7.3"),
		chromedp.Click(chromedp.CSS("form.triage button[type=submit]")),
		waitText("form.triage .status", "Saved"),
		waitText("#audit table tbody tr", "alice@example.com"),
		waitText("#audit table tbody tr", "not affected \u2192 affected"),
		waitText(".in-force", "affected (upgrade qs to 6.7.3)"))
	b.page(t, "09-session-triage")
	b.step(t, "sign out of the session",
		chromedp.Click(chromedp.ID("sign-out")),
		waitText("main h1", "Sign in"),
		chromedp.Reload(),
		waitText("main h1", "Sign in"))

	// A session that ends elsewhere (expired, signed out in another tab): the next request
	// brings the login page.
	secret = be.session(t, "bob@example.com", access.Triage)
	b.allowFailure(http.StatusUnauthorized, "/api/v1/webhooks")
	b.step(t, "session ended elsewhere",
		setCookie(be.URL, secret),
		chromedp.Navigate(be.URL+"/webhooks"),
		waitText("#who", "bob@example.com"),
		waitText("#webhook-list", "No webhook"), // the page's requests are done
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			return be.access.EndSession(ctx, secret)
		}),
		chromedp.SendKeys(chromedp.ID("webhook-url"), "https://alerts.example.com/hook"),
		chromedp.SendKeys(chromedp.ID("webhook-secret"), "0123456789abcdef0123456789abcdef"),
		chromedp.Click(chromedp.CSS("form.webhook button[type=submit]")),
		waitText("main h1", "Sign in"),
		waitFor(`document.getElementById('who').hidden`))

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("the browser console reported errors:\n%s", strings.Join(errs, "\n"))
	}
}
