package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hallmark-dev/hallmark/catalog/all"
	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/scan"
	"github.com/hallmark-dev/hallmark/source"
	"github.com/hallmark-dev/hallmark/version/lookup"
	"github.com/hallmark-dev/hallmark/vulndb"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var (
	scanTime   = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	importTime = time.Date(2025, 5, 31, 8, 0, 0, 0, time.UTC)
)

// pipelineResult runs the real pipeline: the catalogers over testdata/project, the real OSV
// advisories of testdata/advisories imported into a vulndb, scan.Run with the ignore file of
// the project. Paths and times that vary between runs are fixed afterwards.
func pipelineResult(t *testing.T) *report.Result {
	t.Helper()
	ctx := context.Background()
	db, err := vulndb.Open(ctx, filepath.Join(t.TempDir(), "osv.db"), lookup.For)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := db.Import(ctx, filepath.Join("testdata", "advisories"), nil)
	if err != nil {
		t.Fatalf("importing: %v", err)
	}
	if len(st.Malformed) > 0 {
		t.Fatalf("malformed test advisories: %v", st.Malformed)
	}
	inv, err := source.Inventory(ctx, []string{"testdata/project"}, source.Options{Catalogers: all.Catalogers()})
	if err != nil {
		t.Fatalf("inventory: %v", err)
	}
	ig, err := scan.ReadIgnoreFile("testdata/project/.hallmark.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scan.Run(ctx, inv, db, scan.Options{
		Schemes: lookup.For, Ignores: ig, Now: scanTime,
		Tool: report.Tool{Name: "hallmark", Version: "1.2.3"},
	})
	if err != nil {
		t.Fatalf("scanning: %v", err)
	}
	res.Database.Path = "osv.db"
	res.Database.LastUpdate = importTime
	return res
}

