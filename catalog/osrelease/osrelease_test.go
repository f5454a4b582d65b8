package osrelease

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

func TestRead(t *testing.T) {
	tests := []struct {
		dir  string
		want *sbom.Distro
		eco  string
		rel  string
	}{
		{"debian12", &sbom.Distro{ID: "debian", VersionID: "12", VersionCodename: "bookworm", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux 12 (bookworm)"}, "Debian", "12"},
		{"ubuntu2204", &sbom.Distro{ID: "ubuntu", IDLike: []string{"debian"}, VersionID: "22.04", VersionCodename: "jammy", Name: "Ubuntu", PrettyName: "Ubuntu 22.04.3 LTS"}, "Ubuntu", "22.04"},
		{"alpine319", &sbom.Distro{ID: "alpine", VersionID: "3.19.1", Name: "Alpine Linux", PrettyName: "Alpine Linux v3.19"}, "Alpine", "v3.19"},
		{"almalinux9", &sbom.Distro{ID: "almalinux", IDLike: []string{"rhel", "centos", "fedora"}, VersionID: "9.3", Name: "AlmaLinux", PrettyName: "AlmaLinux 9.3 (Shamrock Pampas Cat)", CPE: "cpe:/o:almalinux:almalinux:9::baseos"}, "AlmaLinux", "9"},
		{"rocky9", &sbom.Distro{ID: "rocky", IDLike: []string{"rhel", "centos", "fedora"}, VersionID: "9.3", Name: "Rocky Linux", PrettyName: "Rocky Linux 9.3 (Blue Onyx)", CPE: "cpe:/o:rocky:rocky:9::baseos"}, "Rocky Linux", "9"},
		{"opensuse-leap155", &sbom.Distro{ID: "opensuse-leap", IDLike: []string{"suse", "opensuse"}, VersionID: "15.5", Name: "openSUSE Leap", PrettyName: "openSUSE Leap 15.5", CPE: "cpe:/o:opensuse:leap:15.5"}, "openSUSE", "Leap 15.5"},
		// etc/os-release is an absolute link to /usr/lib/os-release: it must resolve inside
		// the target, not to the host's file.
		{"distroless-debian12", &sbom.Distro{ID: "debian", VersionID: "12", Name: "Debian GNU/Linux", PrettyName: "Distroless"}, "Debian", "12"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			got, err := Read(os.DirFS(filepath.Join("testdata", tt.dir)))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Read mismatch (-want +got):\n%s", diff)
			}
			eco, rel := Ecosystem(got)
			if eco != tt.eco || rel != tt.rel {
				t.Errorf("Ecosystem = %q, %q, want %q, %q", eco, rel, tt.eco, tt.rel)
			}
		})
	}
}

func TestReadMissing(t *testing.T) {
	d, err := Read(fstest.MapFS{"etc/hostname": {Data: []byte("x\n")}})
	if d != nil || err != nil {
		t.Errorf("Read(no os-release) = %v, %v, want nil, nil", d, err)
	}
	d, err = Read(nil)
	if d != nil || err != nil {
		t.Errorf("Read(nil) = %v, %v, want nil, nil", d, err)
	}
}

func TestReadFallbackAndLimit(t *testing.T) {
	d, err := Read(fstest.MapFS{"usr/lib/os-release": {Data: []byte("ID=fedora\nVERSION_ID=40\n")}})
	if err != nil || d == nil || d.ID != "fedora" || d.VersionID != "40" {
		t.Errorf("Read(usr/lib only) = %+v, %v", d, err)
	}
	big := strings.Repeat("# padding\n", MaxSize/10+1)
	_, err = Read(fstest.MapFS{"etc/os-release": {Data: []byte(big)}})
	if !errors.Is(err, catalog.ErrTooLarge) {
		t.Errorf("Read(huge) error = %v, want ErrTooLarge", err)
	}
}

