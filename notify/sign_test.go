package notify

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

// TestSign compares with a signature computed independently:
// printf '%s' '1795660800.{"a":1}' | openssl dgst -sha256 -hmac secret
func TestSign(t *testing.T) {
	const want = "sha256=c1106a1990b7446e575572dd5401b9ca9d171f51dcba4fdc6ca3c1f9a2d1d1ba"
	if got := Sign("secret", "1795660800", []byte(`{"a":1}`)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"type":"finding.opened"}`)
	sig := Sign(testSecret, "1795660800", body)
	tests := []struct {
		name                  string
		secret, ts, signature string
		body                  []byte
		ok                    bool
	}{
		{"valid", testSecret, "1795660800", sig, body, true},
		{"other secret", testSecret + "x", "1795660800", sig, body, false},
		{"other timestamp", testSecret, "1795660801", sig, body, false},
		{"other body", testSecret, "1795660800", sig, []byte(`{"type":"finding.resolved"}`), false},
		{"no prefix", testSecret, "1795660800", sig[len("sha256="):], body, false},
		{"not hex", testSecret, "1795660800", "sha256=zz", body, false},
		{"short", testSecret, "1795660800", sig[:20], body, false},
		{"upper-case hex", testSecret, "1795660800", "sha256=" + upper(sig[len("sha256="):]), body, true},
		{"empty", testSecret, "1795660800", "", body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.ts, tt.body, tt.signature)
			if tt.ok != (err == nil) || (err != nil && !errors.Is(err, ErrSignature)) {
				t.Errorf("Verify = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func TestCheckTimestamp(t *testing.T) {
	now := time.Unix(1795660800, 0)
	tests := []struct {
		ts string
		ok bool
	}{
		{"1795660800", true},
		{strconv.FormatInt(now.Add(-4*time.Minute).Unix(), 10), true},
		{strconv.FormatInt(now.Add(4*time.Minute).Unix(), 10), true},
		{strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10), false},
		{strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10), false},
		{"", false},
		{"1795660800.5", false},
		{"-9223372036854775808", false},
		{"9223372036854775807", false},
	}
	for _, tt := range tests {
		err := CheckTimestamp(tt.ts, now, 5*time.Minute)
		if tt.ok != (err == nil) || (err != nil && !errors.Is(err, ErrTimestamp)) {
			t.Errorf("CheckTimestamp(%q) = %v, want ok %v", tt.ts, err, tt.ok)
		}
	}
}

func TestPublic(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"8.8.8.8", true},
		{"140.82.112.3", true},
		{"2606:4700::1111", true},
		{"127.0.0.1", false},
		{"127.1.2.3", false},
		{"10.0.0.1", false},
		{"172.16.5.4", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"100.64.0.1", false},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"255.255.255.255", false},
		{"224.0.0.1", false},
		{"198.18.0.1", false},
		{"::1", false},
		{"::", false},
		{"fe80::1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"ff02::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::a00:1", false},   // NAT64 of 10.0.0.1
		{"64:ff9b::808:808", true},  // NAT64 of 8.8.8.8
		{"2002:c0a8:101::1", false}, // 6to4 of 192.168.1.1
		{"2001:db8::1", false},
	}
	for _, tt := range tests {
		if got := public(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("public(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

// TestDialGuard: the default client refuses to connect to a private address whatever the URL
// says (here a loopback test server), and follows no redirect.
func TestDialGuard(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	_, err := newClient(nil, false).Get(srv.URL)
	if !errors.Is(err, ErrURL) {
		t.Errorf("guarded client: %v, want ErrURL", err)
	}
	// A client of the caller's is used as it is (it decides where it connects) but follows no
	// redirect either, and is not changed.
	callers := &http.Client{}
	for name, c := range map[string]*http.Client{"private allowed": newClient(nil, true), "caller's": newClient(callers, false)} {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatalf("%s client: %v", name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Errorf("%s client: status %d, want the redirect itself (302)", name, resp.StatusCode)
		}
	}
	if callers.CheckRedirect != nil {
		t.Error("the caller's client was changed")
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("secret", "1795660800", []byte(`{"a":1}`), "sha256=00")
	f.Add("", "", []byte{}, "")
	f.Fuzz(func(t *testing.T, secret, ts string, body []byte, sig string) {
		Verify(secret, ts, body, sig)
		CheckTimestamp(ts, time.Now(), 5*time.Minute)
		if err := Verify(secret, ts, body, Sign(secret, ts, body)); err != nil {
			t.Errorf("Verify(Sign) = %v", err)
		}
	})
}

func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://example.com/hook", "http://[::1]:80/", "http://127.0.0.1/", "ftp://x", "https://u:p@h/", "http://[fe80::1%25eth0]/", "http://localhost./"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := checkURL(raw, false)
		if err != nil {
			if !errors.Is(err, ErrURL) {
				t.Errorf("checkURL(%q) = %v, not ErrURL", raw, err)
			}
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.User != nil || u.Hostname() == "" {
			t.Errorf("checkURL(%q) accepted %#v", raw, u)
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !public(ip) {
			t.Errorf("checkURL(%q) accepted the private address %s", raw, ip)
		}
	})
}
