package server

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// TestPortfolioRoutes walks every portfolio route's happy path: ingest, advisory, the affected
// answer, findings with triage, deployments, components, paths, metrics and the OpenVEX
// export, and checks that another team sees none of it.
func TestPortfolioRoutes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		resp, body := f.postSBOM(f.ingestA, "name=shop&version=1.0.0", sbomDoc("shop"), true)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST sbom: %d %s", resp.StatusCode, body)
		}
		var ing portfolio.IngestResult
		if err := jsonUnmarshal(body, &ing); err != nil {
			t.Fatal(err)
		}
		if ing.Artifact.Name != "shop" || ing.Components != 2 || !strings.HasPrefix(ing.Artifact.Digest, "sha256:") {
			t.Errorf("ingest answer %+v", ing)
		}
		id := ing.Artifact.ID
		art := fmt.Sprintf("/api/v1/artifacts/%d", id)

		var adv advisoriesResult
		f.call("POST", "/api/v1/advisories?wait=true", f.admin, []byte(lodashAdvisory), http.StatusOK, &adv)
		if diff := cmp.Diff([]string{"GHSA-35jh-r3h4-6jhm"}, adv.Changed); diff != "" || adv.Added != 1 || adv.Queued {
			t.Errorf("advisory import %+v (-want +got changed):\n%s", adv, diff)
		}
		if adv.Reevaluation == nil || adv.Reevaluation.Opened != 1 {
			t.Errorf("re-evaluation %+v, want one finding opened", adv.Reevaluation)
		}
		// Posting it again changes nothing.
		f.call("POST", "/api/v1/advisories", f.admin, []byte(lodashAdvisory), http.StatusOK, &adv)
		if adv.Unchanged != 1 || len(adv.Changed) != 0 {
			t.Errorf("second import %+v, want unchanged", adv)
		}

		var osvDoc struct{ ID string }
		f.call("GET", "/api/v1/advisories/GHSA-35jh-r3h4-6jhm", f.readB, nil, http.StatusOK, &osvDoc)
		f.call("GET", "/api/v1/advisories/CVE-2021-23337", f.readB, nil, http.StatusOK, &osvDoc)
		if osvDoc.ID != "GHSA-35jh-r3h4-6jhm" {
			t.Errorf("advisory by alias: %+v", osvDoc)
		}

		digest := ing.Artifact.Digest
		var dep portfolio.Deployment
		f.call("POST", "/api/v1/deployments", f.ingestA, map[string]string{"artifact_digest": digest, "environment": "prod", "target": "eu-1"}, http.StatusCreated, &dep)
		if dep.ArtifactID != id || dep.Environment != "prod" {
			t.Errorf("deployment %+v", dep)
		}
		// Team b cannot deploy team a's artifact: it does not exist for b.
		f.call("POST", "/api/v1/deployments", f.admin, map[string]string{"artifact_digest": "sha256:" + strings.Repeat("1", 64), "environment": "prod"}, http.StatusNotFound, nil)

		var aff portfolio.Affected
		f.call("GET", "/api/v1/advisories/CVE-2021-23337/affected", f.ingestA, nil, http.StatusOK, &aff)
		if len(aff.Artifacts) != 1 || aff.Artifacts[0].ID != id || len(aff.Deployments) != 1 || aff.Deployments[0].Environment != "prod" {
			t.Errorf("affected %+v", aff)
		}
		f.call("GET", "/api/v1/advisories/CVE-2021-23337/affected", f.readB, nil, http.StatusOK, &aff)
		if len(aff.Artifacts) != 0 || len(aff.Deployments) != 0 {
			t.Errorf("team b sees affected %+v", aff)
		}
		f.call("GET", "/api/v1/advisories/GHSA-nope/affected", f.readB, nil, http.StatusNotFound, nil)

		var arts list[portfolio.Artifact]
		f.call("GET", "/api/v1/artifacts?search=sho", f.ingestA, nil, http.StatusOK, &arts)
		if len(arts.Items) != 1 || arts.Items[0].Open["high"] != 1 {
			t.Errorf("artifacts %+v", arts)
		}
		f.call("GET", "/api/v1/artifacts", f.readB, nil, http.StatusOK, &arts)
		if len(arts.Items) != 0 {
			t.Errorf("team b lists %+v", arts.Items)
		}
		f.call("GET", "/api/v1/artifacts", f.admin, nil, http.StatusOK, &arts)
		if len(arts.Items) != 1 {
			t.Errorf("admin lists %+v", arts.Items)
		}
		f.call("GET", art, f.ingestA, nil, http.StatusOK, nil)
		for _, sub := range []string{"", "/findings", "/components", "/deployments", "/paths?purl=pkg:npm/lodash"} {
			f.call("GET", art+sub, f.readB, nil, http.StatusNotFound, nil)
		}

		var comps list[portfolio.Component]
		f.call("GET", art+"/components?limit=1", f.ingestA, nil, http.StatusOK, &comps)
		if len(comps.Items) != 1 || comps.Next == "" {
			t.Fatalf("first page of components %+v", comps)
		}
		first := comps.Items[0].Name
		f.call("GET", art+"/components?limit=1&after="+comps.Next, f.ingestA, nil, http.StatusOK, &comps)
		if len(comps.Items) != 1 || comps.Items[0].Name == first {
			t.Errorf("second page of components %+v", comps)
		}

		var paths struct{ Paths [][]portfolio.Component }
		f.call("GET", art+"/paths?purl=pkg:npm/lodash", f.ingestA, nil, http.StatusOK, &paths)
		if len(paths.Paths) != 1 || len(paths.Paths[0]) != 2 || paths.Paths[0][0].Name != "express" {
			t.Errorf("paths %+v", paths)
		}

		var deps list[portfolio.Deployment]
		f.call("GET", art+"/deployments", f.ingestA, nil, http.StatusOK, &deps)
		if len(deps.Items) != 1 {
			t.Errorf("deployments %+v", deps)
		}

		var hits list[portfolio.ComponentHit]
		f.call("GET", "/api/v1/components?purl=pkg:npm/lodash&range=%3C4.17.21", f.ingestA, nil, http.StatusOK, &hits)
		if len(hits.Items) != 1 || hits.Items[0].Artifact.ID != id {
			t.Errorf("component search %+v", hits)
		}
		f.call("GET", "/api/v1/components?purl=pkg:npm/lodash&range=%3E%3D4.17.21", f.ingestA, nil, http.StatusOK, &hits)
		if len(hits.Items) != 0 {
			t.Errorf("component search above the range %+v", hits)
		}

		var m portfolio.Metrics
		f.call("GET", "/api/v1/metrics?days=7", f.ingestA, nil, http.StatusOK, &m)
		if m.OpenBySeverity["high"] != 1 || m.OpenByEnvironment["prod"]["high"] != 1 {
			t.Errorf("metrics %+v", m)
		}

		// Triage: a finding's analysis, then one per advisory and package, with the audit trail.
		var findings list[struct {
			portfolio.Finding
			Analysis *struct{ State string }
		}]
		f.call("GET", art+"/findings", f.ingestA, nil, http.StatusOK, &findings)
		if len(findings.Items) != 1 || findings.Items[0].Analysis != nil {
			t.Fatalf("findings %+v", findings)
		}
		fid := findings.Items[0].ID
		f.call("PUT", fmt.Sprintf("/api/v1/findings/%d/analysis", fid), f.ingestA, map[string]string{"state": "in_triage"}, http.StatusForbidden, nil)
		f.call("PUT", fmt.Sprintf("/api/v1/findings/%d/analysis", fid), f.triageA, map[string]string{"state": "in_triage", "comment": "looking"}, http.StatusOK, nil)
		f.call("GET", art+"/findings", f.ingestA, nil, http.StatusOK, &findings)
		if findings.Items[0].Analysis == nil || findings.Items[0].Analysis.State != "in_triage" {
			t.Errorf("finding's analysis %+v", findings.Items[0].Analysis)
		}
		f.call("PUT", "/api/v1/advisories/GHSA-35jh-r3h4-6jhm/analysis", f.triageA,
			map[string]string{"purl": "pkg:npm/lodash", "state": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}, http.StatusOK, nil)
		var audit list[struct{ State, Author string }]
		f.call("GET", "/api/v1/advisories/GHSA-35jh-r3h4-6jhm/audit", f.ingestA, nil, http.StatusOK, &audit)
		if len(audit.Items) != 2 || audit.Items[0].Author != "triage-a" {
			t.Errorf("audit %+v", audit)
		}
		f.call("GET", "/api/v1/advisories/GHSA-35jh-r3h4-6jhm/audit", f.readB, nil, http.StatusOK, &audit)
		if len(audit.Items) != 0 {
			t.Errorf("team b sees the audit %+v", audit)
		}
		var vexDoc struct {
			Context    string `json:"@context"`
			Statements []struct{ Status string }
		}
		f.call("GET", "/api/v1/vex/export", f.ingestA, nil, http.StatusOK, &vexDoc)
		if !strings.Contains(vexDoc.Context, "openvex") || len(vexDoc.Statements) == 0 {
			t.Errorf("OpenVEX export %+v", vexDoc)
		}
		f.call("PUT", fmt.Sprintf("/api/v1/findings/%d/analysis", fid), f.admin, map[string]string{"state": "resolved"}, http.StatusOK, nil)
		f.call("PUT", "/api/v1/findings/999999/analysis", f.triageA, map[string]string{"state": "resolved"}, http.StatusNotFound, nil)

		// A VEX document from CI.
		openvex := `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1", "author": "ci", "timestamp": "2024-01-01T00:00:00Z", "version": 1,
			"statements": [{"vulnerability": {"name": "CVE-2021-23337"}, "products": [{"@id": "pkg:npm/lodash@4.17.20"}], "status": "under_investigation"}]}`
		var n struct{ Statements int }
		f.call("POST", "/api/v1/vex", f.ingestA, []byte(openvex), http.StatusCreated, &n)
		if n.Statements != 1 {
			t.Errorf("VEX statements %d, want 1", n.Statements)
		}
	})
}

