package cyclonedx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// invalidCases says, for every kind of invalid-* test BOM of the CycloneDX specification,
// whether Decode rejects it (with an error wrapping ErrInvalid that contains msg) or accepts
// it, and why: Decode rejects defects that change what the document says about its
// components, and accepts schema-only defects in parts it does not read or keeps verbatim.
var invalidCases = map[string]struct {
	reject bool
	msg    string // part of the error, or the reason for accepting
}{
	"invalid-bomformat":                                    {true, `bomFormat is "AnotherFormat"`},
	"invalid-namespace":                                    {true, `namespace "http://cyclonedx.org/schema/bom/12"`},
	"invalid-component-ref":                                {true, "bom-ref"}, // empty or used twice
	"invalid-dependency":                                   {true, "ref"},     // empty or missing
	"invalid-empty-component":                              {true, "has no name"},
	"invalid-missing-component-type":                       {true, "has no type"},
	"invalid-component-type":                               {true, `type "foo"`},
	"invalid-scope":                                        {true, `scope "foo"`},
	"invalid-hash-alg":                                     {true, `unknown algorithm "FOO"`},
	"invalid-hash-md5":                                     {true, "invalid MD5 hash"},
	"invalid-hash-sha1":                                    {true, "invalid SHA-1 hash"},
	"invalid-hash-sha256":                                  {true, "invalid SHA-256 hash"},
	"invalid-hash-sha512":                                  {true, "invalid SHA-512 hash"},
	"invalid-license-choice":                               {true, "license"},
	"invalid-license-declared-concluded-mix":               {true, "license expression together with other licenses"},
	"invalid-license-id-count":                             {true, "more than one id or name"},
	"invalid-license-name-count":                           {true, "more than one id or name"},
	"invalid-license-missing-id-and-name":                  {true, "neither id nor name"},
	"invalid-properties":                                   {true, "property without name"},
	"invalid-component-external-version-and-range":         {true, "both version and versionRange"},
	"invalid-component-versionRange-non-external-explicit": {true, "not external"},
	"invalid-component-versionRange-non-external-implicit": {true, "not external"},

	"invalid-license-id":            {false, "an id outside the SPDX list is kept verbatim as the license"},
	"invalid-metadata-license":      {false, "the BOM's own license is not in the model"},
	"invalid-license-encoding":      {false, "license texts are not read"},
	"invalid-component-swid":        {false, "SWID tags are not read"},
	"invalid-issue-type":            {false, "pedigree patches are not read"},
	"invalid-patch-type":            {false, "pedigree patches are not read"},
	"invalid-service-data":          {false, "services are read for their bom-refs only"},
	"invalid-serialnumber":          {false, "the serial number is not in the model"},
	"invalid-metadata-timestamp":    {false, "the timestamp is not in the model"},
	"invalid-metadata-distribution": {false, "distribution constraints are not in the model"},
	"invalid-citations":             {false, "citations are not read"},
}

// caseName strips the version and extension: invalid-scope-1.6.json → invalid-scope.
var versionSuffix = regexp.MustCompile(`(-1\.[0-9])?\.(json|xml)$`)

func testFiles(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "1.*", pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files %s: %v", pattern, err)
	}
	return files
}

func decodeFile(t *testing.T, path string) (*sbom.Inventory, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Decode(f)
}

func TestValidSpecBOMs(t *testing.T) {
	for _, path := range testFiles(t, "valid-*") {
		t.Run(strings.TrimPrefix(path, "testdata/"), func(t *testing.T) {
			inv, err := decodeFile(t, path)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			for _, p := range inv.Packages {
				if p.ID == "" || p.Name == "" {
					t.Errorf("package without ID or name: %+v", p)
				}
			}
			head, _ := os.ReadFile(path)
			if !Sniff(head[:min(len(head), 4096)]) {
				t.Errorf("Sniff does not recognise %s", path)
			}
		})
	}
}

