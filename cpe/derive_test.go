package cpe

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog/osrelease"
	"github.com/hallmark-dev/hallmark/sbom"
)

func TestDerive(t *testing.T) {
	debian := &sbom.Distro{ID: "debian", VersionID: "12", VersionCodename: "bookworm", CPE: "cpe:/o:debian:debian_linux:12"}
	alma := &sbom.Distro{ID: "almalinux", VersionID: "9.3", CPE: "cpe:/o:almalinux:almalinux:9::baseos"}
	// deb, rpm and apk packages as catalog/dpkg, catalog/rpm and catalog/apk write them.
	deb := func(name, version, source, sourceVersion string) *sbom.Package {
		return &sbom.Package{Name: name, Version: version, Ecosystem: sbom.EcosystemDebian,
			PURL:       sbom.PURL("deb", "debian", name, version, "arch", "amd64", "distro", "debian-12"),
			SourceName: source, SourceVersion: sourceVersion}
	}
	rpm := func(name, evr, source, sourceVersion string) *sbom.Package {
		return &sbom.Package{Name: name, Version: evr, Ecosystem: sbom.EcosystemAlmaLinux,
			PURL:       "pkg:rpm/almalinux/" + name + "@" + evr + "?arch=x86_64&distro=almalinux-9.3",
			SourceName: source, SourceVersion: sourceVersion}
	}
	apk := func(name, version, origin string) *sbom.Package {
		return &sbom.Package{Name: name, Version: version, Ecosystem: sbom.EcosystemAlpine,
			PURL:       sbom.PURL("apk", "alpine", name, version, "arch", "x86_64", "distro", "alpine-3.19.1"),
			SourceName: origin, SourceVersion: version}
	}
	lang := func(name, version, purl string) *sbom.Package {
		return &sbom.Package{Name: name, Version: version, PURL: purl}
	}
	for _, c := range []struct {
		name string
		p    *sbom.Package
		d    *sbom.Distro
		want []string
	}{
		// Rule 1: the operating system.
		{"os-release package", osrelease.Package(alma, "etc/os-release", "os-release"), nil,
			[]string{"cpe:2.3:o:almalinux:almalinux:9:*:baseos:*:*:*:*:*"}},
		{"os from distro", &sbom.Package{Type: sbom.TypeOS, Name: "debian", Version: "12", PURL: "pkg:generic/debian@12"}, debian,
			[]string{"cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*"}},
		{"os of another distro", &sbom.Package{Type: sbom.TypeOS, Name: "alpine", Version: "3.19.1", PURL: "pkg:generic/alpine@3.19.1"}, debian, nil},
		{"os without CPE_NAME", osrelease.Package(&sbom.Distro{ID: "alpine", VersionID: "3.19.1"}, "etc/os-release", "os-release"), nil, nil},
		{"os with bad CPE_NAME", &sbom.Package{Type: sbom.TypeOS, Name: "x", Properties: map[string]string{"hallmark:os:cpe": "cpe:/o:x y:z"}}, nil, nil},
		// Rule 2: the Go standard library.
		{"stdlib", lang("stdlib", "1.22.1", "pkg:golang/stdlib@1.22.1"), nil,
			[]string{"cpe:2.3:a:golang:go:1.22.1:*:*:*:*:*:*:*"}},
		{"stdlib as syft writes it", lang("stdlib", "go1.21.0", "pkg:golang/stdlib@go1.21.0"), nil,
			[]string{"cpe:2.3:a:golang:go:1.21.0:*:*:*:*:*:*:*"}},
		{"stdlib prerelease", lang("stdlib", "1.23.0-rc.1", "pkg:golang/stdlib@1.23.0-rc.1"), nil,
			[]string{"cpe:2.3:a:golang:go:1.23.0-rc.1:*:*:*:*:*:*:*"}},
		{"stdlib devel", lang("stdlib", "devel", "pkg:golang/stdlib@devel"), nil, nil},
		// Rule 3: the table.
		{"npm lodash", lang("lodash", "4.17.21", "pkg:npm/lodash@4.17.21"), nil,
			[]string{"cpe:2.3:a:lodash:lodash:4.17.21:*:*:*:*:node.js:*:*"}},
		{"npm jquery", lang("jquery", "3.4.1", "pkg:npm/jquery@3.4.1"), nil,
			[]string{"cpe:2.3:a:jquery:jquery:3.4.1:*:*:*:*:*:*:*"}},
		{"pypi Django", lang("django", "4.2.7", "pkg:pypi/django@4.2.7"), nil,
			[]string{"cpe:2.3:a:djangoproject:django:4.2.7:*:*:*:*:*:*:*"}},
		{"pypi Jinja2", lang("jinja2", "3.1.2", "pkg:pypi/jinja2@3.1.2"), nil,
			[]string{"cpe:2.3:a:palletsprojects:jinja:3.1.2:*:*:*:*:*:*:*"}},
		{"pypi PyYAML unnormalised purl", lang("PyYAML", "5.3.1", "pkg:pypi/PyYAML@5.3.1"), nil,
			[]string{"cpe:2.3:a:pyyaml:pyyaml:5.3.1:*:*:*:*:*:*:*"}},
		{"pypi local version", lang("flask", "2.3.2+local.1", "pkg:pypi/flask@2.3.2%2Blocal.1"), nil,
			[]string{`cpe:2.3:a:palletsprojects:flask:2.3.2\+local.1:*:*:*:*:*:*:*`}},
		{"maven log4j-core", lang("org.apache.logging.log4j:log4j-core", "2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"), nil,
			[]string{"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"}},
		{"maven log4j-api", lang("org.apache.logging.log4j:log4j-api", "2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-api@2.14.1"), nil, nil},
		{"maven spring-core", lang("org.springframework:spring-core", "5.3.17", "pkg:maven/org.springframework/spring-core@5.3.17"), nil,
			[]string{"cpe:2.3:a:vmware:spring_framework:5.3.17:*:*:*:*:*:*:*", "cpe:2.3:a:pivotal_software:spring_framework:5.3.17:*:*:*:*:*:*:*"}},
		{"maven RELEASE qualifier", lang("org.springframework:spring-beans", "4.3.9.RELEASE", "pkg:maven/org.springframework/spring-beans@4.3.9.RELEASE"), nil,
			[]string{"cpe:2.3:a:vmware:spring_framework:4.3.9:*:*:*:*:*:*:*", "cpe:2.3:a:pivotal_software:spring_framework:4.3.9:*:*:*:*:*:*:*"}},
		{"maven classifier", lang("com.h2database:h2", "2.1.214", "pkg:maven/com.h2database/h2@2.1.214?type=jar&classifier=sources"), nil,
			[]string{"cpe:2.3:a:h2database:h2:2.1.214:*:*:*:*:*:*:*"}},
		{"gem rails", lang("rails", "7.0.8", "pkg:gem/rails@7.0.8"), nil,
			[]string{"cpe:2.3:a:rubyonrails:rails:7.0.8:*:*:*:*:*:*:*"}},
		{"go gin", lang("github.com/gin-gonic/gin", "v1.9.0", "pkg:golang/github.com/gin-gonic/gin@v1.9.0"), nil,
			[]string{"cpe:2.3:a:gin-gonic:gin:1.9.0:*:*:*:*:*:*:*"}},
		{"go containerd v2", lang("github.com/containerd/containerd/v2", "v2.0.2", "pkg:golang/github.com/containerd/containerd/v2@v2.0.2"), nil,
			[]string{"cpe:2.3:a:linuxfoundation:containerd:2.0.2:*:*:*:*:*:*:*"}},
		{"go pseudo-version", lang("github.com/opencontainers/runc", "v0.0.0-20230101000000-abcdefabcdef", "pkg:golang/github.com/opencontainers/runc@v0.0.0-20230101000000-abcdefabcdef"), nil, nil},
		{"nuget Newtonsoft.Json", lang("Newtonsoft.Json", "12.0.3", "pkg:nuget/Newtonsoft.Json@12.0.3"), nil,
			[]string{"cpe:2.3:a:newtonsoft:json.net:12.0.3:*:*:*:*:*:*:*"}},
		{"deb libssl3 by source", deb("libssl3", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2"), debian,
			[]string{"cpe:2.3:a:openssl:openssl:3.0.11:*:*:*:*:*:*:*"}},
		{"deb binNMU binary, source version", deb("libxml2", "2.9.14+dfsg-1.3~deb12u1+b1", "libxml2", "2.9.14+dfsg-1.3~deb12u1"), debian,
			[]string{"cpe:2.3:a:xmlsoft:libxml2:2.9.14:*:*:*:*:*:*:*"}},
		{"deb epoch and .dfsg", deb("zlib1g", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1"), debian,
			[]string{"cpe:2.3:a:zlib:zlib:1.2.13:*:*:*:*:*:*:*"}},
		{"deb openssh patch level", deb("openssh-client", "1:9.2p1-2+deb12u2", "openssh", "1:9.2p1-2+deb12u2"), debian,
			[]string{"cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*"}},
		{"deb nginx both vendors", deb("nginx", "1.22.1-9", "nginx", "1.22.1-9"), debian,
			[]string{"cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*", "cpe:2.3:a:nginx:nginx:1.22.1:*:*:*:*:*:*:*"}},
		{"deb xz-utils", deb("liblzma5", "5.4.1-0.2", "xz-utils", "5.4.1-0.2"), debian,
			[]string{"cpe:2.3:a:tukaani:xz:5.4.1:*:*:*:*:*:*:*"}},
		{"deb source name only in Name", deb("curl", "7.88.1-10+deb12u5", "", ""), debian,
			[]string{"cpe:2.3:a:haxx:curl:7.88.1:*:*:*:*:*:*:*"}},
		{"deb +really version", deb("curl", "7.88.1+really7.74.0-1", "curl", "7.88.1+really7.74.0-1"), debian, nil},
		{"rpm openssl-libs", rpm("openssl-libs", "1:3.0.7-27.el9", "openssl", "3.0.7-27.el9"), alma,
			[]string{"cpe:2.3:a:openssl:openssl:3.0.7:*:*:*:*:*:*:*"}},
		{"rpm httpd-core", rpm("httpd-core", "2.4.57-5.el9", "httpd", "2.4.57-5.el9"), alma,
			[]string{"cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*"}},
		{"apk libcrypto3", apk("libcrypto3", "3.1.4-r5", "openssl"), nil,
			[]string{"cpe:2.3:a:openssl:openssl:3.1.4:*:*:*:*:*:*:*"}},
		{"apk openssh _p", apk("openssh-client-default", "9.6_p1-r0", "openssh"), nil,
			[]string{"cpe:2.3:a:openbsd:openssh:9.6:p1:*:*:*:*:*:*"}},
		{"apk openssl 1.1 letter", apk("libssl1.1", "1.1.1w-r1", "openssl"), nil,
			[]string{"cpe:2.3:a:openssl:openssl:1.1.1w:*:*:*:*:*:*:*"}},
		{"apk _git snapshot", apk("busybox", "1.37.0_git20240101-r0", "busybox"), nil, nil},
		// Rule 4: everything else gets nothing.
		{"npm not in table", lang("left-pad", "1.3.0", "pkg:npm/left-pad@1.3.0"), nil, nil},
		{"npm scoped", lang("@babel/core", "7.23.0", "pkg:npm/%40babel/core@7.23.0"), nil, nil},
		{"cargo", lang("hyper", "0.14.27", "pkg:cargo/hyper@0.14.27"), nil, nil},
		{"deb not in table", deb("libc-bin", "2.36-9+deb12u4", "glibcx", ""), debian, nil},
		{"same name, other ecosystem", lang("openssl", "0.10.57", "pkg:cargo/openssl@0.10.57"), nil, nil},
		{"unresolved", &sbom.Package{Name: "lodash", Constraint: "^4.17.0", Unresolved: true, PURL: "pkg:npm/lodash"}, nil, nil},
		{"no version", lang("lodash", "", "pkg:npm/lodash"), nil, nil},
		{"version not a release", lang("lodash", "file:../lodash", "pkg:npm/lodash@file:../lodash"), nil, nil},
		{"version star", lang("lodash", "*", "pkg:npm/lodash@%2A"), nil, nil},
		{"version with space", lang("django", "4.2 beta", "pkg:pypi/django@4.2%20beta"), nil, nil},
		{"no purl", &sbom.Package{Name: "lodash", Version: "4.17.21"}, nil, nil},
		{"bad purl", lang("lodash", "4.17.21", "pkg:npm"), nil, nil},
		{"nil", nil, debian, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Derive(c.p, c.d)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("Derive (-want +got):\n%s", diff)
			}
			for _, s := range got {
				if _, err := Parse(s); err != nil {
					t.Errorf("Derive gave %s, which Parse rejects: %v", s, err)
				}
			}
		})
	}
}

