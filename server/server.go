// Package server is Hallmark's HTTP server: the JSON API over the portfolio, advisories,
// triage, attestations and webhooks, its OpenAPI document, OIDC login for the web UI, health
// checks, and the background work (advisory sync, webhook delivery) of `hallmark serve`.
//
// Every API request is authenticated (an API token, or the web UI's session cookie with a CSRF
// token on unsafe methods), limited in size and rate, and scoped to the caller's teams:
// a resource outside them is reported as not found. Handlers return errors; one function maps
// them to HTTP status codes.
//
// The server holds no state that breaks running several replicas over one PostgreSQL database:
// sessions, logins and leases are in the database. Rate limits (per caller, and failed
// authentications per client address) are kept per process.
package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/server/access"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// Size limits of request bodies.
const (
	// MaxSBOMSize bounds an SBOM as uploaded and after gzip decompression.
	MaxSBOMSize = 100 << 20
	// MaxAdvisoriesSize bounds an uploaded advisory or zip of advisories.
	MaxAdvisoriesSize = 100 << 20
	// MaxDocumentSize bounds attestation bundles and VEX documents.
	MaxDocumentSize = 16 << 20
	// MaxJSONSize bounds every other request body.
	MaxJSONSize = 1 << 20
)

// Options configure a Server. Store, Advisories, Portfolio and Access are required.
type Options struct {
	Store      *store.DB
	Advisories *vulndb.DB
	Portfolio  *portfolio.Portfolio
	Access     *access.Access
	// Webhooks, Triage and Evidence serve their routes; without them the routes answer 503.
	Webhooks Webhooks
	Triage   Triage
	Evidence Evidence
	// Web serves the web UI at every path outside /api/ and /auth/; nil serves nothing there.
	Web http.Handler
	// OIDC enables web UI login; nil disables /auth/login.
	OIDC *OIDC
	// SecureCookies marks cookies Secure (set it when the server is behind TLS).
	SecureCookies bool
	// Rate is each caller's sustained request rate, Burst its burst; 0 means 20 requests per
	// second with bursts of 100.
	Rate  rate.Limit
	Burst int
	// FailedAuthRate and FailedAuthBurst limit failed authentications (a wrong, expired or
	// revoked token, an unknown session) per client address: an IPv4 address or an IPv6 /64.
	// An address that failed FailedAuthBurst times, refilled at FailedAuthRate, gets 429 on
	// every authenticated route until its bucket refills. 0 means DefaultFailedAuthRate and
	// DefaultFailedAuthBurst; rate.Inf disables the limit.
	FailedAuthRate  rate.Limit
	FailedAuthBurst int
	// TrustedProxies are the networks of reverse proxies in front of the server. For a request
	// from one of them, the client address that the per-address limits count is the right-most
	// X-Forwarded-For entry, or Forwarded (RFC 7239) for= node, outside them (entries further
	// left are the client's to forge); see proxiedClient. Empty: the TCP peer is the client,
	// and both headers are ignored.
	TrustedProxies []netip.Prefix
	// Logger receives request and error logs; nil discards them.
	Logger *slog.Logger
}

// Defaults of the failed-authentication limit: 20 failures at once, then one every 6 seconds.
const (
	DefaultFailedAuthRate  = rate.Limit(1.0 / 6)
	DefaultFailedAuthBurst = 20
)

// Server is the HTTP server. It is an http.Handler.
type Server struct {
	opts   Options
	log    *slog.Logger
	mux    *http.ServeMux
	limits *limiters // requests per caller (and per address on public routes)
	// failures counts failed authentications per client address; known holds the credentials
	// that authenticated lately, which pass even when their address is out of failures.
	failures *limiters
	known    *knownCredentials
	now      func() time.Time
	// reevalWake wakes ReevaluationWorker when this replica queues advisories.
	reevalWake chan struct{}
}

// New validates opts and returns the server.
func New(opts Options) (*Server, error) {
	if opts.Store == nil || opts.Advisories == nil || opts.Portfolio == nil || opts.Access == nil {
		return nil, errors.New("server: Store, Advisories, Portfolio and Access are required")
	}
	if opts.Rate == 0 {
		opts.Rate, opts.Burst = 20, 100
	}
	if opts.Burst <= 0 {
		opts.Burst = 1
	}
	if opts.FailedAuthRate == 0 {
		opts.FailedAuthRate, opts.FailedAuthBurst = DefaultFailedAuthRate, DefaultFailedAuthBurst
	}
	if opts.FailedAuthRate < 0 {
		return nil, errors.New("server: FailedAuthRate is negative")
	}
	if opts.FailedAuthBurst <= 0 {
		opts.FailedAuthBurst = 1
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{opts: opts, log: log, mux: http.NewServeMux(), now: time.Now, reevalWake: make(chan struct{}, 1),
		limits:   newLimiters(opts.Rate, opts.Burst),
		failures: newLimiters(opts.FailedAuthRate, opts.FailedAuthBurst),
		known:    &knownCredentials{m: map[[sha256.Size]byte]time.Time{}}}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.method+" "+rt.pattern, s.wrap(rt))
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, fmt.Errorf("%w: no route %s %s", errNotFound, r.Method, r.URL.Path))
	})
	if opts.Web != nil {
		s.mux.Handle("/", opts.Web)
	}
	return s, nil
}

// ServeHTTP serves a request with the security headers every answer carries.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.TLS != nil || s.opts.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	s.mux.ServeHTTP(w, r)
}

// route is one API route: the table drives the mux, authentication and the OpenAPI test.
type route struct {
	method, pattern string
	// scope is the least scope the caller needs; 0 means no authentication.
	scope   access.Scope
	maxBody int64
	// perIP rate-limits a public route by the client's address (routes that write to the
	// database without authentication).
	perIP  bool
	handle func(w http.ResponseWriter, r *http.Request, c *call) error
}

