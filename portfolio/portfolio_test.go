package portfolio

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/format/cyclonedx"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
	"github.com/hallmark-dev/hallmark/version/lookup"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// fixture is a portfolio on a fresh database with a clock the test moves.
type fixture struct {
	t   testing.TB
	ctx context.Context
	st  *store.DB
	adv *vulndb.DB
	p   *Portfolio
	now time.Time
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newFixture(t testing.TB, dsn string) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, dsn)
	f := &fixture{t: t, ctx: ctx, st: st, adv: vulndb.FromStore(st, lookup.For), now: t0}
	f.p = New(st, f.adv)
	f.p.now = func() time.Time { return f.now }
	return f
}

func (f *fixture) importAdvisories(path string) {
	f.t.Helper()
	if _, err := f.adv.Import(f.ctx, path, nil); err != nil {
		f.t.Fatalf("importing %s: %v", path, err)
	}
}

func readSBOM(t testing.TB, name string) (*sbom.Inventory, []byte) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	inv, err := cyclonedx.Decode(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return inv, doc
}

func (f *fixture) ingest(team int64, name string, inv *sbom.Inventory, doc []byte) *IngestResult {
	f.t.Helper()
	res, err := f.p.Ingest(f.ctx, IngestRequest{TeamID: team, Name: name, Version: "1.0.0", Format: "CycloneDX 1.6", Document: doc, Inventory: inv})
	if err != nil {
		f.t.Fatalf("ingest: %v", err)
	}
	return res
}

// events reads the outbox: type, advisory and component name of each event, and checks that
// the payload names its own row.
func (f *fixture) events() []string {
	f.t.Helper()
	var out []string
	err := queryEach(f.ctx, f.st.SQL(), `SELECT id, type, payload FROM events ORDER BY id`, nil, func(r *sql.Rows) error {
		var id int64
		var typ, payload string
		if err := r.Scan(&id, &typ, &payload); err != nil {
			return err
		}
		var pl Payload
		if err := json.Unmarshal([]byte(payload), &pl); err != nil {
			return err
		}
		if pl.EventID != id || pl.Type != typ || pl.Finding.ID == 0 || pl.Artifact.ID == 0 || pl.Team == "" {
			return fmt.Errorf("event %d: payload %s", id, payload)
		}
		out = append(out, typ+" "+pl.Finding.Advisory+" "+pl.Finding.Component.Name+"@"+pl.Finding.Component.Version)
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) findings(sc Scope, artifact int64, state string) []string {
	f.t.Helper()
	items, _, err := f.p.Findings(f.ctx, sc, artifact, FindingQuery{State: state, Page: Page{Limit: 1000}})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.State+" "+it.Advisory+" "+it.Severity+" "+it.Component.Name+"@"+it.Component.Version)
	}
	return out
}

var all = Scope{All: true}

const (
	lodashAdv   = "GHSA-35jh-r3h4-6jhm"
	minimistAdv = "GHSA-xvch-5gv4-984h"
)

