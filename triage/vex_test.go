package triage

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/store/storetest"
	"github.com/hallmark-dev/hallmark/vex"
)

// openVEXSchema compiles the OpenVEX 0.2.0 JSON schema from testdata.
func openVEXSchema(t *testing.T) *jsonschema.Schema {
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

// export exports sc's analyses by "PSIRT" to buf and validates the document.
func export(t *testing.T, tr *Triage, sch *jsonschema.Schema, sc portfolio.Scope, buf *bytes.Buffer) {
	t.Helper()
	if err := tr.ExportOpenVEX(context.Background(), sc, buf, "PSIRT"); err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("the export is not valid OpenVEX 0.2.0: %v\n%s", err, buf.Bytes())
	}
}

func TestExportOpenVEX(t *testing.T) {
	sch := openVEXSchema(t)
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newFixture(t, dsn)
		red := portfolio.Scope{Teams: []int64{f.red}}
		var buf bytes.Buffer
		if err := f.tr.ExportOpenVEX(ctx, red, &buf, "PSIRT"); !errors.Is(err, portfolio.ErrNotFound) {
			t.Errorf("export without analyses: %v, want ErrNotFound", err)
		}
		for _, a := range []Analysis{
			{Advisory: cve, Purl: "pkg:npm/lodash", State: NotAffected, Justification: "vulnerable_code_not_in_execute_path", Comment: "template() unused", Author: "ann"},
			{FindingID: ptr(f.svcOldLodash), State: Affected, Action: "upgrade to 4.17.21", Comment: "reachable", Author: "bob"},
			{Advisory: "PYSEC-2099-1", Purl: "pkg:pypi/foo-bar", State: FalsePositive, Comment: "a namesake", Author: "cat"},
			{Advisory: "CVE-2000-1", Purl: "pkg:npm/left-pad", State: InTriage, Author: "dan"}, // applies to no finding
		} {
			if _, err := f.tr.Set(ctx, red, a); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.tr.Set(ctx, portfolio.Scope{Teams: []int64{f.blue}},
			Analysis{FindingID: ptr(f.otherLodash), State: Resolved, Author: "eve"}); err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		export(t, f.tr, sch, red, &buf)
		doc, err := vex.ParseOpenVEX(buf.Bytes())
		if err != nil {
			t.Fatalf("the export does not read back: %v", err)
		}
		if doc.Author != "PSIRT" || !strings.HasPrefix(doc.ID, "https://openvex.dev/docs/public/vex-") {
			t.Errorf("author %q, @id %q", doc.Author, doc.ID)
		}
		type stmt struct {
			Vuln, Status, Justification, Impact, Action string
			Aliases, Products                           []string
		}
		var got []stmt
		for _, s := range doc.Statements {
			var products []string
			for _, p := range s.Products {
				products = append(products, p.ID)
			}
			got = append(got, stmt{s.Vulnerability.Name, s.Status, s.Justification, s.ImpactStatement, s.ActionStatement, s.Vulnerability.Aliases, products})
		}
		want := []stmt{
			{cve, "not_affected", "vulnerable_code_not_in_execute_path", "template() unused", "", []string{ghsa}, []string{"pkg:npm/lodash@4.17.20"}},
			{ghsa, "affected", "", "", "upgrade to 4.17.21", []string{cve}, []string{"pkg:npm/lodash@4.17.15"}},
			{"PYSEC-2099-1", "not_affected", "", "False positive: a namesake", "", nil, []string{"pkg:pypi/foo-bar@1.0"}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("statements (-want +got):\n%s", diff)
		}
		// Every team: blue's resolved finding is there too, as fixed.
		buf.Reset()
		if err := f.tr.ExportOpenVEX(ctx, portfolio.Scope{All: true}, &buf, ""); err != nil {
			t.Fatal(err)
		}
		doc, err = vex.ParseOpenVEX(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if n := len(doc.Statements); n != 4 || doc.Statements[3].Status != vex.StatusFixed {
			t.Errorf("export of every team: %d statements, want 4 with the last fixed:\n%s", n, buf.Bytes())
		}
	})
}

// TestExportOpenVEXUnique exports two analyses of findings of the same component version,
// recorded alike at the same time: one statement, as the schema wants statements unique.
func TestExportOpenVEXUnique(t *testing.T) {
	sch := openVEXSchema(t)
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newFixture(t, dsn)
		f.tr.now = func() time.Time { return f.clock }
		red := portfolio.Scope{Teams: []int64{f.red}}
		for _, id := range []int64{f.appLodash, f.svcLodash} {
			if _, err := f.tr.Set(ctx, red, Analysis{FindingID: ptr(id), State: InTriage, Author: "ann"}); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		export(t, f.tr, sch, red, &buf)
		if n := strings.Count(buf.String(), `"status": "under_investigation"`); n != 1 {
			t.Errorf("%d statements, want 1:\n%s", n, buf.Bytes())
		}
	})
}

