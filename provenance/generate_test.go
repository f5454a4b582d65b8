package provenance

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/sbom"
)

const subjectDigest = "b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c"

func testBuild() *Build {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &Build{
		Command: []string{"make", "dist"},
		WorkDir: "/src/app",
		Source: &GitSource{Repository: "https://github.com/hallmark-dev/app", Ref: "refs/tags/v1.2.3",
			Commit: "0123456789abcdef0123456789abcdef01234567"},
		Dependencies:      []ResourceDescriptor{{Name: "left-pad@1.3.0", URI: "pkg:npm/left-pad@1.3.0", Digest: map[string]string{"sha512": "ab"}}},
		InventoryPackages: 1,
		InvocationID:      "6f1c1c7e-5a57-4bb0-9d51-8a6d1d3b1a01",
		Started:           start,
		Finished:          start.Add(time.Minute),
		Subjects:          []ResourceDescriptor{{Name: "dist/app.tar.gz", Digest: map[string]string{"sha256": subjectDigest}}},
	}
}

// TestNewStatement checks the SLSA v1 provenance written for a build field by field, and that
// ParseStatement reads back the builder and the source.
func TestNewStatement(t *testing.T) {
	st, err := NewStatement(testBuild())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"predicateType": "https://slsa.dev/provenance/v1",
		"subject":       []any{map[string]any{"name": "dist/app.tar.gz", "digest": map[string]any{"sha256": subjectDigest}}},
		"predicate": map[string]any{
			"buildDefinition": map[string]any{
				"buildType": "https://hallmark.dev/provenance/command@v1",
				"externalParameters": map[string]any{
					"command":          []any{"make", "dist"},
					"workingDirectory": "/src/app",
					"source": map[string]any{
						"uri":    "git+https://github.com/hallmark-dev/app@refs/tags/v1.2.3",
						"digest": map[string]any{"gitCommit": "0123456789abcdef0123456789abcdef01234567"},
					},
				},
				"internalParameters": map[string]any{"inventoryPackages": 1.0, "dependenciesLeftOut": 0.0},
				"resolvedDependencies": []any{
					map[string]any{"uri": "git+https://github.com/hallmark-dev/app@refs/tags/v1.2.3", "digest": map[string]any{"gitCommit": "0123456789abcdef0123456789abcdef01234567"}},
					map[string]any{"name": "left-pad@1.3.0", "uri": "pkg:npm/left-pad@1.3.0", "digest": map[string]any{"sha512": "ab"}},
				},
			},
			"runDetails": map[string]any{
				"builder": map[string]any{"id": "https://hallmark.dev/builder/local"},
				"metadata": map[string]any{
					"invocationId": "6f1c1c7e-5a57-4bb0-9d51-8a6d1d3b1a01",
					"startedOn":    "2026-01-02T03:04:05Z",
					"finishedOn":   "2026-01-02T03:05:05Z",
				},
			},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("statement (-want +got):\n%s", d)
	}
	_, f, err := ParseStatement(b)
	if err != nil {
		t.Fatal(err)
	}
	wantSrc := &Source{URI: "git+https://github.com/hallmark-dev/app@refs/tags/v1.2.3", Repository: "https://github.com/hallmark-dev/app",
		Ref: "refs/tags/v1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", From: "externalParameters.source"}
	if d := cmp.Diff(wantSrc, f.Source); d != "" {
		t.Errorf("source (-want +got):\n%s", d)
	}
	if f.BuilderID != DefaultBuilderID || f.SLSAVersion != "v1" || f.InvocationID != "6f1c1c7e-5a57-4bb0-9d51-8a6d1d3b1a01" {
		t.Errorf("facts: %+v", f)
	}
}

func TestNewStatementErrors(t *testing.T) {
	b := testBuild()
	b.Subjects = nil
	if _, err := NewStatement(b); err == nil || !strings.Contains(err.Error(), "subject") {
		t.Errorf("no subjects: %v", err)
	}
	b = testBuild()
	b.Subjects[0].Digest = map[string]string{"sha1": "x"}
	if _, err := NewStatement(b); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Errorf("no sha256: %v", err)
	}
}

func TestDependencies(t *testing.T) {
	inv := &sbom.Inventory{Packages: []*sbom.Package{
		{Name: "b", Version: "2.0.0", PURL: "pkg:pypi/b@2.0.0", Hashes: []sbom.Hash{{Algorithm: "SHA-256", Value: "AB"}, {Algorithm: "BLAKE3", Value: "cd"}}},
		{Name: "a", Version: "1.0.0", PURL: "pkg:npm/a@1.0.0"},
		{Name: "c", Constraint: ">=1", Unresolved: true, PURL: "pkg:npm/c"},
		{Name: "app", Type: sbom.TypeApplication, Version: "1", PURL: "pkg:golang/app@1"},
		{Name: "d", Version: "3", PURL: "pkg:npm/d@3"},
	}}
	got, n := Dependencies(inv, 2)
	want := []ResourceDescriptor{
		{Name: "a@1.0.0", URI: "pkg:npm/a@1.0.0"},
		{Name: "b@2.0.0", URI: "pkg:pypi/b@2.0.0", Digest: map[string]string{"sha256": "ab"}},
	}
	if d := cmp.Diff(want, got); d != "" || n != 3 {
		t.Errorf("Dependencies: n=%d (-want +got):\n%s", n, d)
	}
}
