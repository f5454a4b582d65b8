package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/hallmark-dev/hallmark/server/access"
)

// OIDCConfig configures web UI login through an OpenID Connect provider (authorization code
// flow with PKCE and a nonce).
type OIDCConfig struct {
	Issuer       string // the issuer URL; its discovery document is read at start
	ClientID     string
	ClientSecret string
	RedirectURL  string // this server's /auth/callback as the provider knows it
	// TeamClaim names the ID token claim listing the user's teams ("groups"): a string or an
	// array of strings; the names of existing teams among them become the session's teams.
	TeamClaim string
	// Scope is what logged-in users may do; 0 means triage.
	Scope access.Scope
	// SessionTTL is how long a session lasts; 0 means 12 hours.
	SessionTTL time.Duration
	// Client talks to the provider; nil means http.DefaultClient.
	Client *http.Client
}

// OIDC is a configured login.
type OIDC struct {
	cfg      OIDCConfig
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// loginTTL is how long a user has to finish a login at the provider.
const loginTTL = 10 * time.Minute

// NewOIDC validates cfg and reads the provider's discovery document.
func NewOIDC(ctx context.Context, cfg OIDCConfig) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("oidc: the issuer, client ID and redirect URL are required")
	}
	if u, err := url.Parse(cfg.RedirectURL); err != nil || !u.IsAbs() {
		return nil, fmt.Errorf("oidc: the redirect URL %q is not absolute", cfg.RedirectURL)
	}
	if cfg.Scope == 0 {
		cfg.Scope = access.Triage
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	// The provider keeps the context for fetching signing keys later: it must outlive ctx.
	pctx := oidc.ClientContext(context.WithoutCancel(ctx), cfg.Client)
	provider, err := oidc.NewProvider(pctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discovering %s: %w", cfg.Issuer, err)
	}
	return &OIDC{
		cfg: cfg,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile", "email"}},
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
	}, nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, c *call) error {
	o := s.opts.OIDC
	if o == nil {
		return fmt.Errorf("%w: login (no OIDC provider configured)", errNotAvailable)
	}
	l, err := s.opts.Access.StartLogin(r.Context(), loginTTL)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.loginCookie(r, l.State, int(loginTTL/time.Second)))
	http.Redirect(w, r, o.oauth.AuthCodeURL(l.State, oauth2.S256ChallengeOption(l.Verifier), oidc.Nonce(l.Nonce)), http.StatusFound)
	return nil
}

// LoginCookie is the name of the cookie that binds a login to the browser that started it:
// it holds the login's state, and the callback must come with it.
const LoginCookie = "hallmark_login"

// loginCookie returns the login cookie with value (an empty value and maxAge < 0 delete it),
// sent to the callback only. SameSite=Lax: the provider's redirect back is a cross-site
// navigation.
func (s *Server) loginCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: LoginCookie, Value: value, Path: "/auth/callback", MaxAge: maxAge, HttpOnly: true,
		Secure: s.opts.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode}
}

// callback finishes a login and logs why one failed.
func (s *Server) callback(w http.ResponseWriter, r *http.Request, c *call) error {
	if _, err := r.Cookie(LoginCookie); err == nil {
		http.SetCookie(w, s.loginCookie(r, "", -1)) // a login is finished once, well or not
	}
	err := s.finishLogin(w, r)
	var le *loginError
	if errors.As(err, &le) {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "login failed", slog.String("client", s.clientAddress(r)), slog.String("error", err.Error()))
	}
	return err
}

