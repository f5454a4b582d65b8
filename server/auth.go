package server

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/hallmark-dev/hallmark/server/access"
)

// SessionCookie is the name of the web UI's session cookie.
const SessionCookie = "hallmark_session"

// CSRFHeader carries the session's CSRF token on unsafe requests made with the session cookie.
const CSRFHeader = "X-CSRF-Token"

// authenticateLimited authenticates r unless its client address failed too often (429), and
// counts and logs a failure: credentials that were sent and are wrong, expired or revoked. A
// session cookie that failed is deleted, so that the browser stops sending it.
func (s *Server) authenticateLimited(w http.ResponseWriter, r *http.Request) (*access.Principal, error) {
	addr := clientAddress(r)
	if err := s.failures.check(w, addr, "too many failed authentications from this address"); err != nil {
		return nil, err
	}
	p, err := s.authenticate(r)
	if err == nil || !errors.Is(err, access.ErrUnauthenticated) {
		return p, err
	}
	kind := "bearer"
	if r.Header.Get("Authorization") == "" {
		ck, cerr := r.Cookie(SessionCookie)
		if cerr != nil || ck.Value == "" {
			return nil, err // no credentials: nothing guessed
		}
		kind = "session"
		http.SetCookie(w, s.sessionCookie(r, "", -1))
	}
	// Never log the credentials: the error names what failed, not the token.
	attrs := []slog.Attr{slog.String("client", addr), slog.String("credentials", kind),
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error())}
	s.log.LogAttrs(r.Context(), slog.LevelWarn, "authentication failed", attrs...)
	if s.failures.spend(addr) {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "too many failed authentications: refusing the address until its bucket refills",
			slog.String("client", addr), slog.Int("burst", s.opts.FailedAuthBurst), slog.Float64("per_second", float64(s.opts.FailedAuthRate)))
	}
	return nil, err
}

// authenticate returns the caller of r: a bearer token, else the session cookie (with the CSRF
// token on unsafe methods).
func (s *Server) authenticate(r *http.Request) (*access.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, fmt.Errorf("%w: the Authorization header must be 'Bearer TOKEN'", access.ErrUnauthenticated)
		}
		return s.opts.Access.Authenticate(r.Context(), strings.TrimSpace(token))
	}
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil, fmt.Errorf("%w: send 'Authorization: Bearer TOKEN'", access.ErrUnauthenticated)
	}
	p, err := s.opts.Access.Session(r.Context(), ck.Value)
	if err != nil {
		return nil, err
	}
	if !safeMethod(r.Method) {
		got := r.Header.Get(CSRFHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.CSRF)) != 1 {
			return nil, fmt.Errorf("%w: missing or wrong %s header", errForbidden, CSRFHeader)
		}
	}
	return p, nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sessionCookie returns the session cookie with value (an empty value and maxAge < 0 delete it).
func (s *Server) sessionCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     SessionCookie,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.opts.SecureCookies || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	}
}

// teamFor resolves the team a write of c goes to: the ?team= parameter (one of the caller's
// teams; any existing team for admins), else the caller's only team.
func (s *Server) teamFor(r *http.Request, c *call) (int64, error) {
	name := r.URL.Query().Get("team")
	p := c.p
	if name == "" {
		if len(p.TeamIDs) == 1 {
			return p.TeamIDs[0], nil
		}
		return 0, fmt.Errorf("%w: the caller has %d teams: name one with ?team=NAME", errBadRequest, len(p.TeamIDs))
	}
	for i, n := range p.TeamNames {
		if n == name {
			return p.TeamIDs[i], nil
		}
	}
	if p.Can(access.Admin) {
		teams, err := s.opts.Access.TeamsNamed(r.Context(), []string{name})
		if err != nil {
			return 0, err
		}
		if len(teams) == 1 {
			return teams[0].ID, nil
		}
	}
	return 0, fmt.Errorf("%w: team %q", errNotFound, name)
}
