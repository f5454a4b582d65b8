package access_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/server/access"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

func TestExtendToken(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		a, c := openClocked(t, dsn)
		ctx, start := context.Background(), c.t
		day := 24 * time.Hour
		issue := func(name string, expires time.Time) (string, int64) {
			t.Helper()
			secret, tok, err := a.IssueToken(ctx, access.TokenRequest{Name: name, Scope: access.Read, Expires: expires})
			if err != nil {
				t.Fatal(err)
			}
			return secret, tok.ID
		}
		ciSecret, ci := issue("ci", start.Add(10*day))
		_, forever := issue("forever", time.Time{})
		_, revoked := issue("gone", start.Add(10*day))
		if err := a.Revoke(ctx, revoked); err != nil {
			t.Fatal(err)
		}
		_, twin1 := issue("twin", start.Add(day))
		_, twin2 := issue("twin", start.Add(day))

		// An expired token works again once extended; the listing shows the new expiry.
		c.advance(11 * day)
		if _, err := a.Authenticate(ctx, ciSecret); !errors.Is(err, access.ErrExpired) {
			t.Fatalf("before extending: %v, want ErrExpired", err)
		}
		ext, err := a.ExtendToken(ctx, ci, c.t.Add(30*day))
		if err != nil {
			t.Fatal(err)
		}
		want := &access.Extension{ID: ci, Name: "ci", Previous: start.Add(10 * day), Expires: c.t.Add(30 * day)}
		if diff := cmp.Diff(want, ext); diff != "" {
			t.Errorf("ExtendToken (-want +got):\n%s", diff)
		}
		if _, err := a.Authenticate(ctx, ciSecret); err != nil {
			t.Errorf("after extending: %v", err)
		}
		if got := tokenNamed(t, a, "ci").Expires; !got.Equal(c.t.Add(30 * day)) {
			t.Errorf("listed expiry %v, want %v", got, c.t.Add(30*day))
		}
		// Never expiring is a later expiry too.
		if ext, err := a.ExtendNamed(ctx, "ci", time.Time{}); err != nil || !ext.Expires.IsZero() || ext.ID != ci {
			t.Errorf("ExtendNamed(ci, never) = %+v, %v", ext, err)
		}
		if got := tokenNamed(t, a, "ci").Expires; !got.IsZero() {
			t.Errorf("listed expiry %v after extending to never", got)
		}

		for _, tc := range []struct {
			name    string
			extend  func() (*access.Extension, error)
			problem string
		}{
			{"never expires", func() (*access.Extension, error) { return a.ExtendToken(ctx, forever, c.t.Add(day)) }, "never expires"},
			{"revoked", func() (*access.Extension, error) { return a.ExtendToken(ctx, revoked, c.t.Add(day)) }, "was revoked at"},
			{"missing", func() (*access.Extension, error) { return a.ExtendToken(ctx, 9999, c.t.Add(day)) }, "no token 9999"},
			{"past", func() (*access.Extension, error) { return a.ExtendToken(ctx, twin1, c.t.Add(-time.Hour)) }, "not in the future"},
			{"too far", func() (*access.Extension, error) {
				return a.ExtendToken(ctx, twin1, c.t.Add(access.MaxTokenLifetime+day))
			}, "100 years"},
			{"ambiguous", func() (*access.Extension, error) { return a.ExtendNamed(ctx, "twin", c.t.Add(day)) }, "2 tokens are named"},
			{"revoked name", func() (*access.Extension, error) { return a.ExtendNamed(ctx, "gone", c.t.Add(day)) }, `no token named "gone"`},
		} {
			if ext, err := tc.extend(); !errors.Is(err, access.ErrInvalid) || !strings.Contains(err.Error(), tc.problem) {
				t.Errorf("%s: %+v, %v; want ErrInvalid saying %q", tc.name, ext, err, tc.problem)
			}
		}
		// Not earlier than the current expiry: revoking ends a token sooner.
		if _, err := a.ExtendToken(ctx, twin2, c.t.Add(40*day)); err != nil {
			t.Fatal(err)
		}
		if _, err := a.ExtendToken(ctx, twin2, c.t.Add(20*day)); !errors.Is(err, access.ErrInvalid) || !strings.Contains(err.Error(), "revoke it to end it sooner") {
			t.Errorf("an earlier expiry: %v, want ErrInvalid", err)
		}
		// Once one twin is revoked, the name is unambiguous.
		if err := a.Revoke(ctx, twin1); err != nil {
			t.Fatal(err)
		}
		if ext, err := a.ExtendNamed(ctx, "twin", c.t.Add(50*day)); err != nil || ext.ID != twin2 || !ext.Previous.Equal(c.t.Add(40*day)) {
			t.Errorf("ExtendNamed(twin) = %+v, %v; want token %d", ext, err, twin2)
		}
	})
}
