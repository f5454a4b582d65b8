// Package fakeidp is an OpenID Connect provider on an httptest server, for tests: discovery,
// keys, an HTML sign-in page a browser fills in, and a token endpoint that checks the client,
// the redirect URL and the PKCE verifier and signs ID tokens (ES256) carrying the
// authorization request's nonce. Tests that do not drive a browser play its part with
// Authorize.
//
// It implements the authorization code flow of OpenID Connect Core 1.0 section 3.1 with PKCE
// (RFC 7636, S256 only) for one registered client, and nothing else: no refresh tokens, no
// user info endpoint, no consent, no key rotation.
package fakeidp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Client is the one client the provider knows.
type Client struct {
	ID          string
	Secret      string
	RedirectURL string // the only redirect URL the client may use
}

// Provider is an OpenID provider on an httptest server, closed when the test ends.
type Provider struct {
	// URL is the issuer, the base of every endpoint.
	URL    string
	client Client
	key    *ecdsa.PrivateKey

	mu    sync.Mutex
	users map[string]map[string]any // user name → ID token claims; guarded by mu
	codes map[string]authorization  // authorization code → what it grants; guarded by mu
	// issued counts the ID tokens signed; guarded by mu.
	issued int
}

// authorization is what an authorization code was issued for.
type authorization struct {
	challenge string // the PKCE S256 code challenge
	nonce     string
	claims    map[string]any
	expires   time.Time
}

// codeTTL is how long an authorization code may be exchanged.
const codeTTL = time.Minute

// idTokenTTL is how long a signed ID token is valid.
const idTokenTTL = 5 * time.Minute