// TestLifecycle follows one artifact: upload with a known advisory, a new advisory and its
// re-evaluation, the affected answer with deployments, the advisory corrected so the finding
// resolves, and an identical re-upload that changes nothing.
func TestLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		f.importAdvisories("testdata/advisories")
		inv, doc := readSBOM(t, "app.cdx.json")
		res := f.ingest(1, "shop", inv, doc)
		if res.Components != 7 || res.Findings != 1 || res.Artifact.Team != "default" {
			t.Fatalf("ingest = %+v", res)
		}
		art := res.Artifact.ID
		if diff := cmp.Diff([]string{"open " + lodashAdv + " high lodash@4.17.20"}, f.findings(all, art, "")); diff != "" {
			t.Errorf("findings after ingest (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"finding.opened " + lodashAdv + " lodash@4.17.20"}, f.events()); diff != "" {
			t.Errorf("events after ingest (-want +got):\n%s", diff)
		}

		// A new advisory: re-evaluation opens a finding on minimist, found by range scan.
		f.now = t0.Add(24 * time.Hour)
		f.importAdvisories("testdata/later")
		st, err := f.p.Reevaluate(f.ctx, []string{minimistAdv})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&ReevalStats{Advisories: 1, Components: 1, Artifacts: 1, Opened: 1}, st); diff != "" {
			t.Errorf("reevaluate (-want +got):\n%s", diff)
		}
		wantEvents := []string{"finding.opened " + lodashAdv + " lodash@4.17.20", "finding.opened " + minimistAdv + " minimist@1.2.5"}
		if diff := cmp.Diff(wantEvents, f.events()); diff != "" {
			t.Errorf("events after reevaluate (-want +got):\n%s", diff)
		}
		a, err := f.p.Artifact(f.ctx, all, art)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int{"critical": 1, "high": 1, "medium": 0, "low": 0, "unknown": 0}, a.Open); diff != "" {
			t.Errorf("open counts (-want +got):\n%s", diff)
		}

		// Deployed twice to prod (the later one counts) and once to staging, then replaced
		// in staging by another artifact.
		if _, err := f.p.Deploy(f.ctx, all, Deployment{ArtifactDigest: res.Artifact.Digest, Environment: "prod", Target: "eu-1", Time: t0}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.p.Deploy(f.ctx, all, Deployment{ArtifactDigest: res.Artifact.Digest, Environment: "staging"}); err != nil {
			t.Fatal(err)
		}
		other := f.ingest(1, "other", &sbom.Inventory{Packages: []*sbom.Package{{ID: "x", Name: "left-pad", Version: "1.3.0", Ecosystem: "npm", PURL: "pkg:npm/left-pad@1.3.0"}}}, []byte("other"))
		f.now = f.now.Add(time.Hour)
		if _, err := f.p.Deploy(f.ctx, all, Deployment{ArtifactDigest: other.Artifact.Digest, Environment: "staging"}); err != nil {
			t.Fatal(err)
		}
		// The affected answer by alias.
		aff, err := f.p.AffectedBy(f.ctx, all, "CVE-2021-44906")
		if err != nil {
			t.Fatal(err)
		}
		if len(aff.Artifacts) != 1 || aff.Artifacts[0].ID != art || len(aff.Artifacts[0].Components) != 1 || aff.Artifacts[0].Components[0].Name != "minimist" {
			t.Errorf("affected artifacts = %+v", aff.Artifacts)
		}
		if diff := cmp.Diff([]string{minimistAdv}, aff.IDs); diff != "" {
			t.Errorf("affected IDs (-want +got):\n%s", diff)
		}
		if len(aff.Deployments) != 1 || aff.Deployments[0].Environment != "prod" || aff.Deployments[0].Target != "eu-1" {
			t.Errorf("affected deployments = %+v", aff.Deployments)
		}
		if _, err := f.p.AffectedBy(f.ctx, all, "CVE-0000-0000"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown advisory: %v, want ErrNotFound", err)
		}

		// The advisory is corrected: 1.2.5 is no longer affected, the finding resolves.
		f.now = t0.Add(72 * time.Hour)
		f.importAdvisories("testdata/corrected")
		st, err = f.p.Reevaluate(f.ctx, []string{minimistAdv})
		if err != nil {
			t.Fatal(err)
		}
		if st.Resolved != 1 || st.Opened != 0 {
			t.Errorf("reevaluate after correction = %+v", st)
		}
		wantEvents = append(wantEvents, "finding.resolved "+minimistAdv+" minimist@1.2.5")
		if diff := cmp.Diff(wantEvents, f.events()); diff != "" {
			t.Errorf("events after correction (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"resolved " + minimistAdv + " critical minimist@1.2.5"}, f.findings(all, art, "resolved")); diff != "" {
			t.Errorf("resolved findings (-want +got):\n%s", diff)
		}
		aff, err = f.p.AffectedBy(f.ctx, all, minimistAdv)
		if err != nil || len(aff.Artifacts) != 0 {
			t.Errorf("affected after correction = %+v, %v", aff, err)
		}
		// Reevaluating again changes nothing.
		if st, err := f.p.Reevaluate(f.ctx, []string{minimistAdv, lodashAdv}); err != nil || st.Opened+st.Resolved != 0 {
			t.Errorf("second reevaluate = %+v, %v", st, err)
		}

		// The same SBOM again: same artifact, same findings, no events.
		res2 := f.ingest(1, "shop", inv, doc)
		if res2.Artifact.ID != art || res2.Findings != 1 {
			t.Errorf("re-ingest = %+v", res2)
		}
		if diff := cmp.Diff(wantEvents, f.events()); diff != "" {
			t.Errorf("events after re-ingest (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"open " + lodashAdv + " high lodash@4.17.20", "resolved " + minimistAdv + " critical minimist@1.2.5"},
			f.findings(all, art, "all")); diff != "" {
			t.Errorf("findings after re-ingest (-want +got):\n%s", diff)
		}

		// The same digest without lodash: its finding resolves.
		inv2, _ := readSBOM(t, "app.cdx.json")
		inv2.Packages = inv2.Packages[1:]
		res3, err := f.p.Ingest(f.ctx, IngestRequest{TeamID: 1, Name: "shop", Digest: res.Artifact.Digest, Inventory: inv2})
		if err != nil {
			t.Fatal(err)
		}
		if res3.Artifact.ID != art || res3.Components != 6 || res3.Findings != 0 {
			t.Errorf("ingest without lodash = %+v", res3)
		}
		if diff := cmp.Diff([]string{"resolved " + lodashAdv + " high lodash@4.17.20", "resolved " + minimistAdv + " critical minimist@1.2.5"},
			f.findings(all, art, "all")); diff != "" {
			t.Errorf("findings without lodash (-want +got):\n%s", diff)
		}
		if ev := f.events(); ev[len(ev)-1] != "finding.resolved "+lodashAdv+" lodash@4.17.20" {
			t.Errorf("last event = %q", ev[len(ev)-1])
		}
	})
}