func TestInvalidSpecBOMs(t *testing.T) {
	seen := map[string]bool{}
	for _, path := range testFiles(t, "invalid-*") {
		name := versionSuffix.ReplaceAllString(filepath.Base(path), "")
		seen[name] = true
		tc, ok := invalidCases[name]
		if !ok {
			t.Errorf("%s: add %q to invalidCases", path, name)
			continue
		}
		t.Run(strings.TrimPrefix(path, "testdata/"), func(t *testing.T) {
			_, err := decodeFile(t, path)
			switch {
			case !tc.reject && err != nil:
				t.Errorf("Decode: %v; want it accepted (%s)", err, tc.msg)
			case tc.reject && err == nil:
				t.Errorf("Decode accepted it; want an error containing %q", tc.msg)
			case tc.reject && (!errors.Is(err, ErrInvalid) || !errors.Is(err, catalog.ErrMalformed) || !strings.Contains(err.Error(), tc.msg)):
				t.Errorf("Decode error %q; want one wrapping ErrInvalid and ErrMalformed containing %q", err, tc.msg)
			}
		})
	}
	for name := range invalidCases {
		if !seen[name] {
			t.Errorf("invalidCases[%q] matches no test file", name)
		}
	}
}

// pkgView is the part of a package the spec-BOM tests check.
type pkgView struct {
	ID, Name, Version, Ecosystem, PURL string
	Type                               sbom.Type
	Scope                              sbom.Scope
	Licenses, DependsOn, CPEs          []string
	Hashes                             int
	Locations                          []sbom.Location
	Supplier                           string
	Props                              map[string]string
}

func view(inv *sbom.Inventory) []pkgView {
	var out []pkgView
	for _, p := range inv.Packages {
		out = append(out, pkgView{
			ID: p.ID, Name: p.Name, Version: p.Version, Ecosystem: p.Ecosystem, PURL: p.PURL,
			Type: p.Type, Scope: p.Scope, Licenses: p.Licenses, DependsOn: p.DependsOn, CPEs: p.CPEs,
			Hashes: len(p.Hashes), Locations: p.Locations, Supplier: p.Supplier, Props: p.Properties,
		})
	}
	return out
}

const (
	tomcat = "pkg:maven/com.acme/tomcat-catalina@9.0.14?packaging=jar"
	myapp  = "pkg:maven/com.example/myapplication@1.0.0?packaging=war"
)

