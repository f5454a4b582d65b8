package spdx

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hallmark-dev/hallmark/sbom"
)

var created = time.Date(2025, 3, 1, 12, 30, 0, 0, time.UTC)

func options(tv bool) EncodeOptions {
	return EncodeOptions{TagValue: tv, Created: created, ToolName: "hallmark", ToolVersion: "0.1.0"}
}

// richInventory uses every field of the model, including values SPDX fields cannot hold
// exactly.
func richInventory() *sbom.Inventory {
	inv := &sbom.Inventory{
		Sources: []sbom.Source{{
			Kind: sbom.SourceImage, Name: "registry.example.com/team/app:1.4",
			Digest: "sha256:4c1a2a2a8e9f0f4b3b5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f00112",
			Layers: []sbom.Layer{
				{Digest: "sha256:aa11", MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Size: 3_145_728},
				{Digest: "sha256:bb22", Size: 1024},
			},
			Tags: []string{"registry.example.com/team/app:1.4", "registry.example.com/team/app:latest"},
		}},
		Distro: &sbom.Distro{
			ID: "debian", IDLike: []string{"linux"}, VersionID: "12", VersionCodename: "bookworm",
			Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux 12 (bookworm)",
			CPE: "cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*",
		},
		Errors: []sbom.FileError{
			{Path: "app/package-lock.json", Line: 17, Cataloger: "npm-lock", Err: "unexpected end of JSON input"},
			{Path: "usr/lib/x.jar", Err: "zip: not a valid zip file"},
		},
	}
	app := &sbom.Package{
		ID: "app", Type: sbom.TypeApplication, Name: "github.com/example/app",
		Ecosystem: sbom.EcosystemGo, PURL: "pkg:golang/github.com/example/app",
		Locations: []sbom.Location{{Path: "go.mod", Line: 1}}, FoundBy: "go-mod",
		DependsOn: []string{"x/text", "yaml"},
		VCS:       &sbom.VCS{Type: "git", URL: "https://github.com/example/app", Revision: "0123456789abcdef0123456789abcdef01234567", Ref: "v1.4.0"},
		Homepage:  "https://example.com/app",
		Properties: map[string]string{
			"hallmark:go:toolchain": "go1.26.0",
		},
	}
	text := &sbom.Package{
		ID: "x/text", Type: sbom.TypeLibrary, Name: "golang.org/x/text", Version: "v0.14.0",
		Ecosystem: sbom.EcosystemGo, PURL: "pkg:golang/golang.org/x/text@v0.14.0",
		Licenses:  []string{"BSD-3-Clause"},
		Hashes:    []sbom.Hash{{Algorithm: "SHA-256", Value: "e1d6cc8e0b5ed6ad0e6dd1a3a5c1a6d4b1f0e2f3a4b5c6d7e8f90a1b2c3d4e5f"}},
		Locations: []sbom.Location{{Path: "go.sum", Line: 12}, {Path: "go.mod", Line: 7}},
		Relation:  sbom.RelationDirect, Scope: sbom.ScopeRuntime, FoundBy: "go-mod",
		DownloadURL: "https://proxy.golang.org/golang.org/x/text/@v/v0.14.0.zip",
	}
	yaml := &sbom.Package{
		ID: "yaml", Name: "gopkg.in/yaml.v3", Constraint: ">= 3.0", Unresolved: true,
		Ecosystem: sbom.EcosystemGo, PURL: "pkg:golang/gopkg.in/yaml.v3",
		Relation: sbom.RelationTransitive, Scope: sbom.ScopeDev, FoundBy: "go-mod",
		Licenses: []string{"MIT", "Apache-2.0 OR MIT", "BSD-style (see LICENSE)"},
	}
	libc := &sbom.Package{
		ID: "libc6", Type: sbom.TypeLibrary, Name: "libc6", Version: "2.36-9+deb12u4",
		Ecosystem: sbom.EcosystemDebian, PURL: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
		CPEs:     []string{"cpe:2.3:a:gnu:glibc:2.36:*:*:*:*:*:*:*", "cpe:2.3:a:libc6:libc6:2.36-9\\+deb12u4:*:*:*:*:*:*:*"},
		Licenses: []string{"LGPL-2.1-or-later", "GPL-2.0-or-later WITH GCC-exception-2.0"},
		Hashes: []sbom.Hash{
			{Algorithm: "MD5", Value: "0123456789abcdef0123456789abcdef"},
			{Algorithm: "SHA-1", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Algorithm: "SHA-512", Value: strings.Repeat("ab", 64)},
			{Algorithm: "BLAKE3", Value: strings.Repeat("cd", 32)},
			{Algorithm: "XXH64", Value: "ffee"},      // no SPDX algorithm
			{Algorithm: "SHA-256", Value: "NOT-HEX"}, // not hex
		},
		Locations:  []sbom.Location{{Path: "var/lib/dpkg/status", Line: 1201, Layer: "sha256:aa11"}},
		SourceName: "glibc", SourceVersion: "2.36-9+deb12u4", Arch: "amd64",
		Supplier:    "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
		Description: "GNU C Library: Shared libraries\n Contains the standard libraries that are used by nearly all programs.",
		Homepage:    "https://www.gnu.org/software/libc/libc.html",
		FoundBy:     "dpkg",
		Properties:  map[string]string{"hallmark:dpkg:status": "install ok installed", "hallmark:dpkg:essential": "yes"},
	}
	odd := &sbom.Package{
		ID: "odd/ünïcode id#1", Type: sbom.TypeFramework, Name: "  odd\tname\"with\\quotes</text>",
		Version:  "1.0 beta",
		PURL:     "pkg:generic/odd name@1.0", // a space: not a valid locator
		CPEs:     []string{"cpe:2.3:a:odd:odd:1.0:*:*:*:*:*:*:*"},
		Supplier: "Organization: ACME \"Ltd\"", Homepage: "NONE", DownloadURL: "NOASSERTION",
		Description: "ends with space ",
	}
	bare := &sbom.Package{ID: "bare", Name: "", Type: sbom.TypeFile}
	osPkg := &sbom.Package{ID: "busybox", Type: sbom.TypeOS, Name: "busybox", Version: "1.36.1-r15",
		Ecosystem: sbom.EcosystemAlpine, PURL: "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64",
		Supplier: "Natanael Copa", Licenses: []string{"GPL-2.0-only"}}
	ctr := &sbom.Package{ID: "ctr", Type: sbom.TypeContainer, Name: "base", Version: "3.19", DependsOn: []string{"busybox"}}
	inv.Add([]*sbom.Package{app, text, yaml, libc, odd, bare, osPkg, ctr})
	inv.Finalize()
	return inv
}