// handMadeResult covers what the pipeline result does not: several packages with the same
// advisory, an ecosystem severity label, unknown severity, no fix, a package without location
// or purl, unread files, and an image target.
func handMadeResult() *report.Result {
	inv := &sbom.Inventory{
		Sources: []sbom.Source{{Kind: sbom.SourceImage, Name: "registry.example/app:1.0", Digest: "sha256:" + strings.Repeat("ab", 32)}},
		Distro:  &sbom.Distro{ID: "debian", VersionID: "12", PrettyName: "Debian GNU/Linux 12 (bookworm)"},
		Errors:  []sbom.FileError{{Path: "app/package-lock.json", Line: 12, Cataloger: "npm-lock", Err: "invalid JSON"}},
	}
	inv.Add([]*sbom.Package{
		{ID: "libssl3", Name: "libssl3", Version: "3.0.11-1~deb12u1", Ecosystem: "Debian", SourceName: "openssl",
			PURL: "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12", Locations: []sbom.Location{{Path: "/var/lib/dpkg/status", Line: 40, Layer: "sha256:" + strings.Repeat("cd", 32)}}},
		{ID: "minimist-a", Name: "minimist", Version: "1.2.5", Ecosystem: "npm", PURL: "pkg:npm/minimist@1.2.5",
			Locations: []sbom.Location{{Path: "app/node_modules/minimist/package.json"}}},
		{ID: "minimist-b", Name: "minimist", Version: "1.2.5", Ecosystem: "npm", PURL: "pkg:npm/minimist@1.2.5",
			Locations: []sbom.Location{{Path: "tools/node_modules/minimist/package.json"}}},
		{ID: "left-pad", Name: "left pad", Version: "0.0.1", Ecosystem: "npm"},
		{ID: "req", Name: "requests", Constraint: ">=2", Unresolved: true, Ecosystem: "PyPI", PURL: "pkg:pypi/requests"},
	})
	inv.Finalize()
	ref := map[string]string{}
	for _, p := range inv.Packages {
		ref[p.Name+"@"+p.Version+"@"+firstPath(p)] = p.ID
	}
	pkg := func(p *sbom.Package) report.Package {
		return report.Package{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version, PURL: p.PURL, Ref: p.ID}
	}
	byName := func(name, path string) *sbom.Package {
		for _, p := range inv.Packages {
			if p.Name == name && firstPath(p) == path {
				return p
			}
		}
		panic(name)
	}
	ssl := byName("libssl3", "/var/lib/dpkg/status")
	mA := byName("minimist", "app/node_modules/minimist/package.json")
	mB := byName("minimist", "tools/node_modules/minimist/package.json")
	lp := byName("left pad", "")
	minimist := func(p *sbom.Package, ignored *report.Ignore) report.Finding {
		return report.Finding{
			ID: "GHSA-xvch-5gv4-984h", Advisories: []string{"GHSA-xvch-5gv4-984h"}, Aliases: []string{"CVE-2021-44906"},
			Summary: "Prototype Pollution in minimist", Package: pkg(p), Locations: p.Locations,
			Relation: "transitive", Via: []string{"mkdirp@0.5.5"},
			Severity:      report.Severity{Level: "critical", Score: 9.8, Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
			FixedVersions: []string{"0.2.4", "1.2.6"}, Advice: "1.2.6", Ignored: ignored,
			Modified: "2024-06-01T00:00:00Z", URL: "https://osv.dev/vulnerability/GHSA-xvch-5gv4-984h",
		}
	}
	return &report.Result{
		Schema:   report.Schema,
		Tool:     report.Tool{Name: "hallmark", Version: "(devel)"},
		Created:  scanTime,
		Database: report.Database{Path: "/home/u/.cache/hallmark/osv.db", Advisories: 120000, LastUpdate: importTime},
		Targets:  []report.Target{{Name: "registry.example/app:1.0", Kind: "image", Digest: "sha256:" + strings.Repeat("ab", 32)}},
		Findings: []report.Finding{
			minimist(mA, nil),
			minimist(mB, &report.Ignore{ID: "CVE-2021-44906", Package: "pkg:npm/minimist@1.2.5", Reason: "only parses our own build flags", Expires: "2099-01-01", Source: ".hallmark.yaml"}),
			{
				ID: "DSA-5532-1", Advisories: []string{"DSA-5532-1", "DLA-1-1"}, Aliases: []string{"CVE-2023-5363"},
				Summary: "openssl: security update", Package: pkg(ssl), Locations: ssl.Locations,
				Severity:      report.Severity{Level: "high", Type: "ecosystem", Vector: "HIGH"},
				FixedVersions: []string{"3.0.11-1~deb12u2"}, Advice: "3.0.11-1~deb12u2",
				Modified: "not a date", URL: "https://osv.dev/vulnerability/DSA-5532-1",
				VEX: &report.VEXStatement{
					Status: "not_affected", Justification: "vulnerable_code_not_in_execute_path",
					ImpactStatement: "The image never loads the affected provider.",
					Vulnerability:   "CVE-2023-5363", Product: "pkg:deb/debian/libssl3",
					Timestamp: "2024-05-01T00:00:00Z", Format: "openvex", Document: "app.openvex.json",
					DocumentID: "https://example.com/vex/app-1", Statement: "statements[0]",
				},
			},
			{
				ID: "MAL-2099-1", Advisories: []string{"MAL-2099-1"}, Aliases: []string{},
				Package: pkg(lp), Locations: []sbom.Location{},
				Severity:      report.Severity{Level: "unknown"},
				FixedVersions: []string{}, URL: "https://osv.dev/vulnerability/MAL-2099-1",
				VEX: &report.VEXStatement{
					Status: "under_investigation", Vulnerability: "MAL-2099-1", Product: "left-pad",
					Format: "cyclonedx", Document: "app.cdx.json", Statement: "vulnerabilities[0]",
				},
			},
		},
		Unmatched: []report.Unmatched{{Package: pkg(byName("requests", "")), Reason: "no exact version (unpinned requirement >=2)"}},
		ExpiredIgnores: []report.Ignore{
			{ID: "GHSA-0000-0000-0000", Reason: "old exception", Expires: "2020-01-01", Source: ".hallmark.yaml"},
		},
		Errors:    inv.Errors,
		Inventory: inv,
	}
}

func firstPath(p *sbom.Package) string {
	if len(p.Locations) == 0 {
		return ""
	}
	return p.Locations[0].Path
}

// TestPipeline pins down the pipeline result the renderers are tested on.
func TestPipeline(t *testing.T) {
	res := pipelineResult(t)
	type brief struct {
		ID, Pkg, Level, Type, Advice, Ignored, Location string
	}
	var got []brief
	for _, f := range res.Findings {
		b := brief{ID: f.ID, Pkg: f.Package.Name + "@" + f.Package.Version, Level: f.Severity.Level, Type: f.Severity.Type, Advice: f.Advice}
		if f.Ignored != nil {
			b.Ignored = f.Ignored.Reason
		}
		if len(f.Locations) > 0 {
			b.Location = f.Locations[0].String()
		}
		got = append(got, b)
	}
	want := []brief{
		{"GHSA-35jh-r3h4-6jhm", "lodash@4.17.20", "high", "CVSS_V3", "4.17.21", "", "package-lock.json:14"},
		{"RUSTSEC-2022-0013", "regex@1.5.4", "high", "CVSS_V3", "1.5.5", "", "Cargo.lock:20"},
		{"RUSTSEC-2016-0002", "hyper@0.9.0", "medium", "CVSS_V3", "0.9.4", "", "Cargo.lock:14"},
		{"RUSTSEC-2026-0009", "time@0.3.36", "medium", "CVSS_V4", "0.3.47", "", "Cargo.lock:35"},
		{"GO-2021-0113", "golang.org/x/text@v0.3.5", "unknown", "", "0.3.8", "", "go.mod:5"},
		{"GO-2022-1059", "golang.org/x/text@v0.3.5", "unknown", "", "0.3.8", "", "go.mod:5"},
		{"PYSEC-2021-66", "jinja2@2.11.2", "unknown", "", "2.11.3", "urlize() is never called on untrusted input", "requirements.txt:3"},
		{"PYSEC-2023-74", "requests@2.25.1", "unknown", "", "2.31.0", "", "requirements.txt:2"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if len(res.ExpiredIgnores) != 1 || res.ExpiredIgnores[0].ID != "GO-2021-0113" {
		t.Errorf("expired ignores = %+v", res.ExpiredIgnores)
	}
	if len(res.Unmatched) != 1 || res.Unmatched[0].Package.Name != "flask" {
		t.Errorf("unmatched = %+v", res.Unmatched)
	}
}

// compile compiles the schema at url from the given resources (url → file), without network.
func compile(t *testing.T, url string, resources map[string]string, loader jsonschema.URLLoader) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if loader != nil {
		c.UseLoader(loader)
	}
	for u, file := range resources {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := c.AddResource(u, doc); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compiling %s: %v", url, err)
	}
	return sch
}

func scanSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(report.JSONSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(report.SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(report.SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, name string, doc []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", name, err, doc)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s does not validate: %v", name, err)
	}
}

func render(t *testing.T, fn func(*bytes.Buffer, *report.Result) error, r *report.Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := fn(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// golden compares got with testdata/golden/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

type result struct {
	name string
	res  *report.Result
}

func results(t *testing.T) []result {
	return []result{{"pipeline", pipelineResult(t)}, {"handmade", handMadeResult()}}
}

func TestJSONSchema(t *testing.T) {
	sch := scanSchema(t)
	for _, tc := range results(t) {
		doc := render(t, func(b *bytes.Buffer, r *report.Result) error { return report.WriteJSON(b, r) }, tc.res)
		validate(t, sch, tc.name+".json", doc)
		golden(t, tc.name+".json", doc)
		back, err := report.ReadJSON(bytes.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		again := render(t, func(b *bytes.Buffer, r *report.Result) error { return report.WriteJSON(b, r) }, back)
		if !bytes.Equal(doc, again) {
			t.Errorf("%s: JSON read back and written again differs", tc.name)
		}
	}
	// Nil lists of the hand-made kind are written as [].
	empty := &report.Result{Schema: report.Schema, Findings: []report.Finding{{ID: "X", Severity: report.Severity{Level: "unknown"}}}, Inventory: &sbom.Inventory{}}
	validate(t, sch, "minimal", render(t, func(b *bytes.Buffer, r *report.Result) error { return report.WriteJSON(b, r) }, empty))
	if empty.Targets != nil || empty.Findings[0].Aliases != nil || empty.Inventory.Packages != nil {
		t.Error("WriteJSON changed the result it was given")
	}
}

// TestJSONSchemaRejects makes sure the schema has teeth.
func TestJSONSchemaRejects(t *testing.T) {
	sch := scanSchema(t)
	doc := render(t, func(b *bytes.Buffer, r *report.Result) error { return report.WriteJSON(b, r) }, handMadeResult())
	for name, edit := range map[string]func(m map[string]any){
		"no findings":   func(m map[string]any) { delete(m, "findings") },
		"other schema":  func(m map[string]any) { m["schema"] = "hallmark.scan/v2" },
		"no advice":     func(m map[string]any) { delete(finding(m, 0), "advice") },
		"bad level":     func(m map[string]any) { finding(m, 0)["severity"].(map[string]any)["level"] = "severe" },
		"no purl":       func(m map[string]any) { delete(finding(m, 0)["package"].(map[string]any), "purl") },
		"ignore reason": func(m map[string]any) { finding(m, 1)["ignored"].(map[string]any)["reason"] = "" },
		"bad created":   func(m map[string]any) { m["created"] = "yesterday" },
		"vex status":    func(m map[string]any) { finding(m, 2)["vex"].(map[string]any)["status"] = "ignored" },
		"vex document":  func(m map[string]any) { delete(finding(m, 2)["vex"].(map[string]any), "document") },
	} {
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		b, _ := json.Marshal(m)
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if sch.Validate(inst) == nil {
			t.Errorf("%s: validates", name)
		}
	}
}

func finding(m map[string]any, i int) map[string]any {
	return m["findings"].([]any)[i].(map[string]any)
}

// TestSchemaDocumented checks that every property of the schema has a description or a $ref
// to a described definition, and that every JSON field of the Go types appears in it.
func TestSchemaDocumented(t *testing.T) {
	var s map[string]any
	if err := json.Unmarshal(report.JSONSchema, &s); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	names := map[string]bool{}
	walk = func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if props, ok := m["properties"].(map[string]any); ok {
			for k, p := range props {
				names[k] = true
				pm, _ := p.(map[string]any)
				_, desc := pm["description"]
				_, ref := pm["$ref"]
				if !desc && !ref && !strings.Contains(path, "inventory") && !strings.Contains(path, "fileError") {
					t.Errorf("%s.%s has no description", path, k)
				}
				walk(path+"."+k, p)
			}
		}
		for _, k := range []string{"items", "$defs"} {
			if sub, ok := m[k].(map[string]any); ok {
				if k == "$defs" {
					for dk, dv := range sub {
						walk(path+".$defs."+dk, dv)
					}
				} else {
					walk(path+"[]", sub)
				}
			}
		}
	}
	walk("", s)
	for _, f := range jsonFields(reflect.TypeFor[report.Result](), map[reflect.Type]bool{}) {
		if !names[f] {
			t.Errorf("JSON field %q is not in the schema", f)
		}
	}
}

// jsonFields lists the JSON names of t's fields and of the structs they hold, not looking into
// the inventory's packages (loosely typed in the schema).
func jsonFields(t reflect.Type, seen map[reflect.Type]bool) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] || t == reflect.TypeFor[time.Time]() || t == reflect.TypeFor[sbom.Package]() || t == reflect.TypeFor[sbom.Source]() || t == reflect.TypeFor[sbom.Distro]() {
		return nil
	}
	seen[t] = true
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out = append(out, name)
		out = append(out, jsonFields(f.Type, seen)...)
	}
	return out
}

func TestRenderers(t *testing.T) {
	for _, name := range []string{"sarif", "cyclonedx-json", "openvex"} {
		if report.Renderers[name] == nil {
			t.Errorf("no renderer %q", name)
		}
	}
}

// TestDeterministic renders every format twice, and from the JSON read back.
func TestDeterministic(t *testing.T) {
	for _, tc := range results(t) {
		var js bytes.Buffer
		if err := report.WriteJSON(&js, tc.res); err != nil {
			t.Fatal(err)
		}
		back, err := report.ReadJSON(&js)
		if err != nil {
			t.Fatal(err)
		}
		for name, fn := range report.Renderers {
			a := render(t, wrap(fn), tc.res)
			b := render(t, wrap(fn), tc.res)
			c := render(t, wrap(fn), back)
			if !bytes.Equal(a, b) || !bytes.Equal(a, c) {
				t.Errorf("%s/%s: output differs between runs or after a JSON round trip", tc.name, name)
			}
		}
	}
}

func wrap(fn func(w io.Writer, r *report.Result) error) func(*bytes.Buffer, *report.Result) error {
	return func(b *bytes.Buffer, r *report.Result) error { return fn(b, r) }
}

func ExampleWriteJSON() {
	fmt.Println(report.Schema)
	// Output: hallmark.scan/v1
}

// TestActiveVEX checks that findings a VEX statement suppresses (not_affected, fixed) leave
// Active, and that affected and under_investigation ones stay.
func TestActiveVEX(t *testing.T) {
	var r report.Result
	for i, st := range []string{"", "not_affected", "fixed", "affected", "under_investigation"} {
		f := report.Finding{ID: fmt.Sprint("X-", i)}
		if st != "" {
			f.VEX = &report.VEXStatement{Status: st}
		}
		r.Findings = append(r.Findings, f)
	}
	var got []string
	for _, f := range r.Active() {
		got = append(got, f.ID)
	}
	if want := []string{"X-0", "X-3", "X-4"}; !slices.Equal(got, want) {
		t.Errorf("Active = %v, want %v", got, want)
	}
}
