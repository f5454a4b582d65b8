package apk

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

const installed = "lib/apk/db/installed"

func TestAlpine320(t *testing.T) {
	res, err := catalogtest.Run(t, &Cataloger{}, "testdata/alpine320", installed)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 16 {
		t.Fatalf("got %d packages, want 16", len(res.Packages))
	}
	pkgs := map[string]*sbom.Package{}
	for _, p := range res.Packages {
		pkgs[p.ID] = p
	}
	want := &sbom.Package{
		ID:            "musl",
		Name:          "musl",
		Version:       "1.2.5-r0",
		Ecosystem:     "Alpine",
		PURL:          "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3",
		Licenses:      []string{"MIT"},
		Hashes:        []sbom.Hash{{Algorithm: "SHA-1", Value: "3d2da235e1c31f7045e9382a48cbbfa5c7375c86"}},
		Locations:     []sbom.Location{{Path: installed, Line: 566}},
		SourceName:    "musl",
		SourceVersion: "1.2.5-r0",
		Arch:          "x86_64",
		Description:   "the musl c library (libc) implementation",
		Supplier:      "Natanael Copa <ncopa@alpinelinux.org>",
		Homepage:      "https://musl.libc.org/",
		FoundBy:       "apk-installed",
		Properties: map[string]string{
			"hallmark:os:ecosystem":       "Alpine:v3.20",
			"hallmark:apk:installed-size": "667648",
			"hallmark:apk:commit":         "4fe5bdbe47b100daa6380f81c4c8ea3f99b61362",
		},
	}
	if diff := cmp.Diff(want, pkgs["musl"]); diff != "" {
		t.Errorf("musl mismatch (-want +got):\n%s", diff)
	}
	tests := []struct {
		id, purl, source, license string
		line                      int
		deps                      []string
	}{
		// Dependencies by name with a constraint, by so: provides, deduplicated.
		{"apk-tools", "pkg:apk/alpine/apk-tools@2.14.4-r0?arch=x86_64&distro=alpine-3.20.3", "apk-tools", "GPL-2.0-only", 299, []string{"musl", "ca-certificates-bundle", "libcrypto3", "libssl3", "zlib"}},
		// "/bin/sh" is provided by busybox-binsh.
		{"alpine-baselayout", "pkg:apk/alpine/alpine-baselayout@3.6.5-r0?arch=x86_64&distro=alpine-3.20.3", "alpine-baselayout", "GPL-2.0-only", 2, []string{"alpine-baselayout-data", "busybox-binsh"}},
		{"alpine-baselayout-data", "pkg:apk/alpine/alpine-baselayout-data@3.6.5-r0?arch=x86_64&distro=alpine-3.20.3", "alpine-baselayout", "GPL-2.0-only", 118, nil},
		{"ssl_client", "pkg:apk/alpine/ssl_client@1.36.1-r29?arch=x86_64&distro=alpine-3.20.3", "busybox", "GPL-2.0-only", 645, []string{"musl", "libcrypto3", "libssl3"}},
		{"musl-utils", "pkg:apk/alpine/musl-utils@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3", "musl", "MIT AND BSD-2-Clause AND GPL-2.0-or-later", 588, []string{"scanelf", "musl"}},
		{"libstdc++", "pkg:apk/alpine/libstdc%2B%2B@13.2.1_git20240309-r0?arch=x86_64&distro=alpine-3.20.3", "gcc", "GPL-2.0-or-later AND LGPL-2.1-or-later", 541, []string{"musl", "libgcc"}},
		{"ca-certificates-bundle", "pkg:apk/alpine/ca-certificates-bundle@20240705-r0?arch=x86_64&distro=alpine-3.20.3", "ca-certificates", "MPL-2.0 AND MIT", 408, nil},
	}
	for _, tt := range tests {
		p := pkgs[tt.id]
		if p == nil {
			t.Errorf("package %s missing", tt.id)
			continue
		}
		got := []any{p.PURL, p.SourceName, p.Licenses[0], p.Locations[0].Line, p.DependsOn}
		wantF := []any{tt.purl, tt.source, tt.license, tt.line, tt.deps}
		if diff := cmp.Diff(wantF, got); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", tt.id, diff)
		}
	}
}

