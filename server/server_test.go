package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/server/access"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
	"github.com/hallmark-dev/hallmark/triage"
	"github.com/hallmark-dev/hallmark/version/lookup"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// fixture is a server over a fresh database with tokens of two teams.
type fixture struct {
	t   testing.TB
	url string
	srv *Server
	st  *store.DB
	acc *access.Access
	// admin sees every team; ingestA writes to team a; triageA triages team a; readB reads team b.
	admin, ingestA, triageA, readB string
}

func newFixture(t testing.TB, dsn string, opts ...func(*Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, dsn)
	adv := vulndb.FromStore(st, lookup.For)
	o := Options{Store: st, Advisories: adv, Portfolio: portfolio.New(st, adv), Access: access.New(st),
		Triage: TriageService(triage.New(st)), Rate: 1000, Burst: 1000}
	for _, f := range opts {
		f(&o)
	}
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	f := &fixture{t: t, url: hs.URL, srv: srv, st: st, acc: o.Access}
	if f.admin, err = o.Access.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	token := func(name string, sc access.Scope, team string) string {
		secret, _, err := o.Access.CreateToken(ctx, name, sc, []string{team})
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	f.ingestA = token("ci-a", access.Ingest, "a")
	f.triageA = token("triage-a", access.Triage, "a")
	f.readB = token("read-b", access.Read, "b")
	return f
}

// request makes a request and returns the response with its body read.
func (f *fixture) request(method, path, token string, body io.Reader, header http.Header) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.url+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp, b
}

// call makes a request with a JSON body (when body is not nil), checks the status and decodes
// the answer into out (when not nil).
func (f *fixture) call(method, path, token string, body any, want int, out any) []byte {
	f.t.Helper()
	var r io.Reader
	h := http.Header{}
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
		h.Set("Content-Type", "application/json")
	default:
		data, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		r = bytes.NewReader(data)
		h.Set("Content-Type", "application/json")
	}
	resp, data := f.request(method, path, token, r, h)
	if resp.StatusCode != want {
		f.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			f.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return data
}

// postSBOM uploads a CycloneDX document, gzipped when zip is set.
func (f *fixture) postSBOM(token, query string, doc []byte, zip bool) (*http.Response, []byte) {
	f.t.Helper()
	h := http.Header{"Content-Type": {MediaCycloneDX}}
	if zip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(doc)
		zw.Close()
		doc = buf.Bytes()
		h.Set("Content-Encoding", "gzip")
	}
	return f.request("POST", "/api/v1/sboms?"+query, token, bytes.NewReader(doc), h)
}

// sbomDoc is a CycloneDX SBOM of an application with lodash 4.17.20 (through express) and
// express.
func sbomDoc(app string) []byte {
	return []byte(`{
  "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
  "metadata": {"component": {"type": "application", "name": "` + app + `", "version": "1.0.0", "bom-ref": "app"}},
  "components": [
    {"type": "library", "name": "express", "version": "4.18.2", "purl": "pkg:npm/express@4.18.2", "bom-ref": "pkg:npm/express@4.18.2"},
    {"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20", "bom-ref": "pkg:npm/lodash@4.17.20"}
  ],
  "dependencies": [
    {"ref": "app", "dependsOn": ["pkg:npm/express@4.18.2"]},
    {"ref": "pkg:npm/express@4.18.2", "dependsOn": ["pkg:npm/lodash@4.17.20"]},
    {"ref": "pkg:npm/lodash@4.17.20", "dependsOn": []}
  ]
}`)
}

// lodashAdvisory affects lodash before 4.17.21.
const lodashAdvisory = `{
  "schema_version": "1.6.0", "id": "GHSA-35jh-r3h4-6jhm", "modified": "2024-01-01T00:00:00Z",
  "aliases": ["CVE-2021-23337"], "summary": "Command injection in lodash",
  "database_specific": {"severity": "HIGH"},
  "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]
}`