// TestDistroPackages: an OS package is matched through its source package and only by the
// advisories of its release, at upload and by re-evaluation (range scan on the source name).
func TestDistroPackages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		pkg := func(name, version string) *sbom.Package {
			return &sbom.Package{ID: name, Name: name, Version: version, Ecosystem: "Debian", SourceName: "openssl",
				PURL: "pkg:deb/debian/" + name + "@" + version + "?distro=debian-12", Properties: map[string]string{propOSEcosystem: "Debian:12"}}
		}
		inv := &sbom.Inventory{Packages: []*sbom.Package{pkg("libssl3", "3.0.11-1~deb12u2"), pkg("openssl", "3.0.15-1~deb12u1")}}
		res := f.ingest(1, "debian-image", inv, []byte("image"))
		if res.Findings != 0 {
			t.Fatalf("findings before the advisory: %d", res.Findings)
		}
		f.importAdvisories("testdata/debian")
		st, err := f.p.Reevaluate(f.ctx, []string{"TEST-DEB-11", "TEST-DEB-12"})
		if err != nil {
			t.Fatal(err)
		}
		if st.Opened != 1 {
			t.Errorf("reevaluate = %+v, want one finding opened", st)
		}
		if diff := cmp.Diff([]string{"open TEST-DEB-12 unknown libssl3@3.0.11-1~deb12u2"}, f.findings(all, res.Artifact.ID, "")); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
		aff, err := f.p.AffectedBy(f.ctx, all, "CVE-2024-5535")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"TEST-DEB-11", "TEST-DEB-12"}, aff.IDs); diff != "" {
			t.Errorf("alias group (-want +got):\n%s", diff)
		}
		if len(aff.Artifacts) != 1 || len(aff.Artifacts[0].Components) != 1 || aff.Artifacts[0].Components[0].Name != "libssl3" {
			t.Errorf("affected = %+v", aff.Artifacts)
		}
		// A second upload of an image with the same packages matches at once.
		if res := f.ingest(1, "debian-image-2", inv, []byte("image 2")); res.Findings != 1 {
			t.Errorf("findings at upload = %d, want 1", res.Findings)
		}
	})
}

// TestConcurrentReevaluate: replicas re-evaluating the same advisory at once open each finding
// once, with one event.
func TestConcurrentReevaluate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		for i := range 5 {
			inv, doc := readSBOM(t, "app.cdx.json")
			f.ingest(1, "shop", inv, append(doc, byte(i)))
		}
		f.importAdvisories("testdata/later")
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				_, err := f.p.Reevaluate(f.ctx, []string{minimistAdv})
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if ev := f.events(); len(ev) != 5 {
			t.Errorf("%d events, want 5: %q", len(ev), ev)
		}
	})
}

// TestExactVersions: advisories that list versions (no ranges) reach components by key and,
// for versions no scheme parses, by string.
func TestExactVersions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		art := f.ingest(1, "app", npmInventory("left-pad@1.3.0", "left-pad@1.3.1", "weird@banana", "weird@apple"), []byte("app")).Artifact
		dir := t.TempDir()
		doc := `{"schema_version":"1.6.0","id":"TEST-EXACT","modified":"2026-01-01T00:00:00Z","affected":[
			{"package":{"ecosystem":"npm","name":"left-pad"},"versions":["1.3.0","1.2.0"]},
			{"package":{"ecosystem":"npm","name":"weird"},"versions":["banana"]}]}`
		if err := os.WriteFile(filepath.Join(dir, "TEST-EXACT.json"), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		f.importAdvisories(dir)
		st, err := f.p.Reevaluate(f.ctx, []string{"TEST-EXACT"})
		if err != nil {
			t.Fatal(err)
		}
		if st.Opened != 2 || st.Components != 2 {
			t.Errorf("reevaluate = %+v, want 2 components, 2 opened", st)
		}
		want := []string{"open TEST-EXACT unknown left-pad@1.3.0", "open TEST-EXACT unknown weird@banana"}
		if diff := cmp.Diff(want, f.findings(all, art.ID, "")); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
	})
}
