package fakeidp_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/internal/fakeidp"
)

const redirect = "http://client.test/callback"

// authRequest returns an authorization request to p with the given PKCE verifier.
func authRequest(p *fakeidp.Provider, verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {"app"}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid"},
		"state": {"st"}, "nonce": {"n-1"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	return p.URL + "/authorize?" + q.Encode()
}

// exchange posts a code to the token endpoint and returns the status and the answer.
func exchange(t *testing.T, p *fakeidp.Provider, code, verifier, secret string) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(p.URL+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {redirect}, "client_id": {"app"}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// TestFlow checks the provider against go-oidc's verifier: the ID token's signature, issuer,
// audience and nonce, and the refusals of the token endpoint.
func TestFlow(t *testing.T) {
	ctx := context.Background()
	p := fakeidp.New(t, fakeidp.Client{ID: "app", Secret: "s3cret", RedirectURL: redirect})
	provider, err := oidc.NewProvider(ctx, p.URL)
	if err != nil {
		t.Fatal(err)
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: "app"})
	pkce := rand.Text()

	q, err := p.Authorize(authRequest(p, pkce), map[string]any{"sub": "u-1", "name": "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	if q.Get("state") != "st" || q.Get("code") == "" {
		t.Fatalf("Authorize = %v", q)
	}
	if status, out := exchange(t, p, q.Get("code"), "wrong", "s3cret"); status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %v", status, out)
	}
	// The code is spent by the failed exchange: a code is used once.
	if status, _ := exchange(t, p, q.Get("code"), pkce, "s3cret"); status != http.StatusBadRequest {
		t.Errorf("a spent code: %d, want 400", status)
	}
	q, _ = p.Authorize(authRequest(p, pkce), map[string]any{"sub": "u-1", "name": "Ann"})
	if status, out := exchange(t, p, q.Get("code"), pkce, "other"); status != http.StatusBadRequest || out["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", status, out)
	}
	q, _ = p.Authorize(authRequest(p, pkce), map[string]any{"sub": "u-1", "name": "Ann"})
	status, out := exchange(t, p, q.Get("code"), pkce, "s3cret")
	if status != http.StatusOK {
		t.Fatalf("exchange: %d %v", status, out)
	}
	raw, _ := out["id_token"].(string)
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var claims struct{ Sub, Name, Nonce string }
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(struct{ Sub, Name, Nonce string }{"u-1", "Ann", "n-1"}, claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	if n := p.TokensIssued(); n != 1 {
		t.Errorf("TokensIssued = %d, want 1", n)
	}

	// Claims given replace the provider's: a test can forge a wrong nonce.
	q, _ = p.Authorize(authRequest(p, pkce), map[string]any{"sub": "u-1", "nonce": "forged"})
	if _, out := exchange(t, p, q.Get("code"), pkce, "s3cret"); !strings.Contains(out["id_token"].(string), ".") {
		t.Errorf("forged nonce: %v", out)
	} else if idt, err := verifier.Verify(ctx, out["id_token"].(string)); err != nil || idt.Nonce != "forged" {
		t.Errorf("forged nonce: %v, %v", idt, err)
	}

	for _, bad := range []string{
		strings.Replace(authRequest(p, pkce), "client_id=app", "client_id=other", 1),
		strings.Replace(authRequest(p, pkce), "code_challenge_method=S256", "code_challenge_method=plain", 1),
		strings.Replace(authRequest(p, pkce), url.QueryEscape(redirect), url.QueryEscape("http://evil.test/"), 1),
		"http://elsewhere.test/authorize",
	} {
		if _, err := p.Authorize(bad, nil); err == nil {
			t.Errorf("Authorize(%s) accepted", bad)
		}
	}
}

// TestSignInPage signs in and cancels through the HTML form as a browser would.
func TestSignInPage(t *testing.T) {
	p := fakeidp.New(t, fakeidp.Client{ID: "app", Secret: "s3cret", RedirectURL: redirect})
	p.AddUser("ann", map[string]any{"sub": "u-ann"})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page, err := http.Get(authRequest(p, "v"))
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("sign-in page: %d %s", page.StatusCode, page.Header.Get("Content-Type"))
	}
	form, _ := url.Parse(authRequest(p, "v"))
	for _, tc := range []struct {
		name  string
		extra url.Values
		want  url.Values // the redirect's query, without the code
	}{
		{"sign in", url.Values{"username": {"ann"}}, url.Values{"state": {"st"}}},
		{"cancel", url.Values{"cancel": {"1"}}, url.Values{"state": {"st"}, "error": {"access_denied"}, "error_description": {"The user cancelled the sign-in."}}},
	} {
		fields := form.Query()
		for k, v := range tc.extra {
			fields[k] = v
		}
		resp, err := noRedirect.PostForm(p.URL+"/authorize", fields)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc.String(), redirect+"?") {
			t.Fatalf("%s: %d to %q", tc.name, resp.StatusCode, resp.Header.Get("Location"))
		}
		got := loc.Query()
		if code := got.Get("code"); (code != "") != (tc.name == "sign in") {
			t.Errorf("%s: code %q", tc.name, code)
		}
		got.Del("code")
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: redirect query (-want +got):\n%s", tc.name, diff)
		}
	}
}
