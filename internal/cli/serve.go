package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/evidence"
	"github.com/hallmark-dev/hallmark/notify"
	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/server"
	"github.com/hallmark-dev/hallmark/server/access"
	"github.com/hallmark-dev/hallmark/server/web"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/triage"
	"github.com/hallmark-dev/hallmark/version/lookup"
	"github.com/hallmark-dev/hallmark/vulndb"
)

const serveAbout = `
Run the Hallmark server: the JSON API (OpenAPI document at /api/openapi.json), the web UI,
webhook delivery and the scheduled advisory sync, over one database.

The database is SQLite by default (server.db in the user data directory: $XDG_DATA_HOME/hallmark
or ~/.local/share/hallmark on Linux, the user configuration directory elsewhere), or
PostgreSQL with --db postgres://…; several replicas may share one PostgreSQL database.
Migrations are applied at start. On the first start of a server without tokens, a bootstrap
admin token is printed once on stderr: keep it, it is not shown again.

--advisories names sources synced at start and every --sync-interval by one replica at a
time: directories or zips of OSV advisories, or an OSV bucket URL
(https://osv-vulnerabilities.storage.googleapis.com). After each sync the portfolio is
re-evaluated for the advisories that changed.

SIGINT or SIGTERM stops accepting connections, lets requests in flight finish (at most
--drain) and stops the background work.`

const serveExamples = `  hallmark serve
  hallmark serve --listen :8080 --db postgres://hallmark@db/hallmark --advisories /srv/osv
  hallmark serve --oidc-issuer https://accounts.example.com --oidc-client-id hallmark \
      --oidc-client-secret-file /run/secrets/oidc --oidc-redirect-url https://hallmark.example.com/auth/callback`

type serveFlags struct {
	listen, db, logFormat, logLevel        string
	advisories                             stringList
	syncInterval, drain, eventRetention    time.Duration
	oidcIssuer, oidcClientID, oidcSecret   string
	oidcRedirect, oidcTeamClaim, oidcScope string
	secureCookies, webhooksPrivate         bool
	rate, failedAuthRate                   float64
	burst, failedAuthBurst                 int
	trustedProxies                         stringList
	trustedRoot                            string
	attestKeys, attestIdentities           stringList
}

