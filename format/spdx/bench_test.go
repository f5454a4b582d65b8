package spdx

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/hallmark-dev/hallmark/sbom"
)

// largeInventory has n npm packages, each depending on the next two, with the fields a
// lockfile cataloger fills.
func largeInventory(n int) *sbom.Inventory {
	inv := &sbom.Inventory{Sources: []sbom.Source{{Kind: sbom.SourceDirectory, Name: "."}}}
	pkgs := make([]*sbom.Package, n)
	for i := range pkgs {
		name := fmt.Sprintf("pkg-%05d", i)
		p := &sbom.Package{
			ID: name, Name: name, Version: "1.2.3", Ecosystem: sbom.EcosystemNPM,
			PURL:      sbom.PURL("npm", "", name, "1.2.3"),
			Licenses:  []string{"MIT"},
			Hashes:    []sbom.Hash{{Algorithm: "SHA-512", Value: fmt.Sprintf("%0128x", i)}},
			Locations: []sbom.Location{{Path: "package-lock.json", Line: 10 + 7*i}},
			Relation:  sbom.RelationTransitive, Scope: sbom.ScopeRuntime, FoundBy: "npm-lock",
			DownloadURL: "https://registry.npmjs.org/" + name + "/-/" + name + "-1.2.3.tgz",
		}
		for _, d := range []int{i + 1, i + 2} {
			if d < n {
				p.DependsOn = append(p.DependsOn, fmt.Sprintf("pkg-%05d", d))
			}
		}
		pkgs[i] = p
	}
	inv.Add(pkgs)
	inv.Finalize()
	return inv
}

func BenchmarkEncode(b *testing.B) {
	inv := largeInventory(10_000)
	for _, tv := range []bool{false, true} {
		b.Run(map[bool]string{false: "json", true: "tag-value"}[tv], func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := Encode(&buf, inv, options(tv)); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	inv := largeInventory(10_000)
	for _, tv := range []bool{false, true} {
		b.Run(map[bool]string{false: "json", true: "tag-value"}[tv], func(b *testing.B) {
			var buf bytes.Buffer
			if err := Encode(&buf, inv, options(tv)); err != nil {
				b.Fatal(err)
			}
			data := buf.Bytes()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				got, err := Decode(bytes.NewReader(data))
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
