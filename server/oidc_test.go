package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/internal/fakeidp"
	"github.com/hallmark-dev/hallmark/server/web"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// loginFlow is a server with OIDC login through a fake provider, and a client that keeps
// cookies and does not follow redirects.
type loginFlow struct {
	t      *testing.T
	f      *fixture
	idp    *fakeidp.Provider
	client *http.Client
	logs   *syncBuffer // the server's warnings
}

// newLoginFlow starts a server (with the web UI) whose login goes to a new fake provider, and
// a client that keeps cookies as a browser does.
func newLoginFlow(t *testing.T, dsn string) *loginFlow {
	idp := fakeidp.New(t, fakeidp.Client{ID: "hallmark", Secret: "s3cret", RedirectURL: "http://hallmark.test/auth/callback"})
	logs := &syncBuffer{}
	f := newFixture(t, dsn, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
		var err error
		o.OIDC, err = NewOIDC(context.Background(), OIDCConfig{Issuer: idp.URL, ClientID: "hallmark", ClientSecret: "s3cret",
			RedirectURL: "http://hallmark.test/auth/callback", TeamClaim: "groups"})
		if err != nil {
			t.Fatal(err)
		}
		o.Web = web.Handler()
	})
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &loginFlow{t: t, f: f, idp: idp, client: browser, logs: logs}
}

// get requests path with the given Accept header ("" for none) and returns the response
// with its body.
func (l *loginFlow) get(path, accept string) (*http.Response, string) {
	l.t.Helper()
	req, err := http.NewRequest("GET", l.f.url+path, nil)
	if err != nil {
		l.t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		l.t.Fatal(err)
	}
	return resp, string(body)
}

// login starts a login and returns where the server sends the browser.
func (l *loginFlow) login() string {
	l.t.Helper()
	resp, _ := l.get("/auth/login", "")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), l.idp.URL+"/authorize?") {
		l.t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The login cookie binds the login's state to this client, for the callback only.
	state, _ := url.Parse(resp.Header.Get("Location"))
	cookies := resp.Cookies()
	if len(cookies) != 1 || cookies[0].Name != LoginCookie || cookies[0].Value != state.Query().Get("state") || cookies[0].Path != "/auth/callback" ||
		!cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode || cookies[0].MaxAge != 600 {
		l.t.Fatalf("login cookies %v", cookies)
	}
	return resp.Header.Get("Location")
}

// authorize starts a login and signs in at the provider with claims; it returns the query of
// the callback.
func (l *loginFlow) authorize(claims map[string]any) url.Values {
	l.t.Helper()
	q, err := l.idp.Authorize(l.login(), claims)
	if err != nil {
		l.t.Fatal(err)
	}
	return q
}

// setLoginCookie sets the client's login cookie to state ("": deletes it).
func (l *loginFlow) setLoginCookie(state string) {
	u, err := url.Parse(l.f.url + "/auth/callback")
	if err != nil {
		l.t.Fatal(err)
	}
	ck := &http.Cookie{Name: LoginCookie, Value: state, Path: "/auth/callback"}
	if state == "" {
		ck.MaxAge = -1
	}
	l.client.Jar.SetCookies(u, []*http.Cookie{ck})
}

// callback calls the callback with q and the given Accept header.
func (l *loginFlow) callback(q url.Values, accept string) (*http.Response, string) {
	l.t.Helper()
	return l.get("/auth/callback?"+q.Encode(), accept)
}

func user() map[string]any {
	return map[string]any{"sub": "u-1", "email": "ann@example.com", "groups": []string{"a", "not-a-team"}}
}

func TestOIDCLogin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		l := newLoginFlow(t, dsn)
		q := l.authorize(user())
		resp, _ := l.callback(q, "")
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
			t.Fatalf("callback: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		var cookie *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == SessionCookie {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Value == "" {
			t.Fatalf("session cookie %+v", cookie)
		}
		var sess sessionInfo
		_, body := l.f.request("GET", "/api/v1/session", "", nil, http.Header{"Cookie": {cookie.String()}})
		if err := json.Unmarshal(body, &sess); err != nil {
			t.Fatalf("session: %s", body)
		}
		if sess.Kind != "user" || sess.User != "ann@example.com" || sess.Scope != "triage" || len(sess.Teams) != 1 || sess.Teams[0] != "a" || sess.CSRF == "" || !sess.OIDC {
			t.Errorf("session %+v", sess)
		}

		// The login cookie went with the login, and the same state cannot be used twice.
		if got := l.client.Jar.Cookies(resp.Request.URL); len(got) != 1 || got[0].Name != SessionCookie {
			t.Errorf("cookies after the login: %v, want the session's only", got)
		}
		l.setLoginCookie(q.Get("state"))
		if resp, _ := l.callback(q, ""); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("replayed callback: %d, want 401", resp.StatusCode)
		}
	})
}