// call is what a handler knows about its request.
type call struct {
	p *access.Principal // nil on public routes
}

// wrap authenticates, authorises, limits and logs one route's requests and maps its error.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		c := &call{}
		err := s.serve(w, r, rt, c)
		if err != nil {
			s.writeError(w, r, err)
		}
		if rt.scope != 0 {
			attrs := []any{"method", r.Method, "path", r.URL.Path, "duration", time.Since(start)}
			if c.p != nil {
				attrs = append(attrs, "caller", c.p.Kind+":"+c.p.Name)
			}
			if err != nil {
				attrs = append(attrs, "status", statusOf(err), "error", err.Error())
			}
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slogAttrs(attrs)...)
		}
	})
}

func slogAttrs(kv []any) []slog.Attr {
	out := make([]slog.Attr, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, slog.Any(kv[i].(string), kv[i+1]))
	}
	return out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route, c *call) error {
	if rt.maxBody > 0 {
		r.Body = http.MaxBytesReader(w, r.Body, rt.maxBody)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, MaxJSONSize)
	}
	if rt.scope == 0 {
		if rt.perIP {
			if err := s.limits.allow(w, s.clientAddress(r)); err != nil {
				return err
			}
		}
		return rt.handle(w, r, c)
	}
	p, err := s.authenticateLimited(w, r)
	if err != nil {
		return err
	}
	c.p = p
	if err := s.limits.allow(w, p.Kind+":"+fmt.Sprint(p.ID)); err != nil {
		return err
	}
	if !p.Can(rt.scope) {
		return fmt.Errorf("%w: %s needs the %s scope, the caller has %s", errForbidden, rt.pattern, rt.scope, p.Scope)
	}
	return rt.handle(w, r, c)
}

// limiters holds one token bucket per caller or client address.
type limiters struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*rate.Limiter // guarded by mu
}

func newLimiters(r rate.Limit, burst int) *limiters {
	return &limiters{rate: r, burst: burst, m: map[string]*rate.Limiter{}}
}

// maxLimiters bounds the buckets remembered: beyond it, full buckets (those of callers idle
// long enough to be as good as new) are dropped, and if most are still in use, all of them.
const maxLimiters = 100_000

// get returns key's bucket.
func (l *limiters) get(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lim, ok := l.m[key]; ok {
		return lim
	}
	if len(l.m) >= maxLimiters {
		now := time.Now()
		for k, lim := range l.m {
			if lim.TokensAt(now) >= float64(l.burst) {
				delete(l.m, k)
			}
		}
		if len(l.m) > maxLimiters*3/4 {
			l.m = map[string]*rate.Limiter{}
		}
	}
	lim := rate.NewLimiter(l.rate, l.burst)
	l.m[key] = lim
	return lim
}

// allow takes one request from key's bucket, or sets Retry-After and returns errRateLimited.
func (l *limiters) allow(w http.ResponseWriter, key string) error {
	res := l.get(key).Reserve()
	if d := res.Delay(); d > 0 {
		res.Cancel()
		return retryLater(w, d, "")
	}
	return nil
}

// check returns errRateLimited (and sets Retry-After) while key's bucket is empty, without
// taking from it.
func (l *limiters) check(w http.ResponseWriter, key, why string) error {
	if l.rate == rate.Inf {
		return nil
	}
	l.mu.Lock()
	lim, ok := l.m[key]
	l.mu.Unlock()
	if !ok {
		return nil
	}
	tokens := lim.TokensAt(time.Now())
	if tokens >= 1 {
		return nil
	}
	return retryLater(w, time.Duration((1-tokens)/float64(l.rate)*float64(time.Second)), why)
}

// spend takes one from key's bucket when it is not empty, and reports whether that emptied it.
func (l *limiters) spend(key string) (emptied bool) {
	if l.rate == rate.Inf {
		return false
	}
	lim := l.get(key)
	now := time.Now()
	return lim.AllowN(now, 1) && lim.TokensAt(now) < 1
}

// retryLater sets Retry-After to d in whole seconds (rounded up) and returns errRateLimited
// with the reason.
func retryLater(w http.ResponseWriter, d time.Duration, why string) error {
	secs := int(d/time.Second) + 1
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	if why != "" {
		return fmt.Errorf("%w: %s; retry in %d s", errRateLimited, why, secs)
	}
	return fmt.Errorf("%w: retry in %d s", errRateLimited, secs)
}

// clientAddress returns the key of r's client address in the per-address buckets: the IP
// address, or its /64 network for IPv6 (one host usually holds a whole /64). Behind a trusted
// proxy it is the address the proxies recorded in X-Forwarded-For or Forwarded.
func (s *Server) clientAddress(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return "ip:" + r.RemoteAddr
	}
	addr := ap.Addr().Unmap().WithZone("")
	if len(s.opts.TrustedProxies) > 0 {
		addr = proxiedClient(addr, r.Header, s.opts.TrustedProxies)
	}
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + addr.String()
}

// Ready reports whether the server can serve: the database answers and every migration is
// applied.
func (s *Server) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.opts.Store.SQL().PingContext(ctx); err != nil {
		return fmt.Errorf("%w: database: %v", errUnavailable, err)
	}
	pending, err := s.opts.Store.Pending(ctx)
	if err != nil {
		return fmt.Errorf("%w: migrations: %v", errUnavailable, err)
	}
	if len(pending) > 0 {
		return fmt.Errorf("%w: %d migrations pending (run 'hallmark db migrate')", errUnavailable, len(pending))
	}
	return nil
}
