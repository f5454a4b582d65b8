package notify

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// checkURL parses a webhook URL and refuses what the server must not call: schemes other than
// http and https, credentials, and (unless allowPrivate) names and addresses that are not
// public. A name that resolves to a private address is refused when connecting.
func checkURL(raw string, allowPrivate bool) (*url.URL, error) {
	if len(raw) > MaxURL {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrURL, MaxURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: scheme %q (http or https)", ErrURL, u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q has no host", ErrURL, raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: credentials in the URL (authenticate the request with the webhook's secret)", ErrURL)
	}
	if u.Fragment != "" {
		return nil, fmt.Errorf("%w: fragment in the URL", ErrURL)
	}
	if allowPrivate {
		return u, nil
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return nil, fmt.Errorf("%w: %s is this machine", ErrURL, host)
	}
	if ip, err := netip.ParseAddr(host); err == nil && !public(ip) {
		return nil, fmt.Errorf("%w: %s is not a public address", ErrURL, ip)
	}
	return u, nil
}

// nonPublic are the IPv4 and IPv6 ranges beyond those netip classifies (loopback, private,
// link-local, multicast, unspecified) that a webhook must not reach: "this network",
// shared address space (carrier-grade NAT), IETF protocol assignments, benchmarking,
// documentation, reserved and broadcast, IPv6 discard and documentation.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// Prefixes of IPv6 addresses that embed an IPv4 address.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// public reports whether ip is an address on the public internet. IPv4 addresses embedded in
// IPv6 (mapped, NAT64, 6to4) are judged as IPv4.
func public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			return public(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(ip):
			return public(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// dialGuard refuses connections to addresses that are not public; it runs after name
// resolution, on the address actually dialled.
func dialGuard(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrURL, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrURL, err)
	}
	if !public(ip) {
		return fmt.Errorf("%w: %s is not a public address", ErrURL, ip)
	}
	return nil
}

// noRedirect makes a client return a redirect as the answer.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// newClient returns the client that sends webhooks: c without following redirects, or, when c
// is nil, a client of its own that connects only to public addresses (unless allowPrivate) and
// uses no proxy (a proxy would connect wherever it was asked).
func newClient(c *http.Client, allowPrivate bool) *http.Client {
	if c != nil {
		cc := *c
		cc.CheckRedirect = noRedirect
		return &cc
	}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = dialGuard
	}
	return &http.Client{
		CheckRedirect: noRedirect,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          64,
			MaxIdleConnsPerHost:   perWebhook,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
	}
}
