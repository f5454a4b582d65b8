package sbom

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFinalize(t *testing.T) {
	inv := &Inventory{}
	inv.Add([]*Package{
		{ID: "root", Name: "app", PURL: PURL("npm", "", "app", ""), DependsOn: []string{"b", "a"}, Type: TypeApplication},
		{ID: "a", Name: "a", Version: "1.0.0", PURL: PURL("npm", "", "a", "1.0.0"), Locations: []Location{{Path: "x/package-lock.json", Line: 3}}},
		{ID: "b", Name: "b", Version: "2.0.0", PURL: PURL("npm", "", "b", "2.0.0"), DependsOn: []string{"missing"}},
	})
	// The same a@1.0.0 from another file keeps its own identity.
	inv.Add([]*Package{{ID: "a", Name: "a", Version: "1.0.0", PURL: PURL("npm", "", "a", "1.0.0"), Locations: []Location{{Path: "y/package-lock.json"}}}})
	inv.Finalize()
	var got []string
	for _, p := range inv.Packages {
		got = append(got, p.ID)
		for _, d := range p.DependsOn {
			got = append(got, "  -> "+d)
		}
	}
	want := []string{
		"pkg:npm/a@1.0.0?location=x/package-lock.json",
		"pkg:npm/a@1.0.0?location=y/package-lock.json",
		"pkg:npm/app",
		"  -> pkg:npm/a@1.0.0?location=x/package-lock.json",
		"  -> pkg:npm/b@2.0.0",
		"pkg:npm/b@2.0.0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IDs (-want +got):\n%s", diff)
	}
	if len(inv.Errors) != 1 || !inv.Partial() {
		t.Errorf("errors = %v, want one for the unknown dependency", inv.Errors)
	}
}

func TestPURL(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{PURL("npm", "@babel", "core", "7.0.0"), "pkg:npm/%40babel/core@7.0.0"},
		{PURL("deb", "debian", "curl", "7.88.1-10", "distro", "debian-12", "arch", "amd64"), "pkg:deb/debian/curl@7.88.1-10?arch=amd64&distro=debian-12"},
		{PURL("golang", "github.com/google", "go-cmp", "v0.7.0"), "pkg:golang/github.com/google/go-cmp@v0.7.0"},
		{PURL("pypi", "", "requests", "", "extra", ""), "pkg:pypi/requests"},
	} {
		if c.got != c.want {
			t.Errorf("PURL = %q, want %q", c.got, c.want)
		}
	}
}