func runServe(ctx context.Context, env *Env, args []string) error {
	var f serveFlags
	fs := newFlagSet("serve", "hallmark serve [flags]", serveAbout, serveExamples)
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "listen on `address` (host:port)")
	fs.StringVar(&f.db, "db", "", "database `DSN`: sqlite:PATH, a file path, or postgres://… (default: server.db in the user data directory)")
	fs.Var(&f.advisories, "advisories", "sync advisories from `source` (directory, zip or OSV bucket URL; repeatable)")
	fs.DurationVar(&f.syncInterval, "sync-interval", time.Hour, "time between advisory syncs")
	fs.DurationVar(&f.eventRetention, "event-retention", notify.DefaultEventRetention, "how long events are kept once their webhook deliveries are finished (0 keeps them forever)")
	fs.DurationVar(&f.drain, "drain", 30*time.Second, "how long requests in flight may take to finish at shutdown")
	fs.StringVar(&f.logFormat, "log-format", "text", "log `format`: text or json")
	fs.StringVar(&f.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.StringVar(&f.oidcIssuer, "oidc-issuer", "", "OIDC issuer `URL` for web UI login")
	fs.StringVar(&f.oidcClientID, "oidc-client-id", "", "OIDC client `ID`")
	fs.StringVar(&f.oidcSecret, "oidc-client-secret-file", "", "`file` holding the OIDC client secret")
	fs.StringVar(&f.oidcRedirect, "oidc-redirect-url", "", "this server's /auth/callback `URL` as registered at the provider")
	fs.StringVar(&f.oidcTeamClaim, "oidc-team-claim", "groups", "ID token `claim` listing the user's teams")
	fs.StringVar(&f.oidcScope, "oidc-scope", "triage", "what logged-in users may do: read, ingest, triage or admin")
	fs.BoolVar(&f.secureCookies, "secure-cookies", false, "mark cookies Secure (set it behind a TLS proxy)")
	fs.BoolVar(&f.webhooksPrivate, "webhooks-private-unsafe", false, "allow webhooks on loopback and private addresses (lets webhook owners reach the server's network)")
	fs.Float64Var(&f.rate, "rate", 20, "requests per second allowed to each token or session")
	fs.IntVar(&f.burst, "burst", 100, "requests allowed at once above --rate")
	fs.Float64Var(&f.failedAuthRate, "failed-auth-per-minute", float64(server.DefaultFailedAuthRate)*60, "failed authentications per minute allowed to each client address, after --failed-auth-burst")
	fs.IntVar(&f.failedAuthBurst, "failed-auth-burst", server.DefaultFailedAuthBurst, "failed authentications allowed at once to each client address")
	fs.Var(&f.trustedProxies, "trusted-proxy", "`CIDR` of a reverse proxy whose Forwarded or X-Forwarded-For header names the client (repeatable)")
	fs.StringVar(&f.trustedRoot, "trusted-root", "", "Sigstore trusted root `file` for attestations (default: the public-good root)")
	fs.Var(&f.attestKeys, "attest-key", "PEM public key `file` trusted to sign attestations (repeatable)")
	fs.Var(&f.attestIdentities, "attest-identity", "keyless signer trusted for attestations, as `ISSUER_REGEXP,SAN_REGEXP` (repeatable)")
	pos, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("serve takes no arguments (got %q)", pos[0])
	}
	log, err := newLogger(env.Stderr, f.logFormat, f.logLevel)
	if err != nil {
		return err
	}
	if f.rate <= 0 || f.burst <= 0 || f.failedAuthRate <= 0 || f.failedAuthBurst <= 0 {
		return usageErrorf("serve: --rate, --burst, --failed-auth-per-minute and --failed-auth-burst must be positive")
	}
	var proxies []netip.Prefix
	for _, c := range f.trustedProxies {
		pfx, err := netip.ParsePrefix(c)
		if err != nil {
			return usageErrorf("serve: --trusted-proxy %q: a CIDR such as 10.0.0.0/8 or 203.0.113.7/32", c)
		}
		proxies = append(proxies, pfx.Masked())
	}
	if f.syncInterval < time.Minute {
		return usageErrorf("serve: --sync-interval must be at least 1m")
	}
	if f.eventRetention < 0 {
		return usageErrorf("serve: --event-retention must not be negative (0 keeps events forever)")
	}
	oidcScope, err := access.ParseScope(f.oidcScope)
	if err != nil {
		return usageErrorf("serve: --oidc-scope: %v", err)
	}
	dsn, err := serverDSN(env, f.db)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	st, err := store.Open(ctx, dsn)
	if err != nil {
		return fmt.Errorf("opening the database: %w", err)
	}
	defer st.Close()
	acc := access.New(st)
	if boot, err := acc.Bootstrap(ctx); err != nil {
		return err
	} else if boot != "" {
		fmt.Fprintf(env.Stderr, "hallmark: first start: a bootstrap admin token (shown once; create others with 'hallmark admin token create'):\n%s\n", boot)
	}
	adv, pf, err := openPortfolio(ctx, st, log)
	if err != nil {
		return err
	}
	opts := server.Options{
		Store: st, Advisories: adv, Portfolio: pf, Access: acc,
		Triage: server.TriageService(triage.New(st)),
		Web:    web.Handler(), SecureCookies: f.secureCookies,
		Rate: rate.Limit(f.rate), Burst: f.burst, Logger: log,
		FailedAuthRate: rate.Limit(f.failedAuthRate / 60), FailedAuthBurst: f.failedAuthBurst, TrustedProxies: proxies,
	}
	if opts.Evidence, err = newEvidence(st, f); err != nil {
		return err
	}
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s/%d/%s", host, os.Getpid(), access.NewToken()[3:11]) // names this replica in leases
	retention := f.eventRetention
	if retention == 0 {
		retention = -1 // forever
	}
	notifier := notify.New(st, notify.Options{Logger: log, AllowPrivateUnsafe: f.webhooksPrivate,
		EventRetention: retention, Leases: acc, Holder: holder})
	opts.Webhooks = server.WebhookService(notifier)
	pf.OnEvents(notifier.Wake) // each committed batch of a large re-evaluation is delivered at once
	if f.oidcIssuer != "" {
		if opts.OIDC, err = newOIDC(ctx, f, oidcScope); err != nil {
			return err
		}
	}
	srv, err := server.New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", f.listen, err)
	}
	fmt.Fprintf(env.Stderr, "hallmark: serving http://%s (database %s)\n", ln.Addr(), st.Path)
	workers := []server.Worker{{Name: "webhook delivery", Run: notifier.Run}, srv.ReevaluationWorker(0)}
	if len(f.advisories) > 0 {
		workers = append(workers, srv.SyncWorker(server.SyncOptions{
			Sources: f.advisories, Interval: f.syncInterval, Holder: holder,
		}))
	}
	return server.Serve(ctx, ln, srv, server.ServeOptions{Drain: f.drain, Logger: log}, workers...)
}

