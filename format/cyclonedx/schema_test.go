package cyclonedx

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaLoader serves the official CycloneDX schemas from testdata/schema under their $id
// URLs, so that compiling needs no network.
type schemaLoader struct{}

const schemaBase = "http://cyclonedx.org/schema/"

func (schemaLoader) Load(url string) (any, error) {
	name, ok := strings.CutPrefix(url, schemaBase)
	if !ok || strings.ContainsAny(name, "/\\") {
		return nil, fmt.Errorf("schema %s is not in testdata/schema (no network in tests)", url)
	}
	f, err := os.Open(filepath.Join("testdata", "schema", name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

func compileSchema(t *testing.T, spec string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.UseLoader(schemaLoader{})
	c.AssertFormat()
	sch, err := c.Compile(schemaBase + "bom-" + spec + ".schema.json")
	if err != nil {
		t.Fatalf("compiling the CycloneDX %s schema: %v", spec, err)
	}
	return sch
}

// TestSchema validates Encode's JSON output against the official schema of its version,
// with format assertions (date-time, iri-reference, …) on.
func TestSchema(t *testing.T) {
	for _, spec := range []string{"1.5", "1.6"} {
		t.Run(spec, func(t *testing.T) {
			sch := compileSchema(t, spec)
			for _, tc := range []struct {
				name string
				opts EncodeOptions
			}{
				{"rich", EncodeOptions{SpecVersion: spec, Timestamp: testTime, ToolName: "hallmark", ToolVersion: "0.1.0"}},
				{"no tool, no timestamp", EncodeOptions{SpecVersion: spec}},
			} {
				doc := encode(t, richInventory(), tc.opts)
				inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
				if err != nil {
					t.Fatal(err)
				}
				if err := sch.Validate(inst); err != nil {
					t.Errorf("%s: output does not validate against bom-%s.schema.json: %v\n%s", tc.name, spec, err, doc)
				}
			}
		})
	}
}

// TestSchemaRejects makes sure the validation above has teeth.
func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t, "1.6")
	doc := encode(t, richInventory(), EncodeOptions{Timestamp: testTime})
	doc = bytes.Replace(doc, []byte(`"type": "library"`), []byte(`"type": "libary"`), 1)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if sch.Validate(inst) == nil {
		t.Error("a component of type libary validates")
	}
}

// TestSPDXIDs keeps spdxids.go in step with the schema's license id list.
func TestSPDXIDs(t *testing.T) {
	v, err := schemaLoader{}.Load(schemaBase + "spdx.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := v.(map[string]any)
	enum, _ := m["enum"].([]any)
	var want []string
	for _, e := range enum {
		if s, ok := e.(string); ok {
			want = append(want, s)
		}
	}
	got := strings.Fields(spdxIDs)
	if !slices.Equal(got, want) || len(got) < 500 {
		t.Errorf("spdxIDs has %d ids, spdx.schema.json %d: regenerate spdxids.go", len(got), len(want))
	}
}
