package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hallmark-dev/hallmark/report"
)

const sarifSchemaURL = "https://raw.githubusercontent.com/schemastore/schemastore/master/src/schemas/json/sarif-2.1.0-rtm.5.json"

// TestSARIF validates the SARIF output against the SARIF 2.1.0 JSON schema (rtm.5, as shipped
// in @microsoft/jest-sarif; see testdata/SOURCES.md) and checks what GitHub code scanning
// reads.
func TestSARIF(t *testing.T) {
	sch := compile(t, sarifSchemaURL, map[string]string{sarifSchemaURL: "testdata/schema/sarif-2.1.0-rtm.5.json"}, nil)
	for _, tc := range results(t) {
		doc := render(t, wrap(report.WriteSARIF), tc.res)
		validate(t, sch, tc.name+".sarif", doc)
		golden(t, tc.name+".sarif", doc)
	}

	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name, Version, InformationURI string
					Rules                         []struct {
						ID               string
						ShortDescription struct{ Text string }
						HelpURI          string
						Properties       map[string]any
					}
				}
			}
			Invocations []struct {
				ToolExecutionNotifications []struct {
					Level   string
					Message struct{ Text string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine int }
					}
				}
				PartialFingerprints map[string]string
				Suppressions        []struct{ Kind, Status, Justification string }
			}
		}
	}
	if err := json.Unmarshal(render(t, wrap(report.WriteSARIF), pipelineResult(t)), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %q, %d runs", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "hallmark" || d.Version != "1.2.3" || d.InformationURI != report.InformationURI {
		t.Errorf("driver = %s %s %s", d.Name, d.Version, d.InformationURI)
	}
	type rule struct{ ID, Short, Help, SecSev string }
	var rules []rule
	for _, r := range d.Rules {
		ss, _ := r.Properties["security-severity"].(string)
		short := r.ShortDescription.Text
		if len(short) > 40 {
			short = short[:40]
		}
		rules = append(rules, rule{r.ID, short, r.HelpURI, ss})
	}
	wantRules := []rule{
		{"GHSA-35jh-r3h4-6jhm", "Command Injection in lodash", "https://osv.dev/vulnerability/GHSA-35jh-r3h4-6jhm", "7.2"},
		{"GO-2021-0113", "Out-of-bounds read in golang.org/x/text/", "https://osv.dev/vulnerability/GO-2021-0113", ""},
		{"GO-2022-1059", "Denial of service via crafted Accept-Lan", "https://osv.dev/vulnerability/GO-2022-1059", ""},
		{"PYSEC-2021-66", "This affects the package jinja2 from 0.0", "https://osv.dev/vulnerability/PYSEC-2021-66", ""},
		{"PYSEC-2023-74", "Requests is a HTTP library. Since Reques", "https://osv.dev/vulnerability/PYSEC-2023-74", ""},
		{"RUSTSEC-2016-0002", "HTTPS MitM vulnerability due to lack of ", "https://osv.dev/vulnerability/RUSTSEC-2016-0002", "4.8"},
		{"RUSTSEC-2022-0013", "Regexes with large repetitions on empty ", "https://osv.dev/vulnerability/RUSTSEC-2022-0013", "7.5"},
		{"RUSTSEC-2026-0009", "Denial of Service via Stack Exhaustion", "https://osv.dev/vulnerability/RUSTSEC-2026-0009", "6.8"},
	}
	if diff := cmp.Diff(wantRules, rules); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	type result struct {
		Rule, Level, URI string
		Line             int
		Suppressed       string
	}
	var got []result
	fps := map[string]bool{}
	for _, r := range run.Results {
		if d.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s: ruleIndex %d names %s", r.RuleID, r.RuleIndex, d.Rules[r.RuleIndex].ID)
		}
		g := result{Rule: r.RuleID, Level: r.Level}
		if len(r.Locations) > 0 {
			g.URI = r.Locations[0].PhysicalLocation.ArtifactLocation.URI
			if reg := r.Locations[0].PhysicalLocation.Region; reg != nil {
				g.Line = reg.StartLine
			}
		}
		for _, s := range r.Suppressions {
			g.Suppressed = s.Kind + "/" + s.Status + ": " + s.Justification
		}
		got = append(got, g)
		fp := r.PartialFingerprints["hallmarkFinding/v1"]
		if fp == "" || fps[fp] {
			t.Errorf("result %s: fingerprint %q missing or not unique", r.RuleID, fp)
		}
		fps[fp] = true
	}
	want := []result{
		{"GHSA-35jh-r3h4-6jhm", "error", "package-lock.json", 14, ""},
		{"GO-2021-0113", "note", "go.mod", 5, ""},
		{"GO-2022-1059", "note", "go.mod", 5, ""},
		{"PYSEC-2021-66", "note", "requirements.txt", 3, "external/accepted: urlize() is never called on untrusted input"},
		{"PYSEC-2023-74", "note", "requirements.txt", 2, ""},
		{"RUSTSEC-2016-0002", "warning", "Cargo.lock", 14, ""},
		{"RUSTSEC-2022-0013", "error", "Cargo.lock", 20, ""},
		{"RUSTSEC-2026-0009", "warning", "Cargo.lock", 35, ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if msg := run.Results[0].Message.Text; msg != "lodash 4.17.20 (npm) is affected by GHSA-35jh-r3h4-6jhm (CVE-2021-23337): Command Injection in lodash. Upgrade lodash to 4.17.21 or later." {
		t.Errorf("message = %q", msg)
	}
	var notes []string
	for _, n := range run.Invocations[0].ToolExecutionNotifications {
		notes = append(notes, n.Level+": "+n.Message.Text)
	}
	wantNotes := []string{
		"warning: ignore entry GO-2021-0113 expired on 2024-01-01 (testdata/project/.hallmark.yaml): it no longer applies",
		"note: flask could not be checked: no exact version (unpinned requirement >=2.0)",
	}
	if diff := cmp.Diff(wantNotes, notes); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}

// TestSARIFSchemaRejects makes sure the SARIF validation has teeth.
func TestSARIFSchemaRejects(t *testing.T) {
	sch := compile(t, sarifSchemaURL, map[string]string{sarifSchemaURL: "testdata/schema/sarif-2.1.0-rtm.5.json"}, nil)
	doc := render(t, wrap(report.WriteSARIF), handMadeResult())
	for _, bad := range [][2]string{
		{`"kind": "external"`, `"kind": "ignored"`},
		{`"level": "error"`, `"level": "critical"`},
		{`"version": "2.1.0"`, `"version": "2.1"`},
	} {
		broken := bytes.Replace(doc, []byte(bad[0]), []byte(bad[1]), 1)
		if bytes.Equal(broken, doc) {
			t.Fatalf("%s not in the output", bad[0])
		}
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(broken))
		if sch.Validate(inst) == nil {
			t.Errorf("%s validates", bad[1])
		}
	}
}

