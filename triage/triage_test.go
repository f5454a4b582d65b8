package triage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// fixture is a small portfolio: teams red and blue; red's artifacts app and svc, blue's
// artifact other; findings of lodash (GHSA-35jh-r3h4-6jhm, alias CVE-2021-23337) and foo-bar
// (PYSEC-2099-1).
type fixture struct {
	st        *store.DB
	tr        *Triage
	red, blue int64
	appDigest string
	// Findings: lodash 4.17.20 in app, in svc; lodash 4.17.15 in svc; foo-bar 1.0 in app;
	// lodash 4.17.20 in blue's other; a component without purl in app.
	appLodash, svcLodash, svcOldLodash, appFoo, otherLodash, appNoPurl int64
	clock                                                              time.Time
}

const (
	ghsa = "GHSA-35jh-r3h4-6jhm"
	cve  = "CVE-2021-23337"
)

func newFixture(t testing.TB, dsn string) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, dsn)
	f := &fixture{st: st, tr: New(st), clock: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f.tr.now = func() time.Time {
		f.clock = f.clock.Add(time.Second)
		return f.clock
	}
	id := func(q string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := st.SQL().QueryRowContext(ctx, q+" RETURNING id", args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	f.red = id(`INSERT INTO teams (name, created_at) VALUES ('red', 0)`)
	f.blue = id(`INSERT INTO teams (name, created_at) VALUES ('blue', 0)`)
	f.appDigest = "sha256:" + string(make64('a'))
	artifact := func(team int64, name, digest string) int64 {
		return id(`INSERT INTO artifacts (team_id, name, version, digest, format, created_at, updated_at)
			VALUES (?, ?, '1', ?, 'CycloneDX 1.6', 0, 0)`, team, name, digest)
	}
	app := artifact(f.red, "app", f.appDigest)
	svc := artifact(f.red, "svc", "sha256:"+string(make64('b')))
	other := artifact(f.blue, "other", f.appDigest)
	finding := func(art int64, purl, eco, name, version, advisory, aliases string) int64 {
		c := id(`INSERT INTO components (artifact_id, ref, purl, ecosystem, release, name, source_name, version)
			VALUES (?, ?, ?, ?, '', ?, '', ?)`, art, name+"@"+version, purl, eco, name, version)
		return id(`INSERT INTO findings (artifact_id, component_id, purl, advisory_id, aliases, state, opened_at)
			VALUES (?, ?, ?, ?, ?, 'open', 0)`, art, c, purl, advisory, aliases)
	}
	lodashAliases := `["` + cve + `"]`
	f.appLodash = finding(app, "pkg:npm/lodash@4.17.20", "npm", "lodash", "4.17.20", ghsa, lodashAliases)
	f.svcLodash = finding(svc, "pkg:npm/lodash@4.17.20", "npm", "lodash", "4.17.20", ghsa, lodashAliases)
	f.svcOldLodash = finding(svc, "pkg:npm/lodash@4.17.15", "npm", "lodash", "4.17.15", ghsa, lodashAliases)
	f.appFoo = finding(app, "pkg:pypi/foo-bar@1.0", "PyPI", "foo-bar", "1.0", "PYSEC-2099-1", `[]`)
	f.otherLodash = finding(other, "pkg:npm/lodash@4.17.20", "npm", "lodash", "4.17.20", ghsa, lodashAliases)
	f.appNoPurl = finding(app, "", "", "vendored", "1", ghsa, lodashAliases)
	return f
}

func make64(c byte) []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return b
}

func ptr(id int64) *int64 { return &id }

// states reduces For's answer to finding → "state by author".
func states(m map[int64]Analysis) map[int64]string {
	out := map[int64]string{}
	for id, a := range m {
		out[id] = a.State + " by " + a.Author
	}
	return out
}

func TestFor(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newFixture(t, dsn)
		red := portfolio.Scope{Teams: []int64{f.red}}
		all := []int64{f.appLodash, f.svcLodash, f.svcOldLodash, f.appFoo, f.otherLodash, f.appNoPurl, 999}
		steps := []struct {
			name string
			set  Analysis
			sc   portfolio.Scope
			want map[int64]string
		}{{
			name: "per advisory by alias, every version",
			set:  Analysis{Advisory: cve, Purl: "pkg:npm/lodash", State: InTriage, Author: "ann"},
			sc:   red,
			want: map[int64]string{f.appLodash: "in_triage by ann", f.svcLodash: "in_triage by ann", f.svcOldLodash: "in_triage by ann"},
		}, {
			name: "a later one for one version wins for that version",
			set: Analysis{TeamID: f.red, Advisory: ghsa, Purl: "pkg:npm/lodash@4.17.20?arch=x", State: NotAffected,
				Justification: "vulnerable_code_not_in_execute_path", Author: "bob"},
			sc:   red,
			want: map[int64]string{f.appLodash: "not_affected by bob", f.svcLodash: "not_affected by bob", f.svcOldLodash: "in_triage by ann"},
		}, {
			name: "a finding's own wins over a later per-advisory one",
			set:  Analysis{FindingID: ptr(f.svcLodash), State: Affected, Action: "upgrade to 4.17.21", Author: "cat"},
			sc:   red,
			want: map[int64]string{f.appLodash: "not_affected by bob", f.svcLodash: "affected by cat", f.svcOldLodash: "in_triage by ann"},
		}, {
			name: "then the per-advisory one changes again",
			set:  Analysis{Advisory: cve, Purl: "pkg:npm/lodash", State: Resolved, Author: "ann", Comment: "all upgraded"},
			sc:   red,
			want: map[int64]string{f.appLodash: "resolved by ann", f.svcLodash: "affected by cat", f.svcOldLodash: "resolved by ann"},
		}, {
			name: "PyPI names normalised",
			set:  Analysis{Advisory: "pysec-2099-1", Purl: "pkg:pypi/Foo_Bar", State: FalsePositive, Author: "dan"},
			sc:   red,
			want: map[int64]string{f.appLodash: "resolved by ann", f.svcLodash: "affected by cat", f.svcOldLodash: "resolved by ann", f.appFoo: "false_positive by dan"},
		}, {
			name: "blue's analysis does not reach red",
			set:  Analysis{Advisory: ghsa, Purl: "pkg:npm/lodash", State: InTriage, Author: "eve"},
			sc:   portfolio.Scope{Teams: []int64{f.blue}},
			want: map[int64]string{f.otherLodash: "in_triage by eve"},
		}}
		for _, s := range steps {
			if _, err := f.tr.Set(ctx, s.sc, s.set); err != nil {
				t.Fatalf("%s: Set: %v", s.name, err)
			}
			got, err := f.tr.For(ctx, s.sc, all)
			if err != nil {
				t.Fatalf("%s: For: %v", s.name, err)
			}
			if diff := cmp.Diff(s.want, states(got)); diff != "" {
				t.Errorf("%s: For (-want +got):\n%s", s.name, diff)
			}
		}
		got, err := f.tr.For(ctx, portfolio.Scope{All: true}, all)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 5 {
			t.Errorf("For with every team: %d analyses, want 5: %v", len(got), states(got))
		}
		if got, err := f.tr.For(ctx, portfolio.Scope{}, all); err != nil || len(got) != 0 {
			t.Errorf("For with no team = %v, %v; want nothing", got, err)
		}
	})
}

func TestSetRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newFixture(t, dsn)
		red := portfolio.Scope{Teams: []int64{f.red}}
		both := portfolio.Scope{Teams: []int64{f.red, f.blue}}
		for _, c := range []struct {
			name string
			sc   portfolio.Scope
			a    Analysis
			want error
		}{
			{"unknown state", red, Analysis{FindingID: ptr(f.appLodash), State: "wontfix", Author: "a"}, portfolio.ErrInvalid},
			{"not_affected without justification", red, Analysis{FindingID: ptr(f.appLodash), State: NotAffected, Comment: "trust me", Author: "a"}, portfolio.ErrInvalid},
			{"unknown justification", red, Analysis{FindingID: ptr(f.appLodash), State: NotAffected, Justification: "not_my_problem", Author: "a"}, portfolio.ErrInvalid},
			{"justification with affected", red, Analysis{FindingID: ptr(f.appLodash), State: Affected, Action: "x", Justification: "component_not_present", Author: "a"}, portfolio.ErrInvalid},
			{"affected without action", red, Analysis{FindingID: ptr(f.appLodash), State: Affected, Author: "a"}, portfolio.ErrInvalid},
			{"action with in_triage", red, Analysis{FindingID: ptr(f.appLodash), State: InTriage, Action: "x", Author: "a"}, portfolio.ErrInvalid},
			{"no author", red, Analysis{FindingID: ptr(f.appLodash), State: InTriage}, portfolio.ErrInvalid},
			{"neither finding nor package", red, Analysis{Advisory: ghsa, State: InTriage, Author: "a"}, portfolio.ErrInvalid},
			{"bad purl", red, Analysis{Advisory: ghsa, Purl: "npm/lodash", State: InTriage, Author: "a"}, portfolio.ErrInvalid},
			{"advisory with spaces", red, Analysis{Advisory: "CVE 1", Purl: "pkg:npm/lodash", State: InTriage, Author: "a"}, portfolio.ErrInvalid},
			{"which team", both, Analysis{Advisory: ghsa, Purl: "pkg:npm/lodash", State: InTriage, Author: "a"}, portfolio.ErrInvalid},
			{"another team's finding", red, Analysis{FindingID: ptr(f.otherLodash), State: InTriage, Author: "a"}, portfolio.ErrNotFound},
			{"a finding of another team than named", both, Analysis{TeamID: f.blue, FindingID: ptr(f.appLodash), State: InTriage, Author: "a"}, portfolio.ErrNotFound},
			{"no such finding", red, Analysis{FindingID: ptr(12345), State: InTriage, Author: "a"}, portfolio.ErrNotFound},
			{"another team", red, Analysis{TeamID: f.blue, Advisory: ghsa, Purl: "pkg:npm/lodash", State: InTriage, Author: "a"}, portfolio.ErrNotFound},
			{"no such team", portfolio.Scope{All: true}, Analysis{TeamID: 777, Advisory: ghsa, Purl: "pkg:npm/lodash", State: InTriage, Author: "a"}, portfolio.ErrNotFound},
		} {
			if _, err := f.tr.Set(ctx, c.sc, c.a); !errors.Is(err, c.want) {
				t.Errorf("%s: Set error %v, want %v", c.name, err, c.want)
			}
		}
		if got, err := f.tr.Audit(ctx, portfolio.Scope{All: true}, "", 0); err != nil || len(got) != 0 {
			t.Errorf("refused changes left an audit trail: %v, %v", got, err)
		}
	})
}

