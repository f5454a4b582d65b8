package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hallmark-dev/hallmark/server/access"
)

// SessionCookie is the name of the web UI's session cookie.
const SessionCookie = "hallmark_session"

// CSRFHeader carries the session's CSRF token on unsafe requests made with the session cookie.
const CSRFHeader = "X-CSRF-Token"

// authenticateLimited authenticates r unless it sends credentials from a client address that
// failed too often (429), and counts and logs a failure: credentials that were sent and are
// wrong, expired or revoked. A session cookie that failed is deleted, so that the browser stops
// sending it. A request without credentials guesses nothing: it answers 401 as always.
//
// Credentials that authenticated on this process lately pass even when their address is out
// of failures: clients behind the same proxy or NAT as a guesser keep working (a guesser's
// credentials never authenticated).
func (s *Server) authenticateLimited(w http.ResponseWriter, r *http.Request) (*access.Principal, error) {
	addr := s.clientAddress(r)
	kind, cred := credentials(r)
	if kind != "" && !s.known.has(cred, s.now()) {
		if err := s.failures.check(w, addr, "too many failed authentications from this address"); err != nil {
			return nil, err
		}
	}
	p, err := s.authenticate(r)
	if err == nil {
		s.known.add(cred, s.now())
		return p, nil
	}
	if !errors.Is(err, access.ErrUnauthenticated) || kind == "" {
		return nil, err // the database failed, or no credentials: nothing guessed
	}
	s.known.remove(cred)
	if kind == "session" {
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

// credentials returns the kind ("bearer" or "session", "" for none) and the SHA-256 of the
// credentials r sends, as authenticate reads them.
func credentials(r *http.Request) (kind string, sum [sha256.Size]byte) {
	if h := r.Header.Get("Authorization"); h != "" {
		return "bearer", sha256.Sum256([]byte("bearer\x00" + h))
	}
	if ck, err := r.Cookie(SessionCookie); err == nil && ck.Value != "" {
		return "session", sha256.Sum256([]byte("session\x00" + ck.Value))
	}
	return "", sum
}

// knownCredentials remembers, by their SHA-256, the credentials that authenticated within
// knownFor, at most maxKnown of them.
type knownCredentials struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]time.Time // last success; guarded by mu
}

// How long and how many credentials are remembered.
const (
	knownFor = 24 * time.Hour
	maxKnown = 100_000
)

func (k *knownCredentials) has(sum [sha256.Size]byte, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	t, ok := k.m[sum]
	return ok && now.Sub(t) < knownFor
}

func (k *knownCredentials) add(sum [sha256.Size]byte, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.m[sum]; !ok && len(k.m) >= maxKnown {
		for s, t := range k.m {
			if now.Sub(t) >= knownFor {
				delete(k.m, s)
			}
		}
		if len(k.m) > maxKnown*3/4 {
			k.m = map[[sha256.Size]byte]time.Time{}
		}
	}
	k.m[sum] = now
}

func (k *knownCredentials) remove(sum [sha256.Size]byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, sum)
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
