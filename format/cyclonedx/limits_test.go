package cyclonedx

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

func TestDecodeTooManyComponents(t *testing.T) {
	defer func(n int) { maxComponents = n }(maxComponents)
	maxComponents = 100
	doc := encode(t, largeInventory(100), EncodeOptions{})
	if _, err := Decode(bytes.NewReader(doc)); err != nil {
		t.Fatalf("100 components: %v", err)
	}
	doc = encode(t, largeInventory(101), EncodeOptions{XML: true})
	if _, err := Decode(bytes.NewReader(doc)); !errors.Is(err, catalog.ErrTooLarge) || !strings.Contains(err.Error(), "more than 100 components") {
		t.Errorf("101 components: %v, want ErrTooLarge", err)
	}
}

// TestTypeMapping checks types CycloneDX 1.5 does not know, and types no version knows.
func TestTypeMapping(t *testing.T) {
	for _, spec := range []string{"1.5", "1.6"} {
		inv := &sbom.Inventory{}
		inv.Add([]*sbom.Package{
			{Type: "cryptographic-asset", Name: "aes-256-gcm"},
			{Type: "machine-learning-model", Name: "resnet50", Version: "1"},
			{Type: "container", Name: "alpine", Version: "3.19"},
			{Type: "snap", Name: "core22", Version: "1380"},
		})
		inv.Finalize()
		doc := encode(t, inv, EncodeOptions{SpecVersion: spec})
		got, err := Decode(bytes.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		got.Sort()
		if diff := cmp.Diff(inv, got, cmpInventory); diff != "" {
			t.Errorf("%s (-want +got):\n%s", spec, diff)
		}
		if spec == "1.5" && bytes.Contains(doc, []byte(`"type": "cryptographic-asset"`)) {
			t.Errorf("1.5 output has a 1.6 component type")
		}
	}
}

func TestParseFileError(t *testing.T) {
	for _, fe := range []sbom.FileError{
		{Path: "go.sum", Line: 3, Err: "malformed line: missing hash"},
		{Path: "a/b c/Cargo.lock", Err: "toml: line 7: expected '='"},
		{Path: "C:3rd/poetry.lock", Line: 9, Err: "x"},
		{Err: "no path"},
	} {
		if got := parseFileError(fe.String()); got != fe {
			t.Errorf("parseFileError(%q) = %+v, want %+v", fe.String(), got, fe)
		}
	}
}

// TestDecodeUnreadMappingProperty: a mapping property Decode cannot apply is kept under a
// name Encode passes through.
func TestDecodeUnreadMappingProperty(t *testing.T) {
	doc := `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
	  {"type": "library", "name": "a", "properties": [{"name": "hallmark:location:7:layer", "value": "sha256:00"}]}]}`
	inv, err := Decode(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{propUnread + "hallmark:location:7:layer": "sha256:00"}
	if diff := cmp.Diff(want, inv.Packages[0].Properties); diff != "" {
		t.Errorf("properties (-want +got):\n%s", diff)
	}
	if err := Encode(&bytes.Buffer{}, inv, EncodeOptions{}); err != nil {
		t.Errorf("Encode: %v", err)
	}
}
