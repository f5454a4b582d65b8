package cyclonedx

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hallmark-dev/hallmark/sbom"
)

var testTime = time.Date(2024, 5, 17, 9, 30, 0, 0, time.UTC)

const (
	layer1 = "sha256:5498e8c22f6996f25ef193ee58617d5b37e2a96decf22e72de13c3b34e147591"
	layer2 = "sha256:0ec3d8645767f4bf4e9b0d4e7d5b1b2b7a41d1a6c1bfbb32d2a8a7d4a3d2b9e1"
)

// richInventory uses every field of the model, as a finalized inventory does.
func richInventory() *sbom.Inventory {
	inv := &sbom.Inventory{
		Sources: []sbom.Source{
			{
				Kind: sbom.SourceImage, Name: "registry.example.com/acme/app:1.4",
				Digest: "sha256:9f2c0a1e3b4d5c6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6",
				Layers: []sbom.Layer{
					{Digest: layer1, MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Size: 29536812},
					{Digest: layer2, MediaType: "application/vnd.oci.image.layer.v1.tar+gzip"},
				},
				Tags: []string{"registry.example.com/acme/app:1.4", "registry.example.com/acme/app:latest"},
			},
			{Kind: sbom.SourceDirectory, Name: "."},
			{Kind: sbom.SourceSBOM, Name: "vendor.cdx.json", Digest: "sha512:0011"},
		},
		Distro: &sbom.Distro{
			ID: "ubuntu", IDLike: []string{"debian"}, VersionID: "22.04", VersionCodename: "jammy",
			Name: "Ubuntu", PrettyName: "Ubuntu 22.04.4 LTS", CPE: "cpe:2.3:o:canonical:ubuntu_linux:22.04:*:*:*:lts:*:*:*",
		},
		Errors: []sbom.FileError{
			{Path: "web/package-lock.json", Line: 1832, Cataloger: "npm-lock", Err: "unexpected end of JSON input"},
			{Path: "requirements.txt", Err: "line 4 is longer than 1048576 bytes"},
		},
	}
	pkgs := []*sbom.Package{
		{
			ID: "app", Type: sbom.TypeApplication, Name: "github.com/acme/app", Ecosystem: sbom.EcosystemGo,
			PURL:      sbom.PURL("golang", "github.com/acme", "app", ""),
			Locations: []sbom.Location{{Path: "go.mod", Line: 1}},
			DependsOn: []string{"log4j", "babel"},
			VCS:       &sbom.VCS{Type: "git", URL: "https://github.com/acme/app", Revision: "4f1c2e9b7a0d3c5e8f6a1b2c3d4e5f6a7b8c9d0e", Ref: "v1.4.0"},
			FoundBy:   "go-mod",
		},
		{
			ID: "log4j", Type: sbom.TypeLibrary, Name: "org.apache.logging.log4j:log4j-core", Version: "2.17.1",
			Ecosystem: sbom.EcosystemMaven,
			PURL:      sbom.PURL("maven", "org.apache.logging.log4j", "log4j-core", "2.17.1", "type", "jar"),
			CPEs: []string{
				"cpe:2.3:a:apache:log4j:2.17.1:*:*:*:*:*:*:*",
				"cpe:2.3:a:apache:log4j-core:2.17.1:*:*:*:*:*:*:*",
			},
			Licenses: []string{"Apache-2.0"},
			Hashes: []sbom.Hash{
				{Algorithm: "SHA-1", Value: "779f60f3844dadc3ef597976fcb1e5127b1f343d"},
				{Algorithm: "SHA-256", Value: "a5d0a4f4dfe0a2e5c4f5a6e1b6e8d0b8a0e8d7c2f1b3a4c5d6e7f8091a2b3c4d"},
			},
			Locations:   []sbom.Location{{Path: "app/pom.xml", Line: 42}, {Path: "/app/lib/log4j-core-2.17.1.jar", Layer: layer2}},
			Relation:    sbom.RelationDirect,
			Scope:       sbom.ScopeRuntime,
			Description: "The Apache Log4j Implementation",
			Supplier:    "The Apache Software Foundation",
			Homepage:    "https://logging.apache.org/log4j/2.x/",
			DownloadURL: "https://repo.maven.apache.org/maven2/org/apache/logging/log4j/log4j-core/2.17.1/log4j-core-2.17.1.jar",
			FoundBy:     "maven-pom",
		},
		{
			ID: "babel", Type: sbom.TypeLibrary, Name: "@babel/core", Version: "7.24.0", Ecosystem: sbom.EcosystemNPM,
			PURL:      sbom.PURL("npm", "@babel", "core", "7.24.0"),
			Licenses:  []string{"MIT OR Apache-2.0"},
			Hashes:    []sbom.Hash{{Algorithm: "SHA-512", Value: strings.Repeat("0a1b2c3d", 16)}},
			Locations: []sbom.Location{{Path: "web/package-lock.json", Line: 88}},
			Relation:  sbom.RelationTransitive,
			Scope:     sbom.ScopeDev,
			DependsOn: []string{"lodash"},
			FoundBy:   "npm-lock",
			Properties: map[string]string{
				"hallmark:npm:resolved": "https://registry.npmjs.org/@babel/core/-/core-7.24.0.tgz",
				"hallmark:npm:bundled":  "true",
			},
		},
		{
			ID: "lodash", Type: sbom.TypeLibrary, Name: "lodash", Constraint: "^4.17.0", Unresolved: true,
			Ecosystem: sbom.EcosystemNPM, PURL: sbom.PURL("npm", "", "lodash", ""),
			Licenses: []string{"MIT", "GPL-2.0-only OR MIT", "Some Custom License"},
			Hashes: []sbom.Hash{
				{Algorithm: "SHA-1", Value: "ABCDEF0123456789ABCDEF0123456789ABCDEF01"},
				{Algorithm: "sha1", Value: "not hex"},
			},
			Locations: []sbom.Location{{Path: "web/package.json", Line: 12}},
			Scope:     sbom.ScopeTest,
			FoundBy:   "npm-package-json",
		},
		{
			ID: "libc6", Type: sbom.TypeLibrary, Name: "libc6", Version: "2.35-0ubuntu3.6", Ecosystem: sbom.EcosystemUbuntu,
			PURL:          sbom.PURL("deb", "ubuntu", "libc6", "2.35-0ubuntu3.6", "arch", "amd64", "distro", "ubuntu-22.04"),
			Licenses:      []string{"LGPL-2.1-or-later", "GPL-2.0-or-later"},
			Locations:     []sbom.Location{{Path: "/var/lib/dpkg/status", Line: 1207, Layer: layer1}},
			Scope:         sbom.ScopeOptional,
			SourceName:    "glibc",
			SourceVersion: "2.35-0ubuntu3.6",
			Arch:          "amd64",
			Supplier:      "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>",
			Homepage:      "https://www.gnu.org/software/libc/libc.html",
			FoundBy:       "dpkg",
		},
		{
			ID: "nvidia", Type: sbom.Type("kernel-module"), Name: "nvidia", Version: "535.161.07",
			Homepage: "not a URL",
			VCS:      &sbom.VCS{Type: "git", URL: "git@github.com:NVIDIA/open-gpu-kernel-modules.git", Ref: "535.161.07"},
			FoundBy:  "kmod",
		},
		{
			ID: "fw", Type: sbom.Type("firmware"), Name: "intel-microcode", Version: "20240312",
			DownloadURL: "https://github.com/intel/Intel-Linux-Processor-Microcode-Data-Files/archive/refs/tags/microcode-20240312.tar.gz",
		},
		{
			// Two packages with the same purl: Finalize qualifies their IDs with the location.
			ID: "dup1", Type: sbom.TypeLibrary, Name: "minimist", Version: "1.2.8", Ecosystem: sbom.EcosystemNPM,
			PURL: sbom.PURL("npm", "", "minimist", "1.2.8"), Locations: []sbom.Location{{Path: "a/package-lock.json", Line: 3}},
		},
		{
			ID: "dup2", Type: sbom.TypeLibrary, Name: "minimist", Version: "1.2.8", Ecosystem: sbom.EcosystemNPM,
			PURL: sbom.PURL("npm", "", "minimist", "1.2.8"), Locations: []sbom.Location{{Path: "b/package-lock.json", Line: 5}},
		},
	}
	inv.Add(pkgs)
	inv.Finalize()
	return inv
}

