package golang

import (
	"errors"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

// helloDeps are the dependencies of testdata/src/hello as every build records them.
func helloDeps(file string) []*sbom.Package {
	loc := []sbom.Location{{Path: file}}
	return []*sbom.Package{
		{
			ID: "stdlib", Name: "stdlib", Version: "1.26.8", Ecosystem: "Go", PURL: "pkg:golang/stdlib@1.26.8",
			FoundBy: "go-binary", Locations: loc,
		},
		{
			ID: "example.com/greet@", Name: "example.com/greet", Ecosystem: "Go", PURL: "pkg:golang/example.com/greet",
			FoundBy: "go-binary", Locations: loc,
			Properties: map[string]string{PropReplaces: "example.com/greet@v0.0.0", PropLocalPath: "./greet", PropReplacedBy: "./greet"},
		},
		{
			ID: "golang.org/x/sync@v0.24.0", Name: "golang.org/x/sync", Version: "v0.24.0", Ecosystem: "Go",
			PURL: "pkg:golang/golang.org/x/sync@v0.24.0", FoundBy: "go-binary", Locations: loc,
			Properties: map[string]string{
				PropH1: "h1:iqiDrGoDgyuvAKrhLQthUEzU/R378N78gXbBjxed7oA=", PropReplaces: "golang.org/x/sync@v0.20.0",
				PropReplacedBy: "golang.org/x/sync@v0.24.0",
			},
		},
	}
}

var helloDependsOn = []string{"stdlib", "example.com/greet@", "golang.org/x/sync@v0.24.0"}

func TestBinary(t *testing.T) {
	tests := []struct {
		file string
		root *sbom.Package
	}{
		{
			file: "bin/hello-linux-amd64",
			root: &sbom.Package{
				Version: "v0.0.0-20240301120000-e8a9210aa51c",
				PURL:    "pkg:golang/example.com/hello@v0.0.0-20240301120000-e8a9210aa51c",
				Arch:    "amd64",
				VCS:     &sbom.VCS{Type: "git", Revision: "e8a9210aa51c4bcac9a7b877f44f12475c547a15"},
				Properties: map[string]string{
					PropBuildPrefix + "-buildmode": "exe", PropBuildPrefix + "-compiler": "gc", PropBuildPrefix + "-trimpath": "true",
					PropBuildPrefix + "CGO_ENABLED": "0", PropBuildPrefix + "GOARCH": "amd64", PropBuildPrefix + "GOOS": "linux",
					PropBuildPrefix + "GOAMD64": "v1", PropVCSTime: "2024-03-01T12:00:00Z", PropVCSModified: "false",
				},
			},
		},
		{
			file: "bin/hello-windows-amd64.exe",
			root: &sbom.Package{
				PURL: "pkg:golang/example.com/hello",
				Arch: "amd64",
				Properties: map[string]string{
					PropBuildPrefix + "-buildmode": "exe", PropBuildPrefix + "-compiler": "gc", PropBuildPrefix + "-trimpath": "true",
					PropBuildPrefix + "CGO_ENABLED": "0", PropBuildPrefix + "GOARCH": "amd64", PropBuildPrefix + "GOOS": "windows",
					PropBuildPrefix + "GOAMD64": "v1",
				},
			},
		},
		{
			file: "bin/hello-darwin-arm64",
			root: &sbom.Package{
				PURL: "pkg:golang/example.com/hello",
				Arch: "arm64",
				Properties: map[string]string{
					PropBuildPrefix + "-buildmode": "exe", PropBuildPrefix + "-compiler": "gc",
					PropBuildPrefix + "-ldflags":    "-s -w -X main.version=1.0.0",
					PropBuildPrefix + "CGO_ENABLED": "0", PropBuildPrefix + "GOARCH": "arm64", PropBuildPrefix + "GOOS": "darwin",
					PropBuildPrefix + "GOARM64": "v8.0",
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := catalogtest.Run(t, &BinaryCataloger{}, "testdata", tt.file)
			if err != nil {
				t.Fatal(err)
			}
			root := tt.root
			root.ID, root.Type, root.Name, root.Ecosystem, root.FoundBy = "main", sbom.TypeApplication, "example.com/hello", "Go", "go-binary"
			root.Locations = []sbom.Location{{Path: tt.file}}
			root.DependsOn = helloDependsOn
			want := append([]*sbom.Package{root}, helloDeps(tt.file)...)
			if diff := cmp.Diff(want, res.Packages); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBuildInfo converts build information that real binaries carry, as BuildInfo.String
// prints it, without needing the binaries.
func TestBuildInfo(t *testing.T) {
	text := string(readTestdata(t, "buildinfo/docker-cli-28.2.2.txt"))
	bi, err := debug.ParseBuildInfo(text)
	if err != nil {
		t.Fatal(err)
	}
	// ParseBuildInfo leaves GoVersion unset; buildinfo.Read sets it from the binary.
	if line, _, _ := strings.Cut(text, "\n"); strings.HasPrefix(line, "go\t") {
		bi.GoVersion = strings.TrimPrefix(line, "go\t")
	}
	got := (&BinaryCataloger{}).packages("usr/local/bin/docker", bi)
	loc := []sbom.Location{{Path: "usr/local/bin/docker"}}
	want := []*sbom.Package{
		{
			ID: "main", Type: sbom.TypeApplication, Name: "github.com/docker/cli/cmd/docker", Ecosystem: "Go",
			PURL: "pkg:golang/github.com/docker/cli/cmd/docker", FoundBy: "go-binary", Locations: loc, Arch: "amd64",
			DependsOn: []string{"stdlib"},
			Properties: map[string]string{
				PropBuildPrefix + "-buildmode": "pie",
				PropBuildPrefix + "-compiler":  "gc",
				PropBuildPrefix + "-ldflags":   ` -X "github.com/docker/cli/cli/version.GitCommit=e6534b4" -X "github.com/docker/cli/cli/version.BuildTime=2025-05-30T12:07:14Z" -X "github.com/docker/cli/cli/version.Version=28.2.2" -extldflags -static`,
				PropBuildPrefix + "-tags":      "osusergo,pkcs11",
				PropBuildPrefix + "DefaultGODEBUG": "asynctimerchan=1,gotestjsonbuildtext=1,gotypesalias=0,httplaxcontentlength=1,httpmuxgo121=1," +
					"httpservecontentkeepheaders=1,multipathtcp=0,netedns0=0,panicnil=1,randseednop=0,rsa1024min=0,tls10server=1,tls3des=1," +
					"tlsmlkem=0,tlsrsakex=1,tlsunsafeekm=1,winreadlinkvolume=0,winsymlink=0,x509keypairleaf=0,x509negativeserial=1,x509rsacrt=0,x509usepolicies=0",
				PropBuildPrefix + "CGO_ENABLED": "1",
				PropBuildPrefix + "GOARCH":      "amd64",
				PropBuildPrefix + "GOOS":        "linux",
				PropBuildPrefix + "GOAMD64":     "v1",
			},
		},
		{
			ID: "stdlib", Name: "stdlib", Version: "1.24.3", Ecosystem: "Go", PURL: "pkg:golang/stdlib@1.24.3",
			FoundBy: "go-binary", Locations: loc,
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func TestBinaryNotGo(t *testing.T) {
	c := &BinaryCataloger{}
	for name, data := range map[string][]byte{
		"script":      []byte("#!/bin/sh\necho hi\n"),
		"empty":       nil,
		"elf-garbage": append([]byte("\x7fELF"), make([]byte, 100)...),
		"mz-garbage":  []byte("MZ this is not a PE file"),
		"java-class":  {0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52},
	} {
		res, err := catalogtest.Bytes(t, c, name, data)
		if err != nil || res != nil {
			t.Errorf("%s: got %v, %v; want nothing", name, res, err)
		}
	}
}

func TestBinaryTooLarge(t *testing.T) {
	f := catalogtest.Open(t, "testdata", "bin/hello-linux-amd64")
	f.Size = catalog.MaxBinarySize + 1
	_, err := (&BinaryCataloger{}).Catalog(t.Context(), f)
	if !errors.Is(err, catalog.ErrTooLarge) {
		t.Errorf("error = %v, want ErrTooLarge", err)
	}
}

func FuzzBinary(f *testing.F) {
	for _, p := range []string{"bin/hello-linux-amd64", "bin/hello-windows-amd64.exe", "bin/hello-darwin-arm64"} {
		data := readTestdata(f, p)
		// Whole binaries are slow to mutate; seed with their build-information region too.
		if i := strings.Index(string(data), "\xff Go buildinf:"); i >= 0 {
			f.Add(append(append([]byte{}, data[:min(len(data), 4096)]...), data[i:min(len(data), i+4096)]...))
		}
		f.Add(data[:min(len(data), 4096)])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := catalogtest.Bytes(t, &BinaryCataloger{}, "app", data)
		if err != nil && !catalogtest.IsMalformed(err) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

func BenchmarkBinary(b *testing.B) {
	data, err := os.ReadFile("testdata/bin/hello-linux-amd64")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := catalogtest.Bytes(b, &BinaryCataloger{}, "app", data); err != nil {
			b.Fatal(err)
		}
	}
}