func TestWithoutOSRelease(t *testing.T) {
	data := "C:Q1PS2iNeHDH3BF6TgqSMu/pcc3XIY=\nP:musl\nV:1.2.5-r0\nA:aarch64\n\nP:zlib\nV:1.3.1-r1\nA:aarch64\nD:so:libc.musl-aarch64.so.1 musl !zlib-dev\np:so:libz.so.1=1.3.1\n"
	res, err := catalogtest.Bytes(t, &Cataloger{}, installed, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Packages {
		got = append(got, fmt.Sprintf("%s %s %v %v %v", p.PURL, p.Ecosystem, p.DependsOn, p.Properties, p.Locations))
	}
	want := []string{
		"pkg:apk/alpine/musl@1.2.5-r0?arch=aarch64 Alpine [] map[hallmark:os:ecosystem:Alpine] [lib/apk/db/installed:2]",
		"pkg:apk/alpine/zlib@1.3.1-r1?arch=aarch64 Alpine [musl] map[hallmark:os:ecosystem:Alpine] [lib/apk/db/installed:6]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestMalformed(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		msg      string
		pkgs     int
	}{
		{"not a key line", "P:a\nV:1\n\nP:b\nversion 2\n\nP:c\nV:3\n", 5, "not a \"K:value\" line", 2},
		{"no name", "V:1\nA:x86_64\n", 1, "without a P:", 0},
		{"no version", "C:Q1x\nP:a\nA:x86_64\n", 2, "has no V:", 0},
		{"truncated", "P:a\nV:1\n\nP:b\nV", 5, "not a \"K:value\" line", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := catalogtest.Bytes(t, &Cataloger{}, installed, []byte(tt.in))
			var pe *catalog.ParseError
			if !errors.As(err, &pe) || pe.Path != installed || pe.Line != tt.line || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error = %v, want a ParseError at line %d containing %q", err, tt.line, tt.msg)
			}
			n := 0
			if res != nil {
				n = len(res.Packages)
			}
			if n != tt.pkgs {
				t.Errorf("got %d packages with the error, want %d", n, tt.pkgs)
			}
		})
	}
}

func TestChecksum(t *testing.T) {
	for in, want := range map[string]string{
		"Q1PS2iNeHDH3BF6TgqSMu/pcc3XIY=": "3d2da235e1c31f7045e9382a48cbbfa5c7375c86",
		"Q1abc":                          "",
		"Q2PS2iNeHDH3BF6TgqSMu/pcc3XIY=": "",
		"":                               "",
	} {
		if got := checksum(in); got != want {
			t.Errorf("checksum(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatch(t *testing.T) {
	c := &Cataloger{}
	for p, want := range map[string]bool{
		"lib/apk/db/installed":     true,
		"usr/lib/apk/db/installed": true,
		"lib/apk/db/lock":          false,
		"x/lib/apk/db/installed":   false,
	} {
		if got := c.Match(p, 0o644); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

func FuzzInstalled(f *testing.F) {
	data, err := os.ReadFile("testdata/alpine320/lib/apk/db/installed")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("P:a\nV:1\nD:b>=1 !c so:x\np:b=1 so:x\n\nP:b\nV:2\nC:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := catalogtest.Bytes(t, &Cataloger{}, installed, data)
		if err != nil && !catalogtest.IsMalformed(err) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

func BenchmarkInstalled(b *testing.B) {
	var sb strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&sb, "C:Q1PS2iNeHDH3BF6TgqSMu/pcc3XIY=\nP:pkg%d\nV:1.%d-r0\nA:x86_64\nS:1000\nI:4096\nT:package %d\nU:https://example.org\nL:MIT\no:src%d\nm:Someone <a@example.org>\nt:1710503016\nc:4fe5bdbe47b100daa6380f81c4c8ea3f99b61362\nD:pkg%d>=1 so:lib%d.so.1 cmd:x%d\np:so:lib%d.so.1=1 cmd:x%d=1\nF:usr/lib\nR:lib%d.so.1\na:0:0:755\nZ:Q1HZA7d+LP0Q3TzAECd+MB9p1PxQU=\n\n",
			i, i, i, i/3, i/2, i/4, i/5, i, i, i)
	}
	data := sb.String()
	c := &Cataloger{}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f := &catalog.File{Path: installed, Size: int64(len(data)), R: strings.NewReader(data)}
		if _, err := c.Catalog(b.Context(), f); err != nil {
			b.Fatal(err)
		}
	}
}
