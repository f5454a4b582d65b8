package spdx

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/sbom"
)

func decodeFile(t *testing.T, name string) *sbom.Inventory {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if !Sniff(data) {
		t.Errorf("%s: Sniff = false", name)
	}
	inv, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return inv
}

// summary is what the decode tests assert about each package.
type summary struct {
	ID, Name, Version, PURL, Ecosystem string
	Licenses, DependsOn, CPEs          []string
	Supplier                           string
}

func summarize(inv *sbom.Inventory) []summary {
	var out []summary
	for _, p := range inv.Packages {
		out = append(out, summary{p.ID, p.Name, p.Version, p.PURL, p.Ecosystem, p.Licenses, p.DependsOn, p.CPEs, p.Supplier})
	}
	return out
}

func TestDecodeSPDX23Examples(t *testing.T) {
	// The official SPDX 2.3 examples, JSON and tag-value, describe the same document.
	want := []summary{
		{ID: "SPDXRef-fromDoap-1", Name: "Apache Commons Lang"},
		{ID: "SPDXRef-Saxon", Name: "Saxon", Version: "8.8", Licenses: []string{"MPL-1.0"}},
		{
			ID: "SPDXRef-Package", Name: "glibc", Version: "2.11.1",
			Licenses:  []string{"(LGPL-2.0-only AND LicenseRef-3)"},
			DependsOn: []string{"SPDXRef-Saxon"}, // DYNAMIC_LINK
			CPEs:      []string{"cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*"},
			Supplier:  "Jane Doe (jane.doe@example.com)",
		},
		{ID: "SPDXRef-fromDoap-0", Name: "Jena", Version: "3.12.0", PURL: "pkg:maven/org.apache.jena/apache-jena@3.12.0", Ecosystem: "Maven"},
	}
	for _, name := range []string{"SPDXJSONExample-v2.3.spdx.json", "SPDXTagExample-v2.3.spdx"} {
		t.Run(name, func(t *testing.T) {
			inv := decodeFile(t, name)
			if diff := cmp.Diff(want, summarize(inv)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			glibc := inv.Packages[2]
			if glibc.Description != "GNU C library." || glibc.Homepage != "http://ftp.gnu.org/gnu/glibc" ||
				glibc.DownloadURL != "http://ftp.gnu.org/gnu/glibc/glibc-ports-2.15.tar.gz" || len(glibc.Hashes) != 4 ||
				glibc.Hashes[3] != (sbom.Hash{Algorithm: "SHA-256", Value: "11b6d3ee554eedf79299905a98f9b9a04e498210b59f15094c916c91d150efcd"}) {
				t.Errorf("glibc: %+v", glibc)
			}
			if len(inv.Sources) != 0 || inv.Distro != nil || len(inv.Errors) != 0 {
				t.Errorf("foreign document gave hallmark metadata: %+v", inv)
			}
		})
	}
}

func TestDecodeSPDX22(t *testing.T) {
	t.Run("syft JSON", func(t *testing.T) {
		inv := decodeFile(t, "syft-alpine-v2.2.spdx.json")
		want := []summary{
			{
				ID: "SPDXRef-4c7d6a1f0e0d2d5b", Name: "alpine-baselayout", Version: "3.4.0-r0",
				PURL:      "pkg:apk/alpine/alpine-baselayout@3.4.0-r0?arch=x86_64&upstream=alpine-baselayout&distro=alpine-3.17.0",
				Ecosystem: "Alpine", Licenses: []string{"GPL-2.0-only"}, DependsOn: []string{"SPDXRef-9a5b0d1e2f3c4a6b"},
				CPEs: []string{
					"cpe:2.3:a:alpine-baselayout:alpine-baselayout:3.4.0-r0:*:*:*:*:*:*:*",
					"cpe:2.3:a:alpine-baselayout:alpine_baselayout:3.4.0-r0:*:*:*:*:*:*:*",
				},
				Supplier: "Natanael Copa <ncopa@alpinelinux.org>", // originator, supplier NOASSERTION
			},
			{
				ID: "SPDXRef-9a5b0d1e2f3c4a6b", Name: "busybox", Version: "1.35.0-r29",
				PURL:      "pkg:apk/alpine/busybox@1.35.0-r29?arch=x86_64&upstream=busybox&distro=alpine-3.17.0",
				Ecosystem: "Alpine", Licenses: []string{"GPL-2.0-only"},
				DependsOn: []string{"SPDXRef-1e2d3c4b5a697887"}, // musl DEPENDENCY_OF busybox; CONTAINS a file is not an edge
				CPEs:      []string{"cpe:2.3:a:busybox:busybox:1.35.0-r29:*:*:*:*:*:*:*"},
				Supplier:  "Sören Tempel <soeren+alpine@soeren-tempel.net>",
			},
			{
				ID: "SPDXRef-1e2d3c4b5a697887", Name: "musl", Version: "1.2.3-r4",
				PURL:      "pkg:apk/alpine/musl@1.2.3-r4?arch=x86_64&upstream=musl&distro=alpine-3.17.0",
				Ecosystem: "Alpine", Licenses: []string{"MIT"}, Supplier: "Timo Teräs <timo.teras@iki.fi>",
			},
			{
				ID: "SPDXRef-77f0e1d2c3b4a596", Name: "semver", Version: "7.3.8", PURL: "pkg:npm/semver@7.3.8",
				Ecosystem: "npm", Licenses: []string{"ISC"},
			},
		}
		if diff := cmp.Diff(want, summarize(inv)); diff != "" {
			t.Errorf("packages (-want +got):\n%s", diff)
		}
		if p := inv.Packages[3]; p.Homepage != "https://github.com/npm/node-semver#readme" || p.DownloadURL != "https://registry.npmjs.org/semver/-/semver-7.3.8.tgz" {
			t.Errorf("semver: %+v", p)
		}
		if p := inv.Packages[2]; p.Description != "the musl c library (libc) implementation" {
			t.Errorf("musl description %q", p.Description)
		}
	})
	t.Run("tern tag-value", func(t *testing.T) {
		inv := decodeFile(t, "tern-debian-v2.2.spdx")
		want := []summary{
			{
				ID: "SPDXRef-debian-bullseye-slim", Name: "debian", Version: "bullseye-slim",
				DependsOn: []string{"SPDXRef-base-files-11.1-deb11u7", "SPDXRef-libc6-2.31-13-deb11u6", "SPDXRef-tzdata-2021a-1-deb11u10"},
			},
			{
				ID: "SPDXRef-base-files-11.1-deb11u7", Name: "base-files", Version: "11.1+deb11u7",
				PURL: "pkg:deb/debian/base-files@11.1%2Bdeb11u7?arch=amd64&distro=debian-11", Ecosystem: "Debian",
				Licenses: []string{"LicenseRef-3a0b9d7"}, Supplier: "Debian",
			},
			{
				ID: "SPDXRef-libc6-2.31-13-deb11u6", Name: "libc6", Version: "2.31-13+deb11u6",
				PURL: "pkg:deb/debian/libc6@2.31-13%2Bdeb11u6?arch=amd64&distro=debian-11", Ecosystem: "Debian",
				Licenses: []string{"LGPL-2.1-only AND GPL-2.0-only"}, DependsOn: []string{"SPDXRef-tzdata-2021a-1-deb11u10"},
				CPEs:     []string{"cpe:2.3:a:gnu:glibc:2.31:*:*:*:*:*:*:*"},
				Supplier: "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
			},
			{
				ID: "SPDXRef-tzdata-2021a-1-deb11u10", Name: "tzdata", Version: "2021a-1+deb11u10",
				PURL: "pkg:deb/debian/tzdata@2021a-1%2Bdeb11u10?arch=all&distro=debian-11", Ecosystem: "Debian",
				Supplier: "GNU Libc Maintainers",
			},
		}
		if diff := cmp.Diff(want, summarize(inv)); diff != "" {
			t.Errorf("packages (-want +got):\n%s", diff)
		}
		if d := inv.Packages[3].Description; d != "time zone and daylight-saving time data" {
			t.Errorf("tzdata summary %q", d)
		}
	})
}

func TestEcosystemOf(t *testing.T) {
	for purl, want := range map[string]string{
		"pkg:npm/%40babel/core@7.0.0":                  "npm",
		"pkg:pypi/requests@2.31.0":                     "PyPI",
		"pkg:golang/golang.org/x/net@v0.1.0":           "Go",
		"pkg:maven/org.apache.jena/apache-jena@3.12.0": "Maven",
		"pkg:cargo/serde@1.0.0":                        "crates.io",
		"pkg:gem/rails@7.0.0":                          "RubyGems",
		"pkg:composer/laravel/framework@10.0.0":        "Packagist",
		"pkg:nuget/Newtonsoft.Json@13.0.1":             "NuGet",
		"pkg:pub/http@1.1.0":                           "Pub",
		"pkg:hex/phoenix@1.7.0":                        "Hex",
		"pkg:deb/debian/curl@7.88.1-10":                "Debian",
		"pkg:deb/ubuntu/curl@7.81.0-1ubuntu1.15":       "Ubuntu",
		"pkg:apk/alpine/curl@8.5.0-r0":                 "Alpine",
		"pkg:rpm/redhat/openssl@3.0.7-24.el9":          "Red Hat",
		"pkg:rpm/almalinux/openssl@3.0.7-24.el9":       "AlmaLinux",
		"pkg:rpm/rocky/openssl@3.0.7-24.el9":           "Rocky Linux",
		"pkg:rpm/opensuse/openssl@3.0.7":               "openSUSE",
		"pkg:rpm/suse/openssl@3.0.7":                   "SUSE",
		"pkg:rpm/fedora/openssl@3.0.7":                 "",
		"pkg:generic/openssl@3.0.7":                    "",
		"not a purl":                                   "",
	} {
		if got := ecosystemOf(purl); got != want {
			t.Errorf("ecosystemOf(%q) = %q, want %q", purl, got, want)
		}
	}
}

const minimalJSON = `{"spdxVersion": %q, "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "x",
 "documentNamespace": "https://example.com/x", "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: x"]},
 "packages": [{"SPDXID": "SPDXRef-a", "name": "a", "downloadLocation": "NOASSERTION"}], "relationships": [%s]}`

func TestDecodeErrors(t *testing.T) {
	rel := func(a, typ, b string) string {
		return `{"spdxElementId": "` + a + `", "relationshipType": "` + typ + `", "relatedSpdxElement": "` + b + `"}`
	}
	json := func(version, rels string) string { return sprintf(minimalJSON, version, rels) }
	tv := "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: x\n" +
		"DocumentNamespace: https://example.com/x\nCreator: Tool: x\nCreated: 2024-01-01T00:00:00Z\n\n" +
		"PackageName: a\nSPDXID: SPDXRef-a\nPackageDownloadLocation: NOASSERTION\n"
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"empty", "  \n", "empty document"},
		{"not JSON", `{"spdxVersion": "SPDX-2.3",`, "not valid JSON"},
		{"JSON array", `["SPDX-2.3"]`, "not valid JSON"},
		{"missing spdxVersion", `{"SPDXID": "SPDXRef-DOCUMENT", "packages": []}`, "missing spdxVersion"},
		{"SPDX 3 JSON-LD", `{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}`, "SPDX 3 JSON-LD documents are not supported yet"},
		{"SPDX-3.0 version", json("SPDX-3.0", ""), "SPDX-3.0 is not supported yet"},
		{"CycloneDX", `{"bomFormat": "CycloneDX", "specVersion": "1.5"}`, "missing spdxVersion"},
		{"unknown version", json("SPDX-1.2", ""), `unsupported spdxVersion "SPDX-1.2"`},
		{"unknown element", json("SPDX-2.3", rel("SPDXRef-a", "DEPENDS_ON", "SPDXRef-ghost")), "names unknown element SPDXRef-ghost"},
		{"unknown element 2.2", json("SPDX-2.2", rel("SPDXRef-nobody", "CONTAINS", "SPDXRef-a")), "names unknown element SPDXRef-nobody"},
		{"bad element ID", json("SPDX-2.3", rel("SPDXRef-a", "DEPENDS_ON", "pkg-b")), "failed to parse ElementID"},
		{"tag-value unknown element", tv + "Relationship: SPDXRef-a DEPENDS_ON SPDXRef-ghost\n", "names unknown element SPDXRef-ghost"},
		{"tag-value SPDX-3.0", "SPDXVersion: SPDX-3.0\n", "SPDX-3.0 is not supported yet"},
		{"tag-value no version", "DataLicense: CC0-1.0\n", "missing SPDXVersion"},
		{"tag-value no colon", tv + "garbage line\n", "line 12: no colon"},
		{"tag-value open text", tv + "PackageComment: <text>never closed\n", "<text> opened on line 12 is never closed"},
		{"tag-value unknown tag", tv + "Bogus: 1\n", "received unknown tag Bogus"},
		{"duplicate SPDXID", strings.Replace(json("SPDX-2.3", ""), `"packages": [`, `"packages": [{"SPDXID": "SPDXRef-a", "name": "b", "downloadLocation": "NONE"},`, 1), "SPDXRef-a names two elements"},
		{"bad hallmark annotation", strings.Replace(json("SPDX-2.3", ""), `"downloadLocation": "NOASSERTION"}`,
			`"downloadLocation": "NOASSERTION", "annotations": [{"annotator": "Tool: hallmark", "annotationDate": "2024-01-01T00:00:00Z", "annotationType": "OTHER", "comment": "hallmark:package:{\"id\": 7}"}]}`, 1),
			"annotation hallmark:package:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.doc))
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Decode error = %v, want ErrInvalid containing %q", err, tc.want)
			}
		})
	}
}

