package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/fakeidp"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

func TestOIDCLogin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		idp := fakeidp.New(t, fakeidp.Client{ID: "hallmark", Secret: "s3cret", RedirectURL: "http://hallmark.test/auth/callback"})
		var f *fixture
		f = newFixture(t, dsn, func(o *Options) {
			var err error
			o.OIDC, err = NewOIDC(context.Background(), OIDCConfig{Issuer: idp.URL, ClientID: "hallmark", ClientSecret: "s3cret",
				RedirectURL: "http://hallmark.test/auth/callback", TeamClaim: "groups"})
			if err != nil {
				t.Fatal(err)
			}
		})
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		login := func() string {
			resp, err := noRedirect.Get(f.url + "/auth/login")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), idp.URL+"/authorize?") {
				t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			return resp.Header.Get("Location")
		}
		callback := func(q url.Values) *http.Response {
			resp, err := noRedirect.Get(f.url + "/auth/callback?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		authorize := func(claims map[string]any) url.Values {
			q, err := idp.Authorize(login(), claims)
			if err != nil {
				t.Fatal(err)
			}
			return q
		}
		user := func() map[string]any {
			return map[string]any{"sub": "u-1", "email": "ann@example.com", "groups": []string{"a", "not-a-team"}}
		}

		q := authorize(user())
		resp := callback(q)
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
		_, body := f.request("GET", "/api/v1/session", "", nil, http.Header{"Cookie": {cookie.String()}})
		if err := json.Unmarshal(body, &sess); err != nil {
			t.Fatalf("session: %s", body)
		}
		if sess.Kind != "user" || sess.User != "ann@example.com" || sess.Scope != "triage" || len(sess.Teams) != 1 || sess.Teams[0] != "a" || sess.CSRF == "" || !sess.OIDC {
			t.Errorf("session %+v", sess)
		}

		// The same state cannot be used twice.
		if resp := callback(q); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("replayed callback: %d, want 401", resp.StatusCode)
		}
		// An ID token with another nonce is refused.
		bad := user()
		bad["nonce"] = "other"
		if resp := callback(authorize(bad)); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("wrong nonce: %d, want 401", resp.StatusCode)
		}
		// A forged state is refused.
		q = authorize(user())
		q.Set("state", "forged")
		if resp := callback(q); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("forged state: %d, want 401", resp.StatusCode)
		}
		// The provider's refusal is passed on.
		if resp := callback(url.Values{"error": {"access_denied"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("refused login: %d, want 401", resp.StatusCode)
		}
	})
}