// cdxLoader serves the CycloneDX schemas that format/cyclonedx keeps in its testdata.
type cdxLoader struct{}

const cdxSchemaBase = "http://cyclonedx.org/schema/"

func (cdxLoader) Load(url string) (any, error) {
	name, ok := strings.CutPrefix(url, cdxSchemaBase)
	if !ok || strings.ContainsAny(name, "/\\") {
		return nil, fmt.Errorf("schema %s is not in format/cyclonedx/testdata/schema (no network in tests)", url)
	}
	f, err := os.Open(filepath.Join("..", "format", "cyclonedx", "testdata", "schema", name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

// TestCycloneDX validates the CycloneDX output against the official 1.6 schema and checks the
// vulnerabilities.
func TestCycloneDX(t *testing.T) {
	sch := compile(t, cdxSchemaBase+"bom-1.6.schema.json", nil, cdxLoader{})
	for _, tc := range results(t) {
		doc := render(t, wrap(report.WriteCycloneDX), tc.res)
		validate(t, sch, tc.name+".cdx.json", doc)
		golden(t, tc.name+".cdx.json", doc)
	}

	res := pipelineResult(t)
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(render(t, wrap(report.WriteCycloneDX), res)), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 || bom.Metadata.Timestamp != "2025-06-01T12:00:00Z" || bom.Components == nil || len(*bom.Components) != len(res.Inventory.Packages) {
		t.Fatalf("spec %v, timestamp %q, components %v", bom.SpecVersion, bom.Metadata.Timestamp, bom.Components)
	}
	refs := map[string]string{}
	for _, c := range *bom.Components {
		refs[c.BOMRef] = c.PackageURL
	}
	if bom.Vulnerabilities == nil || len(*bom.Vulnerabilities) != len(res.Findings) {
		t.Fatalf("vulnerabilities = %v", bom.Vulnerabilities)
	}
	type vuln struct {
		ID, Source, Refs, Rating, Purl, Versions, Recommendation, Analysis string
	}
	var got []vuln
	for _, v := range *bom.Vulnerabilities {
		g := vuln{ID: v.ID, Source: v.Source.Name + " " + v.Source.URL, Recommendation: v.Recommendation}
		if v.References != nil {
			var rs []string
			for _, r := range *v.References {
				rs = append(rs, r.ID+"@"+r.Source.Name)
			}
			g.Refs = strings.Join(rs, " ")
		}
		for _, r := range *v.Ratings {
			g.Rating = fmt.Sprintf("%s %s", r.Method, r.Severity)
			if r.Score != nil {
				g.Rating += fmt.Sprintf(" %.1f %s", *r.Score, r.Vector)
			}
		}
		a := (*v.Affects)[0]
		g.Purl = refs[a.Ref]
		var vs []string
		for _, av := range *a.Range {
			vs = append(vs, av.Version+":"+string(av.Status))
		}
		g.Versions = strings.Join(vs, " ")
		if v.Analysis != nil {
			g.Analysis = string(v.Analysis.State) + ": " + v.Analysis.Detail
		}
		got = append(got, g)
	}
	want := []vuln{
		{"GHSA-35jh-r3h4-6jhm", "OSV https://osv.dev/vulnerability/GHSA-35jh-r3h4-6jhm", "CVE-2021-23337@NVD",
			"CVSSv31 high 7.2 CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", "pkg:npm/lodash@4.17.20", "4.17.20:affected 4.17.21:unaffected", "Upgrade lodash to 4.17.21 or later.", ""},
		{"GO-2021-0113", "OSV https://osv.dev/vulnerability/GO-2021-0113", "CVE-2021-38561@NVD GHSA-ppp9-7jff-5vj2@GitHub",
			" unknown", "pkg:golang/golang.org/x/text@v0.3.5", "v0.3.5:affected 0.3.7:unaffected", "Upgrade golang.org/x/text to 0.3.8 or later.", ""},
		{"GO-2022-1059", "OSV https://osv.dev/vulnerability/GO-2022-1059", "CVE-2022-32149@NVD GHSA-69ch-w2m2-3vjp@GitHub",
			" unknown", "pkg:golang/golang.org/x/text@v0.3.5", "v0.3.5:affected 0.3.8:unaffected", "Upgrade golang.org/x/text to 0.3.8 or later.", ""},
		{"PYSEC-2021-66", "OSV https://osv.dev/vulnerability/PYSEC-2021-66", "CVE-2020-28493@NVD GHSA-g3rq-g295-4j3m@GitHub SNYK-PYTHON-JINJA2-1012994@OSV",
			" unknown", "pkg:pypi/jinja2@2.11.2", "2.11.2:affected 2.11.3:unaffected", "Upgrade jinja2 to 2.11.3 or later.",
			"not_affected: urlize() is never called on untrusted input (accepted until 2099-12-31 in testdata/project/.hallmark.yaml)"},
		{"PYSEC-2023-74", "OSV https://osv.dev/vulnerability/PYSEC-2023-74", "CVE-2023-32681@NVD GHSA-j8r2-6x86-q33q@GitHub",
			" unknown", "pkg:pypi/requests@2.25.1", "2.25.1:affected 2.31.0:unaffected", "Upgrade requests to 2.31.0 or later.", ""},
		{"RUSTSEC-2016-0002", "OSV https://osv.dev/vulnerability/RUSTSEC-2016-0002", "CVE-2016-10932@NVD GHSA-9xjr-m6f3-v5wm@GitHub",
			"CVSSv3 medium 4.8 CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N", "pkg:cargo/hyper@0.9.0", "0.9.0:affected 0.9.4:unaffected", "Upgrade hyper to 0.9.4 or later.", ""},
		{"RUSTSEC-2022-0013", "OSV https://osv.dev/vulnerability/RUSTSEC-2022-0013", "CVE-2022-24713@NVD GHSA-m5pq-gvj9-9vr8@GitHub",
			"CVSSv31 high 7.5 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "pkg:cargo/regex@1.5.4", "1.5.4:affected 1.5.5:unaffected", "Upgrade regex to 1.5.5 or later.", ""},
		{"RUSTSEC-2026-0009", "OSV https://osv.dev/vulnerability/RUSTSEC-2026-0009", "CVE-2026-25727@NVD GHSA-r6v5-fh4h-64xc@GitHub",
			"CVSSv4 medium 6.8 CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:A/VC:N/VI:N/VA:H/SC:N/SI:N/SA:H", "pkg:cargo/time@0.3.36", "0.3.36:affected 0.3.47:unaffected", "Upgrade time to 0.3.47 or later.", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("vulnerabilities (-want +got):\n%s", diff)
	}
}

// TestCycloneDXSBOMUnchanged checks that the BOM around the vulnerabilities is format/cyclonedx's
// encoding of the inventory.
func TestCycloneDXSBOMUnchanged(t *testing.T) {
	res := pipelineResult(t)
	var with cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(render(t, wrap(report.WriteCycloneDX), res)), cdx.BOMFileFormatJSON).Decode(&with); err != nil {
		t.Fatal(err)
	}
	res.Findings = nil
	var without cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(render(t, wrap(report.WriteCycloneDX), res)), cdx.BOMFileFormatJSON).Decode(&without); err != nil {
		t.Fatal(err)
	}
	if without.Vulnerabilities != nil {
		t.Error("vulnerabilities without findings")
	}
	if with.SerialNumber == without.SerialNumber {
		t.Error("the serial number does not depend on the vulnerabilities")
	}
	with.Vulnerabilities, with.SerialNumber, without.SerialNumber = nil, "", ""
	if diff := cmp.Diff(without, with); diff != "" {
		t.Errorf("the SBOM part differs (-without +with):\n%s", diff)
	}
}

func TestCycloneDXErrors(t *testing.T) {
	res := handMadeResult()
	res.Findings[0].Package.Ref = "nowhere"
	if err := report.WriteCycloneDX(&bytes.Buffer{}, res); err == nil || !strings.Contains(err.Error(), `"nowhere"`) {
		t.Errorf("dangling ref: err = %v", err)
	}
	res.Inventory = nil
	if err := report.WriteCycloneDX(&bytes.Buffer{}, res); err == nil || !strings.Contains(err.Error(), "no inventory") {
		t.Errorf("no inventory: err = %v", err)
	}
}

const openVEXSchemaURL = "https://github.com/openvex/spec/openvex_json_schema_0.2.0.json"

// TestOpenVEX validates the OpenVEX output against the OpenVEX 0.2.0 JSON schema and checks
// the statements.
func TestOpenVEX(t *testing.T) {
	sch := compile(t, openVEXSchemaURL, map[string]string{openVEXSchemaURL: "testdata/schema/openvex_json_schema.json"}, nil)
	for _, tc := range results(t) {
		doc := render(t, wrap(report.WriteOpenVEX), tc.res)
		validate(t, sch, tc.name+".openvex.json", doc)
		golden(t, tc.name+".openvex.json", doc)
	}

	var doc struct {
		Context    string `json:"@context"`
		ID         string `json:"@id"`
		Author     string
		Timestamp  string
		Version    int
		Statements []struct {
			Vulnerability struct {
				Name    string
				Aliases []string
			}
			Products []struct {
				ID string `json:"@id"`
			}
			Status          string
			ImpactStatement string `json:"impact_statement"`
			ActionStatement string `json:"action_statement"`
		}
	}
	if err := json.Unmarshal(render(t, wrap(report.WriteOpenVEX), handMadeResult()), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Context != "https://openvex.dev/ns/v0.2.0" || !strings.HasPrefix(doc.ID, "https://openvex.dev/docs/public/vex-") ||
		doc.Author != "Hallmark" || doc.Timestamp != "2025-06-01T12:00:00Z" || doc.Version != 1 {
		t.Errorf("document = %s %s %s %s %d", doc.Context, doc.ID, doc.Author, doc.Timestamp, doc.Version)
	}
	var got []string
	for _, s := range doc.Statements {
		var products []string
		for _, p := range s.Products {
			products = append(products, p.ID)
		}
		got = append(got, fmt.Sprintf("%s %v %v %s %s%s", s.Vulnerability.Name, s.Vulnerability.Aliases, products, s.Status, s.ActionStatement, s.ImpactStatement))
	}
	want := []string{
		// VEX statements applied to findings are carried over as they were made.
		"DSA-5532-1 [CVE-2023-5363 DLA-1-1] [pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12] not_affected The image never loads the affected provider.",
		"GHSA-xvch-5gv4-984h [CVE-2021-44906] [pkg:npm/minimist@1.2.5] affected Upgrade minimist to 1.2.6 or later.",
		"GHSA-xvch-5gv4-984h [CVE-2021-44906] [pkg:npm/minimist@1.2.5] not_affected only parses our own build flags",
		"MAL-2099-1 [] [urn:hallmark:package:npm:left%20pad:0.0.1] under_investigation ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statements (-want +got):\n%s", diff)
	}
}

// TestOpenVEXNoFindings: a clean scan gives a document without statements, which the schema's
// minItems rejects (see WriteOpenVEX).
func TestOpenVEXNoFindings(t *testing.T) {
	res := handMadeResult()
	res.Findings = nil
	var doc map[string]any
	if err := json.Unmarshal(render(t, wrap(report.WriteOpenVEX), res), &doc); err != nil {
		t.Fatal(err)
	}
	if st, ok := doc["statements"].([]any); !ok || len(st) != 0 {
		t.Errorf("statements = %v", doc["statements"])
	}
}
