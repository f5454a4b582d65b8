package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/hallmark-dev/hallmark/server/access"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// syncBuffer is a bytes.Buffer for a logger, guarded by mu.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveFrom serves a GET of path from the client address addr with the given header lines
// ("Authorization: Bearer …", "Cookie: …") in this process, and returns the recorded answer.
func serveFrom(srv *Server, addr, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	req.RemoteAddr = addr
	for _, h := range header {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

func TestFailedAuthLimit(t *testing.T) {
	var logs syncBuffer
	// Three failures per address, refilled once an hour: nothing refills during the test.
	f := newFixture(t, storetest.Engines()[0].NewDSN(t), func(o *Options) {
		o.FailedAuthRate, o.FailedAuthBurst = rate.Every(time.Hour), 3
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	const a, b = "192.0.2.7:40000", "192.0.2.8:40000"
	bearer := func(token string) []string { return []string{"Authorization: Bearer " + token} }
	good := bearer(f.readB)
	wrongToken := "hm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	wrongSession := "c2Vzc2lvbi1zZWNyZXQtdGhhdC1kb2VzLW5vdC1leGlzdA"
	steps := []struct {
		name   string
		addr   string
		header []string
		want   int
	}{
		// Successes and requests without credentials cost nothing.
		{"good token", a, good, 200},
		{"good token again", a, good, 200},
		{"no credentials", a, nil, 401},
		{"no credentials again", a, nil, 401},
		{"no credentials yet again", a, nil, 401},
		{"unknown token", a, bearer(wrongToken), 401},
		{"not bearer", a, []string{"Authorization: Basic dXNlcjpwYXNz"}, 401},
		{"unknown session", a, []string{"Cookie: " + SessionCookie + "=" + wrongSession}, 401},
		// The address is out of failures: a token that did not authenticate lately waits, even
		// a good one; one that did (a client behind the same NAT) passes.
		{"unused good token, blocked", a, bearer(f.ingestA), 429},
		{"unknown token, blocked", a, bearer(wrongToken), 429},
		{"no credentials, not blocked", a, nil, 401},
		{"known good token", a, good, 200},
		// Another address has its own bucket.
		{"another address", b, good, 200},
		{"another address fails", b, bearer(wrongToken), 401},
		// IPv6 clients are counted by /64.
		{"v6 fails 1", "[2001:db8::1]:1", bearer(wrongToken), 401},
		{"v6 fails 2", "[2001:db8::2]:1", bearer(wrongToken), 401},
		{"v6 fails 3", "[2001:db8::3]:1", bearer(wrongToken), 401},
		{"v6 same /64", "[2001:db8::ffff]:2", bearer(f.triageA), 429},
		{"v6 other /64", "[2001:db8:0:1::1]:2", bearer(f.triageA), 200},
		{"v6 same /64, known now", "[2001:db8::ffff]:2", bearer(f.triageA), 200},
		{"v4-mapped v6 is v4", "[::ffff:192.0.2.7]:3", bearer(f.admin), 429},
	}
	for _, s := range steps {
		rec := serveFrom(f.srv, s.addr, "/api/v1/session", s.header...)
		if rec.Code != s.want {
			t.Fatalf("%s: %d %s, want %d", s.name, rec.Code, rec.Body, s.want)
		}
		switch s.want {
		case 429:
			secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
			if err != nil || secs < 1 || secs > 3601 {
				t.Errorf("%s: Retry-After %q, want up to an hour", s.name, rec.Header().Get("Retry-After"))
			}
			if !strings.Contains(rec.Body.String(), "too many failed authentications") {
				t.Errorf("%s: body %s", s.name, rec.Body)
			}
		case 401:
			if rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s: no WWW-Authenticate header", s.name)
			}
		}
		if strings.HasPrefix(s.name, "unknown session") {
			if ck := rec.Result().Cookies(); len(ck) != 1 || ck[0].Name != SessionCookie || ck[0].MaxAge >= 0 {
				t.Errorf("%s: cookies %v, want the session cookie deleted", s.name, ck)
			}
		}
	}
	// A known token that fails (revoked since) counts, and is known no more.
	if _, err := f.acc.RevokeNamed(context.Background(), "read-b"); err != nil {
		t.Fatal(err)
	}
	if rec := serveFrom(f.srv, a, "/api/v1/session", good...); rec.Code != 401 || !strings.Contains(rec.Body.String(), "token revoked") {
		t.Errorf("known token, revoked: %d %s, want 401", rec.Code, rec.Body)
	}
	if rec := serveFrom(f.srv, a, "/api/v1/session", good...); rec.Code != 429 {
		t.Errorf("revoked token again: %d %s, want 429", rec.Code, rec.Body)
	}

	log := logs.String()
	for _, secret := range []string{wrongToken, wrongSession, f.readB, f.ingestA, "dXNlcjpwYXNz"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log shows credentials %q:\n%s", secret, log)
		}
	}
	if n := strings.Count(log, `msg="authentication failed"`); n != 8 {
		t.Errorf("%d failures logged, want 8:\n%s", n, log)
	}
	for _, want := range []string{
		`msg="authentication failed" client=ip:192.0.2.7 credentials=bearer method=GET path=/api/v1/session`,
		`client=ip:192.0.2.7 credentials=session`,
		`client=ip:2001:db8::/64 credentials=bearer`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "too many failed authentications"); n != 2 {
		t.Errorf("%d addresses blocked in the log, want 2 (192.0.2.7 and 2001:db8::/64):\n%s", n, log)
	}
}

func TestFailedAuthLimitOff(t *testing.T) {
	f := newFixture(t, storetest.Engines()[0].NewDSN(t), func(o *Options) { o.FailedAuthRate, o.FailedAuthBurst = rate.Inf, 1 })
	for i := range 50 {
		if rec := serveFrom(f.srv, "192.0.2.9:1", "/api/v1/session", "Authorization: Bearer hm_x"); rec.Code != 401 {
			t.Fatalf("failure %d: %d %s, want 401", i, rec.Code, rec.Body)
		}
	}
	if _, err := New(Options{Store: f.st, Advisories: f.srv.opts.Advisories, Portfolio: f.srv.opts.Portfolio, Access: f.acc, FailedAuthRate: -1}); err == nil {
		t.Error("New with a negative FailedAuthRate: no error")
	}
}

// TestTokenLifecycleHTTP checks what a client sees of an expired or revoked token, and that
// its use is recorded.
func TestTokenLifecycleHTTP(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		ctx := context.Background()
		secret, tok, err := f.acc.IssueToken(ctx, access.TokenRequest{Name: "short", Scope: access.Read, Teams: []string{"a"}, Expires: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		f.call("GET", "/api/v1/artifacts", secret, nil, http.StatusOK, nil)
		list, err := f.acc.Tokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, lt := range list {
			if lt.ID == tok.ID && lt.LastUsed.IsZero() {
				t.Errorf("token used, but no last use recorded: %+v", lt)
			}
		}
		// An hour passes.
		if _, err := f.st.SQL().ExecContext(ctx, `UPDATE tokens SET expires_at = ? WHERE id = ?`, time.Now().Add(-time.Second).UnixMilli(), tok.ID); err != nil {
			t.Fatal(err)
		}
		body := f.call("GET", "/api/v1/artifacts", secret, nil, http.StatusUnauthorized, nil)
		if !strings.Contains(string(body), "token expired at ") || !strings.Contains(string(body), "ask an admin for a new token") {
			t.Errorf("expired token: %s, want 'token expired'", body)
		}
		if err := f.acc.Revoke(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		body = f.call("GET", "/api/v1/artifacts", secret, nil, http.StatusUnauthorized, nil)
		if !strings.Contains(string(body), "token revoked at ") {
			t.Errorf("revoked token: %s, want 'token revoked'", body)
		}
	})
}

func TestClientAddress(t *testing.T) {
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.1:1234", "ip:192.0.2.1"},
		{"[::ffff:192.0.2.1]:1234", "ip:192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:80", "ip:2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:80", "ip:fe80::/64"},
		{"[::1]:80", "ip:::/64"},
		{"not an address", "ip:not an address"},
		{"", "ip:"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if got := (&Server{}).clientAddress(r); got != tc.want {
			t.Errorf("clientAddress(%q) = %q, want %q", tc.remote, got, tc.want)
		}
	}
}

func TestKnownCredentials(t *testing.T) {
	k := &knownCredentials{m: map[[32]byte]time.Time{}}
	t0 := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	cred := func(i int) [32]byte { return [32]byte{byte(i), byte(i >> 8), byte(i >> 16)} }
	k.add(cred(0), t0)
	for _, tc := range []struct {
		at   time.Duration
		want bool
	}{{0, true}, {knownFor - time.Nanosecond, true}, {knownFor, false}} {
		if got := k.has(cred(0), t0.Add(tc.at)); got != tc.want {
			t.Errorf("has after %v = %v, want %v", tc.at, got, tc.want)
		}
	}
	if k.has(cred(1), t0) {
		t.Error("has an unknown credential")
	}
	k.remove(cred(0))
	if k.has(cred(0), t0) {
		t.Error("has a removed credential")
	}
	// When full, the credentials not used within knownFor make room; the others stay.
	for i := range maxKnown {
		at := t0
		if i%2 == 0 {
			at = t0.Add(-knownFor)
		}
		k.add(cred(i), at)
	}
	k.add(cred(maxKnown), t0)
	if len(k.m) != maxKnown/2+1 || !k.has(cred(1), t0) || k.has(cred(2), t0) || !k.has(cred(maxKnown), t0) {
		t.Errorf("after pruning: %d credentials", len(k.m))
	}
}

func TestLimitersPrune(t *testing.T) {
	l := newLimiters(rate.Every(time.Hour), 2)
	for i := range maxLimiters {
		l.get(strconv.Itoa(i))
	}
	l.spend("1") // one bucket in use; the others are full, as good as new
	l.get("new")
	if len(l.m) != 2 || l.m["1"] == nil || l.m["new"] == nil {
		t.Errorf("after pruning full buckets: %d buckets", len(l.m))
	}
}

func TestForwardedClient(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	proxy := "10.0.0.5:443"
	for _, tc := range []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"no header", proxy, nil, "ip:10.0.0.5"},
		{"one hop", proxy, []string{"198.51.100.7"}, "ip:198.51.100.7"},
		{"forged entries to the left", proxy, []string{"203.0.113.1, 203.0.113.2, 198.51.100.7"}, "ip:198.51.100.7"},
		{"two proxies", proxy, []string{"198.51.100.7, 10.1.1.1"}, "ip:198.51.100.7"},
		{"header lines", proxy, []string{"203.0.113.1", "198.51.100.7", "10.1.1.1"}, "ip:198.51.100.7"},
		{"with port", proxy, []string{"198.51.100.7:5555"}, "ip:198.51.100.7"},
		{"v6", proxy, []string{"[2001:db8::7]:5555"}, "ip:2001:db8::/64"},
		{"v6 proxy", "[fd00::1]:443", []string{"2001:db8::7"}, "ip:2001:db8::/64"},
		{"garbage", proxy, []string{"198.51.100.7, bogus"}, "ip:10.0.0.5"},
		{"empty entry", proxy, []string{"198.51.100.7,,10.1.1.1"}, "ip:10.1.1.1"},
		{"only proxies", proxy, []string{"10.1.1.1, 10.2.2.2"}, "ip:10.1.1.1"},
		{"untrusted peer: header ignored", "192.0.2.1:1", []string{"198.51.100.7"}, "ip:192.0.2.1"},
		{"too many hops", proxy, []string{strings.Repeat("10.9.9.9,", 40) + "10.9.9.9"}, "ip:10.9.9.9"},
	} {
		if got := clientOf(trusted, tc.remote, http.Header{"X-Forwarded-For": tc.xff}); got != tc.want {
			t.Errorf("%s: clientAddress = %q, want %q", tc.name, got, tc.want)
		}
	}
	// Without trusted proxies the header is ignored.
	if got := clientOf(nil, proxy, http.Header{"X-Forwarded-For": {"198.51.100.7"}}); got != "ip:10.0.0.5" {
		t.Errorf("no trusted proxies: clientAddress = %q, want the peer", got)
	}
}

func TestForwardedHeader(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	proxy := "10.0.0.5:443"
	for _, tc := range []struct {
		name   string
		remote string
		fwd    []string
		xff    []string
		want   string
	}{
		{"one hop", proxy, []string{"for=198.51.100.7"}, nil, "ip:198.51.100.7"},
		{"other parameters", proxy, []string{"by=10.0.0.5;for=198.51.100.7;proto=https;host=example.com"}, nil, "ip:198.51.100.7"},
		{"case and spaces", proxy, []string{"  For=198.51.100.7 ; Proto=http  "}, nil, "ip:198.51.100.7"},
		{"quoted with port", proxy, []string{`for="198.51.100.7:4711"`}, nil, "ip:198.51.100.7"},
		{"unquoted port", proxy, []string{"for=198.51.100.7:4711"}, nil, "ip:198.51.100.7"},
		{"quoted v6", proxy, []string{`for="[2001:db8:cafe::17]"`}, nil, "ip:2001:db8:cafe::/64"},
		{"quoted v6 with port", proxy, []string{`for="[2001:db8:cafe::17]:4711"`}, nil, "ip:2001:db8:cafe::/64"},
		{"v4-mapped v6", proxy, []string{`for="[::ffff:198.51.100.7]"`}, nil, "ip:198.51.100.7"},
		{"escaped quoted string", proxy, []string{`for="198.51.100\.7"`}, nil, "ip:198.51.100.7"},
		{"forged elements to the left", proxy, []string{"for=203.0.113.1, for=203.0.113.2, for=198.51.100.7"}, nil, "ip:198.51.100.7"},
		{"two proxies", proxy, []string{"for=198.51.100.7, for=10.1.1.1;proto=https"}, nil, "ip:198.51.100.7"},
		{"header lines", proxy, []string{"for=203.0.113.1", "for=198.51.100.7", `for="[fd00::9]:80"`}, nil, "ip:198.51.100.7"},
		{"quoted comma", proxy, []string{`for=203.0.113.1;host="a,b", for=198.51.100.7`}, nil, "ip:198.51.100.7"},
		{"obfuscated node", proxy, []string{"for=198.51.100.7, for=_hidden"}, nil, "ip:10.0.0.5"},
		{"unknown node", proxy, []string{"for=198.51.100.7, for=unknown, for=10.1.1.1"}, nil, "ip:10.1.1.1"},
		{"obfuscated port", proxy, []string{`for="198.51.100.7:_p1"`}, nil, "ip:198.51.100.7"},
		{"bad port", proxy, []string{`for="198.51.100.7:99999999"`}, nil, "ip:10.0.0.5"},
		{"empty port", proxy, []string{`for="198.51.100.7:"`}, nil, "ip:10.0.0.5"},
		{"empty v6 port", proxy, []string{`for="[2001:db8::17]:"`}, nil, "ip:10.0.0.5"},
		{"v6 junk after bracket", proxy, []string{`for="[2001:db8::17]x"`}, nil, "ip:10.0.0.5"},
		{"bracketed v4", proxy, []string{`for="[198.51.100.7]"`}, nil, "ip:10.0.0.5"},
		{"unbracketed v6", proxy, []string{`for="2001:db8::17"`}, nil, "ip:10.0.0.5"},
		{"v6 zone", proxy, []string{`for="[fe80::1%eth0]"`}, nil, "ip:10.0.0.5"},
		{"element without for", proxy, []string{"for=198.51.100.7, proto=https"}, nil, "ip:10.0.0.5"},
		{"for twice", proxy, []string{"for=198.51.100.7;for=203.0.113.1"}, nil, "ip:10.0.0.5"},
		{"unterminated quote", proxy, []string{`for="198.51.100.7, for=10.1.1.1`}, nil, "ip:10.0.0.5"},
		{"unterminated quote on an earlier line", proxy, []string{`for="203.0.113.1`, "for=198.51.100.7"}, nil, "ip:198.51.100.7"},
		{"garbage after a value", proxy, []string{"for=198.51.100.7 x"}, nil, "ip:10.0.0.5"},
		{"empty elements", proxy, []string{"for=198.51.100.7,,for=10.1.1.1"}, nil, "ip:10.1.1.1"},
		{"untrusted peer: header ignored", "192.0.2.1:1", []string{"for=198.51.100.7"}, nil, "ip:192.0.2.1"},
		{"too many hops", proxy, []string{strings.Repeat("for=10.9.9.9,", 40) + "for=10.9.9.9"}, nil, "ip:10.9.9.9"},
		{"both headers agree", proxy, []string{"for=198.51.100.7"}, []string{"198.51.100.7"}, "ip:198.51.100.7"},
		{"both headers differ: the peer", proxy, []string{"for=203.0.113.66"}, []string{"198.51.100.7"}, "ip:10.0.0.5"},
	} {
		h := http.Header{"Forwarded": tc.fwd}
		if tc.xff != nil {
			h["X-Forwarded-For"] = tc.xff
		}
		if got := clientOf(trusted, tc.remote, h); got != tc.want {
			t.Errorf("%s: clientAddress = %q, want %q", tc.name, got, tc.want)
		}
	}
	// Without trusted proxies the header is ignored.
	if got := clientOf(nil, proxy, http.Header{"Forwarded": {"for=198.51.100.7"}}); got != "ip:10.0.0.5" {
		t.Errorf("no trusted proxies: clientAddress = %q, want the peer", got)
	}
}

// clientOf returns the client address of a request from remote with header h, to a server
// that trusts the proxies in trusted.
func clientOf(trusted []netip.Prefix, remote string, h http.Header) string {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = remote
	r.Header = h
	return (&Server{opts: Options{TrustedProxies: trusted}}).clientAddress(r)
}

// FuzzForwardedClient checks, for any X-Forwarded-For or Forwarded value a client sends,
// that the client address is the peer or an address the value names, and that a hop a
// trusted proxy appends on a line of its own is read whatever came before.
func FuzzForwardedClient(f *testing.F) {
	for _, s := range []string{"198.51.100.7", "203.0.113.1, 10.1.1.1", "[2001:db8::7]:5555", "bogus,,", "10.0.0.1:x, ::ffff:10.0.0.2",
		"for=198.51.100.7", `for="[2001:db8::7]:80";proto=https, for=10.1.1.1`, `for="unterminated`, "for=_obf;by=unknown", `host="a,b";for=1.2.3.4`} {
		f.Add(s, false)
		f.Add(s, true)
	}
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	peer := netip.MustParseAddr("10.0.0.5")
	client := netip.MustParseAddr("198.51.100.99")
	f.Fuzz(func(t *testing.T, value string, forwarded bool) {
		name, appended := "X-Forwarded-For", client.String()
		if forwarded {
			name, appended = "Forwarded", "for="+client.String()
		}
		h := http.Header{name: {value}}
		got := proxiedClient(peer, h, trusted)
		if !got.IsValid() {
			t.Fatalf("%s %q: an invalid address", name, value)
		}
		if got != peer && !strings.Contains(value, got.String()) && !strings.Contains(value, got.StringExpanded()) {
			// The address may be written in another form ("::ffff:…", leading zeros in
			// v6 groups): it must at least be one of the parsed hops.
			hops := xffHops(h.Values(name))
			if forwarded {
				hops = forwardedHops(h.Values(name))
			}
			if !slices.Contains(hops, got) {
				t.Errorf("%s %q = %v: neither the peer nor in the header", name, value, got)
			}
		}
		h.Add(name, appended)
		if got := proxiedClient(peer, h, trusted); got != client {
			t.Errorf("%s %q then %q = %v, want %v", name, value, appended, got, client)
		}
	})
}
