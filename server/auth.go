package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
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

// maxForwardedHops bounds the hops proxiedClient reads from the right of a header.
const maxForwardedHops = 32

// proxiedClient returns the client address of a request whose TCP peer is peer: walking from
// the right (the hops the nearest proxies appended) through the addresses that X-Forwarded-For
// or Forwarded (RFC 7239, its for= parameters) lists, the first one outside the trusted
// networks. Hops further left are the client's to forge and are not read. The walk stops at
// the last trusted address it reached when a hop is not an IP address ("unknown", an
// obfuscated identifier such as "_hidden", garbage), when the headers run out, or after
// maxForwardedHops hops; an untrusted peer is the client itself.
//
// A request with one of the two headers is read from it. A request with both is read from
// both, and when they name different clients, the peer is the client: the server cannot tell
// which header its proxies wrote and which one the client sent, and a client must not choose
// its address by sending the header the proxies do not write.
func proxiedClient(peer netip.Addr, h http.Header, trusted []netip.Prefix) netip.Addr {
	xff, fwd := h.Values("X-Forwarded-For"), h.Values("Forwarded")
	switch {
	case len(fwd) == 0:
		return rightmostUntrusted(peer, xffHops(xff), trusted)
	case len(xff) == 0:
		return rightmostUntrusted(peer, forwardedHops(fwd), trusted)
	}
	a := rightmostUntrusted(peer, xffHops(xff), trusted)
	if b := rightmostUntrusted(peer, forwardedHops(fwd), trusted); a != b {
		return peer
	}
	return a
}

// rightmostUntrusted walks hops (left to right as the header lists them; an invalid address
// for a hop that is not an IP address) from the right, starting at peer, as proxiedClient
// describes.
func rightmostUntrusted(peer netip.Addr, hops []netip.Addr, trusted []netip.Prefix) netip.Addr {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	addr := peer
	for i, n := len(hops)-1, 0; i >= 0; i, n = i-1, n+1 {
		if !isTrusted(addr) || n == maxForwardedHops || !hops[i].IsValid() {
			return addr
		}
		addr = hops[i]
	}
	return addr
}

// hopList keeps the last maxForwardedHops hops appended to it, in order, in bounded memory
// however long the header.
type hopList []netip.Addr

func (l *hopList) add(a netip.Addr) {
	if len(*l) >= 2*maxForwardedHops {
		*l = append((*l)[:0], (*l)[len(*l)-maxForwardedHops:]...)
	}
	*l = append(*l, a)
}

// xffHops returns the hops of X-Forwarded-For header values: comma-separated IP addresses,
// perhaps with a port ("198.51.100.7", "[2001:db8::7]:5555"). Empty lines are skipped.
func xffHops(values []string) []netip.Addr {
	var hops hopList
	for _, v := range values {
		if strings.TrimSpace(v) == "" {
			continue
		}
		for entry := range strings.SplitSeq(v, ",") {
			hops.add(parseXFFEntry(strings.TrimSpace(entry)))
		}
	}
	return hops
}

// parseXFFEntry reads one X-Forwarded-For entry: an IP address, perhaps with a port; the
// invalid address when it is neither.
func parseXFFEntry(s string) netip.Addr {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("")
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	return netip.Addr{}
}

// forwardedHops returns the hops of Forwarded header values (RFC 7239 section 4): one per
// forwarded-element, the address of its for= parameter, or the invalid address when the
// element has none, has it twice, does not parse or names no IP address.
func forwardedHops(values []string) []netip.Addr {
	var hops hopList
	for _, v := range values {
		if strings.TrimSpace(v) == "" {
			continue
		}
		for rest := v; ; {
			var node string
			var ok, more bool
			node, ok, rest, more = nextForwardedElement(rest)
			a := netip.Addr{}
			if ok {
				a = parseForwardedNode(node)
			}
			hops.add(a)
			if !more {
				break
			}
		}
	}
	return hops
}

