package golang

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"fmt"
	"io/fs"
	"path"
	"runtime/debug"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// BinaryCataloger reads the build information the Go linker embeds in executables (ELF,
// Mach-O, PE), as "go version -m" prints it (https://pkg.go.dev/debug/buildinfo).
//
// It reports the main module as the application root (version "(devel)" means none), each
// dependency at its replacement when it was replaced (a local-directory replacement keeps the
// module path and has no version), and the Go toolchain as the "stdlib" component. The root
// depends on all of them: build information does not record the graph nor which dependencies
// are direct. VCS build settings fill the root's VCS field; every build setting is kept as a
// property (PropBuildPrefix + key), GOARCH also as the root's Arch.
//
// Files that are not ELF, Mach-O or PE are rejected from their first bytes; executables that
// are not Go programs yield nothing.
type BinaryCataloger struct{}

var _ catalog.Cataloger = (*BinaryCataloger)(nil)

// Name returns "go-binary".
func (*BinaryCataloger) Name() string { return "go-binary" }

// Match accepts regular files with an executable bit and files named *.exe.
func (*BinaryCataloger) Match(p string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	return mode.Perm()&0o111 != 0 || strings.EqualFold(path.Ext(p), ".exe")
}

// executable magic numbers: ELF; Mach-O 32/64-bit in both byte orders and universal ("fat")
// files; PE files start with the MS-DOS "MZ" stub.
var magics = [][]byte{
	[]byte("\x7fELF"),
	{0xfe, 0xed, 0xfa, 0xce}, {0xce, 0xfa, 0xed, 0xfe},
	{0xfe, 0xed, 0xfa, 0xcf}, {0xcf, 0xfa, 0xed, 0xfe},
	{0xca, 0xfe, 0xba, 0xbe},
	[]byte("MZ"),
}

// isExecutable reports whether head starts with a magic number of a format buildinfo reads.
func isExecutable(head []byte) bool {
	for _, m := range magics {
		if bytes.HasPrefix(head, m) {
			return true
		}
	}
	return false
}

// Catalog reads the build information of one executable.
func (c *BinaryCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	head := make([]byte, 4)
	if n, _ := f.R.ReadAt(head, 0); !isExecutable(head[:n]) {
		return nil, nil
	}
	if f.Size > catalog.MaxBinarySize {
		return nil, fmt.Errorf("%s: %w (%d bytes, limit %d)", f.Path, catalog.ErrTooLarge, f.Size, int64(catalog.MaxBinarySize))
	}
	bi, err := buildinfo.Read(f.R)
	if err != nil {
		if strings.Contains(err.Error(), "could not parse Go build info") {
			return nil, catalog.Errorf(f.Path, 0, "malformed Go build information: %v", err)
		}
		// Native executables without build information and files that only look like
		// executables are not Go programs: nothing to report.
		return nil, nil
	}
	return &catalog.Result{Packages: c.packages(f.Path, bi)}, nil
}

// packages converts build information to packages.
func (c *BinaryCataloger) packages(file string, bi *debug.BuildInfo) []*sbom.Package {
	loc := sbom.Location{Path: file}
	mainPath := bi.Main.Path
	if mainPath == "" {
		mainPath = bi.Path // "command-line-arguments" for go build of files, or the package
	}
	if mainPath == "" {
		mainPath = path.Base(file)
	}
	root := &sbom.Package{
		ID: "main", Type: sbom.TypeApplication, Name: mainPath, Ecosystem: sbom.EcosystemGo,
		FoundBy: c.Name(), Locations: []sbom.Location{loc},
	}
	if bi.Main.Version != "(devel)" {
		root.Version = bi.Main.Version
	}
	root.PURL = modulePURL(root.Name, root.Version)
	root.SetProperty(PropH1, bi.Main.Sum)
	if bi.Path != "" && bi.Path != mainPath {
		root.SetProperty("hallmark:go:main-package", bi.Path)
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs":
			vcs(root).Type = s.Value
		case "vcs.revision":
			vcs(root).Revision = s.Value
		case "vcs.time":
			root.SetProperty(PropVCSTime, s.Value)
		case "vcs.modified":
			root.SetProperty(PropVCSModified, s.Value)
		case "GOARCH":
			root.Arch = s.Value
		}
		if !strings.HasPrefix(s.Key, "vcs") {
			root.SetProperty(PropBuildPrefix+s.Key, s.Value)
		}
	}
	pkgs := []*sbom.Package{root}
	if std := stdlibPackage(bi.GoVersion, c.Name(), loc); std != nil {
		pkgs = append(pkgs, std)
		root.DependsOn = append(root.DependsOn, std.ID)
	}
	seen := map[string]bool{}
	for _, d := range bi.Deps {
		if d == nil || d.Path == "" || len(pkgs) > catalog.MaxPackages {
			continue
		}
		p := &sbom.Package{
			Name: d.Path, Version: d.Version, Ecosystem: sbom.EcosystemGo, FoundBy: c.Name(),
			Locations: []sbom.Location{loc},
		}
		p.SetProperty(PropH1, d.Sum)
		if r := d.Replace; r != nil {
			p.SetProperty(PropReplaces, d.Path+"@"+d.Version)
			p.SetProperty(PropH1, r.Sum)
			if r.Version == "" || r.Version == "(devel)" || isLocalPath(r.Path) {
				p.Version = ""
				p.SetProperty(PropLocalPath, r.Path)
				p.SetProperty(PropReplacedBy, r.Path)
			} else {
				p.Name, p.Version = r.Path, r.Version
				p.SetProperty(PropReplacedBy, r.Path+"@"+r.Version)
			}
		}
		p.ID = p.Name + "@" + p.Version
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		p.PURL = modulePURL(p.Name, p.Version)
		pkgs = append(pkgs, p)
		root.DependsOn = append(root.DependsOn, p.ID)
	}
	return pkgs
}

func vcs(p *sbom.Package) *sbom.VCS {
	if p.VCS == nil {
		p.VCS = &sbom.VCS{}
	}
	return p.VCS
}

// isLocalPath reports whether a replacement names a directory (./x, ../x, /x, C:\x) rather
// than a module path.
func isLocalPath(p string) bool {
	return strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") || strings.HasPrefix(p, "/") ||
		strings.HasPrefix(p, `.\`) || strings.HasPrefix(p, `..\`) || p == "." || p == ".." ||
		(len(p) > 2 && p[1] == ':' && (p[2] == '\\' || p[2] == '/'))
}