func encode(t testing.TB, inv *sbom.Inventory, opts EncodeOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, inv, opts); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return buf.Bytes()
}

var cmpInventory = []cmp.Option{cmpopts.IgnoreUnexported(sbom.Inventory{}), cmpopts.EquateEmpty()}

func TestRoundTrip(t *testing.T) {
	inventories := map[string]func() *sbom.Inventory{
		"rich":  richInventory,
		"empty": func() *sbom.Inventory { return &sbom.Inventory{} },
		"two sources": func() *sbom.Inventory {
			inv := richInventory()
			inv.Sources = append(inv.Sources, sbom.Source{Kind: sbom.SourceDirectory, Name: "."},
				sbom.Source{Kind: sbom.SourceFile, Name: "dist/app.exe", Digest: "sha512:00"})
			inv.Distro = nil
			return inv
		},
		"no sources": func() *sbom.Inventory {
			inv := richInventory()
			inv.Sources, inv.Errors = nil, nil
			return inv
		},
	}
	for name, mk := range inventories {
		for _, tv := range []bool{false, true} {
			t.Run(name+map[bool]string{false: "/json", true: "/tag-value"}[tv], func(t *testing.T) {
				want := mk()
				data := encode(t, want, options(tv))
				got, err := Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("Decode: %v\n%s", err, data)
				}
				want.Sort()
				if diff := cmp.Diff(want, got, cmpInventory...); diff != "" {
					t.Errorf("round trip (-want +got):\n%s", diff)
				}
				if !Sniff(data) {
					t.Errorf("Sniff does not recognise Encode's output")
				}
			})
		}
	}
}