// TestPlainJSONUpload posts SBOMs as application/json: the document says its format.
func TestPlainJSONUpload(t *testing.T) {
	f := newFixture(t, storetest.Engines()[0].NewDSN(t))
	spdxDoc := `{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "site",
		"documentNamespace": "https://example.com/site", "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: test"]},
		"packages": [{"SPDXID": "SPDXRef-qs", "name": "qs", "versionInfo": "6.5.2", "downloadLocation": "NOASSERTION",
			"externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/qs@6.5.2"}]}]}`
	for name, doc := range map[string]string{"cdx": string(sbomDoc("cdx")), "spdx": spdxDoc} {
		var res portfolio.IngestResult
		f.call("POST", "/api/v1/sboms?name="+name+"&version=1", f.ingestA, []byte(doc), http.StatusCreated, &res)
		if res.Components == 0 || !strings.HasPrefix(res.Artifact.Format, map[string]string{"cdx": "CycloneDX", "spdx": "SPDX"}[name]) {
			t.Errorf("%s: %+v", name, res)
		}
	}
}

// TestAdvisoryZip posts a zip of advisories: the one that affects the portfolio opens a
// finding, and malformed entries are reported by name.
func TestAdvisoryZip(t *testing.T) {
	f := newFixture(t, storetest.Engines()[0].NewDSN(t))
	if resp, body := f.postSBOM(f.ingestA, "name=shop&version=1", sbomDoc("shop"), false); resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST sbom: %d %s", resp.StatusCode, body)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"GHSA-35jh-r3h4-6jhm.json": lodashAdvisory,
		"broken.json":              `{"id": `,
		"other.json":               `{"id": "GHSA-other", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "x"}, "versions": ["1"]}]}`,
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	var adv advisoriesResult
	f.call("POST", "/api/v1/advisories?wait=1", f.admin, buf.Bytes(), http.StatusOK, &adv)
	if diff := cmp.Diff([]string{"GHSA-35jh-r3h4-6jhm", "GHSA-other"}, adv.Changed); diff != "" {
		t.Errorf("changed (-want +got):\n%s", diff)
	}
	if len(adv.Malformed) != 1 || !strings.Contains(adv.Malformed[0].File, "broken.json") || strings.Contains(adv.Malformed[0].File, "hallmark-advisories") {
		t.Errorf("malformed %+v", adv.Malformed)
	}
	if adv.Reevaluation == nil || adv.Reevaluation.Opened != 1 {
		t.Errorf("re-evaluation %+v", adv.Reevaluation)
	}
}

