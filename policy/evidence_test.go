package policy_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hallmark-dev/hallmark/policy"
	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/sbom"
)

var now = time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC)

func sampleResult() *report.Result {
	ig := &report.Ignore{ID: "CVE-2021-23337", Package: "lodash", Reason: "never user input", Expires: "2099-01-01", Source: ".hallmark.yaml"}
	return &report.Result{
		Schema:  report.Schema,
		Tool:    report.Tool{Name: "hallmark", Version: "(devel)"},
		Created: now,
		Targets: []report.Target{{Name: "app.tar", Kind: "image", Digest: "sha256:aa"}, {Name: "proj", Kind: "directory"}},
		Findings: []report.Finding{
			{
				ID: "GHSA-35jh-r3h4-6jhm", Advisories: []string{"GHSA-35jh-r3h4-6jhm"}, Aliases: []string{"CVE-2021-23337"},
				Package:  report.Package{Ecosystem: "npm", Name: "lodash", Version: "4.17.20", PURL: "pkg:npm/lodash@4.17.20"},
				Severity: report.Severity{Level: "high", Score: 7.2, Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"},
				Advice:   "4.17.21", FixedVersions: []string{"4.17.21"}, Modified: "2024-12-01T00:00:00Z", Ignored: ig,
			},
			{
				ID: "PYSEC-2099-1", Package: report.Package{Ecosystem: "PyPI", Name: "foo-bar", Version: "1.0", PURL: "pkg:pypi/foo-bar@1.0"},
				Severity:     report.Severity{Level: "low"},
				VEX:          &report.VEXStatement{Status: "not_affected", Justification: "vulnerable_code_not_in_execute_path", Vulnerability: "PYSEC-2099-1", Product: "pkg:pypi/foo-bar@1.0", Format: "openvex", Document: "vex.json", Statement: "statements[0]"},
				Reachability: &report.Reachability{Status: report.Unreachable, Symbols: []string{"foo.Bar"}},
			},
		},
		Unmatched:      []report.Unmatched{{Package: report.Package{Name: "x"}, Reason: "no version"}},
		ExpiredIgnores: []report.Ignore{{ID: "CVE-1", Reason: "old", Expires: "2024-01-01", Source: ".hallmark.yaml"}},
		Errors:         []sbom.FileError{{Path: "go.mod", Line: 3, Err: "unexpected EOF"}},
		Inventory: &sbom.Inventory{Packages: []*sbom.Package{
			{Name: "lodash", Ecosystem: "npm", Relation: sbom.RelationDirect},
			{Name: "minimist", Ecosystem: "npm", Relation: sbom.RelationTransitive},
			{Name: "foo-bar", Ecosystem: "PyPI"},
			{Name: "busybox"},
		}},
	}
}

func TestEvidence(t *testing.T) {
	ev := policy.Evidence(sampleResult(), now)
	if ev.Schema != policy.EvidenceSchema || !ev.Created.Equal(now) {
		t.Errorf("schema %q created %v", ev.Schema, ev.Created)
	}
	if diff := cmp.Diff([]string{"sha256:aa"}, ev.Artifact.Digests); diff != "" {
		t.Errorf("digests (-want +got):\n%s", diff)
	}
	wantInv := policy.InventorySummary{Packages: 4, Direct: 1, Transitive: 1, UnknownRelation: 2,
		Ecosystems: map[string]int{"npm": 2, "PyPI": 1, "unknown": 1}, Unmatched: 1}
	if diff := cmp.Diff(wantInv, ev.Inventory); diff != "" {
		t.Errorf("inventory (-want +got):\n%s", diff)
	}
	type computed struct {
		VEX, Reach, Level, Published string
		Days                         int
		Fix, Ignored, Suppressed     bool
	}
	var got []computed
	for _, f := range ev.Findings {
		got = append(got, computed{f.VEXStatus, f.ReachabilityStatus, f.SeverityLevel, f.Published, f.DaysSincePublished, f.FixAvailable, f.IsIgnored, f.Suppressed})
	}
	want := []computed{
		{"", "unknown", "high", "2024-12-01T00:00:00Z", 40, true, true, true},
		{"not_affected", "unreachable", "low", "", -1, false, false, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("computed fields (-want +got):\n%s", diff)
	}
	if len(ev.Findings[1].Advisories) != 0 || ev.Findings[1].Advisories == nil {
		t.Errorf("required lists must be [] not null: %#v", ev.Findings[1].Advisories)
	}
	wantIg := []policy.IgnoreEntry{
		{Ignore: *sampleResult().Findings[0].Ignored, Findings: []string{"GHSA-35jh-r3h4-6jhm"}},
		{Ignore: sampleResult().ExpiredIgnores[0], Expired: true, Findings: []string{}},
	}
	if diff := cmp.Diff(wantIg, ev.Ignores); diff != "" {
		t.Errorf("ignores (-want +got):\n%s", diff)
	}
	if !ev.Partial || len(ev.Errors) != 1 || ev.Errors[0] != "go.mod:3: unexpected EOF" {
		t.Errorf("partial %v errors %q", ev.Partial, ev.Errors)
	}
	if ev.Attestations == nil || ev.Lifecycle == nil {
		t.Error("attestations and lifecycle must be [] not null")
	}
}

// TestEvidenceSchema validates evidence documents against the embedded JSON Schema, which
// refers to the scan result's schema, and checks that a broken document fails.
func TestEvidenceSchema(t *testing.T) {
	sch := evidenceSchema(t)
	empty := &report.Result{Schema: report.Schema}
	withAtt := policy.Evidence(sampleResult(), now)
	withAtt.Attestations = append(withAtt.Attestations, policy.Attestation{
		PredicateType: "https://slsa.dev/provenance/v1", Subjects: []string{"sha256:aa"},
		Signer:  policy.Signer{Identity: "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1", Issuer: "https://token.actions.githubusercontent.com"},
		Builder: "https://github.com/actions/runner", Source: policy.Source{URI: "git+https://github.com/acme/app", Ref: "refs/tags/v1"}, SLSALevel: 3,
	})
	withAtt.Lifecycle = append(withAtt.Lifecycle, policy.Lifecycle{Package: report.Package{Ecosystem: "PyPI", Name: "django", Version: "3.2", PURL: "pkg:pypi/django@3.2"}, EOL: true})
	for name, ev := range map[string]*policy.Document{
		"sample": policy.Evidence(sampleResult(), now),
		"empty":  policy.Evidence(empty, now),
		"full":   withAtt,
	} {
		var buf bytes.Buffer
		if err := policy.WriteEvidence(&buf, ev); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: %#v", name, err)
		}
		back, err := policy.ReadEvidence(&buf)
		if err != nil {
			t.Fatalf("%s: reading back: %v", name, err)
		}
		if diff := cmp.Diff(ev, back); diff != "" {
			t.Errorf("%s: round trip (-want +got):\n%s", name, diff)
		}
	}
	broken := policy.Evidence(sampleResult(), now)
	broken.Findings[0].ReachabilityStatus = "maybe"
	var buf bytes.Buffer
	policy.WriteEvidence(&buf, broken)
	inst, _ := jsonschema.UnmarshalJSON(&buf)
	if sch.Validate(inst) == nil {
		t.Error("reachability_status \"maybe\" validated")
	}
	if _, err := policy.ReadEvidence(bytes.NewReader([]byte(`{"schema": "hallmark.scan/v1"}`))); err == nil {
		t.Error("ReadEvidence accepted a scan result")
	}
}

func evidenceSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	for id, b := range map[string][]byte{policy.SchemaID: policy.JSONSchema, report.SchemaID: report.JSONSchema} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile(policy.SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestInputMatchesJSON checks that the policy input built from the Go values is the value
// the evidence's JSON encoding gives.
func TestInputMatchesJSON(t *testing.T) {
	full := policy.Evidence(sampleResult(), now)
	full.Database = report.Database{Path: "osv.db", Advisories: 3, LastUpdate: now}
	full.Attestations = append(full.Attestations, policy.Attestation{PredicateType: "x", Signer: policy.Signer{KeyID: "k"}, SLSALevel: 2})
	full.Lifecycle = append(full.Lifecycle, policy.Lifecycle{EOL: true})
	for name, ev := range map[string]*policy.Document{
		"sample": policy.Evidence(sampleResult(), now),
		"empty":  policy.Evidence(&report.Result{}, now),
		"full":   full,
	} {
		got, err := policy.Input(ev)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := policy.WriteEvidence(&buf, ev); err != nil {
			t.Fatal(err)
		}
		want, err := ast.ValueFromReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if got.Compare(want) != 0 {
			t.Errorf("%s: Input differs from the JSON:\n got %v\nwant %v", name, got, want)
		}
	}
}