func TestDecodeLimits(t *testing.T) {
	big := bytes.Repeat([]byte(" "), MaxDocumentSize+1)
	if _, err := Decode(bytes.NewReader(big)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized document: %v", err)
	}
	long := "SPDXVersion: SPDX-2.3\nDocumentComment: " + strings.Repeat("x", MaxLineLength+1) + "\n"
	if _, err := Decode(strings.NewReader(long)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "line 2 is longer") {
		t.Errorf("long line: %v", err)
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		head string
		want bool
	}{
		{`{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT"`, true},
		{"\ufeff\n  {\n \"SPDXID\": \"SPDXRef-DOCUMENT\",\n \"spdxVersion\" :\"SPDX-2.2\"", true},
		{"SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0", true},
		{"# generated\n\nSPDXVersion: SPDX-2.2\n", true},
		{`{"spdxVersion": "SPDX-3.0"}`, false},
		{`{"bomFormat": "CycloneDX", "specVersion": "1.5"}`, false},
		{`{"name": "spdxVersion"}`, false},
		{"DataLicense: CC0-1.0\nSPDXVersion: SPDX-2.3\n", false},
		{"SPDXVersion: SPDX-3.0\n", false},
		{"", false},
		{"<?xml version=\"1.0\"?>", false},
	} {
		if got := Sniff([]byte(tc.head)); got != tc.want {
			t.Errorf("Sniff(%q) = %v, want %v", tc.head, got, tc.want)
		}
	}
}