func TestAudit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newFixture(t, dsn)
		red := portfolio.Scope{Teams: []int64{f.red}}
		sets := []Analysis{
			{FindingID: ptr(f.appLodash), State: InTriage, Author: "ann", Comment: "looking"},
			{FindingID: ptr(f.appLodash), State: NotAffected, Justification: "vulnerable_code_not_present", Author: "bob", Comment: "patched fork"},
			{Advisory: "PYSEC-2099-1", Purl: "pkg:pypi/foo-bar", State: Affected, Action: "pin 1.0.post1", Author: "cat"},
			{FindingID: ptr(f.appLodash), State: Resolved, Author: "ann"},
		}
		var ids []int64
		for _, a := range sets {
			got, err := f.tr.Set(ctx, red, a)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, got.ID)
		}
		if ids[0] != ids[1] || ids[1] != ids[3] || ids[2] == ids[0] {
			t.Errorf("analysis IDs %v: want one per finding or advisory and package", ids)
		}
		if _, err := f.tr.Set(ctx, portfolio.Scope{Teams: []int64{f.blue}},
			Analysis{FindingID: ptr(f.otherLodash), State: InTriage, Author: "eve"}); err != nil {
			t.Fatal(err)
		}
		type entry struct {
			Prev, State, Author, Comment, Justification, Purl string
			Finding                                           bool
		}
		reduce := func(es []AuditEntry) []entry {
			var out []entry
			for _, e := range es {
				out = append(out, entry{e.PrevState, e.State, e.Author, e.Comment, e.Justification, e.Purl, e.FindingID != nil})
				if e.Time.IsZero() || e.TeamID != f.red {
					t.Errorf("entry %d: time %v, team %d", e.ID, e.Time, e.TeamID)
				}
			}
			return out
		}
		got, err := f.tr.Audit(ctx, red, "ghsa-35JH-r3h4-6jhm", 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []entry{
			{"not_affected", "resolved", "ann", "", "", "", true},
			{"in_triage", "not_affected", "bob", "patched fork", "vulnerable_code_not_present", "", true},
			{"", "in_triage", "ann", "looking", "", "", true},
		}
		if diff := cmp.Diff(want, reduce(got)); diff != "" {
			t.Errorf("Audit(GHSA) (-want +got):\n%s", diff)
		}
		got, err = f.tr.Audit(ctx, red, "", 2)
		if err != nil {
			t.Fatal(err)
		}
		want = []entry{
			{"not_affected", "resolved", "ann", "", "", "", true},
			{"", "affected", "cat", "", "", "pkg:pypi/foo-bar", false},
		}
		if diff := cmp.Diff(want, reduce(got)); diff != "" {
			t.Errorf("Audit(all, 2) (-want +got):\n%s", diff)
		}
		list, err := f.tr.Analyses(ctx, red, "GHSA-35JH-R3H4-6JHM")
		if err != nil || len(list) != 1 || list[0].State != Resolved || *list[0].FindingID != f.appLodash || list[0].Purl != "" {
			t.Errorf("Analyses(GHSA) = %+v, %v; want the app finding's, resolved", list, err)
		}
		if list, err := f.tr.Analyses(ctx, red, "pysec-2099-1"); err != nil || len(list) != 1 || list[0].Purl != "pkg:pypi/foo-bar" {
			t.Errorf("Analyses(PYSEC) = %+v, %v; want foo-bar's", list, err)
		}
		all, err := f.tr.Audit(ctx, portfolio.Scope{All: true}, "", 0)
		if err != nil || len(all) != 5 {
			t.Errorf("Audit with every team: %d entries, %v; want 5", len(all), err)
		}
		// Every change has its audit row, and the analysis's time is the last one's.
		var analyses, audits int
		f.st.SQL().QueryRow(`SELECT COUNT(*) FROM triage_analyses`).Scan(&analyses)
		f.st.SQL().QueryRow(`SELECT COUNT(*) FROM triage_audit`).Scan(&audits)
		if analyses != 3 || audits != 5 {
			t.Errorf("%d analyses and %d audit rows, want 3 and 5", analyses, audits)
		}
	})
}