func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/spdx-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("spdx-schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("spdx-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSchema validates every JSON document Encode writes against the official SPDX 2.3 schema.
func TestSchema(t *testing.T) {
	schema := compileSchema(t)
	for name, inv := range map[string]*sbom.Inventory{
		"rich":  richInventory(),
		"empty": {},
	} {
		t.Run(name, func(t *testing.T) {
			data := encode(t, inv, options(false))
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(v); err != nil {
				t.Errorf("output does not validate: %v", err)
			}
		})
	}
	// The official example validates too, so the schema is wired up right.
	f, err := os.Open("testdata/SPDXJSONExample-v2.3.spdx.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(v); err != nil {
		t.Errorf("the SPDX example does not validate: %v", err)
	}
}

// TestEncodeShape checks the SPDX form of a few fields consumers rely on.
func TestEncodeShape(t *testing.T) {
	var doc struct {
		SPDXVersion, DocumentNamespace, Name string
		Comment                              string
		CreationInfo                         struct {
			Created  string
			Creators []string
		}
		Packages []struct {
			SPDXID, Name, VersionInfo, LicenseDeclared, LicenseConcluded, Supplier string
			DownloadLocation, PrimaryPackagePurpose, Summary                       string
			FilesAnalyzed                                                          bool
			Checksums                                                              []struct{ Algorithm, ChecksumValue string }
			ExternalRefs                                                           []struct{ ReferenceCategory, ReferenceType, ReferenceLocator string }
		}
		Relationships              []struct{ SpdxElementId, RelationshipType, RelatedSpdxElement string }
		HasExtractedLicensingInfos []struct{ LicenseId, ExtractedText string }
	}
	data := encode(t, richInventory(), options(false))
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.CreationInfo.Created != "2025-03-01T12:30:00Z" ||
		!cmp.Equal(doc.CreationInfo.Creators, []string{"Tool: hallmark-0.1.0"}) {
		t.Errorf("header: %s %s %v", doc.SPDXVersion, doc.CreationInfo.Created, doc.CreationInfo.Creators)
	}
	if !strings.HasPrefix(doc.DocumentNamespace, "https://hallmark.dev/spdx/registry.example.com-team-app-1.4-") {
		t.Errorf("namespace %q", doc.DocumentNamespace)
	}
	if !strings.HasPrefix(doc.Comment, "This SBOM is partial: 2 input file(s)") {
		t.Errorf("comment %q", doc.Comment)
	}
	byName := map[string]int{}
	for i, p := range doc.Packages {
		byName[p.Name] = i
		if p.FilesAnalyzed {
			t.Errorf("%s: filesAnalyzed true", p.Name)
		}
	}
	libc := doc.Packages[byName["libc6"]]
	if libc.LicenseDeclared != "LGPL-2.1-or-later AND (GPL-2.0-or-later WITH GCC-exception-2.0)" || libc.LicenseConcluded != "NOASSERTION" {
		t.Errorf("libc6 licences %q %q", libc.LicenseDeclared, libc.LicenseConcluded)
	}
	if libc.Supplier != "Person: GNU Libc Maintainers <debian-glibc@lists.debian.org>" || libc.PrimaryPackagePurpose != "LIBRARY" {
		t.Errorf("libc6 supplier/purpose %q %q", libc.Supplier, libc.PrimaryPackagePurpose)
	}
	wantSums := []struct{ Algorithm, ChecksumValue string }{
		{"BLAKE3", strings.Repeat("cd", 32)}, {"MD5", "0123456789abcdef0123456789abcdef"},
		{"SHA1", "0123456789abcdef0123456789abcdef01234567"}, {"SHA512", strings.Repeat("ab", 64)},
	}
	if diff := cmp.Diff(wantSums, libc.Checksums); diff != "" {
		t.Errorf("libc6 checksums (-want +got):\n%s", diff)
	}
	wantRefs := []struct{ ReferenceCategory, ReferenceType, ReferenceLocator string }{
		{"PACKAGE-MANAGER", "purl", "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12"},
		{"SECURITY", "cpe23Type", "cpe:2.3:a:gnu:glibc:2.36:*:*:*:*:*:*:*"},
		{"SECURITY", "cpe23Type", "cpe:2.3:a:libc6:libc6:2.36-9\\+deb12u4:*:*:*:*:*:*:*"},
	}
	if diff := cmp.Diff(wantRefs, libc.ExternalRefs); diff != "" {
		t.Errorf("libc6 externalRefs (-want +got):\n%s", diff)
	}
	yaml := doc.Packages[byName["gopkg.in/yaml.v3"]]
	if yaml.LicenseDeclared != "MIT AND (Apache-2.0 OR MIT) AND LicenseRef-BSD-style--see-LICENSE" ||
		yaml.DownloadLocation != "NOASSERTION" || yaml.Supplier != "NOASSERTION" || yaml.VersionInfo != "" {
		t.Errorf("yaml: %+v", yaml)
	}
	if diff := cmp.Diff([]struct{ LicenseId, ExtractedText string }{{"LicenseRef-BSD-style--see-LICENSE", "BSD-style (see LICENSE)"}}, doc.HasExtractedLicensingInfos); diff != "" {
		t.Errorf("extracted licences (-want +got):\n%s", diff)
	}
	if p := doc.Packages[byName["debian"]]; p.PrimaryPackagePurpose != "OPERATING_SYSTEM" || p.VersionInfo != "12" {
		t.Errorf("distro package %+v", p)
	}
	if p := doc.Packages[0]; p.SPDXID != "SPDXRef-Source-registry.example.com-team-app-1.4" || p.PrimaryPackagePurpose != "CONTAINER" {
		t.Errorf("source package %+v", p)
	}
	rels := map[string]bool{}
	for _, r := range doc.Relationships {
		rels[r.SpdxElementId+" "+r.RelationshipType+" "+r.RelatedSpdxElement] = true
	}
	for _, want := range []string{
		"SPDXRef-DOCUMENT DESCRIBES SPDXRef-Source-registry.example.com-team-app-1.4",
		"SPDXRef-Source-registry.example.com-team-app-1.4 CONTAINS SPDXRef-OperatingSystem-debian",
		"SPDXRef-Package-pkg-golang-github.com-example-app DEPENDS_ON SPDXRef-Package-pkg-golang-golang.org-x-text-v0.14.0",
		"SPDXRef-Package-base-3.19 DEPENDS_ON SPDXRef-Package-pkg-apk-alpine-busybox-1.36.1-r15-arch-x86-64",
	} {
		if !rels[want] {
			t.Errorf("missing relationship %q in %v", want, rels)
		}
	}
}

func TestDeterministic(t *testing.T) {
	for _, tv := range []bool{false, true} {
		a := encode(t, richInventory(), options(tv))
		b := encode(t, richInventory(), options(tv))
		if !bytes.Equal(a, b) {
			t.Errorf("tag-value=%v: two encodings differ", tv)
		}
		shuffled := richInventory()
		rand.Shuffle(len(shuffled.Packages), func(i, j int) {
			shuffled.Packages[i], shuffled.Packages[j] = shuffled.Packages[j], shuffled.Packages[i]
		})
		for _, p := range shuffled.Packages {
			rand.Shuffle(len(p.Locations), func(i, j int) { p.Locations[i], p.Locations[j] = p.Locations[j], p.Locations[i] })
			rand.Shuffle(len(p.Hashes), func(i, j int) { p.Hashes[i], p.Hashes[j] = p.Hashes[j], p.Hashes[i] })
		}
		if c := encode(t, shuffled, options(tv)); !bytes.Equal(a, c) {
			t.Errorf("tag-value=%v: package order changes the output", tv)
		}
	}
	// An explicit namespace is used as given; a different inventory gets another default.
	opts := options(false)
	opts.Namespace = "https://example.com/sboms/app-1"
	if !bytes.Contains(encode(t, richInventory(), opts), []byte(`"documentNamespace": "https://example.com/sboms/app-1"`)) {
		t.Errorf("explicit namespace not used")
	}
	other := richInventory()
	other.Packages = other.Packages[1:]
	ns := func(b []byte) string {
		var d struct{ DocumentNamespace string }
		_ = json.Unmarshal(b, &d)
		return d.DocumentNamespace
	}
	if ns(encode(t, other, options(false))) == ns(encode(t, richInventory(), options(false))) {
		t.Errorf("different content, same default namespace")
	}
}

func TestEncodeErrors(t *testing.T) {
	dangling := &sbom.Inventory{Packages: []*sbom.Package{{ID: "a", Name: "a", DependsOn: []string{"missing"}}}}
	dup := &sbom.Inventory{Packages: []*sbom.Package{{ID: "a", Name: "a"}, {ID: "a", Name: "b"}}}
	for _, tc := range []struct {
		name string
		inv  *sbom.Inventory
		opts EncodeOptions
		want string
	}{
		{"no created", &sbom.Inventory{}, EncodeOptions{}, "Created is not set"},
		{"bad namespace", &sbom.Inventory{}, EncodeOptions{Created: created, Namespace: "relative/path"}, "not an absolute URI"},
		{"namespace with fragment", &sbom.Inventory{}, EncodeOptions{Created: created, Namespace: "https://x.test/a#b"}, "not an absolute URI"},
		{"tool with space", &sbom.Inventory{}, EncodeOptions{Created: created, ToolName: "hall mark"}, "single words"},
		{"dangling edge", dangling, options(false), `depends on unknown package "missing"`},
		{"duplicate ID", dup, options(false), `two packages have the ID "a"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Encode(&bytes.Buffer{}, tc.inv, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Encode error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestEncodeDoesNotModifyInput(t *testing.T) {
	inv := richInventory()
	slicesReverse(inv.Packages)
	before := cmp.Diff(nil, inv, cmpInventory...)
	encode(t, inv, options(true))
	if after := cmp.Diff(nil, inv, cmpInventory...); after != before {
		t.Errorf("Encode modified the inventory")
	}
}

func slicesReverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}
