package server

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOpenAPI checks that the document is OpenAPI 3 and lists exactly the routes the server
// registers.
func TestOpenAPI(t *testing.T) {
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title, Version string
		}
		Paths      map[string]map[string]json.RawMessage
		Components struct {
			Schemas map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Info.Title == "" || doc.Info.Version == "" {
		t.Errorf("openapi %q, info %+v: want an OpenAPI 3 document with a title and version", doc.OpenAPI, doc.Info)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			var o struct {
				Summary   string
				Responses map[string]json.RawMessage
			}
			if err := json.Unmarshal(op, &o); err != nil || o.Summary == "" || len(o.Responses) == 0 {
				t.Errorf("%s %s: want a summary and responses (%v)", method, path, err)
			}
		}
	}
	var registered []string
	for _, rt := range (&Server{}).routes() {
		registered = append(registered, rt.method+" "+rt.pattern)
	}
	sort.Strings(documented)
	sort.Strings(registered)
	if diff := cmp.Diff(registered, documented); diff != "" {
		t.Errorf("routes (-registered +documented):\n%s", diff)
	}
	// Every schema reference resolves.
	for _, ref := range refs(OpenAPI) {
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if !ok {
			if ref != "#/components/responses/Error" {
				t.Errorf("unexpected reference %s", ref)
			}
			continue
		}
		if _, ok := doc.Components.Schemas[name]; !ok {
			t.Errorf("reference %s: no such schema", ref)
		}
	}
}

// refs returns every "$ref" value in a JSON document.
func refs(data []byte) []string {
	var v any
	json.Unmarshal(data, &v)
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if s, ok := e.(string); ok && k == "$ref" {
					out = append(out, s)
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}
