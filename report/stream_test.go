package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/hallmark-dev/hallmark/sbom"
)

// streamedResult is a result whose findings, rules, statements, components and dependencies
// each fill several chunks (jsonChunk), with strings that encoding/json escapes or that look
// like the lists' keys, ignored and VEX-suppressed findings, and findings that differ only by
// location (one OpenVEX statement says both).
func streamedResult(findings, packages int) *Result {
	r := &Result{
		Schema: Schema, Tool: Tool{Name: "hallmark", Version: "v1"}, Created: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Targets: []Target{{Name: "sbom.cdx.json", Kind: "sbom"}},
		Errors:  []sbom.FileError{{Path: "a/package-lock.json", Line: 3, Err: "bad"}},
	}
	inv := &sbom.Inventory{}
	var pkgs []*sbom.Package
	for i := range packages {
		p := &sbom.Package{
			ID: fmt.Sprintf("p%d", i), Name: "components" + strings.Repeat("x", i%5), Version: fmt.Sprintf("1.%d", i),
			Ecosystem: "npm", PURL: fmt.Sprintf("pkg:npm/p%d@1.%d", i, i),
			Licenses: []string{"MIT"},
		}
		if i > 0 {
			p.DependsOn = []string{fmt.Sprintf("p%d", i-1)}
		}
		pkgs = append(pkgs, p)
	}
	inv.Add(pkgs)
	inv.Finalize()
	r.Inventory = inv
	for i := range findings {
		p := inv.Packages[i%packages]
		f := Finding{
			ID: fmt.Sprintf("GHSA-%04d", i%(2*jsonChunk+7)), Advisories: []string{fmt.Sprintf("CVE-2025-%d", i)},
			Aliases:   []string{fmt.Sprintf("PYSEC-%d", i%3)},
			Summary:   fmt.Sprintf("<b>&</b> \"results\": [],\n      \"rules\": [] \u2028 é | `x` %d", i),
			Package:   Package{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version, PURL: p.PURL, Ref: p.ID},
			Locations: []sbom.Location{{Path: fmt.Sprintf("dir %d/package-lock.json", i%2), Line: i}},
			Severity:  Severity{Level: Levels[i%len(Levels)], Score: float64(i%100) / 10, Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N"},
			Advice:    "2.0.0", FixedVersions: []string{"2.0.0"}, URL: fmt.Sprintf("https://osv.dev/vulnerability/GHSA-%04d", i),
			Modified: "2025-01-01T00:00:00Z",
		}
		switch i % 7 {
		case 3:
			f.Ignored = &Ignore{ID: f.ID, Reason: "not used", Expires: "2099-01-01", Source: ".hallmark.yaml"}
		case 5:
			f.VEX = &VEXStatement{Status: "not_affected", Justification: "vulnerable_code_not_present", Document: "vex.json", Format: "openvex"}
		}
		r.Findings = append(r.Findings, f)
		if i%11 == 0 { // the same package version found in another file
			f.Locations = []sbom.Location{{Path: "other/package-lock.json"}}
			r.Findings = append(r.Findings, f)
		}
	}
	return r
}

// TestStreamedFormats checks that the SARIF, OpenVEX and CycloneDX writers, which encode their
// long lists in chunks, write byte for byte the document encoded in one piece.
func TestStreamedFormats(t *testing.T) {
	for _, size := range [][2]int{{0, 1}, {1, 1}, {5*jsonChunk + 3, 2*jsonChunk + 1}, {jsonChunk, jsonChunk}} {
		r := streamedResult(size[0], size[1])
		for _, tc := range []struct {
			name        string
			write, want func(*bytes.Buffer, *Result) error
		}{
			{"sarif", wrapWriter(WriteSARIF), wholeSARIF},
			{"openvex", wrapWriter(WriteOpenVEX), wholeOpenVEX},
			{"cyclonedx", wrapWriter(WriteCycloneDX), wholeCycloneDX},
		} {
			var want, got bytes.Buffer
			if err := tc.want(&want, r); err != nil {
				t.Fatal(err)
			}
			if err := tc.write(&got, r); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want.Bytes(), got.Bytes()) {
				t.Errorf("%s, %v: %s", tc.name, size, firstDifference(want.Bytes(), got.Bytes()))
			}
		}
	}
}

// firstDifference names the first line where got differs from want, and shows both lines.
func firstDifference(want, got []byte) string {
	wl, gl := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for n := range max(len(wl), len(gl)) {
		var w, g []byte
		if n < len(wl) {
			w = wl[n]
		}
		if n < len(gl) {
			g = gl[n]
		}
		if !bytes.Equal(w, g) || n >= len(wl) || n >= len(gl) {
			return fmt.Sprintf("line %d of %d/%d differs:\nwant %q\ngot  %q", n+1, len(wl), len(gl), w, g)
		}
	}
	return "no difference"
}

func wrapWriter(fn func(io.Writer, *Result) error) func(*bytes.Buffer, *Result) error {
	return func(b *bytes.Buffer, r *Result) error { return fn(b, r) }
}

