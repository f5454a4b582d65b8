package cyclonedx

import (
	"bytes"
	"encoding/json"
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
// component when they describe the same OS, two otherwise, and that every case round-trips.
func TestDistroOnce(t *testing.T) {
	tests := []struct {
		name               string
		osRelease          string
		withDistro, withOS bool
		change             func(*sbom.Distro, *sbom.Package)
		after              func(*sbom.Inventory) // after Finalize
		// osComps is the number of operating-system components; ref the bom-ref of the one
		// marked hallmark:distro ("" for none).
		osComps int
		ref     string
	}{
		{name: "distro and OS package", osRelease: debian12, withDistro: true, withOS: true, osComps: 1, ref: "pkg:generic/debian@12"},
		{name: "distro with CPE and OS package", osRelease: alma93, withDistro: true, withOS: true, osComps: 1, ref: "pkg:generic/almalinux@9.3"},
		{name: "distro only", osRelease: debian12, withDistro: true, osComps: 1, ref: "hallmark:distro:debian@12"},
		{name: "OS package only", osRelease: alma93, withOS: true, osComps: 1},
		{name: "OS package of another version", osRelease: debian12, withDistro: true, withOS: true, osComps: 2, ref: "hallmark:distro:debian@12",
			change: func(_ *sbom.Distro, os *sbom.Package) {
				os.Version, os.PURL = "11", sbom.PURL("generic", "", "debian", "11")
			}},
		{name: "OS package of another name", osRelease: debian12, withDistro: true, withOS: true, osComps: 2, ref: "hallmark:distro:debian@12",
			change: func(_ *sbom.Distro, os *sbom.Package) { os.Name = "debian-base" }},
		{name: "library named like the distro", osRelease: debian12, withDistro: true, withOS: true, osComps: 1, ref: "hallmark:distro:debian@12",
			change: func(_ *sbom.Distro, os *sbom.Package) { os.Type = sbom.TypeLibrary }},
		{name: "distro facts differ from the package's", osRelease: alma93, withDistro: true, withOS: true, osComps: 1, ref: "pkg:generic/almalinux@9.3",
			change: func(d *sbom.Distro, os *sbom.Package) {
				d.PrettyName = ""
				os.CPEs = append(os.CPEs, "cpe:2.3:o:almalinux:almalinux:9.3:*:*:*:*:*:*:*")
				os.Properties = map[string]string{"hallmark:custom": "x"}
			}},
		{name: "package ID like a distro bom-ref", osRelease: debian12, withDistro: true, withOS: true, osComps: 2, ref: "hallmark:distro:debian@12'",
			after: func(inv *sbom.Inventory) {
				for _, p := range inv.Packages {
					for i, d := range p.DependsOn {
						if d == "pkg:generic/debian@12" {
							p.DependsOn[i] = "hallmark:distro:debian@12"
						}
					}
					if p.ID == "pkg:generic/debian@12" {
						p.ID = "hallmark:distro:debian@12"
					}
				}
			}},
	}
	for _, tt := range tests {
		for _, spec := range []string{"1.5", "1.6"} {
			for _, asXML := range []bool{false, true} {
				name := tt.name + "/" + spec + map[bool]string{false: "/json", true: "/xml"}[asXML]
				t.Run(name, func(t *testing.T) {
					want := distroInventory(t, tt.osRelease, tt.withDistro, tt.withOS, tt.change)
					if tt.after != nil {
						tt.after(want)
						want.Sort()
					}
					doc := encode(t, want, EncodeOptions{SpecVersion: spec, XML: asXML, Timestamp: testTime})
					got, err := Decode(bytes.NewReader(doc))
					if err != nil {
						t.Fatalf("Decode: %v\n%s", err, doc)
					}
					got.Sort()
					if diff := cmp.Diff(want, got, cmpInventory); diff != "" {
						t.Errorf("round trip (-want +got):\n%s\n%s", diff, doc)
					}
					if asXML {
						return
					}
					var bom struct {
						Components []struct {
							BOMRef     string `json:"bom-ref"`
							Type       string
							Properties []struct{ Name, Value string }
						}
					}
					if err := json.Unmarshal(doc, &bom); err != nil {
						t.Fatal(err)
					}
					n, ref := 0, ""
					for _, c := range bom.Components {
						if c.Type == "operating-system" {
							n++
						}
						for _, p := range c.Properties {
							if p.Name == propDistro {
								ref = c.BOMRef
							}
						}
					}
					if n != tt.osComps || ref != tt.ref {
						t.Errorf("%d operating-system components, marked %q; want %d, %q\n%s", n, ref, tt.osComps, tt.ref, doc)
					}
				})
			}
		}
	}
}

// TestDistroMergedShape pins the merged component of a real AlmaLinux root filesystem and
// validates it against the schemas.
func TestDistroMergedShape(t *testing.T) {
	inv := distroInventory(t, alma93, true, true, nil)
	doc := encode(t, inv, EncodeOptions{Timestamp: testTime})
	var bom struct {
		Components []json.RawMessage
	}
	if err := json.Unmarshal(doc, &bom); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, raw := range bom.Components {
		var c struct{ Type string }
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		if c.Type == "operating-system" {
			var buf bytes.Buffer
			if err := json.Compact(&buf, raw); err != nil {
				t.Fatal(err)
			}
			got = append(got, buf.String())
		}
	}
	want := []string{`{"bom-ref":"pkg:generic/almalinux@9.3","type":"operating-system","name":"almalinux","version":"9.3",` +
		`"description":"AlmaLinux 9.3 (Shamrock Pampas Cat)","cpe":"cpe:2.3:o:almalinux:almalinux:9:*:baseos:*:*:*:*:*",` +
		`"purl":"pkg:generic/almalinux@9.3","properties":[` +
		`{"name":"hallmark:distro","value":"true"},` +
		`{"name":"hallmark:distro:cpe","value":"cpe:/o:almalinux:almalinux:9::baseos"},` +
		`{"name":"hallmark:distro:id-like","value":"rhel"},{"name":"hallmark:distro:id-like","value":"centos"},` +
		`{"name":"hallmark:distro:id-like","value":"fedora"},{"name":"hallmark:distro:name","value":"AlmaLinux"},` +
		`{"name":"hallmark:found-by","value":"os-release"},{"name":"hallmark:os:cpe","value":"cpe:/o:almalinux:almalinux:9::baseos"},` +
		`{"name":"hallmark:os:ecosystem","value":"AlmaLinux:9"},{"name":"hallmark:os:id-like","value":"rhel centos fedora"},` +
		`{"name":"hallmark:os:name","value":"AlmaLinux"}],"evidence":{"occurrences":[{"location":"etc/os-release"}]}}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("operating-system components (-want +got):\n%s", diff)
	}
	for _, spec := range []string{"1.5", "1.6"} {
		sch := compileSchema(t, spec)
		for _, inv := range []*sbom.Inventory{
			distroInventory(t, alma93, true, true, nil),
			distroInventory(t, alma93, true, true, func(d *sbom.Distro, _ *sbom.Package) { d.PrettyName = "" }),
		} {
			doc := encode(t, inv, EncodeOptions{SpecVersion: spec, Timestamp: testTime})
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("%s: %v\n%s", spec, err, doc)
			}
		}
	}
}