func TestIngestVEX(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newFixture(t, dsn)
		red := portfolio.Scope{Teams: []int64{f.red}}
		ids := []int64{f.appLodash, f.svcLodash, f.svcOldLodash, f.appFoo, f.otherLodash}
		const (
			openvexAuthor = "vex:https://example.com/vex/app-1"
			cdxAuthor     = "vex:urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
			csafAuthor    = "vex:HALLMARK-TEST-CSAF-1"
		)
		for _, step := range []struct {
			file, doc  string
			statements int
			want       map[int64]string
		}{{
			file: "app.openvex.json", statements: 2,
			want: map[int64]string{
				f.appLodash: "not_affected by " + openvexAuthor, f.svcLodash: "not_affected by " + openvexAuthor,
				f.svcOldLodash: "not_affected by " + openvexAuthor, f.appFoo: "affected by " + openvexAuthor,
			},
		}, {
			// Later, for lodash 4.17.20 only (by its bom-ref) and foo-bar.
			file: "app.cdx.json", statements: 2,
			want: map[int64]string{
				f.appLodash: "affected by " + cdxAuthor, f.svcLodash: "affected by " + cdxAuthor,
				f.svcOldLodash: "not_affected by " + openvexAuthor, f.appFoo: "not_affected by " + cdxAuthor,
			},
		}, {
			// Later still: lodash 4.17.20 fixed, foo-bar not affected by PYSEC and under
			// investigation for the lodash CVE (which no foo-bar finding has).
			file: "app.csaf.json", statements: 3,
			want: map[int64]string{
				f.appLodash: "resolved by " + csafAuthor, f.svcLodash: "resolved by " + csafAuthor,
				f.svcOldLodash: "not_affected by " + openvexAuthor, f.appFoo: "not_affected by " + csafAuthor,
			},
		}, {
			// The OpenVEX document again: its foo-bar statement is older than CSAF's and
			// skipped; its lodash one replaces itself.
			file: "app.openvex.json", statements: 1,
			want: map[int64]string{
				f.appLodash: "resolved by " + csafAuthor, f.svcLodash: "resolved by " + csafAuthor,
				f.svcOldLodash: "not_affected by " + openvexAuthor, f.appFoo: "not_affected by " + csafAuthor,
			},
		}, {
			// A product with subcomponents: only the findings of red's artifact with that
			// digest (blue's artifact has the same digest, and another team).
			doc: `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/image", "author": "x",
				"timestamp": "2025-01-01T00:00:00Z", "version": 1, "statements": [{
				"vulnerability": {"name": "` + ghsa + `"}, "status": "under_investigation",
				"products": [{"@id": "https://example.com/app", "hashes": {"sha-256": "` + string(make64('a')) + `"},
					"subcomponents": [{"@id": "pkg:npm/lodash@4.17.20"}]}]}]}`,
			statements: 1,
			want: map[int64]string{
				f.appLodash: "in_triage by vex:https://example.com/vex/image", f.svcLodash: "resolved by " + csafAuthor,
				f.svcOldLodash: "not_affected by " + openvexAuthor, f.appFoo: "not_affected by " + csafAuthor,
			},
		}} {
			doc := []byte(step.doc)
			if step.file != "" {
				var err error
				if doc, err = os.ReadFile(filepath.Join("testdata", step.file)); err != nil {
					t.Fatal(err)
				}
			}
			n, err := f.tr.IngestVEX(ctx, f.red, doc, "uploader")
			if err != nil {
				t.Fatalf("%s: %v", step.file, err)
			}
			if n != step.statements {
				t.Errorf("%s: %d statements recorded, want %d", step.file, n, step.statements)
			}
			got, err := f.tr.For(ctx, red, ids)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(step.want, states(got)); diff != "" {
				t.Errorf("after %s%.20s: For (-want +got):\n%s", step.file, step.doc, diff)
			}
		}
		audit, err := f.tr.Audit(ctx, red, "PYSEC-2099-1", 0)
		if err != nil {
			t.Fatal(err)
		}
		var trail []string
		for _, e := range audit {
			trail = append(trail, e.PrevState+"→"+e.State+" by "+e.Author+" via "+e.Via)
		}
		want := []string{
			"not_affected→not_affected by " + csafAuthor + " via uploader",
			"affected→not_affected by " + cdxAuthor + " via uploader",
			"→affected by " + openvexAuthor + " via uploader",
		}
		if diff := cmp.Diff(want, trail); diff != "" {
			t.Errorf("audit of PYSEC-2099-1 (-want +got):\n%s", diff)
		}
		// Nothing reached blue.
		if got, err := f.tr.For(ctx, portfolio.Scope{Teams: []int64{f.blue}}, ids); err != nil || len(got) != 0 {
			t.Errorf("blue's findings after red's VEX: %v, %v", states(got), err)
		}
	})
}

func TestIngestVEXRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newFixture(t, dsn)
		good, err := os.ReadFile(filepath.Join("testdata", "app.openvex.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			team int64
			doc  []byte
			want error
		}{
			{"not JSON", f.red, []byte("hello"), portfolio.ErrInvalid},
			{"not VEX", f.red, []byte(`{"bomFormat": "SPDX"}`), portfolio.ErrInvalid},
			{"breaks OpenVEX rules", f.red, []byte(`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
				{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/a"}], "status": "affected"}]}`), portfolio.ErrInvalid},
			{"too large", f.red, make([]byte, vex.MaxDocumentSize+1), portfolio.ErrInvalid},
			{"no such team", 777, good, portfolio.ErrNotFound},
		} {
			if _, err := f.tr.IngestVEX(ctx, c.team, c.doc, "uploader"); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		if got, err := f.tr.Audit(ctx, portfolio.Scope{All: true}, "", 0); err != nil || len(got) != 0 {
			t.Errorf("refused documents left an audit trail: %v, %v", got, err)
		}
	})
}