var cmpInventory = cmp.Options{
	cmpopts.IgnoreUnexported(sbom.Inventory{}),
	cmpopts.EquateEmpty(),
}

func encode(t testing.TB, inv *sbom.Inventory, opts EncodeOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, inv, opts); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	for _, spec := range []string{"1.5", "1.6"} {
		for _, asXML := range []bool{false, true} {
			name := spec + "/json"
			if asXML {
				name = spec + "/xml"
			}
			t.Run(name, func(t *testing.T) {
				want := richInventory()
				doc := encode(t, want, EncodeOptions{SpecVersion: spec, XML: asXML, Timestamp: testTime, ToolName: "hallmark", ToolVersion: "0.1.0"})
				if !Sniff(doc) {
					t.Errorf("Sniff does not recognise Encode's output")
				}
				got, err := Decode(bytes.NewReader(doc))
				if err != nil {
					t.Fatalf("Decode: %v\n%s", err, doc)
				}
				got.Sort()
				if diff := cmp.Diff(want, got, cmpInventory); diff != "" {
					t.Errorf("model → CycloneDX %s → model (-want +got):\n%s", name, diff)
				}
			})
		}
	}
}

// TestRoundTripCompact covers what the rich inventory leaves empty: no sources, no distro,
// no errors, and the empty Type read back as library.
func TestRoundTripCompact(t *testing.T) {
	inv := &sbom.Inventory{}
	inv.Add([]*sbom.Package{{Name: "requests", Version: "2.31.0", Ecosystem: sbom.EcosystemPyPI, PURL: sbom.PURL("pypi", "", "requests", "2.31.0")}})
	inv.Finalize()
	doc := encode(t, inv, EncodeOptions{})
	got, err := Decode(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	inv.Packages[0].Type = sbom.TypeLibrary
	if diff := cmp.Diff(inv, got, cmpInventory); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if bytes.Contains(doc, []byte("timestamp")) {
		t.Errorf("zero Timestamp written:\n%s", doc)
	}
}

func TestDeterministic(t *testing.T) {
	for _, opts := range []EncodeOptions{
		{Timestamp: testTime},
		{Timestamp: testTime, XML: true},
		{Timestamp: testTime, SpecVersion: "1.5"},
	} {
		a := encode(t, richInventory(), opts)
		b := encode(t, richInventory(), opts)
		if !bytes.Equal(a, b) {
			t.Errorf("%+v: two encodes differ", opts)
		}
		c := encode(t, richInventory(), EncodeOptions{Timestamp: testTime.Add(time.Second), XML: opts.XML, SpecVersion: opts.SpecVersion})
		if serialOf(t, a) == serialOf(t, c) {
			t.Errorf("%+v: another timestamp gives the same serial number", opts)
		}
	}
	const serial = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
	doc := encode(t, richInventory(), EncodeOptions{SerialNumber: serial})
	if got := serialOf(t, doc); got != serial {
		t.Errorf("serial number %q, want %q", got, serial)
	}
}

func serialOf(t *testing.T, doc []byte) string {
	t.Helper()
	i := bytes.Index(doc, []byte("urn:uuid:"))
	if i < 0 || len(doc) < i+45 {
		t.Fatalf("no serial number in\n%s", doc)
	}
	s := string(doc[i : i+45])
	if !serialPattern.MatchString(s) {
		t.Errorf("serial number %q does not match the schema's pattern", s)
	}
	return s
}

// TestXMLWellFormed reads the XML output token by token (there is no XSD validator in Go)
// and checks the root element and namespace.
func TestXMLWellFormed(t *testing.T) {
	for _, spec := range []string{"1.5", "1.6"} {
		doc := encode(t, richInventory(), EncodeOptions{SpecVersion: spec, XML: true, Timestamp: testTime, ToolName: "hallmark"})
		if !bytes.HasPrefix(doc, []byte(xml.Header)) {
			t.Errorf("%s: no XML declaration", spec)
		}
		d := xml.NewDecoder(bytes.NewReader(doc))
		first := true
		for {
			tok, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: not well-formed: %v", spec, err)
			}
			if se, ok := tok.(xml.StartElement); ok && first {
				first = false
				if want := (xml.Name{Space: "http://cyclonedx.org/schema/bom/" + spec, Local: "bom"}); se.Name != want {
					t.Errorf("%s: root element %v, want %v", spec, se.Name, want)
				}
			}
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	valid := func() *sbom.Inventory {
		inv := &sbom.Inventory{}
		inv.Add([]*sbom.Package{{ID: "a", Name: "a"}, {ID: "b", Name: "b"}})
		return inv
	}
	tests := []struct {
		name   string
		change func(*sbom.Inventory)
		opts   EncodeOptions
		want   string
	}{
		{"spec", nil, EncodeOptions{SpecVersion: "1.4"}, `unsupported spec version "1.4"`},
		{"serial", nil, EncodeOptions{SerialNumber: "1234"}, `serial number "1234"`},
		{"no name", func(inv *sbom.Inventory) { inv.Packages[0].Name = "" }, EncodeOptions{}, "has no name"},
		{"no ID", func(inv *sbom.Inventory) { inv.Packages[0].ID = "" }, EncodeOptions{}, "has no ID"},
		{"duplicate ID", func(inv *sbom.Inventory) { inv.Packages[1].ID = inv.Packages[0].ID }, EncodeOptions{}, "two packages have the ID"},
		{"dangling edge", func(inv *sbom.Inventory) { inv.Packages[0].DependsOn = []string{"nope"} }, EncodeOptions{}, `depends on "nope"`},
		{"reserved property", func(inv *sbom.Inventory) { inv.Packages[0].SetProperty(propEcosystem, "npm") }, EncodeOptions{}, "reserved"},
		{"source without name", func(inv *sbom.Inventory) { inv.Sources = []sbom.Source{{Kind: sbom.SourceDirectory}} }, EncodeOptions{}, "source has no name"},
		{"distro without ID", func(inv *sbom.Inventory) { inv.Distro = &sbom.Distro{VersionID: "12"} }, EncodeOptions{}, "distribution has no ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := valid()
			if tt.change != nil {
				tt.change(inv)
			}
			var buf bytes.Buffer
			err := Encode(&buf, inv, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Encode error %v, want one containing %q", err, tt.want)
			}
			if buf.Len() > 0 {
				t.Errorf("Encode wrote %d bytes before failing", buf.Len())
			}
		})
	}
}