// newOIDC configures web UI login from the flags.
func newOIDC(ctx context.Context, f serveFlags, scope access.Scope) (*server.OIDC, error) {
	if f.oidcClientID == "" || f.oidcRedirect == "" {
		return nil, usageErrorf("serve: --oidc-issuer needs --oidc-client-id and --oidc-redirect-url")
	}
	var secret string
	if f.oidcSecret != "" {
		b, err := os.ReadFile(f.oidcSecret)
		if err != nil {
			return nil, fmt.Errorf("reading the OIDC client secret: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	return server.NewOIDC(ctx, server.OIDCConfig{Issuer: f.oidcIssuer, ClientID: f.oidcClientID, ClientSecret: secret,
		RedirectURL: f.oidcRedirect, TeamClaim: f.oidcTeamClaim, Scope: scope})
}

// newEvidence sets up attestation verification with the trust policy of the flags.
func newEvidence(st *store.DB, f serveFlags) (server.Evidence, error) {
	var opts evidence.Options
	if f.trustedRoot != "" {
		b, err := os.ReadFile(f.trustedRoot)
		if err != nil {
			return nil, fmt.Errorf("reading the trusted root: %w", err)
		}
		opts.TrustedRoot = b
	}
	for _, k := range f.attestKeys {
		b, err := os.ReadFile(k)
		if err != nil {
			return nil, fmt.Errorf("reading --attest-key: %w", err)
		}
		pk, err := attest.ParsePublicKey(b)
		if err != nil {
			return nil, fmt.Errorf("--attest-key %s: %w", k, err)
		}
		opts.PublicKeys = append(opts.PublicKeys, pk)
	}
	for _, id := range f.attestIdentities {
		iss, san, ok := strings.Cut(id, ",")
		if !ok || iss == "" || san == "" {
			return nil, usageErrorf("serve: --attest-identity %q: want ISSUER_REGEXP,SAN_REGEXP", id)
		}
		opts.Identities = append(opts.Identities, evidence.Identity{IssuerRegexp: iss, SANRegexp: san})
	}
	ev, err := evidence.New(st, opts)
	if err != nil {
		return nil, fmt.Errorf("attestation trust policy: %w", err)
	}
	return server.EvidenceService(ev), nil
}

// newLogger returns the server's logger.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErrorf("serve: --log-level %q (want debug, info, warn or error)", level)
	}
	o := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, usageErrorf("serve: --log-format %q (want text or json)", format)
}

// serverDSN resolves --db or the default: server.db in the user data directory.
func serverDSN(env *Env, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	dir, err := userDataDir(env.Getenv)
	if err != nil {
		return "", fmt.Errorf("no default database location (%w): use --db", err)
	}
	return "sqlite:" + filepath.Join(dir, "hallmark", "server.db"), nil
}

// userDataDir is $XDG_DATA_HOME or ~/.local/share on Unix systems other than macOS, and the
// user configuration directory elsewhere (macOS: ~/Library/Application Support; Windows:
// %AppData%).
func userDataDir(getenv func(string) string) (string, error) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return os.UserConfigDir()
	}
	if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("neither $XDG_DATA_HOME nor $HOME is set")
	}
	return filepath.Join(home, ".local", "share"), nil
}

// openPortfolio returns the advisories and the portfolio kept in st, with their stored version
// keys re-derived first when an older build wrote them in another key format (vulndb and
// portfolio EnsureKeys; the constructors try it too but can only log a failure).
func openPortfolio(ctx context.Context, st *store.DB, log *slog.Logger) (*vulndb.DB, *portfolio.Portfolio, error) {
	adv := vulndb.FromStore(st, lookup.For)
	if err := adv.EnsureKeys(ctx, log); err != nil {
		return nil, nil, fmt.Errorf("re-indexing the advisories' version keys: %w", err)
	}
	pf := portfolio.New(st, adv)
	if err := pf.EnsureKeys(ctx, log); err != nil {
		return nil, nil, fmt.Errorf("re-indexing the components' version keys: %w", err)
	}
	return adv, pf, nil
}
