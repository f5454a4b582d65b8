// Command genportfolio writes a synthetic portfolio for benchmarking the Hallmark server: N
// CycloneDX 1.6 SBOMs of about M components each, drawn with realistic overlap (a few popular
// packages appear in most SBOMs, in a handful of versions; a long tail appears rarely), with a
// dependency tree per SBOM, plus OSV advisories to post afterwards: one against the most
// popular npm package (it affects a large share of the portfolio) and one against a rare
// package, and background advisories against other popular packages (loaded first, so that
// the artifacts have findings). The output depends only on the flags.
//
//	go run ./bench/genportfolio -out bench/corpus/portfolio -n 10000 -components 500
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/hallmark-dev/hallmark/format/cyclonedx"
	"github.com/hallmark-dev/hallmark/sbom"
)

func main() {
	out := flag.String("out", "bench/corpus/portfolio", "output directory (created; must not exist)")
	n := flag.Int("n", 10_000, "number of SBOMs")
	m := flag.Int("components", 500, "components per SBOM")
	pool := flag.Int("packages", 40_000, "distinct packages to draw from")
	seed := flag.Int64("seed", 1, "random seed")
	nadv := flag.Int("advisories", 1000, "advisories in <out>/advisories against popular packages, loaded before the SBOMs so that artifacts have findings")
	flag.Parse()
	if _, err := os.Stat(*out); err == nil {
		log.Fatalf("genportfolio: %s exists; remove it first", *out)
	}
	if *m < 2 || *n < 1 || *pool < *m {
		log.Fatal("genportfolio: need -n ≥ 1, -components ≥ 2 and -packages ≥ -components")
	}
	for _, d := range []string{"sboms", "advisories"} {
		if err := os.MkdirAll(filepath.Join(*out, d), 0o755); err != nil {
			log.Fatal(err)
		}
	}
	pk := newPool(*pool)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range *n {
		g.Go(func() error {
			return writeSBOM(filepath.Join(*out, "sboms", fmt.Sprintf("app-%05d.cdx.json", i)), pk, *seed, i, *m)
		})
	}
	if err := g.Wait(); err != nil {
		log.Fatal(err)
	}
	// Background advisories: the i-th affects package 1+i (skipping the hot one) below a
	// fixed version spread over the versions SBOMs use.
	r := rand.New(rand.NewSource(*seed + 99))
	for i := range min(*nadv, len(pk.pkgs)-2) {
		fixed := fmt.Sprintf("%d.%d.0", 1+r.Intn(3), r.Intn(5))
		id := fmt.Sprintf("HALLMARK-BENCH-%05d", i)
		if err := writeAdvisory(filepath.Join(*out, "advisories", id+".json"), id, pk.pkgs[1+i], fixed); err != nil {
			log.Fatal(err)
		}
	}
	hot, rare := pk.pkgs[0], pk.pkgs[len(pk.pkgs)-1]
	for _, a := range []struct {
		file, id string
		p        pkgDef
		fixed    string
	}{
		{"advisory-hot.json", "HALLMARK-BENCH-HOT", hot, "2.0.0"},
		{"advisory-rare.json", "HALLMARK-BENCH-RARE", rare, "9.0.0"},
	} {
		if err := writeAdvisory(filepath.Join(*out, a.file), a.id, a.p, a.fixed); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("%d SBOMs of %d components in %s; advisories against %s/%s (popular) and %s/%s (rare)\n",
		*n, *m, *out, hot.eco, hot.name, rare.eco, rare.name)
}

// pkgDef is one package of the pool.
type pkgDef struct {
	eco, typ, ns, name string
}

type pkgPool struct {
	pkgs []pkgDef
	zipf func(r *rand.Rand) int // index by popularity
}

// ecosystems and their share of the pool.
var ecosystems = []struct {
	eco, typ string
	share    int
}{
	{"npm", "npm", 50}, {"PyPI", "pypi", 15}, {"Maven", "maven", 15}, {"Go", "golang", 10},
	{"crates.io", "cargo", 5}, {"RubyGems", "gem", 5},
}

func newPool(n int) *pkgPool {
	p := &pkgPool{}
	for i := range n {
		// The ecosystem mix repeats every 100 packages, so popular ones span ecosystems too;
		// the first (most popular) package is npm.
		k, acc := i%100, 0
		e := ecosystems[0]
		for _, c := range ecosystems {
			acc += c.share
			if k < acc {
				e = c
				break
			}
		}
		d := pkgDef{eco: e.eco, typ: e.typ, name: fmt.Sprintf("lib-%s-%05d", e.typ, i)}
		switch e.typ {
		case "maven":
			d.ns = fmt.Sprintf("org.example%d", i%50)
		case "golang":
			d.ns = fmt.Sprintf("github.com/example%d", i%50)
		}
		p.pkgs = append(p.pkgs, d)
	}
	p.zipf = func(r *rand.Rand) int {
		// Zipf with s = 1.07: the most popular packages appear in most SBOMs.
		z := rand.NewZipf(r, 1.07, 2, uint64(n-1))
		return int(z.Uint64())
	}
	return p
}

// version returns the version of package i chosen by an SBOM: popular packages come in few
// versions (sprawl grows with the tail).
func version(r *rand.Rand, i int) string {
	minors := 3 + i%7
	major := 1 + r.Intn(3)
	return strconv.Itoa(major) + "." + strconv.Itoa(r.Intn(minors)) + "." + strconv.Itoa(r.Intn(4))
}

func writeSBOM(path string, p *pkgPool, seed int64, i, m int) error {
	r := rand.New(rand.NewSource(seed*1_000_003 + int64(i)))
	chosen := map[int]bool{}
	var idx []int
	for len(idx) < m {
		k := p.zipf(r)
		if r.Intn(3) == 0 {
			k = r.Intn(len(p.pkgs)) // the long tail
		}
		if !chosen[k] {
			chosen[k] = true
			idx = append(idx, k)
		}
	}
	inv := &sbom.Inventory{Sources: []sbom.Source{{Kind: sbom.SourceSBOM, Name: fmt.Sprintf("app-%05d", i)}}}
	pkgs := make([]*sbom.Package, len(idx))
	for j, k := range idx {
		d := p.pkgs[k]
		v := version(r, k)
		if d.typ == "golang" {
			v = "v" + v
		}
		pkgs[j] = &sbom.Package{
			ID: strconv.Itoa(j), Type: sbom.TypeLibrary, Name: d.name, Version: v, Ecosystem: d.eco,
			PURL: sbom.PURL(d.typ, d.ns, d.name, v), FoundBy: "genportfolio",
			Locations: []sbom.Location{{Path: "package-lock.json"}},
		}
		if d.ns != "" && d.typ == "maven" {
			pkgs[j].Name = d.ns + ":" + d.name
		} else if d.ns != "" {
			pkgs[j].Name = d.ns + "/" + d.name
		}
		// A tree: the first tenth are direct dependencies; every other component hangs off an
		// earlier one.
		if j < m/10 {
			pkgs[j].Relation = sbom.RelationDirect
		} else {
			parent := pkgs[r.Intn(j)]
			parent.DependsOn = append(parent.DependsOn, pkgs[j].ID)
			pkgs[j].Relation = sbom.RelationTransitive
		}
	}
	inv.Add(pkgs)
	inv.Finalize()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	if err := cyclonedx.Encode(bw, inv, cyclonedx.EncodeOptions{ToolName: "genportfolio", ToolVersion: "1"}); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeAdvisory(path, id string, p pkgDef, fixed string) error {
	name := p.name
	switch p.typ {
	case "maven":
		name = p.ns + ":" + p.name
	case "golang":
		name = p.ns + "/" + p.name
	}
	doc := map[string]any{
		"schema_version": "1.7.0",
		"id":             id,
		"modified":       "2026-11-01T00:00:00Z",
		"published":      "2026-11-01T00:00:00Z",
		"aliases":        []string{"CVE-2099-" + strings.TrimPrefix(id, "HALLMARK-BENCH-")},
		"summary":        "Synthetic advisory for the portfolio benchmark",
		"severity":       []map[string]string{{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
		"affected": []map[string]any{{
			"package": map[string]string{"ecosystem": p.eco, "name": name},
			"ranges":  []map[string]any{{"type": "ECOSYSTEM", "events": []map[string]string{{"introduced": "0"}, {"fixed": fixed}}}},
		}},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