// TestSetConcurrent records analyses of one new key from several goroutines at once: every
// change succeeds and leaves one audit row, and the rows form one chain (each one's previous
// state is the state its predecessor set).
func TestSetConcurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newFixture(t, dsn)
		red := portfolio.Scope{Teams: []int64{f.red}}
		f.tr.now = time.Now // the fixture's clock is not safe for concurrent use
		const n = 8
		errs := make(chan error, n)
		for i := range n {
			go func() {
				state := []string{InTriage, Resolved, FalsePositive}[i%3]
				_, err := f.tr.Set(ctx, red, Analysis{Advisory: ghsa, Purl: "pkg:npm/lodash", State: state, Author: "bot"})
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		audit, err := f.tr.Audit(ctx, red, ghsa, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(audit) != n {
			t.Fatalf("%d audit rows, want %d", len(audit), n)
		}
		for i := len(audit) - 1; i >= 0; i-- { // oldest first
			want := ""
			if i < len(audit)-1 {
				want = audit[i+1].State
			}
			if audit[i].PrevState != want || audit[i].AnalysisID != audit[0].AnalysisID {
				t.Errorf("audit row %d: previous state %q, want %q (analysis %d)", audit[i].ID, audit[i].PrevState, want, audit[i].AnalysisID)
			}
		}
	})
}
