package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
	http.Redirect(w, r, o.oauth.AuthCodeURL(l.State, oauth2.S256ChallengeOption(l.Verifier), oidc.Nonce(l.Nonce)), http.StatusFound)
	return nil
}

func (s *Server) callback(w http.ResponseWriter, r *http.Request, c *call) error {
	o := s.opts.OIDC
	if o == nil {
		return fmt.Errorf("%w: login (no OIDC provider configured)", errNotAvailable)
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return fmt.Errorf("%w: the identity provider refused the login: %.200s", access.ErrUnauthenticated, e)
	}
	l, err := s.opts.Access.FinishLogin(r.Context(), q.Get("state"))
	if err != nil {
		return fmt.Errorf("%w: unknown or expired login; start again at /auth/login", err)
	}
	ctx := oidc.ClientContext(r.Context(), o.cfg.Client)
	tok, err := o.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(l.Verifier))
	if err != nil {
		return fmt.Errorf("%w: exchanging the code: %v", access.ErrUnauthenticated, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return fmt.Errorf("%w: the provider sent no ID token", access.ErrUnauthenticated)
	}
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return fmt.Errorf("%w: ID token: %v", access.ErrUnauthenticated, err)
	}
	if idt.Nonce != l.Nonce {
		return fmt.Errorf("%w: ID token: wrong nonce", access.ErrUnauthenticated)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return fmt.Errorf("%w: ID token claims: %v", access.ErrUnauthenticated, err)
	}
	names := claimStrings(claims[o.cfg.TeamClaim])
	if len(names) > access.MaxTeams {
		names = names[:access.MaxTeams]
	}
	teams, err := s.opts.Access.TeamsNamed(r.Context(), names)
	if err != nil {
		return err
	}
	email, _ := claims["email"].(string)
	name, _ := claims["name"].(string)
	secret, err := s.opts.Access.CreateSession(r.Context(), access.User{Issuer: idt.Issuer, Subject: idt.Subject, Email: email, Name: name},
		o.cfg.Scope, teams, o.cfg.SessionTTL)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.sessionCookie(r, secret, int(o.cfg.SessionTTL/time.Second)))
	s.log.InfoContext(r.Context(), "login", "subject", idt.Subject, "email", email, "teams", len(teams))
	http.Redirect(w, r, "/", http.StatusFound)
	return nil
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