func TestDecodeSpecBOMs(t *testing.T) {
	bomComponents := []pkgView{
		{
			ID: tomcat, Name: "com.acme:tomcat-catalina", Version: "9.0.14", Ecosystem: "Maven", PURL: tomcat,
			Type: "application", Scope: "runtime", Licenses: []string{"Apache-2.0"}, DependsOn: []string{myapp},
			Hashes: 4, Supplier: "Acme Inc",
		},
		{
			ID: myapp, Name: "org.example:mylibrary", Version: "1.0.0", Ecosystem: "Maven", PURL: myapp,
			Type: "library", Scope: "runtime", Licenses: []string{"EPL-2.0 OR GPL-2.0-with-classpath-exception"},
			CPEs: []string{"cpe:/a:example:myapplication:1.0.0"}, Hashes: 4, Supplier: "Example, Inc.",
		},
		{
			ID: "pkg:maven/com.example/myframework@1.0.0?packaging=war", Name: "com.example:myframework", Version: "1.0.0",
			Ecosystem: "Maven", PURL: "pkg:maven/com.example/myframework@1.0.0?packaging=war", Type: "framework",
			Scope: "runtime", Licenses: []string{"Some random license"}, Hashes: 4, Supplier: "Example Super Heros",
		},
	}
	bom12 := slices.Clone(bomComponents)
	bom12[0].DependsOn = nil
	bom12[1].Supplier = "Example Inc."
	dependencyGraph := []pkgView{
		{ID: "library-a", Name: "library-a", Version: "1.0.0", Type: "library"},
		{ID: "library-b", Name: "library-b", Version: "1.0.0", Type: "library", DependsOn: []string{"library-c"}},
		{ID: "library-c", Name: "library-c", Version: "1.0.0", Type: "library"},
	}
	tests := []struct {
		file    string
		want    []pkgView
		sources []sbom.Source
		distro  *sbom.Distro
	}{
		{file: "1.6/valid-bom-1.6.json", want: bomComponents, sources: []sbom.Source{{Kind: "directory", Name: "Acme Application@9.1.1"}}},
		{file: "1.6/valid-bom-1.6.xml", want: bomComponents, sources: []sbom.Source{{Kind: "directory", Name: "Acme Application@9.1.1"}}},
		{file: "1.2/valid-bom-1.2.xml", want: bom12, sources: []sbom.Source{{Kind: "directory", Name: "Acme Application@9.1.1"}}},
		{file: "1.6/valid-dependency-1.6.json", want: dependencyGraph},
		{file: "1.6/valid-dependency-1.6.xml", want: dependencyGraph},
		{file: "1.2/valid-dependency-1.2.xml", want: []pkgView{
			{ID: "library-a", Name: "acme-library-a", Version: "1.0.0", Type: "library"},
			{ID: "library-b", Name: "acme-library-b", Version: "1.0.0", Type: "library", DependsOn: []string{"library-c"}},
			{ID: "library-c", Name: "acme-library-b", Version: "1.0.0", Type: "library"},
		}},
		{file: "1.6/valid-assembly-1.6.xml", want: []pkgView{
			{ID: "acme-library-a@1.0.0", Name: "acme-library-a", Version: "1.0.0", Type: "library"},
			{ID: "acme-library-b@2.0.0", Name: "acme-library-b", Version: "2.0.0", Type: "library",
				Props: map[string]string{propParent: "acme-library-a@1.0.0"}},
		}},
		{file: "1.6/valid-evidence-1.6.json", want: []pkgView{
			{
				ID: "pkg:maven/com.google.code.findbugs/findbugs-project@3.0.0", Name: "com.google.code.findbugs:findbugs-project",
				Version: "3.0.0", Ecosystem: "Maven", PURL: "pkg:maven/com.google.code.findbugs/findbugs-project@3.0.0",
				Type: "application", Licenses: []string{"LGPL-3.0-or-later"},
				Locations: []sbom.Location{{Path: "/path/to/component"}, {Path: "/another/path/to/component"}},
			},
			{
				ID: "pkg:maven/com.example/example-project@1.0.0", Name: "com.example:example-project", Version: "1.0.0",
				Ecosystem: "Maven", PURL: "pkg:maven/com.example/example-project@1.0.0", Type: "application",
			},
		}},
		{file: "1.7/valid-component-external-with-versionRange.json", sources: []sbom.Source{{Kind: "directory", Name: "My Application"}}},
		{file: "1.4/valid-component-types-1.4.xml", distro: &sbom.Distro{ID: "operating-system-a", VersionID: "1.0"}, want: []pkgView{
			{ID: "application-a@1.0", Name: "application-a", Version: "1.0", Type: "application"},
			{ID: "library-a@1.0", Name: "library-a", Version: "1.0", Type: "library"},
			{ID: "framework-a@1.0", Name: "framework-a", Version: "1.0", Type: "framework"},
			{ID: "container-a@1.0", Name: "container-a", Version: "1.0", Type: "container"},
			{ID: "firmware-a@1.0", Name: "firmware-a", Version: "1.0", Type: "firmware"},
			{ID: "device-a@1.0", Name: "device-a", Version: "1.0", Type: "device"},
			{ID: "file-a@1.0", Name: "file-a", Version: "1.0", Type: "file"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			inv, err := decodeFile(t, filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, view(inv)); diff != "" {
					t.Errorf("packages (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tt.sources, inv.Sources, cmpInventory); diff != "" {
				t.Errorf("sources (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.distro, inv.Distro); diff != "" {
				t.Errorf("distro (-want +got):\n%s", diff)
			}
		})
	}

	// A 1.7 external component with a version range is an unresolved requirement.
	inv, err := decodeFile(t, "testdata/1.7/valid-component-external-with-versionRange.json")
	if err != nil {
		t.Fatal(err)
	}
	if p := inv.Packages[0]; p.Name != "libcurl" || p.Version != "" || p.Constraint != "vers:generic/>=8.7.1|<9.0.0" || !p.Unresolved {
		t.Errorf("versionRange component: %+v", p)
	}
}

func TestDecodeErrors(t *testing.T) {
	deep := `{"bomFormat": "CycloneDX", "x": ` + strings.Repeat("[", catalog.MaxDepth) + strings.Repeat("]", catalog.MaxDepth) + "}"
	deepXML := `<bom xmlns="http://cyclonedx.org/schema/bom/1.6">` + strings.Repeat("<a>", catalog.MaxDepth) + strings.Repeat("</a>", catalog.MaxDepth) + `</bom>`
	head := `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, `
	tests := []struct {
		name, doc string
		is        error
		msg       string
	}{
		{"empty", "", ErrInvalid, "empty document"},
		{"text", "hello", ErrInvalid, "neither JSON nor XML"},
		{"truncated JSON", head + `"components": [`, ErrInvalid, "malformed JSON"},
		{"wrong type", head + `"components": {"name": 1}}`, ErrInvalid, "line 1: components has the wrong type"},
		{"spec 1.1", `{"bomFormat": "CycloneDX", "specVersion": "1.1", "version": 1}`, ErrInvalid, "unsupported specVersion 1.1"},
		{"spec 2.0", `{"bomFormat": "CycloneDX", "specVersion": "2.0", "version": 1}`, ErrInvalid, "unsupported specVersion 2.0"},
		{"XML 1.1", `<bom xmlns="http://cyclonedx.org/schema/bom/1.1" version="1"/>`, ErrInvalid, "namespace"},
		{"XML root", `<foo xmlns="http://cyclonedx.org/schema/bom/1.6"/>`, ErrInvalid, "expected element type <bom>"},
		{"truncated XML", "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\">\n<components>", ErrInvalid, "line 2: malformed XML"},
		{"deep JSON", deep, catalog.ErrTooLarge, "nested deeper"},
		{"deep XML", deepXML, catalog.ErrTooLarge, "nested deeper"},
		{"dangling dependsOn", head + `"components": [{"type": "library", "name": "a", "bom-ref": "a"}], "dependencies": [{"ref": "a", "dependsOn": ["b"]}]}`, ErrInvalid, `"a" depends on "b", which names no component`},
		{"dangling ref", head + `"dependencies": [{"ref": "x"}]}`, ErrInvalid, `ref "x" names no component`},
		{"duplicate bom-ref", head + `"components": [{"type": "library", "name": "a", "bom-ref": "a"}, {"type": "library", "name": "b", "bom-ref": "a"}]}`, ErrInvalid, `bom-ref "a" is used twice`},
		{"bad purl", head + `"components": [{"type": "library", "name": "a", "purl": "pkg:/a"}]}`, ErrInvalid, "invalid purl"},
		{"type before 1.5", `{"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": [{"type": "platform", "name": "a"}]}`, ErrInvalid, `type "platform", which CycloneDX 1.4 does not define`},
		{"composition", head + `"compositions": [{"aggregate": "complete", "assemblies": ["nope"]}]}`, ErrInvalid, `compositions[0] names "nope"`},
		{"id and name", head + `"components": [{"type": "library", "name": "a", "licenses": [{"license": {"id": "MIT", "name": "MIT License"}}]}]}`, ErrInvalid, "both id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tt.doc))
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Decode error %v; want %v containing %q", err, tt.is, tt.msg)
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	defer func(n int) { maxSize = n }(maxSize)
	maxSize = 1 << 10
	r := &zeroReader{n: maxSize + 1}
	if _, err := Decode(r); !errors.Is(err, catalog.ErrTooLarge) {
		t.Errorf("Decode of %d bytes: %v, want ErrTooLarge", r.n, err)
	}
}

type zeroReader struct{ n int }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	n := min(len(p), z.n)
	clear(p[:n])
	z.n -= n
	return n, nil
}

// TestDecodeForeign checks the conventions of other generators: npm and Go groups, a
// component without bom-ref, excluded scope without Hallmark's property, an
// operating-system component as the distribution, and dependency edges to it dropped.
func TestDecodeForeign(t *testing.T) {
	doc := `{
  "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
  "metadata": {"component": {"type": "container", "name": "alpine", "version": "3.19",
    "hashes": [{"alg": "SHA-256", "content": "AB` + strings.Repeat("0", 62) + `"}]}},
  "components": [
    {"type": "operating-system", "bom-ref": "os", "name": "alpine", "version": "3.19.1", "description": "Alpine Linux v3.19"},
    {"type": "library", "bom-ref": "core", "group": "@babel", "name": "core", "version": "7.24.0", "purl": "pkg:npm/%40babel/core@7.24.0", "scope": "excluded"},
    {"type": "library", "group": "github.com/google", "name": "uuid", "version": "v1.6.0", "purl": "pkg:golang/github.com/google/uuid@v1.6.0",
     "properties": [{"name": "syft:package:foundBy", "value": "go-module-binary-cataloger"}, {"name": "syft:location:0:path", "value": "/bin/app"}, {"name": "syft:location:0:path", "value": "/bin/app2"}]},
    {"type": "library", "bom-ref": "musl", "group": "alpine", "name": "musl", "version": "1.2.4-r2", "purl": "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64",
     "evidence": {"occurrences": [{"location": "/lib/apk/db/installed"}]},
     "hashes": [{"alg": "SHA-1", "content": "AAAA` + strings.Repeat("b", 36) + `"}]}
  ],
  "dependencies": [{"ref": "musl", "dependsOn": ["os"]}, {"ref": "core", "dependsOn": ["musl"]}]
}`
	inv, err := Decode(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []pkgView{
		{ID: "core", Name: "@babel/core", Version: "7.24.0", Ecosystem: "npm", PURL: "pkg:npm/%40babel/core@7.24.0", Type: "library", Scope: "dev", DependsOn: []string{"musl"}},
		{ID: "pkg:golang/github.com/google/uuid@v1.6.0", Name: "github.com/google/uuid", Version: "v1.6.0", Ecosystem: "Go",
			PURL: "pkg:golang/github.com/google/uuid@v1.6.0", Type: "library",
			Props: map[string]string{"syft:package:foundBy": "go-module-binary-cataloger", "syft:location:0:path": "/bin/app\n/bin/app2"}},
		{ID: "musl", Name: "musl", Version: "1.2.4-r2", Ecosystem: "Alpine", PURL: "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64", Type: "library",
			Hashes: 1, Locations: []sbom.Location{{Path: "/lib/apk/db/installed"}}, Props: map[string]string{propGroup: "alpine"}},
	}
	if diff := cmp.Diff(want, view(inv)); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if got := inv.Packages[2].Hashes[0].Value; got != "aaaa"+strings.Repeat("b", 36) {
		t.Errorf("hash not lower-cased: %s", got)
	}
	wantSrc := []sbom.Source{{Kind: sbom.SourceImage, Name: "alpine@3.19", Digest: "sha256:ab" + strings.Repeat("0", 62)}}
	if diff := cmp.Diff(wantSrc, inv.Sources); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&sbom.Distro{ID: "alpine", VersionID: "3.19.1", PrettyName: "Alpine Linux v3.19"}, inv.Distro); diff != "" {
		t.Errorf("distro (-want +got):\n%s", diff)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		head string
		want bool
	}{
		{`{"bomFormat": "CycloneDX", "specVersion": "1.6"}`, true},
		{"\xef\xbb\xbf\n  {\n\t\"$schema\": \"http://cyclonedx.org/schema/bom-1.5.schema.json\",\n\t\"bomFormat\":\"CycloneDX\"", true},
		{`<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1">`, true},
		{`<?xml version="1.0"?><cdx:bom xmlns:cdx='http://cyclonedx.org/schema/bom/1.6'>`, true},
		{`{"spdxVersion": "SPDX-2.3"}`, false},
		{`{"bomFormat": "SPDX"}`, false},
		{`<project xmlns="http://maven.apache.org/POM/4.0.0">`, false},
		{"", false},
		{"bomFormat CycloneDX", false},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.head)); got != tt.want {
			t.Errorf("Sniff(%q) = %v, want %v", tt.head, got, tt.want)
		}
	}
}

func TestLicenseMapping(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"MIT"}, `[{"license":{"id":"MIT"}}]`},
		{[]string{"MIT OR Apache-2.0"}, `[{"expression":"MIT OR Apache-2.0"}]`},
		{[]string{"(MIT AND BSD-3-Clause) OR GPL-2.0-or-later WITH Classpath-exception-2.0"}, `[{"expression":"(MIT AND BSD-3-Clause) OR GPL-2.0-or-later WITH Classpath-exception-2.0"}]`},
		{[]string{"LicenseRef-scancode-proprietary"}, `[{"expression":"LicenseRef-scancode-proprietary"}]`},
		{[]string{"GPL-2.0+"}, `[{"license":{"id":"GPL-2.0+"}}]`},
		{[]string{"BSD-like"}, `[{"license":{"name":"BSD-like"}}]`},
		{[]string{"MIT OR"}, `[{"license":{"name":"MIT OR"}}]`},
		{[]string{"mit or apache-2.0"}, `[{"license":{"name":"mit or apache-2.0"}}]`},
		{[]string{"MIT", "Apache-2.0 OR MIT"}, `[{"license":{"id":"MIT"}},{"license":{"name":"Apache-2.0 OR MIT"}}]`},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := jsonEncode(&buf, encodeLicenses(tt.in)); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(buf.String()); got != tt.want {
			t.Errorf("licenses %q → %s, want %s", tt.in, got, tt.want)
		}
	}
}

func jsonEncode(w io.Writer, v any) error {
	e := json.NewEncoder(w)
	e.SetEscapeHTML(false)
	return e.Encode(v)
}