func TestParseQuoting(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
	}{
		{"unquoted", "ID=debian\n", map[string]string{"ID": "debian"}},
		{"double", `NAME="Debian GNU/Linux"`, map[string]string{"NAME": "Debian GNU/Linux"}},
		{"single", `NAME='It''s "x" $HOME'`, map[string]string{"NAME": `Its "x" $HOME`}},
		{"escapes in double", `PRETTY_NAME="a \"b\" \\ \$c \` + "`" + `d\n"`, map[string]string{"PRETTY_NAME": "a \"b\" \\ $c `d\\n"}},
		{"escape unquoted", `NAME=Foo\ Bar`, map[string]string{"NAME": "Foo Bar"}},
		{"concatenation", `NAME=a"b c"'d'`, map[string]string{"NAME": "ab cd"}},
		{"comments and blanks", "# comment\n\n   \nID=x # trailing\n  ; other comment\nVERSION_ID=1\r\n", map[string]string{"ID": "x", "VERSION_ID": "1"}},
		{"multi-line double", "A=\"one\ntwo\"\nB=3\n", map[string]string{"A": "one\ntwo", "B": "3"}},
		{"continuation", "A=\"one\\\ntwo\"\n", map[string]string{"A": "onetwo"}},
		{"empty value", "A=\nB=\"\"\n", map[string]string{"A": "", "B": ""}},
		{"last wins", "ID=a\nID=b\n", map[string]string{"ID": "b"}},
		{"no final newline", "ID=a", map[string]string{"ID": "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVars("os-release", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		msg      string
	}{
		{"unterminated double", "ID=x\nNAME=\"Debian\n", 2, "unterminated double quote"},
		{"unterminated single", "NAME='x\n\n", 1, "unterminated single quote"},
		{"not an assignment", "ID=x\n\nhello world\n", 3, "not a KEY=value assignment"},
		{"bad key", "1ID=x\n", 1, "not a KEY=value assignment"},
		{"unquoted blank", "NAME=Debian GNU\n", 1, "unquoted blanks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			var pe *catalog.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want *catalog.ParseError", err)
			}
			if pe.Line != tt.line || !strings.Contains(pe.Error(), tt.msg) || !errors.Is(err, catalog.ErrMalformed) {
				t.Errorf("Parse error = %v (line %d), want line %d containing %q", err, pe.Line, tt.line, tt.msg)
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	d, err := Parse([]byte("NAME=Something\nUBUNTU_CODENAME=xenial\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := &sbom.Distro{ID: "linux", Name: "Something", VersionCodename: "xenial"}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestEcosystem(t *testing.T) {
	tests := []struct {
		id, version, eco, rel string
	}{
		{"debian", "12", "Debian", "12"},
		{"debian", "", "Debian", ""}, // testing / sid record no VERSION_ID
		{"ubuntu", "22.04", "Ubuntu", "22.04"},
		{"alpine", "3.19.1", "Alpine", "v3.19"},
		{"alpine", "3.20.0_alpha20240329", "Alpine", "v3.20"},
		{"alpine", "edge", "Alpine", ""},
		{"almalinux", "8.9", "AlmaLinux", "8"},
		{"rocky", "9.3", "Rocky Linux", "9"},
		{"rhel", "9.3", "Red Hat", "9"},
		{"opensuse-leap", "15.5", "openSUSE", "Leap 15.5"},
		{"opensuse-tumbleweed", "20240101", "openSUSE", "Tumbleweed"},
		{"sles", "15.5", "SUSE", "Linux Enterprise Server 15 SP5"},
		{"sles", "15", "SUSE", "Linux Enterprise Server 15"},
		{"wolfi", "20230201", "Wolfi", ""},
		{"fedora", "40", "", ""},
		{"linux", "", "", ""},
	}
	for _, tt := range tests {
		eco, rel := Ecosystem(&sbom.Distro{ID: tt.id, VersionID: tt.version})
		if eco != tt.eco || rel != tt.rel {
			t.Errorf("Ecosystem(%s %s) = %q, %q, want %q, %q", tt.id, tt.version, eco, rel, tt.eco, tt.rel)
		}
	}
	if eco, rel := Ecosystem(nil); eco != "" || rel != "" {
		t.Errorf("Ecosystem(nil) = %q, %q", eco, rel)
	}
}

func TestCPE23(t *testing.T) {
	tests := map[string]string{
		"cpe:/o:almalinux:almalinux:9::baseos":           "cpe:2.3:o:almalinux:almalinux:9:*:baseos:*:*:*:*:*",
		"cpe:/o:opensuse:leap:15.5":                      "cpe:2.3:o:opensuse:leap:15.5:*:*:*:*:*:*:*",
		"cpe:/o:redhat:enterprise_linux:9::baseos":       "cpe:2.3:o:redhat:enterprise_linux:9:*:baseos:*:*:*:*:*",
		"cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*": "cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*",
		"cpe:/o:x:y:1%2f2":                               "",
		"cpe:/x:a:b":                                     "",
		"":                                               "",
	}
	for in, want := range tests {
		if got := CPE23(in); got != want {
			t.Errorf("CPE23(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCataloger(t *testing.T) {
	c := &Cataloger{}
	res, err := catalogtest.Run(t, c, "testdata/almalinux9", "etc/os-release")
	if err != nil {
		t.Fatal(err)
	}
	want := &catalog.Result{
		Distro: &sbom.Distro{ID: "almalinux", IDLike: []string{"rhel", "centos", "fedora"}, VersionID: "9.3", Name: "AlmaLinux", PrettyName: "AlmaLinux 9.3 (Shamrock Pampas Cat)", CPE: "cpe:/o:almalinux:almalinux:9::baseos"},
		Packages: []*sbom.Package{{
			ID: "os:almalinux", Type: sbom.TypeOS, Name: "almalinux", Version: "9.3",
			PURL:        "pkg:generic/almalinux@9.3",
			CPEs:        []string{"cpe:2.3:o:almalinux:almalinux:9:*:baseos:*:*:*:*:*"},
			Description: "AlmaLinux 9.3 (Shamrock Pampas Cat)",
			Locations:   []sbom.Location{{Path: "etc/os-release"}},
			FoundBy:     "os-release",
			Properties: map[string]string{
				"hallmark:os:name":      "AlmaLinux",
				"hallmark:os:id-like":   "rhel centos fedora",
				"hallmark:os:cpe":       "cpe:/o:almalinux:almalinux:9::baseos",
				"hallmark:os:ecosystem": "AlmaLinux:9",
			},
		}},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}

	// usr/lib/os-release is catalogued when etc/os-release is only a link to it.
	res, err = catalogtest.Run(t, c, "testdata/debian12", "usr/lib/os-release")
	if err != nil || len(res.Packages) != 1 || res.Distro == nil || res.Packages[0].PURL != "pkg:generic/debian@12" {
		t.Errorf("debian12 usr/lib/os-release = %+v, %v", res, err)
	}
	if c.Match("etc/os-release", os.ModeSymlink) {
		t.Error("Match accepted a symbolic link")
	}
	if c.Match("opt/etc/os-release", 0o644) {
		t.Error("Match accepted opt/etc/os-release")
	}
}

func TestCatalogerPrecedence(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"etc/os-release": "ID=a\n", "usr/lib/os-release": "ID=b\n"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := catalogtest.Run(t, &Cataloger{}, dir, "usr/lib/os-release")
	if err != nil || res.Distro != nil || len(res.Packages) != 0 {
		t.Errorf("usr/lib/os-release beside a regular etc/os-release = %+v, %v, want an empty result", res, err)
	}
}

// TestCatalogerTooLarge checks that an oversized os-release is a limit error.
func TestCatalogerTooLarge(t *testing.T) {
	_, err := catalogtest.Bytes(t, &Cataloger{}, "etc/os-release", []byte(strings.Repeat("#\n", MaxSize)))
	if !errors.Is(err, catalog.ErrTooLarge) || !strings.Contains(err.Error(), "etc/os-release") {
		t.Errorf("error = %v, want ErrTooLarge naming etc/os-release", err)
	}
}

func TestCatalogerMalformed(t *testing.T) {
	_, err := catalogtest.Bytes(t, &Cataloger{}, "etc/os-release", []byte("ID=\"debian\n"))
	var pe *catalog.ParseError
	if !errors.As(err, &pe) || pe.Path != "etc/os-release" || pe.Line != 1 {
		t.Errorf("error = %v, want a ParseError at etc/os-release:1", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, dir := range []string{"debian12/usr/lib", "ubuntu2204/usr/lib", "alpine319/etc", "almalinux9/etc", "rocky9/etc", "opensuse-leap155/etc", "distroless-debian12/usr/lib"} {
		data, err := os.ReadFile(filepath.Join("testdata", dir, "os-release"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("A='x\nB=\"y\\\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := catalogtest.Bytes(t, &Cataloger{}, "etc/os-release", data)
		if err != nil && !catalogtest.IsMalformed(err) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if err == nil && (res == nil || res.Distro == nil || res.Distro.ID == "") {
			t.Fatalf("no distro without error: %+v", res)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/almalinux9/etc/os-release")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
