package spdx

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/sbom"
)

func seed(f *testing.F, tagValue bool) {
	files, err := filepath.Glob("testdata/*.spdx*")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, ".json") == tagValue {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, richInventory(), options(tagValue)); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
}

// checkDecode decodes data and, when that works, checks that the inventory survives its own
// round trip through both serialisations.
func checkDecode(t *testing.T, data []byte) {
	inv, err := Decode(bytes.NewReader(data))
	if err != nil {
		return
	}
	if !validUTF8(inv) {
		return // JSON cannot carry invalid UTF-8 exactly
	}
	for _, tv := range []bool{false, true} {
		var buf bytes.Buffer
		if err := Encode(&buf, inv, options(tv)); err != nil {
			t.Fatalf("Encode of a decoded inventory (tag-value=%v): %v", tv, err)
		}
		again, err := Decode(&buf)
		if err != nil {
			t.Fatalf("Decode of Encode (tag-value=%v): %v\n%s", tv, err, buf.Bytes())
		}
		if diff := cmp.Diff(inv, again, cmpInventory...); diff != "" {
			t.Fatalf("round trip (tag-value=%v) (-first +second):\n%s", tv, diff)
		}
	}
}

func validUTF8(inv *sbom.Inventory) bool {
	var b bytes.Buffer
	for _, p := range inv.Packages {
		b.WriteString(p.ID + p.Name + p.Version + p.PURL + p.Description + p.Supplier + p.Homepage + p.DownloadURL)
		for _, s := range append(append(p.CPEs, p.Licenses...), p.DependsOn...) {
			b.WriteString(s)
		}
		for _, h := range p.Hashes {
			b.WriteString(h.Algorithm + h.Value)
		}
	}
	return utf8.Valid(b.Bytes())
}

func FuzzDecodeJSON(f *testing.F) {
	seed(f, false)
	f.Fuzz(checkDecode)
}

func FuzzDecodeTagValue(f *testing.F) {
	seed(f, true)
	f.Fuzz(checkDecode)
}