// nextForwardedElement reads the forwarded-element at the start of s: the value of its one
// for= parameter (unquoted) and whether the element is well formed with exactly one, the text
// after the element's comma, and whether there is one. An unterminated quoted string takes
// the rest of s.
func nextForwardedElement(s string) (node string, ok bool, rest string, more bool) {
	fors, bad := 0, false
	i := 0
	for {
		i = skipSpace(s, i)
		// forwarded-pair = token "=" value; an empty pair (";;") is allowed.
		start := i
		for i < len(s) && isTokenChar(s[i]) {
			i++
		}
		key := s[start:i]
		if key != "" {
			if i >= len(s) || s[i] != '=' {
				bad = true
			} else {
				var value string
				var closed bool
				value, i, closed = forwardedValue(s, i+1)
				if !closed {
					return "", false, "", false
				}
				if strings.EqualFold(key, "for") {
					fors++
					node = value
				}
			}
		}
		// Anything else before the next ';' or ',' makes the element malformed.
		i = skipSpace(s, i)
		for i < len(s) && s[i] != ';' && s[i] != ',' {
			bad = true
			if s[i] == '"' { // a stray quoted string may hide a comma
				if _, j, closed := forwardedValue(s, i); closed {
					i = j
					continue
				}
				return "", false, "", false
			}
			i++
		}
		if i >= len(s) {
			return node, !bad && fors == 1, "", false
		}
		if s[i] == ',' {
			return node, !bad && fors == 1, s[i+1:], true
		}
		i++ // ';'
	}
}

// forwardedValue reads a value (a token or a quoted string, RFC 7230 section 3.2.6) at s[i:]
// and returns it unquoted, the index after it, and false for an unterminated quoted string.
// An unquoted value runs to the next ';', ',' or space: IP addresses with a port or in
// brackets are read too, although RFC 7239 wants them quoted.
func forwardedValue(s string, i int) (value string, next int, closed bool) {
	if i < len(s) && s[i] == '"' {
		var b strings.Builder
		for i++; i < len(s); i++ {
			switch c := s[i]; c {
			case '"':
				return b.String(), i + 1, true
			case '\\':
				if i+1 < len(s) {
					i++
					b.WriteByte(s[i])
				}
			default:
				b.WriteByte(c)
			}
		}
		return "", len(s), false
	}
	start := i
	for i < len(s) && s[i] != ';' && s[i] != ',' && s[i] != ' ' && s[i] != '\t' && s[i] != '"' {
		i++
	}
	return s[start:i], i, true
}

// parseForwardedNode reads a node (RFC 7239 section 6): an IPv4 address or a bracketed IPv6
// address, with an optional port; the invalid address for "unknown", obfuscated identifiers
// ("_hidden") and anything else.
func parseForwardedNode(node string) netip.Addr {
	host, port, hasPort := node, "", false
	if rest, ok := strings.CutPrefix(node, "["); ok {
		h, after, ok := strings.Cut(rest, "]")
		if !ok || after != "" && after[0] != ':' {
			return netip.Addr{}
		}
		host, hasPort = h, after != ""
		if hasPort {
			port = after[1:]
		}
	} else {
		host, port, hasPort = strings.Cut(node, ":")
	}
	a, err := netip.ParseAddr(host)
	switch {
	case err != nil, a.Zone() != "", strings.HasPrefix(node, "[") != a.Is6(), hasPort && !validNodePort(port):
		return netip.Addr{}
	}
	return a.Unmap()
}

// validNodePort reports whether s is a node-port: 1 to 5 digits, or an obfuscated port ("_"
// followed by letters, digits, '.', '_' and '-').
func validNodePort(s string) bool {
	if s == "" || len(s) > maxNodePortLength {
		return false
	}
	if obf, ok := strings.CutPrefix(s, "_"); ok {
		return obf != "" && strings.Trim(obf, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == ""
	}
	return len(s) <= 5 && strings.Trim(s, "0123456789") == ""
}

// maxNodePortLength bounds an obfuscated port.
const maxNodePortLength = 64

// skipSpace returns the index of the first byte at or after i that is not a space or tab.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// isTokenChar reports whether c may appear in a token (RFC 7230 section 3.2.6).
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