// signInPage is the provider's sign-in form: the authorization request travels in hidden
// fields, the user types a name, or cancels.
var signInPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Test IdP</title><link rel="icon" href="data:,"></head>
<body><main>
<h1>Test identity provider</h1>
<p>Signing in to {{.ClientID}}.</p>
{{if .Problem}}<p role="alert">{{.Problem}}</p>{{end}}
<form method="post" action="/authorize">
{{range $k, $v := .Request}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<label for="username">User name</label> <input id="username" name="username" autocomplete="username" required>
<button type="submit" id="continue">Continue</button>
<button type="submit" id="cancel" name="cancel" value="1" formnovalidate>Cancel</button>
</form>
</main></body></html>
`))

// New starts a provider for client on an httptest server.
func New(t testing.TB, client Client) *Provider {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{client: client, key: key, users: map[string]map[string]any{}, codes: map[string]authorization{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.signIn)
	mux.HandleFunc("POST /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// AddUser lets name sign in on the sign-in page; claims are its ID token's claims besides
// iss, aud, exp, iat and nonce (claims given here replace those, so that tests can forge
// wrong ones).
func (p *Provider) AddUser(name string, claims map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.users[name] = maps.Clone(claims)
}

// TokensIssued returns how many ID tokens the provider signed.
func (p *Provider) TokensIssued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.issued
}

// Authorize plays the user's browser at the provider: it checks the authorization request in
// authURL (where the client redirected the browser) and returns the query of the redirect
// back to the client, a fresh code for an ID token with claims (as AddUser takes them) and
// the request's state.
func (p *Provider) Authorize(authURL string, claims map[string]any) (url.Values, error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	if u.Scheme+"://"+u.Host != p.URL || u.Path != "/authorize" {
		return nil, fmt.Errorf("fakeidp: %s is not this provider's authorization endpoint", authURL)
	}
	if problem := p.checkRequest(q); problem != "" {
		return nil, errors.New("fakeidp: " + problem)
	}
	return url.Values{"code": {p.grant(q, claims)}, "state": {q.Get("state")}}, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// oauthError answers an OAuth 2.0 error (RFC 6749 section 5.2).
func oauthError(w http.ResponseWriter, code, description string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": description})
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.URL,
		"authorization_endpoint":                p.URL + "/authorize",
		"token_endpoint":                        p.URL + "/token",
		"jwks_uri":                              p.URL + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	coord := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	pub, err := p.key.PublicKey.Bytes() // 0x04 || X || Y, 32 bytes each
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "EC", "crv": "P-256", "kid": "test-es256", "alg": "ES256", "use": "sig",
		"x": coord(pub[1:33]), "y": coord(pub[33:]),
	}}})
}

// checkRequest checks an authorization request (RFC 6749 section 4.1.1 with PKCE and the
// OpenID nonce) and returns what is wrong with it, or "".
func (p *Provider) checkRequest(q url.Values) string {
	switch {
	case q.Get("client_id") != p.client.ID:
		return "unknown client"
	case q.Get("redirect_uri") != p.client.RedirectURL:
		return "redirect URL not registered"
	case q.Get("response_type") != "code":
		return "response_type must be code"
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		return "PKCE with S256 is required"
	case q.Get("nonce") == "" || q.Get("state") == "":
		return "nonce and state are required"
	}
	return ""
}

// grant stores a new authorization code for the request q and the claims.
func (p *Provider) grant(q url.Values, claims map[string]any) string {
	code := rand.Text()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.codes[code] = authorization{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), claims: maps.Clone(claims),
		expires: time.Now().Add(codeTTL)}
	return code
}

// requestFields are the authorization request's parameters the sign-in form carries.
var requestFields = []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method"}

// signIn shows the sign-in form for an authorization request.
func (p *Provider) signIn(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if problem := p.checkRequest(q); problem != "" {
		http.Error(w, problem, http.StatusBadRequest)
		return
	}
	p.renderSignIn(w, q, "")
}

func (p *Provider) renderSignIn(w http.ResponseWriter, q url.Values, problem string) {
	req := map[string]string{}
	for _, k := range requestFields {
		req[k] = q.Get(k)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	signInPage.Execute(w, map[string]any{"ClientID": p.client.ID, "Request": req, "Problem": problem})
}

// authorize takes the sign-in form and redirects the browser back to the client with a code,
// or with error=access_denied when the user cancelled (RFC 6749 section 4.1.2.1).
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f := r.PostForm
	if problem := p.checkRequest(f); problem != "" {
		http.Error(w, problem, http.StatusBadRequest)
		return
	}
	back := url.Values{"state": {f.Get("state")}}
	if f.Get("cancel") != "" {
		back.Set("error", "access_denied")
		back.Set("error_description", "The user cancelled the sign-in.")
		http.Redirect(w, r, f.Get("redirect_uri")+"?"+back.Encode(), http.StatusSeeOther)
		return
	}
	p.mu.Lock()
	claims, ok := p.users[f.Get("username")]
	p.mu.Unlock()
	if !ok {
		p.renderSignIn(w, f, "No such user.")
		return
	}
	back.Set("code", p.grant(f, claims))
	http.Redirect(w, r, f.Get("redirect_uri")+"?"+back.Encode(), http.StatusSeeOther)
}

// token exchanges a code for an ID token (RFC 6749 section 4.1.3, RFC 7636 section 4.6).
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", err.Error())
		return
	}
	f := r.PostForm
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = f.Get("client_id"), f.Get("client_secret")
	}
	if id != p.client.ID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.client.Secret)) != 1 {
		oauthError(w, "invalid_client", "unknown client or wrong secret")
		return
	}
	if f.Get("grant_type") != "authorization_code" || f.Get("redirect_uri") != p.client.RedirectURL {
		oauthError(w, "invalid_request", "grant_type or redirect_uri")
		return
	}
	p.mu.Lock()
	a, ok := p.codes[f.Get("code")]
	delete(p.codes, f.Get("code")) // a code is used once
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	if !ok || time.Now().After(a.expires) || base64.RawURLEncoding.EncodeToString(sum[:]) != a.challenge {
		oauthError(w, "invalid_grant", "unknown or expired code, or wrong code verifier")
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": p.URL, "aud": p.client.ID, "iat": now.Unix(), "exp": now.Add(idTokenTTL).Unix(), "nonce": a.nonce}
	maps.Copy(claims, a.claims)
	idToken, err := p.sign(claims)
	if err != nil {
		oauthError(w, "server_error", err.Error())
		return
	}
	p.mu.Lock()
	p.issued++
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": rand.Text(), "token_type": "Bearer", "expires_in": int(idTokenTTL / time.Second), "id_token": idToken})
}

// sign returns claims as a JWS in compact serialisation, signed with ES256 (RFC 7518 section
// 3.4: the signature is R and S, 32 bytes each).
func (p *Provider) sign(claims map[string]any) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": "ES256", "kid": "test-es256", "typ": "JWT"})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	b64 := base64.RawURLEncoding.EncodeToString
	input := b64(header) + "." + b64(payload)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, p.key, digest[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64(sig), nil
}