func TestValidExpression(t *testing.T) {
	for expr, want := range map[string]bool{
		"MIT":                                  true,
		"GPL-2.0+":                             true,
		"Apache-2.0 OR MIT":                    true,
		"(MIT AND BSD-3-Clause) OR Apache-2.0": true,
		"GPL-2.0-or-later WITH GCC-exception-2.0": true,
		"LicenseRef-my.licence":                   true,
		"DocumentRef-x:LicenseRef-y":              true,
		"":                                        false,
		"MIT OR":                                  false,
		"(MIT":                                    false,
		"MIT)":                                    false,
		"BSD-style (see LICENSE)":                 false,
		"MIT WITH":                                false,
		"Apache License 2.0":                      false,
		"x:LicenseRef-y":                          false,
		strings.Repeat("(", 100) + "MIT" + strings.Repeat(")", 100): false,
	} {
		if got := validExpression(expr); got != want {
			t.Errorf("validExpression(%q) = %v, want %v", expr, got, want)
		}
	}
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

// TestDecodeNoAssertion checks a syft-like document where every field says NOASSERTION or
// NONE, including versionInfo, packages have no purl, and relationships name files and
// NOASSERTION: none of those placeholders becomes a value.
func TestDecodeNoAssertion(t *testing.T) {
	doc := `{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "x",
 "documentNamespace": "https://example.com/x", "creationInfo": {"creators": ["Tool: syft-1.0.0"], "created": "2024-01-01T00:00:00Z"},
 "packages": [
  {"name": "bin", "SPDXID": "SPDXRef-Package-bin", "versionInfo": "NOASSERTION", "supplier": "NOASSERTION",
   "originator": "NOASSERTION", "downloadLocation": "NONE", "homepage": "NOASSERTION", "filesAnalyzed": false,
   "licenseConcluded": "NONE", "licenseDeclared": "NOASSERTION", "copyrightText": "NOASSERTION"},
  {"name": "lib", "SPDXID": "SPDXRef-Package-lib", "versionInfo": "NONE", "supplier": "NOASSERTION",
   "originator": "Person: Jane Doe <jane@example.com>", "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
   "licenseConcluded": "MIT", "licenseDeclared": "NOASSERTION", "copyrightText": "NOASSERTION"}],
 "files": [{"fileName": "/bin/x", "SPDXID": "SPDXRef-File-x", "checksums": [{"algorithm": "SHA1", "checksumValue": "0000000000000000000000000000000000000000"}],
   "licenseConcluded": "NOASSERTION", "licenseInfoInFiles": ["NOASSERTION"], "copyrightText": "NOASSERTION"}],
 "relationships": [
  {"spdxElementId": "SPDXRef-DOCUMENT", "relatedSpdxElement": "SPDXRef-Package-bin", "relationshipType": "DESCRIBES"},
  {"spdxElementId": "SPDXRef-Package-bin", "relatedSpdxElement": "SPDXRef-File-x", "relationshipType": "CONTAINS"},
  {"spdxElementId": "SPDXRef-Package-bin", "relatedSpdxElement": "NOASSERTION", "relationshipType": "DEPENDS_ON"},
  {"spdxElementId": "SPDXRef-Package-bin", "relatedSpdxElement": "SPDXRef-Package-lib", "relationshipType": "DEPENDS_ON"}]}`
	inv, err := Decode(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []summary{
		{ID: "SPDXRef-Package-bin", Name: "bin", DependsOn: []string{"SPDXRef-Package-lib"}},
		{ID: "SPDXRef-Package-lib", Name: "lib", Licenses: []string{"MIT"}, Supplier: "Jane Doe <jane@example.com>"},
	}
	if diff := cmp.Diff(want, summarize(inv)); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	for _, p := range inv.Packages {
		if p.Homepage != "" || p.DownloadURL != "" || p.Unresolved {
			t.Errorf("%s: placeholder kept: %+v", p.ID, p)
		}
	}
}

// TestRoundTripPlaceholderVersion checks that a version that is literally "NOASSERTION"
// survives Encode and Decode through the exact copy, although Decode drops the placeholder
// from foreign documents.
func TestRoundTripPlaceholderVersion(t *testing.T) {
	inv := &sbom.Inventory{}
	inv.Add([]*sbom.Package{{ID: "a", Name: "a", Version: "NOASSERTION", PURL: "pkg:generic/a@NOASSERTION"}})
	inv.Finalize()
	for _, tv := range []bool{false, true} {
		got, err := Decode(bytes.NewReader(encode(t, inv, options(tv))))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Packages) != 1 || got.Packages[0].Version != "NOASSERTION" {
			t.Errorf("tag-value %v: got %+v, want version NOASSERTION", tv, got.Packages)
		}
	}
}
