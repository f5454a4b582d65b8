// Package conformance_test checks the SBOMs Hallmark writes for real inputs — every
// cataloger's testdata and the example project — against the official CycloneDX and SPDX JSON
// schemas, and reads each document back. The format packages test a synthetic inventory that
// uses every field; this test covers what the catalogers actually produce.
package conformance_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hallmark-dev/hallmark/catalog/all"
	"github.com/hallmark-dev/hallmark/format/cyclonedx"
	"github.com/hallmark-dev/hallmark/format/spdx"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/source"
)

// loader serves schemas from the format packages' testdata under their $id URLs.
type loader struct{}

func (loader) Load(url string) (any, error) {
	var p string
	switch {
	case strings.HasPrefix(url, "http://cyclonedx.org/schema/"):
		p = filepath.Join("..", "..", "format", "cyclonedx", "testdata", "schema", strings.TrimPrefix(url, "http://cyclonedx.org/schema/"))
	case url == "http://spdx.org/rdf/terms/2.3" || strings.HasSuffix(url, "spdx-schema.json"):
		p = filepath.Join("..", "..", "format", "spdx", "testdata", "spdx-schema.json")
	default:
		return nil, fmt.Errorf("schema %s is not available offline", url)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

func compile(t *testing.T, url string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.UseLoader(loader{})
	c.AssertFormat()
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compiling %s: %v", url, err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, what string, doc []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("%s does not validate:\n%v", what, err)
	}
}

// targets are the real inputs: each cataloger's testdata, the root filesystems inside the OS
// catalogers' testdata, and the example project.
func targets(t *testing.T) []string {
	dirs, err := filepath.Glob(filepath.Join("..", "..", "catalog", "*", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	roots, err := filepath.Glob(filepath.Join("..", "..", "catalog", "*", "testdata", "*", "etc", "os-release"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roots {
		dirs = append(dirs, filepath.Dir(filepath.Dir(r)))
	}
	return append(dirs, filepath.Join("..", "..", "examples", "webapp"))
}

func TestWrittenSBOMsValidate(t *testing.T) {
	cdx := map[string]*jsonschema.Schema{
		"1.5": compile(t, "http://cyclonedx.org/schema/bom-1.5.schema.json"),
		"1.6": compile(t, "http://cyclonedx.org/schema/bom-1.6.schema.json"),
	}
	spdxSchema := compile(t, "http://spdx.org/rdf/terms/2.3")
	ts := time.Unix(1700000000, 0).UTC()
	opts := source.Options{Catalogers: all.Catalogers(), Images: all.Images()}
	for _, dir := range targets(t) {
		name, _ := filepath.Rel(filepath.Join("..", ".."), dir)
		t.Run(name, func(t *testing.T) {
			inv, err := source.Inventory(context.Background(), []string{dir}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Packages) == 0 {
				if _, err := os.Stat(filepath.Join(dir, "etc", "os-release")); err == nil || !strings.Contains(dir, "catalog") {
					t.Fatalf("no packages found in %s", dir)
				}
				t.Skipf("%s holds root filesystems, tested one by one", dir)
			}
			for spec, s := range cdx {
				var buf bytes.Buffer
				if err := cyclonedx.Encode(&buf, inv, cyclonedx.EncodeOptions{SpecVersion: spec, Timestamp: ts, ToolName: "hallmark", ToolVersion: "test"}); err != nil {
					t.Fatalf("CycloneDX %s: %v", spec, err)
				}
				validate(t, s, "CycloneDX "+spec, buf.Bytes())
				back, err := cyclonedx.Decode(&buf)
				if err != nil {
					t.Fatalf("reading back CycloneDX %s: %v", spec, err)
				}
				samePackages(t, "CycloneDX "+spec, inv, back)
			}
			var xml bytes.Buffer
			if err := cyclonedx.Encode(&xml, inv, cyclonedx.EncodeOptions{XML: true, Timestamp: ts, ToolName: "hallmark", ToolVersion: "test"}); err != nil {
				t.Fatalf("CycloneDX XML: %v", err)
			}
			if back, err := cyclonedx.Decode(&xml); err != nil {
				t.Fatalf("reading back CycloneDX XML: %v", err)
			} else {
				samePackages(t, "CycloneDX XML", inv, back)
			}
			for _, tv := range []bool{false, true} {
				var buf bytes.Buffer
				if err := spdx.Encode(&buf, inv, spdx.EncodeOptions{TagValue: tv, Created: ts, ToolName: "hallmark", ToolVersion: "test"}); err != nil {
					t.Fatalf("SPDX: %v", err)
				}
				if !tv {
					validate(t, spdxSchema, "SPDX JSON", buf.Bytes())
				}
				back, err := spdx.Decode(&buf)
				if err != nil {
					t.Fatalf("reading back SPDX (tag-value %v): %v", tv, err)
				}
				samePackages(t, fmt.Sprintf("SPDX (tag-value %v)", tv), inv, back)
			}
		})
	}
}

// samePackages checks that a document read back has the same packages, purls and edges.
func samePackages(t *testing.T, what string, want, got *sbom.Inventory) {
	t.Helper()
	key := func(inv *sbom.Inventory) map[string]string {
		m := map[string]string{}
		for _, p := range inv.Packages {
			m[p.ID] = p.PURL + " " + strings.Join(p.DependsOn, ",")
		}
		return m
	}
	w, g := key(want), key(got)
	if len(w) != len(g) {
		t.Errorf("%s: %d packages read back, want %d", what, len(g), len(w))
	}
	for id, v := range w {
		if g[id] != v {
			t.Errorf("%s: package %s read back as %q, want %q", what, id, g[id], v)
		}
	}
}