func TestAuthentication(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		for _, tc := range []struct {
			name   string
			header string
		}{
			{"no token", ""},
			{"unknown token", "Bearer hm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
			{"not bearer", "Basic dXNlcjpwYXNz"},
			{"garbage", "Bearer"},
		} {
			h := http.Header{}
			if tc.header != "" {
				h.Set("Authorization", tc.header)
			}
			resp, body := f.request("GET", "/api/v1/artifacts", "", nil, h)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `"error"`) {
				t.Errorf("%s: %d %s, want 401 with an error", tc.name, resp.StatusCode, body)
			}
			if resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: no WWW-Authenticate header", tc.name)
			}
		}
		// A read token cannot write.
		f.call("POST", "/api/v1/deployments", f.readB, map[string]string{"artifact_digest": "sha256:00", "environment": "prod"}, http.StatusForbidden, nil)
		// Only admins post advisories.
		f.call("POST", "/api/v1/advisories", f.ingestA, []byte(lodashAdvisory), http.StatusForbidden, nil)

		var sess sessionInfo
		f.call("GET", "/api/v1/session", f.ingestA, nil, http.StatusOK, &sess)
		if sess.Kind != "token" || sess.User != "ci-a" || sess.Scope != "ingest" || len(sess.Teams) != 1 || sess.Teams[0] != "a" || sess.CSRF != "" {
			t.Errorf("session %+v", sess)
		}
	})
}

func TestHealthAndHeaders(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		for _, path := range []string{"/healthz", "/readyz", "/api/openapi.json"} {
			resp, body := f.request("GET", path, "", nil, nil)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %d %s", path, resp.StatusCode, body)
			}
			for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
				if resp.Header.Get(h) == "" {
					t.Errorf("%s: no %s header", path, h)
				}
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s: CSP %q", path, csp)
			}
		}
		resp, body := f.request("GET", "/api/v1/nothing", f.admin, nil, nil)
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "no route") {
			t.Errorf("unknown API path: %d %s", resp.StatusCode, body)
		}
	})
}

func TestReadyzDatabaseGone(t *testing.T) {
	f := newFixture(t, storetest.Engines()[0].NewDSN(t))
	f.st.Close()
	resp, body := f.request("GET", "/readyz", "", nil, nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed: %d %s", resp.StatusCode, body)
	}
	resp, body = f.request("GET", "/api/v1/artifacts", f.admin, nil, nil)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("API call with the database closed: %d %s", resp.StatusCode, body)
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, storetest.Engines()[0].NewDSN(t), func(o *Options) { o.Rate, o.Burst = 0.001, 2 })
	for i := 0; i < 2; i++ {
		f.call("GET", "/api/v1/session", f.readB, nil, http.StatusOK, nil)
	}
	resp, body := f.request("GET", "/api/v1/session", f.readB, nil, nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third request: %d %s (Retry-After %q), want 429", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	// Another caller has its own bucket.
	f.call("GET", "/api/v1/session", f.ingestA, nil, http.StatusOK, nil)
}

func TestSessionCSRF(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		ctx := context.Background()
		teams, err := f.acc.TeamsNamed(ctx, []string{"a"})
		if err != nil {
			t.Fatal(err)
		}
		secret, err := f.acc.CreateSession(ctx, access.User{Issuer: "https://idp", Subject: "u1", Email: "u1@example.com"}, access.Triage, teams, 3600e9)
		if err != nil {
			t.Fatal(err)
		}
		cookie := http.Header{"Cookie": {SessionCookie + "=" + secret}}
		resp, body := f.request("GET", "/api/v1/session", "", nil, cookie)
		var sess sessionInfo
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &sess) != nil || sess.CSRF == "" || sess.User != "u1@example.com" {
			t.Fatalf("session: %d %s", resp.StatusCode, body)
		}
		dep := strings.NewReader(`{"artifact_digest": "sha256:` + strings.Repeat("0", 64) + `", "environment": "prod"}`)
		resp, body = f.request("POST", "/api/v1/deployments", "", dep, cookie)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), CSRFHeader) {
			t.Errorf("POST without CSRF header: %d %s, want 403", resp.StatusCode, body)
		}
		h := cookie.Clone()
		h.Set(CSRFHeader, sess.CSRF)
		dep = strings.NewReader(`{"artifact_digest": "sha256:` + strings.Repeat("0", 64) + `", "environment": "prod"}`)
		resp, body = f.request("POST", "/api/v1/deployments", "", dep, h)
		if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized {
			t.Errorf("POST with CSRF header: %d %s", resp.StatusCode, body)
		}
		// Logging out ends the session.
		resp, body = f.request("POST", "/auth/logout", "", nil, h)
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("logout: %d %s", resp.StatusCode, body)
		}
		if resp, _ := f.request("GET", "/api/v1/session", "", nil, cookie); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("session after logout: %d, want 401", resp.StatusCode)
		}
	})
}

func TestBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		for _, tc := range []struct {
			name, method, path string
			token              string
			ctype              string
			body               string
			want               int
		}{
			{"sbom without name", "POST", "/api/v1/sboms", f.ingestA, MediaCycloneDX, "{}", 400},
			{"sbom bad digest", "POST", "/api/v1/sboms?name=x&digest=md5:1", f.ingestA, MediaCycloneDX, "{}", 400},
			{"sbom wrong type", "POST", "/api/v1/sboms?name=x", f.ingestA, "text/plain", "{}", 415},
			{"sbom not cyclonedx", "POST", "/api/v1/sboms?name=x", f.ingestA, MediaCycloneDX, `{"hello": 1}`, 400},
			{"sbom not spdx", "POST", "/api/v1/sboms?name=x", f.ingestA, MediaSPDX, `[1,2]`, 400},
			{"sbom plain json neither", "POST", "/api/v1/sboms?name=x", f.ingestA, "application/json", `{"a": 1}`, 400},
			{"sbom unknown team", "POST", "/api/v1/sboms?name=x&team=b", f.ingestA, MediaCycloneDX, string(sbomDoc("x")), 404},
			{"sbom admin without team", "POST", "/api/v1/sboms?name=x", f.admin, MediaCycloneDX, string(sbomDoc("x")), 400},
			{"deployment bad json", "POST", "/api/v1/deployments", f.ingestA, "application/json", `{"artifact_digest":`, 400},
			{"deployment unknown field", "POST", "/api/v1/deployments", f.ingestA, "application/json", `{"digest": "x"}`, 400},
			{"deployment missing environment", "POST", "/api/v1/deployments", f.ingestA, "application/json", `{"artifact_digest": "sha256:1"}`, 400},
			{"deployment too large", "POST", "/api/v1/deployments", f.ingestA, "application/json", `{"target": "` + strings.Repeat("x", MaxJSONSize) + `"}`, 413},
			{"advisory not osv", "POST", "/api/v1/advisories", f.admin, "application/json", `[]`, 400},
			{"advisory malformed", "POST", "/api/v1/advisories", f.admin, "application/json", `{"id": 7}`, 400},
			{"advisory unknown", "GET", "/api/v1/advisories/GHSA-nope", f.readB, "", "", 404},
			{"artifact not a number", "GET", "/api/v1/artifacts/x", f.readB, "", "", 404},
			{"artifact bad limit", "GET", "/api/v1/artifacts?limit=-1", f.readB, "", "", 400},
			{"findings bad state", "GET", "/api/v1/artifacts/1/findings?state=maybe", f.readB, "", "", 400},
			{"paths without purl", "GET", "/api/v1/artifacts/1/paths", f.readB, "", "", 400},
			{"components without purl", "GET", "/api/v1/components", f.readB, "", "", 400},
			{"metrics too many days", "GET", "/api/v1/metrics?days=9999", f.readB, "", "", 400},
			{"analysis bad state", "PUT", "/api/v1/findings/1/analysis", f.triageA, "application/json", `{"state": "fine"}`, 400},
			{"advisory analysis without purl", "PUT", "/api/v1/advisories/GHSA-x/analysis", f.triageA, "application/json", `{"state": "in_triage"}`, 400},
			{"webhooks not configured", "GET", "/api/v1/webhooks", f.readB, "", "", 503},
			{"attestations not configured", "POST", "/api/v1/attestations", f.ingestA, "application/json", `{}`, 503},
			{"login not configured", "GET", "/auth/login", "", "", "", 503},
			{"vex not a document", "POST", "/api/v1/vex", f.ingestA, "application/json", `{"x": 1}`, 400},
		} {
			h := http.Header{}
			if tc.ctype != "" {
				h.Set("Content-Type", tc.ctype)
			}
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			resp, data := f.request(tc.method, tc.path, tc.token, body, h)
			if resp.StatusCode != tc.want {
				t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, data, tc.want)
			}
			var e struct{ Error string }
			if err := json.Unmarshal(data, &e); err != nil || e.Error == "" {
				t.Errorf("%s: the answer is not {\"error\": …}: %s", tc.name, data)
			}
		}
	})
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// TestLoginRateLimit limits the public login routes, which write to the database, by the
// client's address.
func TestLoginRateLimit(t *testing.T) {
	f := newFixture(t, storetest.Engines()[0].NewDSN(t), func(o *Options) { o.Rate, o.Burst = 0.001, 1 })
	f.call("POST", "/auth/logout", "", nil, http.StatusNoContent, nil)
	resp, body := f.request("POST", "/auth/logout", "", nil, nil)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second logout from one address: %d %s, want 429", resp.StatusCode, body)
	}
}