func (s *Server) finishLogin(w http.ResponseWriter, r *http.Request) error {
	o := s.opts.OIDC
	if o == nil {
		return fmt.Errorf("%w: login (no OIDC provider configured)", errNotAvailable)
	}
	q := r.URL.Query()
	// The state must be the one this browser started (no login CSRF: a link to the callback
	// with someone else's code and state does not sign the browser in as someone else).
	ck, err := r.Cookie(LoginCookie)
	ours := err == nil && q.Get("state") != "" && subtle.ConstantTimeCompare([]byte(ck.Value), []byte(q.Get("state"))) == 1
	if e := q.Get("error"); e != "" {
		code := strings.Map(func(r rune) rune {
			if r == '_' || r == '-' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
				return r
			}
			return -1
		}, printable(e))
		reason := "The identity provider refused the sign-in (" + code + ")."
		// Its description is shown only on the way back from a login this browser started:
		// a link of someone else's cannot put words on the page.
		if d := printable(q.Get("error_description")); d != "" && ours {
			reason = "The identity provider refused the sign-in (" + code + "): " + d
		}
		return &loginError{fmt.Errorf("%w: the identity provider refused the login: %s", access.ErrUnauthenticated, code), reason}
	}
	if !ours {
		return &loginError{fmt.Errorf("%w: the login was not started in this browser (no %s cookie with its state); start again at /auth/login",
			access.ErrUnauthenticated, LoginCookie),
			"This sign-in was not started in this browser, or it was started again since. Start again " +
				"(open Hallmark at the address its identity provider redirects to)."}
	}
	l, err := s.opts.Access.FinishLogin(r.Context(), q.Get("state"))
	if errors.Is(err, access.ErrUnauthenticated) {
		return &loginError{fmt.Errorf("%w: unknown or expired login; start again at /auth/login", err),
			"This sign-in is unknown, was finished already, or took longer than 10 minutes. Start again."}
	}
	if err != nil {
		return err
	}
	ctx := oidc.ClientContext(r.Context(), o.cfg.Client)
	tok, err := o.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(l.Verifier))
	if err != nil {
		return badProvider(fmt.Errorf("%w: exchanging the code: %v", access.ErrUnauthenticated, err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return badProvider(fmt.Errorf("%w: the provider sent no ID token", access.ErrUnauthenticated))
	}
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return badProvider(fmt.Errorf("%w: ID token: %v", access.ErrUnauthenticated, err))
	}
	if idt.Nonce != l.Nonce {
		return badProvider(fmt.Errorf("%w: ID token: wrong nonce", access.ErrUnauthenticated))
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return badProvider(fmt.Errorf("%w: ID token claims: %v", access.ErrUnauthenticated, err))
	}
	names := claimStrings(claims[o.cfg.TeamClaim])
	if len(names) > access.MaxTeams {
		names = names[:access.MaxTeams]
	}
	teams, err := s.opts.Access.TeamsNamed(r.Context(), names)
	if err != nil {
		return err
	}
	u := access.User{Issuer: idt.Issuer, Subject: idt.Subject, Email: claimString(claims, "email"), Name: claimString(claims, "name"),
		Username: claimString(claims, "preferred_username")}
	secret, err := s.opts.Access.CreateSession(r.Context(), u, o.cfg.Scope, teams, o.cfg.SessionTTL)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.sessionCookie(r, secret, int(o.cfg.SessionTTL/time.Second)))
	s.log.InfoContext(r.Context(), "login", "subject", idt.Subject, "email", u.Email, "teams", len(teams))
	http.Redirect(w, r, "/", http.StatusFound)
	return nil
}

// loginError is a failed login: the error API clients and the log get, and what the page a
// browser gets tells a person.
type loginError struct {
	err    error  // an access.ErrUnauthenticated
	reason string // for a person: what went wrong and what to do
}

func (e *loginError) Error() string { return e.err.Error() }
func (e *loginError) Unwrap() error { return e.err }

// badProvider is a login that failed because of what the identity provider answered.
func badProvider(err error) *loginError {
	return &loginError{err, "The identity provider's answer could not be verified, so you are not signed in. " +
		"Try again; if it keeps failing, ask an administrator to look at the server's log."}
}

// maxPrintable bounds what printable keeps.
const maxPrintable = 200

// printable returns s with at most maxPrintable bytes of printable ASCII (what RFC 6749 allows
// in error and error_description), for messages.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return -1
		}
		return r
	}, s)
	if len(s) > maxPrintable {
		s = s[:maxPrintable] + "…"
	}
	return s
}

