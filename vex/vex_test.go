package vex

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hallmark-dev/hallmark/report"
)

var (
	t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 = t0.Add(24 * time.Hour)
	t2 = t1.Add(24 * time.Hour)
)

// schema compiles the OpenVEX 0.2.0 JSON schema from testdata.
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "openvex_json_schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://github.com/openvex/spec/openvex_json_schema_0.2.0.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// write writes doc and checks it against the schema and that it reads back.
func write(t *testing.T, sch *jsonschema.Schema, doc *Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, doc); err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("not valid OpenVEX 0.2.0: %v\n%s", err, buf.Bytes())
	}
	if _, err := ParseOpenVEX(buf.Bytes()); err != nil {
		t.Fatalf("does not read back: %v", err)
	}
	return buf.Bytes()
}

func mustStatement(t *testing.T, o StatementOptions, now time.Time) OpenVEXStatement {
	t.Helper()
	st, err := NewStatement(o, now)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCreateAddMergeValid(t *testing.T) {
	sch := schema(t)
	na := StatementOptions{Products: []string{"pkg:npm/lodash@4.17.20"}, Vulnerability: "CVE-2021-23337",
		Status: StatusNotAffected, Justification: "vulnerable_code_not_in_execute_path"}
	doc := Create("Example PSIRT", t0, mustStatement(t, na, t0))
	first := write(t, sch, doc)
	if again := write(t, sch, Create("Example PSIRT", t0, mustStatement(t, na, t0))); !bytes.Equal(first, again) {
		t.Error("the same input gives a different document")
	}
	id := doc.ID
	if !strings.HasPrefix(id, idPrefix) {
		t.Errorf("@id = %q", id)
	}
	aff := StatementOptions{Products: []string{"pkg:pypi/foo-bar@1.0"}, Vulnerability: "PYSEC-2099-1",
		Status: StatusAffected, ActionStatement: "Upgrade to 1.0.post1."}
	if err := Add(doc, t1, mustStatement(t, aff, t1)); err != nil {
		t.Fatal(err)
	}
	write(t, sch, doc)
	if doc.Version != 2 || doc.ID != id || !doc.LastUpdated.Equal(t1) || !doc.Timestamp.Equal(t0) {
		t.Errorf("after add: version %d, @id %s, last_updated %v, timestamp %v", doc.Version, doc.ID, doc.LastUpdated, doc.Timestamp)
	}
	fixed := StatementOptions{Products: []string{"pkg:npm/lodash"}, Vulnerability: "CVE-2021-23337", Status: StatusFixed}
	other := Create("Other", t0, mustStatement(t, fixed, t2))
	m := Merge([]*Document{doc, other}, "", t2)
	write(t, sch, m)
	if m.Author != "Example PSIRT, Other" || len(m.Statements) != 2 {
		t.Errorf("merged: author %q, %d statements", m.Author, len(m.Statements))
	}
}

func TestNewStatementRules(t *testing.T) {
	p := []string{"pkg:npm/lodash@4.17.20"}
	for _, tc := range []struct {
		o    StatementOptions
		want string // "" for valid
	}{
		{StatementOptions{Products: p, Vulnerability: "CVE-1", Status: "not_affected", ImpactStatement: "x"}, ""},
		{StatementOptions{Products: p, Vulnerability: "CVE-1", Status: "not_affected", Justification: "component_not_present"}, ""},
		{StatementOptions{Products: p, Vulnerability: "CVE-1", Status: "not_affected"}, "needs a justification or an impact statement"},
		{StatementOptions{Products: p, Vulnerability: "CVE-1", Status: "not_affected", Justification: "no_reason"}, `justification "no_reason" is not one of`},
		{StatementOptions{Products: p, Vulnerability: "CVE-1", Status: "affected"}, "needs an action statement"},
		{StatementOptions{Products: p, Vulnerability: "CVE-1", Status: "affected", ActionStatement: "upgrade"}, ""},
		{StatementOptions{Products: p, Vulnerability: "CVE-1", Status: "fixed", ActionStatement: "upgrade"}, "takes no action statement"},
		{StatementOptions{Products: p, Vulnerability: "CVE-1", Status: "fixed", Justification: "component_not_present"}, "takes no justification"},
		{StatementOptions{Products: p, Vulnerability: "CVE-1", Status: "under_investigation"}, ""},
		{StatementOptions{Products: p, Vulnerability: "CVE-1", Status: "unknown"}, `status "unknown" is not one of`},
		{StatementOptions{Products: p, Vulnerability: "", Status: "fixed"}, "want an ID"},
		{StatementOptions{Vulnerability: "CVE-1", Status: "fixed"}, "needs a product"},
		{StatementOptions{Products: []string{"lodash"}, Vulnerability: "CVE-1", Status: "fixed"}, "want a purl"},
		{StatementOptions{Products: []string{"pkg:"}, Vulnerability: "CVE-1", Status: "fixed"}, "not a valid purl"},
	} {
		_, err := NewStatement(tc.o, t0)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.o, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: error %v, want %q", tc.o, err, tc.want)
		}
	}
}

func TestParseOpenVEXRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"syntax":        `{"@context": `,
		"old context":   `{"@context": "https://openvex.dev/ns", "statements": []}`,
		"other context": `{"@context": "https://example.com", "statements": []}`,
		"no reason":     `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/a"}], "status": "not_affected"}]}`,
		"bad status":    `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/a"}], "status": "maybe"}]}`,
		"no products":   `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-1"}, "status": "fixed"}]}`,
		"big":           `{"@context": "https://openvex.dev/ns/v0.2.0", "author": "` + strings.Repeat("a", MaxDocumentSize) + `"}`,
	} {
		if _, err := ParseOpenVEX([]byte(doc)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

// stmt makes an OpenVEX statement on products for tests.
func stmt(vuln, status string, ts *time.Time, products ...string) OpenVEXStatement {
	s := OpenVEXStatement{Vulnerability: Vulnerability{Name: vuln}, Status: status, Timestamp: ts}
	switch status {
	case StatusNotAffected:
		s.Justification = "component_not_present"
	case StatusAffected:
		s.ActionStatement = "upgrade"
	}
	for _, p := range products {
		s.Products = append(s.Products, OpenVEXProduct{Component: Component{ID: p}})
	}
	return s
}

func doc(ts time.Time, stmts ...OpenVEXStatement) *Document {
	return &Document{Context: Context, Author: "a", Timestamp: &ts, Version: 1, Statements: stmts}
}

func TestMerge(t *testing.T) {
	type brief struct{ Vuln, Status, Product, Time string }
	for _, tc := range []struct {
		name string
		docs []*Document
		want []brief
	}{{
		name: "the later statement on the same product wins, by statement timestamp",
		docs: []*Document{
			doc(t0, stmt("CVE-1", "affected", &t2, "pkg:npm/a@1")),
			doc(t2, stmt("CVE-1", "not_affected", &t1, "pkg:npm/a@1")),
		},
		want: []brief{{"CVE-1", "affected", "pkg:npm/a@1", "2024-01-03"}},
	}, {
		name: "the document timestamp counts when the statement has none",
		docs: []*Document{
			doc(t0, stmt("CVE-1", "affected", nil, "pkg:npm/a@1")),
			doc(t1, stmt("CVE-1", "fixed", nil, "pkg:npm/a@1")),
		},
		want: []brief{{"CVE-1", "fixed", "pkg:npm/a@1", "2024-01-02"}},
	}, {
		name: "ties go to the later document",
		docs: []*Document{
			doc(t1, stmt("CVE-1", "affected", nil, "pkg:npm/a@1")),
			doc(t1, stmt("CVE-1", "under_investigation", nil, "pkg:npm/a@1")),
		},
		want: []brief{{"CVE-1", "under_investigation", "pkg:npm/a@1", "2024-01-02"}},
	}, {
		name: "a later versionless purl covers an earlier versioned one, not the reverse",
		docs: []*Document{
			doc(t0, stmt("CVE-1", "affected", nil, "pkg:npm/a@1"), stmt("CVE-2", "affected", nil, "pkg:npm/a")),
			doc(t1, stmt("CVE-1", "fixed", nil, "pkg:npm/a"), stmt("CVE-2", "fixed", nil, "pkg:npm/a@2")),
		},
		want: []brief{
			{"CVE-1", "fixed", "pkg:npm/a", "2024-01-02"},
			{"CVE-2", "affected", "pkg:npm/a", "2024-01-01"},
			{"CVE-2", "fixed", "pkg:npm/a@2", "2024-01-02"},
		},
	}, {
		name: "qualifiers: without them a purl covers every variant",
		docs: []*Document{
			doc(t0, stmt("CVE-1", "affected", nil, "pkg:deb/debian/curl@8?arch=amd64", "pkg:deb/debian/curl@8?arch=arm64")),
			doc(t1, stmt("CVE-1", "fixed", nil, "pkg:deb/debian/curl@8?arch=amd64")),
		},
		want: []brief{
			{"CVE-1", "affected", "pkg:deb/debian/curl@8?arch=arm64", "2024-01-01"},
			{"CVE-1", "fixed", "pkg:deb/debian/curl@8?arch=amd64", "2024-01-02"},
		},
	}, {
		name: "aliases name the same vulnerability; other vulnerabilities stay",
		docs: []*Document{
			doc(t0, stmt("GHSA-x", "affected", nil, "pkg:npm/a@1"), stmt("CVE-9", "affected", nil, "pkg:npm/a@1")),
			doc(t1, func() OpenVEXStatement {
				s := stmt("CVE-1", "not_affected", nil, "pkg:npm/a@1")
				s.Vulnerability.Aliases = []string{"GHSA-X"}
				return s
			}()),
		},
		want: []brief{
			{"CVE-1", "not_affected", "pkg:npm/a@1", "2024-01-02"},
			{"CVE-9", "affected", "pkg:npm/a@1", "2024-01-01"},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			m := Merge(tc.docs, "", t2)
			var got []brief
			for _, s := range m.Statements {
				got = append(got, brief{s.Vulnerability.Name, s.Status, s.Products[0].ID, s.Timestamp.Format(time.DateOnly)})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			write(t, schema(t), m)
			// Applying the merge gives every finding what applying the documents gives.
			var all, merged Set
			for i, d := range tc.docs {
				all.Add(OpenVEXStatements(d, string(rune('a'+i)))...)
			}
			merged.Add(OpenVEXStatements(m, "m")...)
			for _, pkg := range []string{"pkg:npm/a@1", "pkg:npm/a@2", "pkg:deb/debian/curl@8?arch=amd64", "pkg:deb/debian/curl@8?arch=arm64"} {
				for _, v := range []string{"CVE-1", "CVE-2", "CVE-9", "GHSA-x"} {
					a, _ := all.Effective([]string{v}, []string{pkg}, nil)
					b, _ := merged.Effective([]string{v}, []string{pkg}, nil)
					if (a == nil) != (b == nil) || a != nil && a.Status != b.Status {
						t.Errorf("%s %s: documents give %+v, merge gives %+v", pkg, v, a, b)
					}
				}
			}
		})
	}
}

func TestIDMatches(t *testing.T) {
	for _, tc := range []struct {
		id, pkg string
		want    bool
	}{
		{"pkg:npm/lodash", "pkg:npm/lodash@4.17.20", true},
		{"pkg:npm/lodash@4.17.20", "pkg:npm/lodash@4.17.20", true},
		{"pkg:npm/lodash@4.17.21", "pkg:npm/lodash@4.17.20", false},
		{"pkg:npm/lodash@4.17.20", "pkg:npm/lodash", false},
		{"pkg:npm/%40angular/core@1", "pkg:npm/@angular/core@1", true},
		{"pkg:pypi/Foo_Bar@1.0", "pkg:pypi/foo-bar@1.0", true},
		{"pkg:deb/debian/curl@8", "pkg:deb/debian/curl@8?arch=amd64&distro=debian-12", true},
		{"pkg:deb/debian/curl@8?arch=amd64", "pkg:deb/debian/curl@8?arch=arm64", false},
		{"pkg:deb/debian/curl@8?arch=amd64", "pkg:deb/debian/curl@8", false},
		{"pkg:npm/lodash", "pkg:pypi/lodash@1", false},
		{"lodash-ref", "lodash-ref", true},
		{"pkg:npm/lodash", "lodash-ref", false},
		{"pkg:github/Owner/Repo", "pkg:github/owner/repo@v1", true},
		{"pkg:golang/example.com/m#sub", "pkg:golang/example.com/m@v1#sub", true},
		{"pkg:golang/example.com/m#sub", "pkg:golang/example.com/m@v1#other", false},
		{"pkg:golang/example.com/m@v1", "pkg:golang/example.com/m@v1#sub", true},
		{"pkg:npm/lodash@1?a=1&b=2", "pkg:npm/lodash@1?b=2&a=1&c=3", true},
		{"pkg:/bad", "pkg:/bad", true},
		{"pkg:/bad", "pkg:/bad@1", false},
	} {
		if got := idMatches(tc.id, tc.pkg); got != tc.want {
			t.Errorf("idMatches(%q, %q) = %v", tc.id, tc.pkg, got)
		}
		// The same through a Set, whose statements' purls are parsed when added.
		var set Set
		set.Add(Statement{Vulnerability: "CVE-1", Status: StatusFixed, Products: []Product{{IDs: []string{tc.id}}}})
		st, product := set.Effective([]string{"cve-1"}, []string{"", tc.pkg}, nil)
		if got := st != nil && product == tc.id; got != tc.want {
			t.Errorf("Set.Effective for %q on %q: %v, %q", tc.pkg, tc.id, st, product)
		}
	}
}

// result is a scan result with a lodash and a foo-bar finding.
func result() *report.Result {
	return &report.Result{
		Schema:  report.Schema,
		Targets: []report.Target{{Name: "registry.example/app:1", Kind: "image", Digest: "sha256:abc"}},
		Findings: []report.Finding{
			{ID: "GHSA-35jh-r3h4-6jhm", Advisories: []string{"GHSA-35jh-r3h4-6jhm"}, Aliases: []string{"CVE-2021-23337"},
				Package: report.Package{Ecosystem: "npm", Name: "lodash", Version: "4.17.20", PURL: "pkg:npm/lodash@4.17.20", Ref: "lodash-ref"}},
			{ID: "PYSEC-2099-1", Advisories: []string{"PYSEC-2099-1"},
				Package: report.Package{Ecosystem: "PyPI", Name: "foo-bar", Version: "1.0", PURL: "pkg:pypi/foo-bar@1.0"}},
		},
	}
}

func TestApply(t *testing.T) {
	type brief struct{ ID, Status, Justification, Product, Format, Statement string }
	for _, tc := range []struct {
		files []string
		want  []brief
	}{{
		files: []string{"app.openvex.json"},
		want: []brief{
			{"GHSA-35jh-r3h4-6jhm", "not_affected", "vulnerable_code_not_in_execute_path", "pkg:npm/lodash", "openvex", "statements[0]"},
			{"PYSEC-2099-1", "affected", "", "pkg:pypi/foo-bar@1.0", "openvex", "statements[1]"},
		},
	}, {
		files: []string{"app.cdx.json"},
		want: []brief{
			{"GHSA-35jh-r3h4-6jhm", "affected", "", "pkg:npm/lodash@4.17.20", "cyclonedx", "vulnerabilities[0]"},
			{"PYSEC-2099-1", "not_affected", "vulnerable_code_not_in_execute_path", "pkg:pypi/foo-bar@1.0", "cyclonedx", "vulnerabilities[1]"},
		},
	}, {
		files: []string{"app.csaf.json"},
		want: []brief{
			{"GHSA-35jh-r3h4-6jhm", "fixed", "", "pkg:npm/lodash@4.17.20", "csaf", "vulnerabilities[0].product_status.fixed"},
			{"PYSEC-2099-1", "not_affected", "vulnerable_code_not_present", "pkg:pypi/foo-bar@1.0", "csaf", "vulnerabilities[1].product_status.known_not_affected"},
		},
	}, {
		// The latest statement across documents: OpenVEX 2024-05, CycloneDX 2024-06, CSAF 2024-07.
		files: []string{"app.csaf.json", "app.openvex.json", "app.cdx.json"},
		want: []brief{
			{"GHSA-35jh-r3h4-6jhm", "fixed", "", "pkg:npm/lodash@4.17.20", "csaf", "vulnerabilities[0].product_status.fixed"},
			{"PYSEC-2099-1", "not_affected", "vulnerable_code_not_present", "pkg:pypi/foo-bar@1.0", "csaf", "vulnerabilities[1].product_status.known_not_affected"},
		},
	}} {
		var set Set
		for _, f := range tc.files {
			st, err := ReadFile(context.Background(), filepath.Join("testdata", f))
			if err != nil {
				t.Fatal(err)
			}
			set.Add(st...)
		}
		res := result()
		if n := Apply(res, &set); n != len(tc.want) {
			t.Errorf("%v: applied to %d findings", tc.files, n)
		}
		var got []brief
		for _, f := range res.Findings {
			if v := f.VEX; v != nil {
				got = append(got, brief{f.ID, v.Status, v.Justification, v.Product, v.Format, v.Statement})
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tc.files, diff)
		}
		if len(res.Findings) != 2 {
			t.Errorf("findings dropped")
		}
	}
}

// TestSubcomponents: a statement on an image with a subcomponent applies when the image is
// the scanned target, and only then.
func TestSubcomponents(t *testing.T) {
	s := stmt("CVE-2021-23337", "not_affected", nil, "pkg:oci/app@sha256:abc")
	s.Products[0].Subcomponents = []Component{{ID: "pkg:npm/lodash"}}
	var set Set
	set.Add(OpenVEXStatements(doc(t0, s), "image.openvex.json")...)
	res := result()
	if Apply(res, &set) != 1 || res.Findings[0].VEX == nil || res.Findings[0].VEX.Product != "pkg:npm/lodash" {
		t.Errorf("statement on the scanned image not applied: %+v", res.Findings[0].VEX)
	}
	res = result()
	res.Targets[0].Digest = "sha256:other"
	if Apply(res, &set) != 0 {
		t.Error("statement on another image applied")
	}
}

func TestCSAFExamples(t *testing.T) {
	type brief struct{ Vuln, Status, Justification, Impact, Action, Product string }
	for _, tc := range []struct {
		file string
		want []brief
	}{{
		file: "2022-evd-uc-01-na-001.json",
		want: []brief{{"CVE-2021-44228", "not_affected", "", "Class with vulnerable code was removed before shipping.", "", "CSAFPID-0001"}},
	}, {
		file: "sec-vex-2022-0001.json",
		want: []brief{
			{"CVE-2021-44228", "not_affected", "component_not_present", "Secvisogram is written in JavaScript. No Java is included.", "", "CSAFPID-0001"},
			{"CVE-2021-45046", "not_affected", "component_not_present", "Secvisogram is written in JavaScript. No Java is included.", "", "CSAFPID-0001"},
			{"CVE-2021-45105", "not_affected", "component_not_present", "Secvisogram is written in JavaScript. No Java is included.", "", "CSAFPID-0001"},
		},
	}} {
		data, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		sts, err := Parse(data, tc.file)
		if err != nil {
			t.Fatal(err)
		}
		var got []brief
		for _, s := range sts {
			got = append(got, brief{s.Vulnerability, s.Status, s.Justification, s.ImpactStatement, s.ActionStatement, s.Products[0].IDs[0]})
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.file, diff)
		}
	}
	// Every status of the multiple-status example maps to an OpenVEX status.
	data, _ := os.ReadFile(filepath.Join("testdata", "2022-evd-uc-03-ms-001.json"))
	sts, err := ParseCSAF(data, "ms")
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, s := range sts {
		count[s.Status]++
		if s.Status == StatusAffected && !strings.Contains(s.ActionStatement, "none_available: We are working") {
			t.Errorf("%s: action statement %q", s.Vulnerability, s.ActionStatement)
		}
	}
	if count[StatusAffected] == 0 || count[StatusNotAffected] == 0 || count[StatusFixed] == 0 || count[StatusUnderInvestigation] == 0 {
		t.Errorf("statuses = %v", count)
	}
}

func TestParseRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown format": `{"hello": 1}`,
		"csaf 1.0":       `{"document": {"csaf_version": "1.0"}}`,
		"csaf contradicting status": `{"document": {"csaf_version": "2.0"}, "vulnerabilities": [{"cve": "CVE-1",
			"product_status": {"known_affected": ["P1"], "known_not_affected": ["P1"]}}]}`,
		"csaf deep": `{"document": {"csaf_version": "2.0"}, "product_tree": ` + strings.Repeat(`{"branches": [`, 100) + strings.Repeat(`]}`, 100) + `}`,
		"cdx state": `{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [{"id": "CVE-1", "analysis": {"state": "fine"}, "affects": [{"ref": "a"}]}]}`,
		"not json":  `<xml/>`,
	} {
		if _, err := Parse([]byte(doc), name); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

// TestMergeManyStatements: a document of many statements on one vulnerability merges (it took
// hours at MaxStatements when every pair was compared; the test's timeout would catch that), and the
// index finds the statements that cover others: a later version-less purl covers every
// version, an equal identifier covers itself.
func TestMergeManyStatements(t *testing.T) {
	const n = 20000
	ts0, ts1 := t0, t0.Add(time.Hour)
	doc := &Document{Context: Context, Timestamp: &ts0}
	for i := range n {
		doc.Statements = append(doc.Statements, OpenVEXStatement{
			Vulnerability: Vulnerability{Name: "CVE-2024-1"}, Status: StatusFixed,
			Products: []OpenVEXProduct{{Component: Component{ID: fmt.Sprintf("pkg:npm/p%d@1.0.%d", i%(n/2), i)}}},
		})
	}
	later := &Document{Context: Context, Timestamp: &ts1, Statements: []OpenVEXStatement{
		{Vulnerability: Vulnerability{Name: "cve-2024-1"}, Status: StatusUnderInvestigation,
			Products: []OpenVEXProduct{{Component: Component{ID: "pkg:npm/p7"}}}},
		{Vulnerability: Vulnerability{Name: "CVE-2024-1"}, Status: StatusUnderInvestigation,
			Products: []OpenVEXProduct{{Component: Component{ID: "pkg:npm/p8@1.0.8"}}}},
		{Vulnerability: Vulnerability{Name: "CVE-2024-2"}, Status: StatusUnderInvestigation,
			Products: []OpenVEXProduct{{Component: Component{ID: "pkg:npm/p9"}}}},
	}}
	m := Merge([]*Document{doc, later}, "", t2) // BenchmarkMerge measures the time
	// p7 has two versions (7 and n/2+7), both covered; p8@1.0.8 is covered, p8@1.0.(n/2+8) not.
	if got, want := len(m.Statements), n+3-3; got != want {
		t.Errorf("merged %d statements, want %d", got, want)
	}
	for _, st := range m.Statements {
		switch id := st.Products[0].ID; {
		case st.Status == StatusFixed && (strings.HasPrefix(id, "pkg:npm/p7@") || id == "pkg:npm/p8@1.0.8"):
			t.Errorf("%s kept although a later statement covers it", id)
		}
	}
}

// TestCSAFWorkLimits: a small CSAF document that makes every product look through long flag
// lists, or joins many long threats into every statement, is refused with the reason instead
// of taking hours or gigabytes.
func TestCSAFWorkLimits(t *testing.T) {
	csaf := func(pids, flags, threats int, details string) []byte {
		var ids []string
		for i := range pids {
			ids = append(ids, fmt.Sprintf(`"P%d"`, i))
		}
		list := "[" + strings.Join(ids, ",") + "]"
		var fl, th []string
		for range flags {
			fl = append(fl, `{"label": "component_not_present", "product_ids": `+list+`}`)
		}
		for range threats {
			th = append(th, `{"category": "impact", "details": "`+details+`", "group_ids": ["G"]}`)
		}
		return []byte(`{"document": {"csaf_version": "2.0"},
			"product_tree": {"product_groups": [{"group_id": "G", "product_ids": ` + list + `}]},
			"vulnerabilities": [{"cve": "CVE-2024-1", "product_status": {"known_not_affected": ` + list + `},
				"flags": [` + strings.Join(fl, ",") + `], "threats": [` + strings.Join(th, ",") + `]}]}`)
	}
	for _, tc := range []struct {
		name string
		doc  []byte
		want string // in the error; "" for none
	}{
		{"ordinary", csaf(100, 2, 2, "Not shipped."), ""},
		{"quadratic flags", csaf(3000, 10, 0, ""), "comparisons"},
		{"long joined threats", csaf(2, 0, 3, strings.Repeat("x", 30000)), "add up to more than"},
	} {
		sts, err := ParseCSAF(tc.doc, tc.name)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "" && len(sts) != 100:
			t.Errorf("%s: %d statements, want 100", tc.name, len(sts))
		case tc.want != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want ErrInvalid saying %q", tc.name, err, tc.want)
		}
	}
}

// TestProductLimits: a statement of more than MaxProducts products, or a product of more
// than MaxProducts subcomponents, is refused with the statement and the limit named, in
// OpenVEX and CycloneDX documents and when a statement is created; MaxProducts is accepted.
func TestProductLimits(t *testing.T) {
	purls := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("pkg:npm/p%d@1.0.0", i)
		}
		return out
	}
	openvex := func(products, subcomponents int) []byte {
		var ps []string
		for _, p := range purls(products) {
			ps = append(ps, `{"@id": "`+p+`"}`)
		}
		if subcomponents > 0 {
			var subs []string
			for _, p := range purls(subcomponents) {
				subs = append(subs, `{"@id": "`+p+`"}`)
			}
			ps[0] = `{"@id": "pkg:oci/app", "subcomponents": [` + strings.Join(subs, ",") + `]}`
		}
		return []byte(`{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex", "author": "a",
			"timestamp": "2024-01-01T00:00:00Z", "version": 1, "statements": [
			{"vulnerability": {"name": "CVE-2024-1"}, "status": "fixed", "products": [{"@id": "pkg:npm/x"}]},
			{"@id": "https://example.com/vex#big", "vulnerability": {"name": "CVE-2024-2"}, "status": "fixed",
			 "products": [` + strings.Join(ps, ",") + `]}]}`)
	}
	cyclonedx := func(affects int) []byte {
		var as []string
		for _, p := range purls(affects) {
			as = append(as, `{"ref": "`+p+`"}`)
		}
		return []byte(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [
			{"id": "CVE-2024-1", "analysis": {"state": "resolved"}, "affects": [` + strings.Join(as, ",") + `]}]}`)
	}
	for _, tc := range []struct {
		name string
		doc  []byte
		want string // in the error; "" for none
	}{
		{"openvex at the limit", openvex(MaxProducts, 0), ""},
		{"openvex products", openvex(MaxProducts+1, 0), fmt.Sprintf("https://example.com/vex#big: %d products, more than the limit of %d per statement", MaxProducts+1, MaxProducts)},
		{"openvex subcomponents at the limit", openvex(1, MaxProducts), ""},
		{"openvex subcomponents", openvex(2, MaxProducts+1), fmt.Sprintf("https://example.com/vex#big: products[0]: %d subcomponents, more than the limit of %d per product", MaxProducts+1, MaxProducts)},
		{"cyclonedx at the limit", cyclonedx(MaxProducts), ""},
		{"cyclonedx affects", cyclonedx(MaxProducts + 1), fmt.Sprintf("vulnerabilities[0]: %d products, more than the limit", MaxProducts+1)},
	} {
		sts, err := Parse(tc.doc, tc.name)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "" && len(sts) == 0:
			t.Errorf("%s: no statements", tc.name)
		case tc.want != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want ErrInvalid saying %q", tc.name, err, tc.want)
		}
	}
	o := StatementOptions{Products: purls(MaxProducts + 1), Vulnerability: "CVE-2024-1", Status: StatusFixed}
	if _, err := NewStatement(o, t0); err == nil || !strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("NewStatement of %d products: %v, want the limit", len(o.Products), err)
	}
}

// TestEffectiveConcurrent: Effective parses a statement's purls the first time it is asked
// about it, once, and may be called from several goroutines (run with -race).
func TestEffectiveConcurrent(t *testing.T) {
	var set Set
	set.Add(OpenVEXStatements(benchDocument(), "bench.openvex.json")...)
	res := benchResult()
	got := make([]string, len(res.Findings))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(res.Findings); i += 4 {
				f := &res.Findings[i]
				if st, product := set.Effective([]string{f.ID}, []string{f.Package.PURL}, nil); st != nil {
					got[i] = st.Ref + " " + product
				}
			}
		})
	}
	wg.Wait()
	for i, f := range res.Findings {
		want := ""
		if v := i / 2; i%2 == 0 { // the lib3-2 finding: statement 3 of its vulnerability
			want = fmt.Sprintf("statements[%d] pkg:deb/debian/lib3-2@1.%d?arch=amd64", 10*v+3, v)
		}
		if got[i] != want {
			t.Fatalf("finding %d (%s %s): %q, want %q", i, f.ID, f.Package.PURL, got[i], want)
		}
	}
}

// TestWriteLimit: a document of more than MaxStatements statements, such as a merge that
// split statements of several products, is not written: it could not be read back.
func TestWriteLimit(t *testing.T) {
	doc := &Document{Context: Context, Timestamp: &t0}
	for i := range MaxStatements/2 + 1 {
		doc.Statements = append(doc.Statements, OpenVEXStatement{Vulnerability: Vulnerability{Name: "CVE-2024-1"}, Status: StatusFixed,
			Products: []OpenVEXProduct{{Component: Component{ID: fmt.Sprintf("pkg:npm/a%d", i)}}, {Component: Component{ID: fmt.Sprintf("pkg:npm/b%d", i)}}}})
	}
	m := Merge([]*Document{doc}, "", t1) // one statement per product
	var buf bytes.Buffer
	err := Write(&buf, m)
	if want := fmt.Sprintf("%d statements, more than the limit of %d", MaxStatements+2, MaxStatements); err == nil || !strings.Contains(err.Error(), want) || buf.Len() != 0 {
		t.Errorf("Write of %d statements: %v, %d bytes written; want an error saying %q", len(m.Statements), err, buf.Len(), want)
	}
}

// TestMergeRepeated: many statements on one product and vulnerability (a document merged
// with itself, repeated) merge to the latest one without comparing every pair, which took
// minutes.
func TestMergeRepeated(t *testing.T) {
	const n = 50_000
	doc := &Document{Context: Context, Timestamp: &t0}
	for i := range n {
		doc.Statements = append(doc.Statements, OpenVEXStatement{Vulnerability: Vulnerability{Name: "CVE-2024-1"}, Status: StatusFixed,
			StatusNotes: fmt.Sprint(i), Products: []OpenVEXProduct{{Component: Component{ID: "pkg:npm/a@1"}}}})
	}
	m := Merge([]*Document{doc, doc}, "", t1)
	if len(m.Statements) != 1 || m.Statements[0].StatusNotes != fmt.Sprint(n-1) {
		t.Errorf("merged to %d statements, want the last one only", len(m.Statements))
	}
}

// TestMergeWorkLimit: statements on one package whose later ones never cover the earlier
// (each with another qualifier) would be compared pairwise; past maxMergeWork the rest are
// kept without the search, and the merge still means what the document does.
func TestMergeWorkLimit(t *testing.T) {
	const n = 4_000 // n*n/2 comparisons, more than maxMergeWork
	doc := &Document{Context: Context, Timestamp: &t0}
	for i := range n {
		doc.Statements = append(doc.Statements, OpenVEXStatement{Vulnerability: Vulnerability{Name: "CVE-2024-1"}, Status: StatusFixed,
			Products: []OpenVEXProduct{{Component: Component{ID: fmt.Sprintf("pkg:deb/debian/curl@8?arch=a%d", i)}}}})
	}
	later := &Document{Context: Context, Timestamp: &t1, Statements: []OpenVEXStatement{{Vulnerability: Vulnerability{Name: "CVE-2024-1"},
		Status: StatusUnderInvestigation, Products: []OpenVEXProduct{{Component: Component{ID: "pkg:deb/debian/curl@8?arch=a7"}}}}}}
	m := Merge([]*Document{doc, later}, "", t2)
	if len(m.Statements) < n {
		t.Errorf("merged to %d statements, want at least %d", len(m.Statements), n)
	}
	var all, merged Set
	all.Add(OpenVEXStatements(doc, "doc")...)
	all.Add(OpenVEXStatements(later, "later")...)
	merged.Add(OpenVEXStatements(m, "m")...)
	for _, arch := range []string{"a0", "a7", "a7999", "other"} {
		pkg := "pkg:deb/debian/curl@8?arch=" + arch
		a, _ := all.Effective([]string{"CVE-2024-1"}, []string{pkg}, nil)
		b, _ := merged.Effective([]string{"CVE-2024-1"}, []string{pkg}, nil)
		if (a == nil) != (b == nil) || a != nil && a.Status != b.Status {
			t.Errorf("%s: documents give %+v, merge gives %+v", pkg, a, b)
		}
	}
}
