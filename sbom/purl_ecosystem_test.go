package sbom

import "testing"

func TestPURLEcosystem(t *testing.T) {
	for purl, want := range map[string]string{
		"pkg:npm/%40scope/x@1.0.0":              EcosystemNPM,
		"pkg:cargo/serde@1.0.0":                 EcosystemCrates,
		"pkg:maven/org.x/y@1":                   EcosystemMaven,
		"pkg:deb/debian/openssl@3.0.11-1":       EcosystemDebian,
		"pkg:deb/Ubuntu/openssl@3.0.2":          EcosystemUbuntu,
		"pkg:apk/musl@1.2.4-r2":                 EcosystemAlpine,
		"pkg:rpm/rhel/openssl@3.0.7":            EcosystemRedHat,
		"pkg:rpm/rockylinux/openssl@3.0.7":      EcosystemRocky,
		"pkg:rpm/fedora/openssl@3.0.7":          "",
		"pkg:github/actions/checkout@v4":        "",
		"pkg:golang/golang.org/x/net@v0.17.0":   EcosystemGo,
		"pkg:pypi/django@4.2":                   EcosystemPyPI,
		"pkg:composer/laravel/framework@10.0.0": EcosystemPackagist,
		"pkg:hex/plug@1.14.0":                   EcosystemHex,
	} {
		u, err := ParsePURL(purl)
		if err != nil {
			t.Fatalf("%s: %v", purl, err)
		}
		if got := PURLEcosystem(u); got != want {
			t.Errorf("PURLEcosystem(%s) = %q, want %q", purl, got, want)
		}
	}
}