// pages is what a Web handler implements to show the failures of browser-facing routes as
// pages in the UI's style (web.Handler's does).
type pages interface {
	ServeProblem(w http.ResponseWriter, r *http.Request, status int, title, detail, retry string)
}

// browserRoutes are the routes a browser navigates to: their failures are pages for clients
// that prefer HTML.
var browserRoutes = map[string]bool{"/auth/login": true, "/auth/callback": true}

// servePage answers the failure err of r (with status and the message API clients would get)
// with a page, and reports whether it did: r is a browser's navigation to one of the
// browserRoutes, and the Web handler can show pages.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, err error, status int, msg string) bool {
	p, ok := s.opts.Web.(pages)
	if !ok || r.Method != http.MethodGet && r.Method != http.MethodHead || !browserRoutes[r.URL.Path] || !prefersHTML(r.Header.Get("Accept")) {
		return false
	}
	title, detail, retry := "Sign-in failed", msg, "/auth/login"
	var le *loginError
	switch {
	case errors.As(err, &le):
		detail = le.reason
	case status == http.StatusTooManyRequests:
		title, detail = "Too many sign-in attempts", "Too many sign-ins came from your address. Wait a minute and try again."
	case errors.Is(err, errNotAvailable):
		title, detail, retry = "Sign-in is not configured", "This server has no identity provider configured: use an API token.", ""
	case status >= http.StatusInternalServerError:
		title = "Sign-in is not available"
	}
	p.ServeProblem(w, r, status, title, detail, retry)
	return true
}

// maxAcceptLength bounds the Accept header prefersHTML reads, and maxMediaRanges its ranges.
const (
	maxAcceptLength = 4096
	maxMediaRanges  = 64
)

// prefersHTML reports whether an Accept header (RFC 9110 section 12.5.1) ranks text/html
// above application/json: browsers' navigations do, API clients that ask for JSON or say
// nothing (or "*/*") do not. A range's quality is that of its most specific match.
func prefersHTML(accept string) bool {
	if len(accept) > maxAcceptLength {
		return false
	}
	// Quality and specificity (0 for */*, 1 for type/*, 2 exact) of the best matching range.
	type match struct {
		q    float64
		spec int
	}
	html, js := match{-1, -1}, match{-1, -1}
	n := 0
	for part := range strings.SplitSeq(accept, ",") {
		if n++; n > maxMediaRanges {
			return false
		}
		mediaType, params, _ := strings.Cut(part, ";")
		mediaType = strings.ToLower(strings.TrimSpace(mediaType))
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		for _, c := range []struct {
			m          *match
			typ, whole string
		}{{&html, "text/", "text/html"}, {&js, "application/", "application/json"}} {
			spec := -1
			switch mediaType {
			case c.whole:
				spec = 2
			case c.typ + "*":
				spec = 1
			case "*/*":
				spec = 0
			}
			if spec > c.m.spec {
				*c.m = match{q, spec}
			}
		}
	}
	return html.q > 0 && html.q > js.q
}

// maxClaimLength bounds the names claimString reads.
const maxClaimLength = access.MaxNameLength

// claimString reads the string claim called key ("" when it is missing or not a string),
// shortened to maxClaimLength bytes of valid UTF-8.
func claimString(claims map[string]any, key string) string {
	v, _ := claims[key].(string)
	if len(v) > maxClaimLength {
		v = v[:maxClaimLength]
	}
	return strings.ToValidUTF8(v, "")
}

// claimStrings reads a claim that is a string or an array of strings.
func claimStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, c *call) error {
	ck, err := r.Cookie(SessionCookie)
	if err == nil {
		// Only the session's own page may end it: the CSRF token is checked.
		if _, err := s.authenticate(r); err != nil {
			return err
		}
		if err := s.opts.Access.EndSession(r.Context(), ck.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, s.sessionCookie(r, "", -1))
	w.WriteHeader(http.StatusNoContent)
	return nil
}