// wholeSARIF encodes the SARIF log in one piece, as WriteSARIF did before it streamed.
func wholeSARIF(w *bytes.Buffer, r *Result) error {
	p := sarifPartsOf(r)
	run := &p.log.Runs[0]
	for _, f := range p.rules {
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleOf(f))
	}
	for _, f := range p.findings {
		run.Results = append(run.Results, sarifResultOf(r, f, p.index[f.ID]))
	}
	return encodeIndented(w, p.log, "")
}

// wholeOpenVEX encodes the OpenVEX document in one piece, twice: without @id, then with the
// SHA-256 of the first.
func wholeOpenVEX(w *bytes.Buffer, r *Result) error {
	doc, findings, err := openVEXParts(r)
	if err != nil {
		return err
	}
	for _, f := range findings {
		doc.Statements = append(doc.Statements, vexStatementOf(f))
	}
	if err := encodeIndented(w, doc, ""); err != nil {
		return err
	}
	sum := sha256.Sum256(w.Bytes())
	doc.ID = openVEXIDPrefix + hex.EncodeToString(sum[:])
	w.Reset()
	return encodeIndented(w, doc, "")
}

// list makes a JSON array of its elements.
func list(elems []json.RawMessage) []byte {
	b := []byte("[")
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e...)
	}
	return append(b, ']')
}

// wholeCycloneDX encodes the BOM in one piece with the CycloneDX library's encoder, twice:
// without serial number, then with the one derived from the first, its components and
// dependencies decoded from format/cyclonedx's encoding as WriteCycloneDX did before it kept
// them encoded.
func wholeCycloneDX(w *bytes.Buffer, r *Result) error {
	p, err := cycloneDXPartsOf(r)
	if err != nil {
		return err
	}
	bom := p.bom
	if bom.Components != nil {
		bom.Components = &[]cdx.Component{}
		if err := json.Unmarshal(list(p.components), bom.Components); err != nil {
			return err
		}
	}
	if bom.Dependencies != nil {
		bom.Dependencies = &[]cdx.Dependency{}
		if err := json.Unmarshal(list(p.dependencies), bom.Dependencies); err != nil {
			return err
		}
	}
	if bom.Vulnerabilities != nil {
		var vulns []cdx.Vulnerability
		for _, f := range p.findings {
			vulns = append(vulns, cdxVulnerability(f))
		}
		bom.Vulnerabilities = &vulns
	}
	bom.SerialNumber = ""
	enc := func() error {
		return cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).Encode(bom)
	}
	if err := enc(); err != nil {
		return err
	}
	sum := sha256.Sum256(w.Bytes())
	bom.SerialNumber = contentUUID(sum[:])
	w.Reset()
	return enc()
}

// TestCycloneDXEncodeError: an inventory format/cyclonedx cannot encode gives its error, and
// WriteCycloneDX returns (the encoding, read as it is written, is not left blocked).
func TestCycloneDXEncodeError(t *testing.T) {
	r := streamedResult(3, 3)
	r.Inventory.Packages[1].DependsOn = []string{"nowhere"}
	err := WriteCycloneDX(io.Discard, r)
	if err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("err = %v, want format/cyclonedx's error about the dependency", err)
	}
}

// TestReadBOM checks readBOM on documents format/cyclonedx does not write: members it reads
// as lists that are null or something else, and broken JSON.
func TestReadBOM(t *testing.T) {
	for _, tc := range []struct {
		doc              string
		ok               bool
		comps, deps      int
		hasComps, serial bool
	}{
		{doc: `{"serialNumber": "urn:uuid:x", "components": [{"name": "a"}, {"name": "b"}], "dependencies": [{"ref": "a"}]}`, ok: true, comps: 2, deps: 1, hasComps: true, serial: true},
		{doc: `{"components": [], "version": 1}`, ok: true, hasComps: true},
		{doc: `{"components": null}`, ok: true},
		{doc: `{}`, ok: true},
		{doc: `[]`},
		{doc: `{"components": {}}`},
		{doc: `{"components": [1]}`},
		{doc: `{"components": [`},
		{doc: `{"version": "x"}`},
		{doc: `{"version": 1`},
	} {
		p, err := readBOM(strings.NewReader(tc.doc))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.doc, err)
			continue
		}
		if err != nil {
			continue
		}
		if len(p.components) != tc.comps || len(p.dependencies) != tc.deps || (p.bom.Components != nil) != tc.hasComps || (p.bom.SerialNumber != "") != tc.serial {
			t.Errorf("%s: %d components, %d dependencies, components in the BOM %v, serial %q", tc.doc, len(p.components), len(p.dependencies), p.bom.Components != nil, p.bom.SerialNumber)
		}
	}
}

func FuzzReadBOM(f *testing.F) {
	f.Add(`{"components": [{"name": "a"}], "dependencies": null, "metadata": {"timestamp": "x"}}`)
	f.Add(`{"components": [`)
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := readBOM(strings.NewReader(doc))
		if err == nil && p.bom == nil {
			t.Fatal("no BOM without error")
		}
	})
}
