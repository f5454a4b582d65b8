package access_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/server/access"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

func open(t *testing.T, dsn string) *access.Access {
	t.Helper()
	return access.New(storetest.Open(t, dsn))
}

func TestScopes(t *testing.T) {
	for _, name := range []string{"read", "ingest", "triage", "admin"} {
		s, err := access.ParseScope(name)
		if err != nil || s.String() != name {
			t.Errorf("ParseScope(%q) = %v, %v", name, s, err)
		}
	}
	if _, err := access.ParseScope("root"); !errors.Is(err, access.ErrInvalid) {
		t.Errorf("ParseScope(root) error = %v, want ErrInvalid", err)
	}
	p := &access.Principal{Scope: access.Triage, TeamIDs: []int64{3}}
	if !p.Can(access.Ingest) || p.Can(access.Admin) {
		t.Errorf("triage principal: Can(ingest)=%v Can(admin)=%v", p.Can(access.Ingest), p.Can(access.Admin))
	}
	if diff := cmp.Diff(portfolio.Scope{Teams: []int64{3}}, p.Portfolio()); diff != "" {
		t.Errorf("Portfolio() (-want +got):\n%s", diff)
	}
	admin := &access.Principal{Scope: access.Admin}
	if !admin.Portfolio().All {
		t.Error("an admin does not see all teams")
	}
}

func TestTokens(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := open(t, dsn)
		boot, err := a.Bootstrap(ctx)
		if err != nil || !strings.HasPrefix(boot, access.TokenPrefix) {
			t.Fatalf("Bootstrap = %q, %v", boot, err)
		}
		if again, err := a.Bootstrap(ctx); err != nil || again != "" {
			t.Fatalf("second Bootstrap = %q, %v; want no token", again, err)
		}
		p, err := a.Authenticate(ctx, boot)
		if err != nil || p.Scope != access.Admin {
			t.Fatalf("Authenticate(bootstrap) = %+v, %v", p, err)
		}

		secret, tok, err := a.CreateToken(ctx, "ci", access.Ingest, []string{"payments", "default", "payments"})
		if err != nil {
			t.Fatal(err)
		}
		if len(secret) != len(access.TokenPrefix)+43 {
			t.Errorf("token %q: want the prefix and 32 bytes in base64", secret)
		}
		if diff := cmp.Diff([]string{"payments", "default"}, tok.Teams); diff != "" {
			t.Errorf("token teams (-want +got):\n%s", diff)
		}
		p, err = a.Authenticate(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		want := &access.Principal{Kind: "token", ID: tok.ID, Name: "ci", DisplayName: "ci", Scope: access.Ingest, TeamIDs: p.TeamIDs, TeamNames: []string{"default", "payments"}}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("principal (-want +got):\n%s", diff)
		}
		if len(p.TeamIDs) != 2 {
			t.Errorf("team IDs %v, want 2", p.TeamIDs)
		}

		list, err := a.Tokens(ctx)
		if err != nil || len(list) != 2 || list[1].Name != "ci" || len(list[1].Teams) != 2 {
			t.Errorf("Tokens = %+v, %v", list, err)
		}
		if err := a.Revoke(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if err := a.Revoke(ctx, tok.ID); !errors.Is(err, access.ErrInvalid) {
			t.Errorf("second Revoke = %v, want ErrInvalid", err)
		}
		for _, bad := range []string{secret, "", "hm_nope", "Bearer x", strings.Repeat("hm_", 1000)} {
			if _, err := a.Authenticate(ctx, bad); !errors.Is(err, access.ErrUnauthenticated) {
				t.Errorf("Authenticate(%.20q) = %v, want ErrUnauthenticated", bad, err)
			}
		}
		for _, bad := range []string{"", strings.Repeat("x", 300), "a\nb"} {
			if _, _, err := a.CreateToken(ctx, bad, access.Read, nil); !errors.Is(err, access.ErrInvalid) {
				t.Errorf("CreateToken(%.20q) = %v, want ErrInvalid", bad, err)
			}
		}
		if _, _, err := a.CreateToken(ctx, "x", 0, nil); !errors.Is(err, access.ErrInvalid) {
			t.Errorf("CreateToken with scope 0 = %v, want ErrInvalid", err)
		}
	})
}