// TestOIDCSessionUser checks how /api/v1/session names a user: their name where the ID token
// has one, else their preferred username, else their email, else their subject.
func TestOIDCSessionUser(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		l := newLoginFlow(t, dsn)
		long := strings.Repeat("ü", 150) // 300 bytes: cut to 200 bytes
		for _, tc := range []struct {
			claims map[string]any
			want   string
		}{
			{map[string]any{"sub": "u-1", "email": "ann@example.com", "name": "Ann Example", "preferred_username": "ann"}, "Ann Example"},
			{map[string]any{"sub": "u-2", "email": "bo@example.com", "preferred_username": "bo"}, "bo"},
			{map[string]any{"sub": "u-3", "email": "cy@example.com", "name": 42}, "cy@example.com"},
			{map[string]any{"sub": "u-4"}, "u-4"},
			{map[string]any{"sub": "u-5", "name": long}, strings.Repeat("ü", 100)},
		} {
			resp, _ := l.callback(l.authorize(tc.claims), "")
			var cookie string
			for _, c := range resp.Cookies() {
				if c.Name == SessionCookie {
					cookie = c.String()
				}
			}
			var sess sessionInfo
			_, body := l.f.request("GET", "/api/v1/session", "", nil, http.Header{"Cookie": {cookie}})
			if err := json.Unmarshal(body, &sess); err != nil || sess.User != tc.want {
				t.Errorf("claims %v: session %s, want user %q", tc.claims, body, tc.want)
			}
		}
	})
}

// browserAccept is the Accept header of Chromium's navigations.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"

// TestOIDCLoginFailures checks that a failed login answers 401 with a page for a browser,
// saying what went wrong and linking to a new login, and with JSON for API clients.
func TestOIDCLoginFailures(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		l := newLoginFlow(t, dsn)
		for _, tc := range []struct {
			name string
			// query returns the callback's query; it is called once per Accept header.
			query    func() url.Values
			page     string // in the page
			apiError string // in the JSON error
		}{
			{"provider refused", func() url.Values {
				state, _ := url.Parse(l.login())
				return url.Values{"error": {"access_denied"}, "error_description": {"The user said <no>."}, "state": {state.Query().Get("state")}}
			}, "The identity provider refused the sign-in (access_denied): The user said &lt;no&gt;.", "the identity provider refused the login: access_denied"},
			{"refusal of a login not this browser's", func() url.Values {
				return url.Values{"error": {"access_denied<b>"}, "error_description": {"Call +1 555 0100 now."}, "state": {"x"}}
			}, "The identity provider refused the sign-in (access_deniedb).</p>", "the identity provider refused the login: access_deniedb"},
			{"forged state", func() url.Values {
				q := l.authorize(user())
				q.Set("state", "forged")
				return q
			}, "This sign-in was not started in this browser, or it was started again since.", "the login was not started in this browser"},
			{"another browser's login", func() url.Values {
				q := l.authorize(user())
				l.setLoginCookie("") // as if another browser followed the link
				return q
			}, "This sign-in was not started in this browser", "no hallmark_login cookie"},
			{"replayed state", func() url.Values {
				q := l.authorize(user())
				if resp, _ := l.callback(q, ""); resp.StatusCode != http.StatusFound {
					t.Fatalf("first callback: %d", resp.StatusCode)
				}
				l.setLoginCookie(q.Get("state")) // the callback deleted it
				return q
			}, "This sign-in is unknown, was finished already, or took longer than 10 minutes.", "unknown or expired login"},
			{"expired flow", func() url.Values {
				q := l.authorize(user())
				if _, err := l.f.st.SQL().ExecContext(context.Background(), `UPDATE oidc_logins SET expires_at = 1`); err != nil {
					t.Fatal(err)
				}
				return q
			}, "took longer than 10 minutes", "unknown or expired login"},
			{"wrong nonce", func() url.Values {
				bad := user()
				bad["nonce"] = "other"
				return l.authorize(bad)
			}, "The identity provider&#39;s answer could not be verified", "ID token: wrong nonce"},
			{"wrong audience", func() url.Values {
				bad := user()
				bad["aud"] = "someone-else"
				return l.authorize(bad)
			}, "could not be verified", "ID token: "},
			{"expired ID token", func() url.Values {
				bad := user()
				bad["exp"] = 1000
				return l.authorize(bad)
			}, "could not be verified", "ID token: "},
			{"bad code", func() url.Values {
				q := l.authorize(user())
				q.Set("code", "not-issued")
				return q
			}, "could not be verified", "exchanging the code"},
		} {
			for _, accept := range []string{"application/json", "", "*/*", browserAccept} {
				resp, body := l.callback(tc.query(), accept)
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s, Accept %q: %d, want 401", tc.name, accept, resp.StatusCode)
					continue
				}
				if accept != browserAccept {
					var got struct{ Error string }
					if err := json.Unmarshal([]byte(body), &got); err != nil || !strings.Contains(got.Error, tc.apiError) ||
						resp.Header.Get("Content-Type") != "application/json" {
						t.Errorf("%s, Accept %q: %s %s, want JSON with %q", tc.name, accept, resp.Header.Get("Content-Type"), body, tc.apiError)
					}
					continue
				}
				checkProblemPage(t, tc.name, resp, body, "Sign-in failed", tc.page)
			}
		}
		// Each failure is logged with the reason the page does not give.
		log := l.logs.String()
		for _, want := range []string{`msg="login failed" client=ip:127.0.0.1 error="no valid token or session: ID token: wrong nonce"`,
			"access_denied", "unknown or expired login", "exchanging the code"} {
			if !strings.Contains(log, want) {
				t.Errorf("the log lacks %q:\n%s", want, log)
			}
		}
	})
}