// TestDeriveOSMatchesOSRelease checks that the OS rule agrees with catalog/osrelease.
func TestDeriveOSMatchesOSRelease(t *testing.T) {
	for _, s := range []string{"cpe:/o:debian:debian_linux:12", "cpe:/o:redhat:enterprise_linux:9::baseos",
		"cpe:/o:fedoraproject:fedora:39", "cpe:/o:opensuse:leap:15.5", "cpe:/o:oracle:linux:8:9:server"} {
		p := osrelease.Package(&sbom.Distro{ID: "x", VersionID: "1", CPE: s}, "etc/os-release", "os-release")
		got := Derive(p, nil)
		if diff := cmp.Diff(p.CPEs, got); diff != "" {
			t.Errorf("%s (-osrelease +Derive):\n%s", s, diff)
		}
	}
}

func TestApply(t *testing.T) {
	inv := &sbom.Inventory{
		Distro: &sbom.Distro{ID: "debian", VersionID: "12", CPE: "cpe:/o:debian:debian_linux:12"},
		Packages: []*sbom.Package{
			{Type: sbom.TypeOS, Name: "debian", Version: "12", PURL: "pkg:generic/debian@12"},
			{Name: "lodash", Version: "4.17.21", PURL: "pkg:npm/lodash@4.17.21", CPEs: []string{"cpe:2.3:a:x:y:1:*:*:*:*:*:*:*"}},
			{Name: "django", Version: "4.2.7", PURL: "pkg:pypi/django@4.2.7"},
			{Name: "left-pad", Version: "1.3.0", PURL: "pkg:npm/left-pad@1.3.0"},
		},
	}
	Apply(inv)
	got := map[string][]string{}
	for _, p := range inv.Packages {
		got[p.Name] = p.CPEs
	}
	want := map[string][]string{
		"debian":   {"cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*"},
		"lodash":   {"cpe:2.3:a:x:y:1:*:*:*:*:*:*:*"}, // kept: CPEs already set are not replaced
		"django":   {"cpe:2.3:a:djangoproject:django:4.2.7:*:*:*:*:*:*:*"},
		"left-pad": nil,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Apply (-want +got):\n%s", diff)
	}
}

