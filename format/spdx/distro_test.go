package spdx

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hallmark-dev/hallmark/catalog/osrelease"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Real os-release files (as in catalog/osrelease/testdata): Debian 12 has no CPE_NAME,
// AlmaLinux 9.3 a CPE 2.2 URI that the OS package carries as CPE 2.3.
const (
	debian12 = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`
	alma93 = `NAME="AlmaLinux"
VERSION="9.3 (Shamrock Pampas Cat)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="AlmaLinux 9.3 (Shamrock Pampas Cat)"
ANSI_COLOR="0;34"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:almalinux:almalinux:9::baseos"
HOME_URL="https://almalinux.org/"
`
)

// distroInventory is a root filesystem's inventory as the catalogers make it: the distribution
// from os-release, the OS package of the os-release cataloger (when withPkg), a dpkg package
// and an application that depends on the OS package. change adjusts it before Finalize.
func distroInventory(t *testing.T, osRelease string, withDistro, withPkg bool, change func(d *sbom.Distro, os *sbom.Package)) *sbom.Inventory {
	t.Helper()
	d, err := osrelease.Parse([]byte(osRelease))
	if err != nil {
		t.Fatal(err)
	}
	inv := &sbom.Inventory{Sources: []sbom.Source{{Kind: sbom.SourceDirectory, Name: "rootfs"}}}
	pkgs := []*sbom.Package{{
		ID: "bash", Type: sbom.TypeLibrary, Name: "bash", Version: "5.2.15-2+b2", Ecosystem: sbom.EcosystemDebian,
		PURL:      sbom.PURL("deb", "debian", "bash", "5.2.15-2+b2", "arch", "amd64", "distro", "debian-12"),
		Locations: []sbom.Location{{Path: "var/lib/dpkg/status", Line: 1}}, FoundBy: "dpkg",
	}}
	if withPkg {
		os := osrelease.Package(d, "etc/os-release", "os-release")
		if change != nil {
			change(d, os)
		}
		pkgs = append(pkgs, os, &sbom.Package{
			ID: "app", Type: sbom.TypeApplication, Name: "app", PURL: sbom.PURL("generic", "", "app", ""),
			DependsOn: []string{os.ID, "bash"},
		})
	} else if change != nil {
		change(d, nil)
	}
	if withDistro {
		inv.Distro = d
	}
	inv.Add(pkgs)
	inv.Finalize()
	return inv
}

// TestDistroOnce checks that the distribution and the os-release cataloger's OS package are one
// SPDX package when they describe the same OS, two otherwise, and that every case round-trips.
func TestDistroOnce(t *testing.T) {
	tests := []struct {
		name               string
		osRelease          string
		withDistro, withOS bool
		change             func(*sbom.Distro, *sbom.Package)
		// osPkgs is the number of OPERATING-SYSTEM packages; id the SPDXID of the one with
		// the distro annotation ("" for none).
		osPkgs int
		id     string
	}{
		{name: "distro and OS package", osRelease: debian12, withDistro: true, withOS: true, osPkgs: 1, id: "SPDXRef-Package-pkg-generic-debian-12"},
		{name: "distro with CPE and OS package", osRelease: alma93, withDistro: true, withOS: true, osPkgs: 1, id: "SPDXRef-Package-pkg-generic-almalinux-9.3"},
		{name: "distro only", osRelease: debian12, withDistro: true, osPkgs: 1, id: "SPDXRef-OperatingSystem-debian"},
		{name: "OS package only", osRelease: alma93, withOS: true, osPkgs: 1},
		{name: "OS package of another version", osRelease: debian12, withDistro: true, withOS: true, osPkgs: 2, id: "SPDXRef-OperatingSystem-debian",
			change: func(_ *sbom.Distro, os *sbom.Package) {
				os.Version, os.PURL = "11", sbom.PURL("generic", "", "debian", "11")
			}},
		{name: "OS package of another name", osRelease: debian12, withDistro: true, withOS: true, osPkgs: 2, id: "SPDXRef-OperatingSystem-debian",
			change: func(_ *sbom.Distro, os *sbom.Package) { os.Name = "debian-base" }},
		{name: "library named like the distro", osRelease: debian12, withDistro: true, withOS: true, osPkgs: 1, id: "SPDXRef-OperatingSystem-debian",
			change: func(_ *sbom.Distro, os *sbom.Package) { os.Type = sbom.TypeLibrary }},
		{name: "distro facts differ from the package's", osRelease: alma93, withDistro: true, withOS: true, osPkgs: 1, id: "SPDXRef-Package-pkg-generic-almalinux-9.3",
			change: func(d *sbom.Distro, os *sbom.Package) {
				d.PrettyName = ""
				os.CPEs = append(os.CPEs, "cpe:2.3:o:almalinux:almalinux:9.3:*:*:*:*:*:*:*")
				os.Properties = map[string]string{"hallmark:custom": "x"}
			}},
	}
	for _, tt := range tests {
		for _, tv := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{false: "/json", true: "/tag-value"}[tv], func(t *testing.T) {
				want := distroInventory(t, tt.osRelease, tt.withDistro, tt.withOS, tt.change)
				data := encode(t, want, options(tv))
				got, err := Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("Decode: %v\n%s", err, data)
				}
				if diff := cmp.Diff(want, got, cmpInventory...); diff != "" {
					t.Errorf("round trip (-want +got):\n%s\n%s", diff, data)
				}
				if tv {
					return
				}
				var doc struct {
					Packages []struct {
						SPDXID, PrimaryPackagePurpose string
						Annotations                   []struct{ Comment string }
					}
					Relationships []struct{ SpdxElementId, RelationshipType, RelatedSpdxElement string }
				}
				if err := json.Unmarshal(data, &doc); err != nil {
					t.Fatal(err)
				}
				n, id := 0, ""
				for _, p := range doc.Packages {
					if p.PrimaryPackagePurpose == "OPERATING_SYSTEM" {
						n++
					}
					for _, a := range p.Annotations {
						if strings.HasPrefix(a.Comment, prefixDistro) {
							id = p.SPDXID
						}
					}
				}
				if n != tt.osPkgs || id != tt.id {
					t.Errorf("%d OPERATING_SYSTEM packages, distro annotation on %q; want %d, %q\n%s", n, id, tt.osPkgs, tt.id, data)
				}
				if id != "" {
					contains := 0
					for _, r := range doc.Relationships {
						if r.RelationshipType == "CONTAINS" && r.RelatedSpdxElement == id {
							contains++
						}
					}
					if contains != 1 {
						t.Errorf("%s is contained %d times, want once", id, contains)
					}
				}
			})
		}
	}
}

// TestDistroSchema validates the merged operating-system package against the SPDX 2.3 schema.
func TestDistroSchema(t *testing.T) {
	sch := compileSchema(t)
	for _, inv := range []*sbom.Inventory{
		distroInventory(t, alma93, true, true, nil),
		distroInventory(t, debian12, true, true, nil),
	} {
		data := encode(t, inv, options(false))
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%v\n%s", err, data)
		}
	}
}

// TestDistroAnnotationErrors: a package may carry a package and a distro annotation, no other
// combination of two.
func TestDistroAnnotationErrors(t *testing.T) {
	data := string(encode(t, distroInventory(t, debian12, true, true, nil), options(false)))
	pkgNote := `"comment": "hallmark:package:`
	distroNote := `"comment": "hallmark:distro:`
	if !strings.Contains(data, pkgNote) || !strings.Contains(data, distroNote) {
		t.Fatalf("no annotations to change in\n%s", data)
	}
	for name, doc := range map[string]string{
		// The OS package's package annotation becomes a second distro annotation.
		"two distro annotations": strings.Replace(data, `"comment": "hallmark:package:{\"id\":\"pkg:generic/debian@12\"`, `"comment": "hallmark:distro:{\"id\":\"debian\"`, 1),
		// The source's annotation is joined by a distro annotation.
		"source and distro": strings.Replace(data, `"comment": "hallmark:source:{`, `"comment": "hallmark:distro:{}"}, {"annotator": "Tool: hallmark", "annotationDate": "2025-03-01T12:30:00Z", "annotationType": "OTHER", "comment": "hallmark:source:{`, 1),
	} {
		if doc == data {
			t.Fatalf("%s: nothing replaced", name)
		}
		_, err := Decode(strings.NewReader(doc))
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "more than one hallmark annotation") {
			t.Errorf("%s: Decode error %v, want more than one hallmark annotation", name, err)
		}
	}
}