// assetLink matches the page's links to the UI's versioned stylesheet and icon.
var assetLink = regexp.MustCompile(`<link rel="stylesheet" href="/assets/[0-9a-f]{16}/app.css">`)

// checkProblemPage checks a failed login's page: HTML under the server's CSP, in the UI's
// style, with no script, the title, the detail and a link to log in again.
func checkProblemPage(t *testing.T, name string, resp *http.Response, body, title, detail string) {
	t.Helper()
	h := resp.Header
	if h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("Cache-Control") != "no-store" ||
		!strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("%s: headers %v", name, h)
	}
	for _, want := range []string{"<h1>" + title + "</h1>", detail, `<a class="button" href="/auth/login">Try again</a>`, `<a href="/">Back to Hallmark</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("%s: the page lacks %q:\n%s", name, want, body)
		}
	}
	if !assetLink.MatchString(body) || strings.Contains(body, "<script") || strings.Contains(body, "style=") {
		t.Errorf("%s: the page does not link the UI's stylesheet, or has scripts or inline style:\n%s", name, body)
	}
}

func TestOIDCLoginPages(t *testing.T) {
	// Without OIDC, /auth/login says so to a browser, and a too eager browser gets a page too.
	f := newFixture(t, storetest.Engines()[0].NewDSN(t), func(o *Options) {
		o.Web = web.Handler()
		o.Rate, o.Burst = 0.001, 1
	})
	l := &loginFlow{t: t, f: f, client: http.DefaultClient}
	resp, body := l.get("/auth/login", browserAccept)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "<h1>Sign-in is not configured</h1>") || strings.Contains(body, "Try again") {
		t.Errorf("no OIDC: %d\n%s", resp.StatusCode, body)
	}
	resp, body = l.get("/auth/login", browserAccept)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "<h1>Too many sign-in attempts</h1>") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("rate limited: %d\n%s", resp.StatusCode, body)
	}
	// Without the web UI, browsers get JSON too.
	f = newFixture(t, storetest.Engines()[0].NewDSN(t))
	l = &loginFlow{t: t, f: f, client: http.DefaultClient}
	if resp, body := l.get("/auth/login", browserAccept); resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("no web UI: %s\n%s", resp.Header.Get("Content-Type"), body)
	}
}

func TestPrefersHTML(t *testing.T) {
	got := map[string]bool{}
	for _, accept := range []string{
		browserAccept,
		"text/html",
		"application/json",
		"",
		"*/*",
		"text/html;q=0.5, application/json",
		"application/json;q=0.5, text/html",
		"text/*, application/*;q=0.9",
		"text/html;q=0, */*",
		"text/html;q=bogus",
		"TEXT/HTML",
		"application/json, text/html",
		strings.Repeat("a/b, ", 100) + "text/html",
	} {
		got[accept] = prefersHTML(accept)
	}
	want := map[string]bool{
		browserAccept:                       true,
		"text/html":                         true,
		"application/json":                  false,
		"":                                  false,
		"*/*":                               false,
		"text/html;q=0.5, application/json": false,
		"application/json;q=0.5, text/html": true,
		"text/*, application/*;q=0.9":       true,
		"text/html;q=0, */*":                false,
		"text/html;q=bogus":                 false,
		"TEXT/HTML":                         true,
		"application/json, text/html":       false,
		strings.Repeat("a/b, ", 100) + "text/html": false,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("prefersHTML (-want +got):\n%s", diff)
	}
}

func FuzzPrefersHTML(f *testing.F) {
	f.Add(browserAccept)
	f.Add("text/html;q=0.5, application/json;q=1.0")
	f.Fuzz(func(t *testing.T, accept string) {
		if prefersHTML(accept) && !strings.Contains(strings.ToLower(accept), "text/") {
			t.Errorf("prefersHTML(%q) without a text range", accept)
		}
	})
}