// TestTable checks every curated row: a valid name, no duplicates, known purl types.
func TestTable(t *testing.T) {
	seen := map[row]bool{}
	for _, r := range rows {
		if seen[r] {
			t.Errorf("duplicate row %+v", r)
		}
		seen[r] = true
		if _, ok := purlType("pkg:" + r.typ + "/x"); !ok {
			t.Errorf("row %+v: type not recognised", r)
		}
		n := Name{Part: PartApplication, Vendor: r.vendor, Product: r.product, Version: "1.0", TargetSw: r.targetSw}
		if err := n.Validate(); err != nil {
			t.Errorf("row %+v: %v", r, err)
		}
		if _, err := Parse(n.String()); err != nil {
			t.Errorf("row %+v: %v", r, err)
		}
	}
}

// BenchmarkApply derives CPEs for 10,000 packages of the mix a container image with an
// application gives: mostly packages without CPE, some table hits, distribution packages.
func BenchmarkApply(b *testing.B) {
	inv := &sbom.Inventory{Distro: &sbom.Distro{ID: "debian", VersionID: "12", CPE: "cpe:/o:debian:debian_linux:12"}}
	for i := range 10000 {
		var p *sbom.Package
		switch i % 10 {
		case 0:
			p = &sbom.Package{Name: "libssl3", Version: "3.0.11-1~deb12u2", SourceName: "openssl", SourceVersion: "3.0.11-1~deb12u2",
				PURL: sbom.PURL("deb", "debian", "libssl3", "3.0.11-1~deb12u2", "arch", "amd64", "distro", "debian-12")}
		case 1:
			p = &sbom.Package{Name: fmt.Sprintf("lib%d", i), Version: "1.0-1", SourceName: fmt.Sprintf("src%d", i),
				PURL: sbom.PURL("deb", "debian", fmt.Sprintf("lib%d", i), "1.0-1", "arch", "amd64", "distro", "debian-12")}
		case 2:
			p = &sbom.Package{Name: "lodash", Version: "4.17.21", PURL: "pkg:npm/lodash@4.17.21"}
		case 3:
			p = &sbom.Package{Name: "org.apache.logging.log4j:log4j-core", Version: "2.17.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"}
		default:
			name := fmt.Sprintf("pkg-%d", i)
			p = &sbom.Package{Name: name, Version: "1.2.3", PURL: sbom.PURL("npm", "", name, "1.2.3")}
		}
		inv.Packages = append(inv.Packages, p)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range inv.Packages {
			p.CPEs = nil
		}
		Apply(inv)
	}
}
