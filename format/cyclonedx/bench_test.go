package cyclonedx

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/hallmark-dev/hallmark/sbom"
)

// largeInventory is a finalized inventory of n npm packages, each with a license, a hash, a
// location and up to three dependencies.
func largeInventory(n int) *sbom.Inventory {
	pkgs := make([]*sbom.Package, n)
	for i := range pkgs {
		name := fmt.Sprintf("pkg-%05d", i)
		if i%4 == 0 {
			name = fmt.Sprintf("@scope%d/pkg-%05d", i%50, i)
		}
		p := &sbom.Package{
			ID: fmt.Sprint(i), Type: sbom.TypeLibrary, Name: name, Version: fmt.Sprintf("1.%d.%d", i%17, i%5),
			Ecosystem: sbom.EcosystemNPM, Licenses: []string{"MIT"},
			Hashes:    []sbom.Hash{{Algorithm: "SHA-512", Value: fmt.Sprintf("%0128x", i)}},
			Locations: []sbom.Location{{Path: "package-lock.json", Line: 10 + 12*i}},
			Relation:  sbom.RelationTransitive, Scope: sbom.ScopeRuntime, FoundBy: "npm-lock",
		}
		p.PURL = sbom.PURL("npm", "", name, p.Version)
		for j := i + 1; j < n && j <= i+3; j++ {
			p.DependsOn = append(p.DependsOn, fmt.Sprint(j))
		}
		pkgs[i] = p
	}
	inv := &sbom.Inventory{Sources: []sbom.Source{{Kind: sbom.SourceDirectory, Name: "."}}}
	inv.Add(pkgs)
	inv.Finalize()
	return inv
}

func BenchmarkEncode(b *testing.B) {
	inv := largeInventory(10_000)
	for _, xml := range []bool{false, true} {
		b.Run(map[bool]string{false: "json", true: "xml"}[xml], func(b *testing.B) {
			var buf bytes.Buffer
			opts := EncodeOptions{Timestamp: testTime, XML: xml, ToolName: "hallmark"}
			if err := Encode(&buf, inv, opts); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			for b.Loop() {
				if err := Encode(io.Discard, inv, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	inv := largeInventory(10_000)
	for _, xml := range []bool{false, true} {
		b.Run(map[bool]string{false: "json", true: "xml"}[xml], func(b *testing.B) {
			var buf bytes.Buffer
			if err := Encode(&buf, inv, EncodeOptions{Timestamp: testTime, XML: xml}); err != nil {
				b.Fatal(err)
			}
			doc := buf.Bytes()
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				got, err := Decode(bytes.NewReader(doc))
				if err != nil {
					b.Fatal(err)
				}
				if len(got.Packages) != 10_000 {
					b.Fatalf("%d packages", len(got.Packages))
				}
			}
		})
	}
}
