package python

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/catalog"
)

const benchPackages = 5000

// bench catalogs data as the file rel b.N times.
func bench(b *testing.B, c catalog.Cataloger, rel, data string) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	ctx := context.Background()
	for b.Loop() {
		f := &catalog.File{Path: rel, Size: int64(len(data)), Mode: 0o644, R: strings.NewReader(data)}
		res, err := c.Catalog(ctx, f)
		if err != nil || len(res.Packages) < benchPackages {
			b.Fatalf("%v, %d packages", err, len(res.Packages))
		}
	}
}

const benchHash = "sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"

func BenchmarkRequirements(b *testing.B) {
	var s strings.Builder
	for i := range benchPackages {
		fmt.Fprintf(&s, "package-%d[extra]==1.%d.0 ; python_version >= \"3.8\" \\\n    --hash=%s\n    # via package-%d\n", i, i, benchHash, i/2)
	}
	bench(b, &RequirementsCataloger{}, "requirements.txt", s.String())
}

func BenchmarkPoetryLock(b *testing.B) {
	var s strings.Builder
	for i := range benchPackages {
		fmt.Fprintf(&s, "[[package]]\nname = \"package-%d\"\nversion = \"1.%d.0\"\ndescription = \"\"\noptional = false\npython-versions = \">=3.8\"\ngroups = [\"main\"]\nfiles = [\n    {file = \"package_%d-1.%d.0-py3-none-any.whl\", hash = \"%s\"},\n]\n\n[package.dependencies]\npackage-%d = \">=1\"\n\n", i, i, i, i, benchHash, i/2)
	}
	s.WriteString("[metadata]\nlock-version = \"2.1\"\npython-versions = \">=3.8\"\ncontent-hash = \"x\"\n")
	bench(b, &PoetryLockCataloger{}, "poetry.lock", s.String())
}

func BenchmarkPipfileLock(b *testing.B) {
	var s strings.Builder
	s.WriteString(`{"_meta": {"pipfile-spec": 6, "sources": [{"name": "pypi", "url": "https://pypi.org/simple"}]}, "default": {`)
	for i := range benchPackages {
		if i > 0 {
			s.WriteString(",")
		}
		fmt.Fprintf(&s, "\n\"package-%d\": {\"hashes\": [\"%s\"], \"index\": \"pypi\", \"markers\": \"python_version >= '3.8'\", \"version\": \"==1.%d.0\"}", i, benchHash, i)
	}
	s.WriteString("\n}, \"develop\": {}}\n")
	bench(b, &PipfileLockCataloger{}, "Pipfile.lock", s.String())
}

func BenchmarkUVLock(b *testing.B) {
	var s strings.Builder
	s.WriteString("version = 1\nrevision = 2\nrequires-python = \">=3.10\"\n\n[[package]]\nname = \"root\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\ndependencies = [{ name = \"package-0\" }]\n\n")
	for i := range benchPackages {
		fmt.Fprintf(&s, "[[package]]\nname = \"package-%d\"\nversion = \"1.%d.0\"\nsource = { registry = \"https://pypi.org/simple\" }\ndependencies = [\n    { name = \"package-%d\" },\n    { name = \"package-%d\" },\n]\nsdist = { url = \"https://files.pythonhosted.org/p-%d.tar.gz\", hash = \"%s\", size = 1 }\nwheels = [\n    { url = \"https://files.pythonhosted.org/p-%d.whl\", hash = \"%s\", size = 1 },\n]\n\n", i, i, (2*i+1)%benchPackages, (2*i+2)%benchPackages, i, benchHash, i, benchHash)
	}
	bench(b, &UVLockCataloger{}, "uv.lock", s.String())
}

func BenchmarkPDMLock(b *testing.B) {
	var s strings.Builder
	s.WriteString("[metadata]\ngroups = [\"default\"]\nstrategy = [\"inherit_metadata\"]\nlock_version = \"4.4.1\"\ncontent_hash = \"x\"\n\n")
	for i := range benchPackages {
		fmt.Fprintf(&s, "[[package]]\nname = \"package-%d\"\nversion = \"1.%d.0\"\nrequires_python = \">=3.8\"\nsummary = \"\"\ngroups = [\"default\"]\ndependencies = [\n    \"package-%d>=1\",\n]\nfiles = [\n    {file = \"package_%d-1.%d.0-py3-none-any.whl\", hash = \"%s\"},\n]\n\n", i, i, i/2, i, i, benchHash)
	}
	bench(b, &PDMLockCataloger{}, "pdm.lock", s.String())
}

func BenchmarkInstalled(b *testing.B) {
	var s strings.Builder
	s.WriteString("Metadata-Version: 2.1\nName: big\nVersion: 1.0\nSummary: A distribution with many headers\nLicense-Expression: MIT\n")
	for i := range benchPackages {
		fmt.Fprintf(&s, "Requires-Dist: package-%d>=1.0; python_version >= \"3.8\"\nClassifier: Topic :: %d\n", i, i)
	}
	s.WriteString("\n" + strings.Repeat("Long description line.\n", 1000))
	data := s.String()
	c := &InstalledCataloger{}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f := &catalog.File{Path: "site-packages/big-1.0.dist-info/METADATA", Size: int64(len(data)), Mode: 0o644, R: strings.NewReader(data)}
		if res, err := c.Catalog(context.Background(), f); err != nil || len(res.Packages) != 1 {
			b.Fatal(err)
		}
	}
}

// BenchmarkInstalledDir offers every metadata file of one site-packages directory on disk to
// one cataloger, as a walk does: the directory should be listed once, not once per file.
func BenchmarkInstalledDir(b *testing.B) {
	for _, n := range []int{100, 1000, 3000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			root := b.TempDir()
			var rels []string
			for i := range n {
				rel := fmt.Sprintf("lib/python3.12/site-packages/package_%d-1.%d.0.dist-info/METADATA", i, i)
				full := filepath.Join(root, filepath.FromSlash(rel))
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					b.Fatal(err)
				}
				meta := fmt.Sprintf("Metadata-Version: 2.1\nName: package-%d\nVersion: 1.%d.0\nRequires-Dist: package-%d\n", i, i, i/2)
				if err := os.WriteFile(full, []byte(meta), 0o644); err != nil {
					b.Fatal(err)
				}
				rels = append(rels, rel)
			}
			slices.Sort(rels)
			fsys, err := catalog.RootFS(root)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				c, found := &InstalledCataloger{}, 0
				for _, rel := range rels {
					data, err := catalog.ReadFileFS(fsys, rel, catalog.MaxManifestSize)
					if err != nil {
						b.Fatal(err)
					}
					f := &catalog.File{Path: rel, Size: int64(len(data)), Mode: 0o644, R: bytes.NewReader(data), FS: fsys}
					res, err := c.Catalog(ctx, f)
					if err != nil {
						b.Fatal(err)
					}
					found += len(res.Packages)
				}
				if found != n {
					b.Fatalf("%d packages, want %d", found, n)
				}
			}
		})
	}
}
