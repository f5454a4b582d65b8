package server

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/store/storetest"
)

// fakeIssuer is an OpenID provider on an httptest server: discovery, keys, and a token
// endpoint that checks the PKCE verifier and signs ID tokens (RS256) with the claims of the
// code's user.
type fakeIssuer struct {
	t   *testing.T
	srv *httptest.Server
	key *rsa.PrivateKey
	mu  sync.Mutex
	// codes maps an authorization code to its grant; guarded by mu.
	codes map[string]grant
}

type grant struct {
	challenge string
	claims    map[string]any
}

func newFakeIssuer(t *testing.T) *fakeIssuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	fi := &fakeIssuer{t: t, key: key, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": fi.srv.URL, "authorization_endpoint": fi.srv.URL + "/authorize", "token_endpoint": fi.srv.URL + "/token",
			"jwks_uri": fi.srv.URL + "/keys", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		b64 := base64.RawURLEncoding.EncodeToString
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
		}}})
	})
	mux.HandleFunc("POST /token", fi.token)
	fi.srv = httptest.NewServer(mux)
	t.Cleanup(fi.srv.Close)
	return fi
}

// authorize plays the user's browser at the provider: it reads the authorization request the
// server redirected to and returns the callback URL's query with a fresh code for the claims.
func (fi *fakeIssuer) authorize(location string, claims map[string]any) url.Values {
	u, err := url.Parse(location)
	if err != nil {
		fi.t.Fatal(err)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		fi.t.Fatalf("authorization request without PKCE, nonce or state: %s", location)
	}
	if _, ok := claims["nonce"]; !ok {
		claims["nonce"] = q.Get("nonce")
	}
	code := base64.RawURLEncoding.EncodeToString([]byte(time.Now().String()))
	fi.mu.Lock()
	fi.codes[code] = grant{challenge: q.Get("code_challenge"), claims: claims}
	fi.mu.Unlock()
	return url.Values{"code": {code}, "state": {q.Get("state")}}
}

func (fi *fakeIssuer) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	fi.mu.Lock()
	g, ok := fi.codes[r.PostForm.Get("code")]
	delete(fi.codes, r.PostForm.Get("code"))
	fi.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	id, secret, _ := r.BasicAuth()
	if id == "" {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge || id != "hallmark" || secret != "s3cret" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error": "invalid_grant"}`))
		return
	}
	claims := map[string]any{"iss": fi.srv.URL, "aud": "hallmark", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range g.claims {
		claims[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": fi.sign(claims)})
}

// sign returns a compact JWS of claims.
func (fi *fakeIssuer) sign(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(map[string]string{"alg": "RS256", "kid": "k1", "typ": "JWT"}) + "." + enc(claims)
	h := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, fi.key, crypto.SHA256, h[:])
	if err != nil {
		fi.t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestOIDCLogin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		fi := newFakeIssuer(t)
		var f *fixture
		f = newFixture(t, dsn, func(o *Options) {
			var err error
			o.OIDC, err = NewOIDC(context.Background(), OIDCConfig{Issuer: fi.srv.URL, ClientID: "hallmark", ClientSecret: "s3cret",
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
			if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), fi.srv.URL+"/authorize?") {
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
		user := func() map[string]any {
			return map[string]any{"sub": "u-1", "email": "ann@example.com", "groups": []string{"a", "not-a-team"}}
		}

		q := fi.authorize(login(), user())
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
		if resp := callback(fi.authorize(login(), bad)); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("wrong nonce: %d, want 401", resp.StatusCode)
		}
		// A forged state is refused.
		q = fi.authorize(login(), user())
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
