package vex

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/hallmark-dev/hallmark/report"
)

// benchDocument is an OpenVEX document of 1,000 vulnerabilities with 10 statements each, every
// statement on 5 purls (one version-less), the shape of a vendor's feed.
func benchDocument() *Document {
	doc := &Document{Context: Context, Timestamp: &t0}
	for v := range 1000 {
		for s := range 10 {
			st := OpenVEXStatement{Vulnerability: Vulnerability{Name: fmt.Sprintf("CVE-2024-%d", v)}, Status: StatusFixed}
			for p := range 5 {
				id := fmt.Sprintf("pkg:deb/debian/lib%d-%d@1.%d?arch=amd64", s, p, v)
				if p == 4 {
					id = fmt.Sprintf("pkg:deb/debian/lib%d-%d", s, p)
				}
				st.Products = append(st.Products, OpenVEXProduct{Component: Component{ID: id}})
			}
			doc.Statements = append(doc.Statements, st)
		}
	}
	return doc
}

// benchResult is a scan result of 2,000 findings, two on each vulnerability of benchDocument,
// one of them on a package a statement names.
func benchResult() *report.Result {
	res := &report.Result{Targets: []report.Target{{Name: "app", Digest: "sha256:abc"}}}
	for v := range 1000 {
		for _, purl := range []string{
			fmt.Sprintf("pkg:deb/debian/lib3-2@1.%d?arch=amd64&distro=debian-12", v),
			fmt.Sprintf("pkg:deb/debian/other@1.%d?arch=amd64", v),
		} {
			res.Findings = append(res.Findings, report.Finding{ID: fmt.Sprintf("CVE-2024-%d", v), Package: report.Package{PURL: purl, Ref: "ref"}})
		}
	}
	return res
}

// BenchmarkApply applies a read document (benchDocument) to 2,000 findings.
func BenchmarkApply(b *testing.B) {
	var set Set
	set.Add(OpenVEXStatements(benchDocument(), "bench.openvex.json")...)
	res := benchResult()
	b.ReportAllocs()
	for b.Loop() {
		if n := Apply(res, &set); n != 1000 {
			b.Fatalf("applied to %d findings, want 1000", n)
		}
	}
}

// BenchmarkReadApply reads the statements into a Set and applies them once: the work of one
// 'hallmark scan --vex', parsing included.
func BenchmarkReadApply(b *testing.B) {
	stmts := OpenVEXStatements(benchDocument(), "bench.openvex.json")
	res := benchResult()
	b.ReportAllocs()
	for b.Loop() {
		var set Set
		set.Add(stmts...)
		if n := Apply(res, &set); n != 1000 {
			b.Fatalf("applied to %d findings, want 1000", n)
		}
	}
}

// BenchmarkMerge merges benchDocument with itself.
func BenchmarkMerge(b *testing.B) {
	doc := benchDocument()
	b.ReportAllocs()
	for b.Loop() {
		Merge([]*Document{doc, doc}, "", t1)
	}
}

// BenchmarkRead parses benchDocument's JSON and adds its statements to a Set, which parses
// their purls: the cost of reading, before any finding is matched.
func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	if err := Write(&buf, benchDocument()); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		stmts, err := Parse(data, "bench.openvex.json")
		if err != nil {
			b.Fatal(err)
		}
		var set Set
		set.Add(stmts...)
	}
}
