package access_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/server/access"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// clock is a settable time for access.SetClock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// openClocked opens the access data at dsn reading the time from a new clock, which starts at
// a fixed time.
func openClocked(t *testing.T, dsn string) (*access.Access, *clock) {
	a := open(t, dsn)
	c := &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	access.SetClock(a, c.now)
	return a, c
}

// tokenNamed returns the listed token called name.
func tokenNamed(t *testing.T, a *access.Access, name string) access.Token {
	t.Helper()
	list, err := a.Tokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range list {
		if tok.Name == name {
			return tok
		}
	}
	t.Fatalf("no token %q in %+v", name, list)
	return access.Token{}
}

func TestTokenExpiry(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		a, c := openClocked(t, dsn)
		ctx, start := context.Background(), c.t
		secret, tok, err := a.IssueToken(ctx, access.TokenRequest{Name: "ci", Scope: access.Ingest, Teams: []string{"web"}, Expires: start.Add(90 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if !tok.Expires.Equal(start.Add(90 * 24 * time.Hour)) {
			t.Errorf("IssueToken expires %v", tok.Expires)
		}
		never, _, err := a.CreateToken(ctx, "forever", access.Read, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.advance(90*24*time.Hour - time.Millisecond)
		if _, err := a.Authenticate(ctx, secret); err != nil {
			t.Fatalf("a millisecond before expiry: %v", err)
		}
		c.advance(time.Millisecond)
		_, err = a.Authenticate(ctx, secret)
		if !errors.Is(err, access.ErrExpired) || !errors.Is(err, access.ErrUnauthenticated) || !strings.Contains(err.Error(), "token expired at 2027-02-20T10:00:00Z") {
			t.Errorf("at expiry: %v, want ErrExpired (an ErrUnauthenticated) naming the time", err)
		}
		if _, err := a.Authenticate(ctx, never); err != nil {
			t.Errorf("token without expiry: %v", err)
		}
		got := tokenNamed(t, a, "ci")
		want := access.Token{ID: tok.ID, Name: "ci", Scope: "ingest", Teams: []string{"web"}, Created: start,
			Expires: start.Add(90 * 24 * time.Hour), LastUsed: start.Add(90*24*time.Hour - time.Millisecond)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("listed token (-want +got):\n%s", diff)
		}

		for _, bad := range []time.Time{c.t, c.t.Add(-time.Hour)} {
			if _, _, err := a.IssueToken(ctx, access.TokenRequest{Name: "old", Scope: access.Read, Expires: bad}); !errors.Is(err, access.ErrInvalid) {
				t.Errorf("IssueToken expiring %v (now %v) = %v, want ErrInvalid", bad, c.t, err)
			}
		}
	})
}

// TestTokenLastUse checks that authenticating records the last use at most once a minute.
func TestTokenLastUse(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		a, c := openClocked(t, dsn)
		ctx, start := context.Background(), c.t
		secret, _, err := a.CreateToken(ctx, "ci", access.Read, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := tokenNamed(t, a, "ci").LastUsed; !got.IsZero() {
			t.Errorf("last use before any: %v, want none", got)
		}
		steps := []struct {
			after time.Duration // since the previous step
			want  time.Duration // recorded last use, since start
		}{
			{0, 0},
			{30 * time.Second, 0},
			{29 * time.Second, 0},
			{time.Second, time.Minute}, // a minute after the recorded use
			{59 * time.Second, time.Minute},
			{10 * time.Minute, 11*time.Minute + 59*time.Second},
		}
		for i, s := range steps {
			c.advance(s.after)
			if _, err := a.Authenticate(ctx, secret); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if got := tokenNamed(t, a, "ci").LastUsed; !got.Equal(start.Add(s.want)) {
				t.Errorf("step %d (%v): last use %v, want %v", i, c.t.Sub(start), got.Sub(start), s.want)
			}
		}
		// A failed authentication records nothing.
		if err := a.Revoke(ctx, tokenNamed(t, a, "ci").ID); err != nil {
			t.Fatal(err)
		}
		c.advance(time.Hour)
		if _, err := a.Authenticate(ctx, secret); !errors.Is(err, access.ErrRevoked) || !errors.Is(err, access.ErrUnauthenticated) {
			t.Errorf("revoked token: %v, want ErrRevoked", err)
		}
		got := tokenNamed(t, a, "ci")
		if !got.LastUsed.Equal(start.Add(11*time.Minute+59*time.Second)) || !got.Revoked.Equal(start.Add(11*time.Minute+59*time.Second)) {
			t.Errorf("after revocation: last use %v, revoked %v", got.LastUsed.Sub(start), got.Revoked.Sub(start))
		}
	})
}

func TestRevokeNamed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := open(t, dsn)
		var ids []int64
		for _, name := range []string{"ci", "twin", "twin"} {
			_, tok, err := a.CreateToken(ctx, name, access.Read, nil)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tok.ID)
		}
		if id, err := a.RevokeNamed(ctx, "ci"); err != nil || id != ids[0] {
			t.Errorf("RevokeNamed(ci) = %d, %v; want %d", id, err, ids[0])
		}
		if _, err := a.RevokeNamed(ctx, "ci"); !errors.Is(err, access.ErrInvalid) || !strings.Contains(err.Error(), `no token named "ci"`) {
			t.Errorf("RevokeNamed(ci) again = %v, want ErrInvalid", err)
		}
		_, err := a.RevokeNamed(ctx, "twin")
		if !errors.Is(err, access.ErrInvalid) || !strings.Contains(err.Error(), "2 tokens are named") {
			t.Errorf("RevokeNamed(twin) = %v, want ErrInvalid naming both", err)
		}
		// Once one twin is revoked by ID, the name is unambiguous.
		if err := a.Revoke(ctx, ids[1]); err != nil {
			t.Fatal(err)
		}
		if id, err := a.RevokeNamed(ctx, "twin"); err != nil || id != ids[2] {
			t.Errorf("RevokeNamed(twin) after revoking one = %d, %v; want %d", id, err, ids[2])
		}
		list, err := a.Tokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range list {
			if tok.Revoked.IsZero() {
				t.Errorf("token %d %q not revoked", tok.ID, tok.Name)
			}
		}
	})
}

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		err  string
	}{
		{in: "90d", want: now.Add(90 * 24 * time.Hour)},
		{in: "12w", want: now.Add(12 * 7 * 24 * time.Hour)},
		{in: "36h", want: now.Add(36 * time.Hour)},
		{in: " 7d ", want: now.Add(7 * 24 * time.Hour)},
		{in: "2027-01-01", want: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{in: "2027-01-01T12:00:00+02:00", want: time.Date(2027, 1, 1, 10, 0, 0, 0, time.UTC)},
		{in: "never"},
		{in: "none"},
		{in: "36500d", want: now.Add(36500 * 24 * time.Hour)},
		{in: "36501d", err: "more than 100 years"},
		{in: "99999999999999999999d", err: "more than 100 years"},
		{in: "0d", err: "is zero"},
		{in: "2026-11-22", err: "not in the future"},
		{in: "2020-01-01", err: "not in the future"},
		{in: "2200-01-01", err: "more than 100 years"},
		{in: "-5d", err: "want a lifetime"},
		{in: "d", err: "want a lifetime"},
		{in: "90", err: "want a lifetime"},
		{in: "1.5d", err: "want a lifetime"},
		{in: "", err: "want a lifetime"},
		{in: "2027-02-30", err: "want a lifetime"},
		{in: strings.Repeat("9", 100), err: "longer than 64 bytes"},
	} {
		got, err := access.ParseExpiry(tc.in, now)
		if tc.err != "" {
			if !errors.Is(err, access.ErrInvalid) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseExpiry(%q) = %v, %v; want ErrInvalid with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseExpiry(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{"90d", "12w", "36h", "2027-01-01", "2027-01-01T12:00:00Z", "never", "0d", "99999999999999999999w"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := access.ParseExpiry(s, now)
		switch {
		case err != nil:
			if !errors.Is(err, access.ErrInvalid) {
				t.Errorf("ParseExpiry(%q): %v, not ErrInvalid", s, err)
			}
		case got.IsZero():
		case !got.After(now) || got.Sub(now) > access.MaxTokenLifetime:
			t.Errorf("ParseExpiry(%q) = %v: outside (now, now+%v]", s, got, access.MaxTokenLifetime)
		}
	})
}

// TestTokenLastUseReplicas authenticates one token on several replicas at once: each succeeds
// and the recorded last use is the time they share.
func TestTokenLastUseReplicas(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		const n = 8
		ctx := context.Background()
		first, c := openClocked(t, dsn)
		secret, _, err := first.CreateToken(ctx, "ci", access.Read, nil)
		if err != nil {
			t.Fatal(err)
		}
		replicas := []*access.Access{first}
		for len(replicas) < n {
			a := open(t, dsn)
			access.SetClock(a, c.now)
			replicas = append(replicas, a)
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, a := range replicas {
			wg.Go(func() { _, errs[i] = a.Authenticate(ctx, secret) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if got := tokenNamed(t, first, "ci").LastUsed; !got.Equal(c.t) {
			t.Errorf("last use %v, want %v", got, c.t)
		}
	})
}