// TestAdvisoryZipFailsPartWay posts a zip whose import fails after its first batch of
// advisories has committed (a trigger rejects an advisory of the second batch): the request
// fails, and the committed advisory that affects the portfolio is queued for re-evaluation
// (a retry would find it unchanged and never re-evaluate it).
func TestAdvisoryZipFailsPartWay(t *testing.T) {
	f := newFixture(t, storetest.Engines()[0].NewDSN(t))
	if resp, body := f.postSBOM(f.ingestA, "name=shop&version=1", sbomDoc("shop"), false); resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST sbom: %d %s", resp.StatusCode, body)
	}
	// A database with advisories imports in one transaction per batch.
	f.call("POST", "/api/v1/advisories", f.admin, []byte(`{"id": "GHSA-seed", "modified": "2024-01-01T00:00:00Z"}`), http.StatusOK, nil)
	if _, err := f.st.SQL().Exec(`CREATE TRIGGER reject BEFORE INSERT ON advisories WHEN NEW.id = 'GHSA-reject'
		BEGIN SELECT RAISE(ABORT, 'rejected by the test'); END`); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	add("GHSA-35jh-r3h4-6jhm.json", lodashAdvisory)
	const filler = 12000 // more than two batches of vulndb's import
	for i := range filler {
		add(fmt.Sprintf("f%d.json", i), fmt.Sprintf(`{"id": "GHSA-filler-%d", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "x"}, "versions": ["1"]}]}`, i))
	}
	add("GHSA-reject.json", `{"id": "GHSA-reject", "modified": "2024-01-01T00:00:00Z"}`)
	zw.Close()
	resp, body := f.request("POST", "/api/v1/advisories", f.admin, &buf, nil)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("POST advisories: %d %s, want 500", resp.StatusCode, body)
	}
	var n int
	if err := f.st.SQL().QueryRow(`SELECT count(*) FROM advisories WHERE id = 'GHSA-35jh-r3h4-6jhm'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the first batch did not commit (%d rows, %v): the test does not test a partial import", n, err)
	}
	if _, err := f.srv.opts.Portfolio.RunQueue(context.Background()); err != nil {
		t.Fatal(err)
	}
	var opened int
	if err := f.st.SQL().QueryRow(`SELECT count(*) FROM events WHERE type = 'finding.opened'`).Scan(&opened); err != nil || opened != 1 {
		t.Errorf("finding.opened events: %d (%v), want 1: the committed advisory was not re-evaluated", opened, err)
	}
}

// TestAdvisoryQueued posts an advisory without waiting: the answer says it is queued, and the
// re-evaluation worker opens its finding and wakes webhook delivery.
func TestAdvisoryQueued(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		resp, body := f.postSBOM(f.ingestA, "name=shop&version=1", sbomDoc("shop"), false)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST sbom: %d %s", resp.StatusCode, body)
		}
		var ing portfolio.IngestResult
		if err := jsonUnmarshal(body, &ing); err != nil {
			t.Fatal(err)
		}
		var adv advisoriesResult
		f.call("POST", "/api/v1/advisories", f.admin, []byte(lodashAdvisory), http.StatusOK, &adv)
		if !adv.Queued || adv.Reevaluation != nil || len(adv.Changed) != 1 {
			t.Fatalf("answer %+v, want the advisory queued", adv)
		}
		// The affected answer holds before the re-evaluation.
		var aff struct {
			Artifacts []struct{ Name string } `json:"artifacts"`
		}
		f.call("GET", "/api/v1/advisories/CVE-2021-23337/affected", f.ingestA, nil, http.StatusOK, &aff)
		if len(aff.Artifacts) != 1 || aff.Artifacts[0].Name != "shop" {
			t.Errorf("affected before the re-evaluation: %+v, want shop", aff.Artifacts)
		}
		f.call("POST", "/api/v1/advisories?wait=maybe", f.admin, []byte(lodashAdvisory), http.StatusBadRequest, nil)

		// The worker, woken by the POST above (its poll is an hour), re-evaluates.
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- f.srv.ReevaluationWorker(time.Hour).Run(ctx) }()
		defer func() { cancel(); <-done }()
		findings := fmt.Sprintf("/api/v1/artifacts/%d/findings", ing.Artifact.ID)
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			var page struct {
				Items []struct{ Advisory string } `json:"items"`
			}
			f.call("GET", findings, f.ingestA, nil, http.StatusOK, &page)
			// The finding commits before the worker takes the advisory off the queue.
			queued, err := f.srv.opts.Portfolio.Queued(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) == 1 && queued == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("30 s after queueing: findings %+v, %d advisories still queued", page.Items, queued)
			}
		}
	})
}