func TestTeams(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := open(t, dsn)
		tm, created, err := a.EnsureTeam(ctx, "web")
		if err != nil || !created {
			t.Fatalf("EnsureTeam(web) = %v, %v, %v", tm, created, err)
		}
		again, created, err := a.EnsureTeam(ctx, "web")
		if err != nil || created || again != tm {
			t.Fatalf("EnsureTeam(web) again = %v, %v, %v", again, created, err)
		}
		got, err := a.TeamsNamed(ctx, []string{"web", "nope", "default", "web"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Name != "web" || got[1].Name != "default" {
			t.Errorf("TeamsNamed = %+v", got)
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := open(t, dsn)
		web, _, err := a.EnsureTeam(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		u := access.User{Issuer: "https://idp", Subject: "42", Email: "ann@example.com"}
		secret, err := a.CreateSession(ctx, u, access.Triage, []access.Team{web}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		p, err := a.Session(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != "user" || p.Name != "ann@example.com" || p.DisplayName != "ann@example.com" || p.Email != "ann@example.com" ||
			p.Scope != access.Triage || p.CSRF == "" {
			t.Errorf("session principal %+v", p)
		}
		if diff := cmp.Diff([]string{"web"}, p.TeamNames); diff != "" {
			t.Errorf("teams (-want +got):\n%s", diff)
		}
		// A second login of the same user is the same user.
		s2, err := a.CreateSession(ctx, u, access.Read, nil, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := a.Session(ctx, s2)
		if err != nil || p2.ID != p.ID || p2.CSRF == p.CSRF {
			t.Errorf("second session %+v, %v (first %+v)", p2, err, p)
		}
		if err := a.EndSession(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Session(ctx, secret); !errors.Is(err, access.ErrUnauthenticated) {
			t.Errorf("ended session: %v, want ErrUnauthenticated", err)
		}
		if _, err := a.CreateSession(ctx, access.User{}, access.Read, nil, time.Hour); !errors.Is(err, access.ErrInvalid) {
			t.Errorf("session without subject: %v", err)
		}
		if _, err := a.CreateSession(ctx, u, access.Read, nil, 365*24*time.Hour); !errors.Is(err, access.ErrInvalid) {
			t.Errorf("session for a year: %v", err)
		}
	})
}

func TestLogins(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := open(t, dsn)
		l, err := a.StartLogin(ctx, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.FinishLogin(ctx, l.State)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(l, got); diff != "" {
			t.Errorf("FinishLogin (-want +got):\n%s", diff)
		}
		if _, err := a.FinishLogin(ctx, l.State); !errors.Is(err, access.ErrUnauthenticated) {
			t.Errorf("second FinishLogin: %v, want ErrUnauthenticated", err)
		}
		if _, err := a.FinishLogin(ctx, "forged"); !errors.Is(err, access.ErrUnauthenticated) {
			t.Errorf("forged state: %v, want ErrUnauthenticated", err)
		}
	})
}

func TestLease(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := open(t, dsn)
		steps := []struct {
			holder string
			ttl    time.Duration
			want   bool
		}{
			{"a", time.Hour, true},
			{"b", time.Hour, false}, // a holds it
			{"a", time.Hour, true},  // renewal
			{"a", -time.Second, true},
			{"b", time.Hour, true}, // a's lease expired
			{"a", time.Hour, false},
		}
		for i, s := range steps {
			got, err := a.Lease(ctx, "sync", s.holder, s.ttl)
			if err != nil || got != s.want {
				t.Fatalf("step %d: Lease(%s) = %v, %v; want %v", i, s.holder, got, err, s.want)
			}
		}
		if err := a.ReleaseLease(ctx, "sync", "b"); err != nil {
			t.Fatal(err)
		}
		if got, err := a.Lease(ctx, "sync", "a", time.Hour); err != nil || !got {
			t.Errorf("Lease after release = %v, %v", got, err)
		}
	})
}

// TestReplicas runs what replicas do at the same time: starting (one bootstrap token in all)
// and taking the sync lease (one holder).
func TestReplicas(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		const n = 4
		replicas := make([]*access.Access, n)
		for i := range replicas {
			replicas[i] = open(t, dsn)
		}
		ctx := context.Background()
		tokens := make([]string, n)
		leases := make([]bool, n)
		errs := make([]error, 2*n)
		var wg sync.WaitGroup
		for i, a := range replicas {
			wg.Add(2)
			go func() { defer wg.Done(); tokens[i], errs[i] = a.Bootstrap(ctx) }()
			go func() { defer wg.Done(); leases[i], errs[n+i] = a.Lease(ctx, "sync", fmt.Sprint("r", i), time.Hour) }()
		}
		wg.Wait()
		made, held := 0, 0
		for i := 0; i < n; i++ {
			if tokens[i] != "" {
				made++
			}
			if leases[i] {
				held++
			}
		}
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if made != 1 || held != 1 {
			t.Errorf("%d bootstrap tokens and %d lease holders, want one of each", made, held)
		}
	})
}

// TestSessionNames checks how a session names its user: audit trails by email first, the UI
// by name first.
func TestSessionNames(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := open(t, dsn)
		type names struct{ Name, DisplayName, Email string }
		for _, tc := range []struct {
			user access.User
			want names
		}{
			{access.User{Subject: "1", Email: "ann@example.com", Name: "Ann Example", Username: "ann"}, names{"ann@example.com", "Ann Example", "ann@example.com"}},
			{access.User{Subject: "2", Email: "bo@example.com", Username: "bo"}, names{"bo@example.com", "bo", "bo@example.com"}},
			{access.User{Subject: "3", Name: "Cy Example", Username: "cy"}, names{"Cy Example", "Cy Example", ""}},
			{access.User{Subject: "4", Username: "di"}, names{"di", "di", ""}},
			{access.User{Subject: "5", Email: "ed@example.com"}, names{"ed@example.com", "ed@example.com", "ed@example.com"}},
			{access.User{Subject: "6"}, names{"6", "6", ""}},
		} {
			tc.user.Issuer = "https://idp"
			secret, err := a.CreateSession(ctx, tc.user, access.Read, nil, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			p, err := a.Session(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, names{p.Name, p.DisplayName, p.Email}); diff != "" {
				t.Errorf("user %+v (-want +got):\n%s", tc.user, diff)
			}
		}
	})
}
