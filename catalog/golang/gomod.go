package golang

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// ModCataloger reads go.mod files (https://go.dev/ref/mod#go-mod-file).
//
// It reports the main module as the application root, depending on the direct requirements
// (those without an "// indirect" comment) and on the "stdlib" component named by the
// toolchain directive, or else the go directive. Requirements are direct or transitive as the
// indirect comment says. A replace directive that applies to a requirement reports the module
// at its replacement path and version, with the original in PropReplaces; a local-directory
// replacement keeps the module path and has no version (PropLocalPath). Excluded versions are
// recorded as properties, never reported as packages. When a go.sum lies beside go.mod, the
// h1: hash of each module is recorded (PropH1) and a requirement without any go.sum line is
// reported as an error, with the packages.
//
// It does not read go.work files, and does not compute the full module graph (that needs the
// go.mod files of every dependency).
type ModCataloger struct{}

var (
	_ catalog.Cataloger      = (*ModCataloger)(nil)
	_ catalog.RelatedMatcher = (*ModCataloger)(nil)
)

// Name returns "go-mod".
func (*ModCataloger) Name() string { return "go-mod" }

// Match accepts regular files named go.mod.
func (*ModCataloger) Match(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "go.mod"
}

// Related accepts go.sum files, which the cataloger reads beside go.mod.
func (*ModCataloger) Related(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "go.sum"
}

// Catalog parses one go.mod file.
func (c *ModCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	// Parse checks the file as the go command does for the main module. When it fails (a
	// directive newer than golang.org/x/mod, a bad replace), ParseLax may still read the
	// requirements: they are returned with the error.
	var errs []error
	mf, err := modfile.Parse(f.Path, data, nil)
	if err != nil {
		errs = append(errs, modError(f.Path, err))
		if mf, err = modfile.ParseLax(f.Path, data, nil); err != nil {
			return nil, errs[0]
		}
	}
	if mf.Module == nil {
		return nil, catalog.Errorf(f.Path, 1, "no module directive: a go.mod file must start with \"module <path>\"")
	}
	if len(mf.Require) > catalog.MaxPackages {
		return nil, fmt.Errorf("%s: %w (%d requirements, limit %d)", f.Path, catalog.ErrTooLarge, len(mf.Require), catalog.MaxPackages)
	}
	sum, sumPath, sumErr := readGoSum(f)
	res := &catalog.Result{}
	loc := func(l *modfile.Line) sbom.Location {
		if l == nil {
			return sbom.Location{Path: f.Path}
		}
		return sbom.Location{Path: f.Path, Line: l.Start.Line}
	}

	mainPath := mf.Module.Mod.Path
	root := &sbom.Package{
		ID: "main", Type: sbom.TypeApplication, Name: mainPath, Ecosystem: sbom.EcosystemGo,
		PURL: modulePURL(mainPath, ""), FoundBy: c.Name(), Locations: []sbom.Location{loc(mf.Module.Syntax)},
	}
	res.Packages = append(res.Packages, root)

	// The toolchain directive names the toolchain that builds the module; without it the go
	// directive's version is the minimum, which is what the file records.
	var std *sbom.Package
	if mf.Toolchain != nil {
		std = stdlibPackage(mf.Toolchain.Name, c.Name(), loc(mf.Toolchain.Syntax))
	}
	if std == nil && mf.Go != nil {
		std = stdlibPackage(mf.Go.Version, c.Name(), loc(mf.Go.Syntax))
	}
	if std != nil {
		std.Relation = sbom.RelationDirect
		res.Packages = append(res.Packages, std)
		root.DependsOn = append(root.DependsOn, std.ID)
	}

	excluded := map[string][]string{} // module path → excluded versions
	isExcluded := map[module.Version]bool{}
	var excludes []string
	for _, x := range mf.Exclude {
		excluded[x.Mod.Path] = append(excluded[x.Mod.Path], x.Mod.Version)
		isExcluded[x.Mod] = true
		excludes = append(excludes, x.Mod.String())
	}
	replaces := indexReplaces(mf.Replace)
	root.SetProperty(PropExcludes, strings.Join(excludes, ","))

	seen := map[string]bool{}
	for _, r := range mf.Require {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if isExcluded[r.Mod] {
			// The go command never selects an excluded version; it is recorded on the root.
			continue
		}
		p := &sbom.Package{
			Name: r.Mod.Path, Version: r.Mod.Version, Ecosystem: sbom.EcosystemGo,
			FoundBy: c.Name(), Locations: []sbom.Location{loc(r.Syntax)}, Relation: sbom.RelationDirect,
		}
		if r.Indirect {
			p.Relation = sbom.RelationTransitive
		}
		if rep := replaces.find(r.Mod); rep != nil {
			p.SetProperty(PropReplaces, r.Mod.String())
			if modfile.IsDirectoryPath(rep.New.Path) || rep.New.Version == "" {
				p.Version = ""
				p.SetProperty(PropLocalPath, rep.New.Path)
				p.SetProperty(PropReplacedBy, rep.New.Path)
			} else {
				p.Name, p.Version = rep.New.Path, rep.New.Version
				p.SetProperty(PropReplacedBy, rep.New.String())
			}
		}
		if vs := excluded[r.Mod.Path]; len(vs) > 0 {
			p.SetProperty(PropExcluded, strings.Join(vs, ","))
		}
		p.ID = p.Name + "@" + p.Version
		if seen[p.ID] {
			// Two requirements replaced by the same module: one package.
			continue
		}
		seen[p.ID] = true
		p.PURL = modulePURL(p.Name, p.Version)
		if sum != nil && p.Version != "" {
			e, ok := sum[module.Version{Path: p.Name, Version: p.Version}]
			switch {
			case !ok:
				errs = append(errs, catalog.Errorf(f.Path, p.Locations[0].Line,
					"module %s@%s has no line in %s; run \"go mod download %s\" or \"go mod tidy\" to record its hash",
					p.Name, p.Version, sumPath, p.Name))
			case e.h1 != "":
				p.SetProperty(PropH1, e.h1)
			}
		}
		res.Packages = append(res.Packages, p)
		if !r.Indirect {
			root.DependsOn = append(root.DependsOn, p.ID)
		}
	}
	if sumErr != nil {
		errs = append(errs, sumErr)
	}
	return res, errors.Join(errs...)
}

// replaceIndex finds replace directives by the module they replace, so that a go.mod with
// many requirements and many replacements is read in linear time.
type replaceIndex struct {
	exact map[module.Version]*modfile.Replace // old path@version → directive
	any   map[string]*modfile.Replace         // old path without version → directive
}

// indexReplaces indexes reps; of two directives for the same module (which the go command
// rejects) the last wins.
func indexReplaces(reps []*modfile.Replace) replaceIndex {
	ix := replaceIndex{exact: map[module.Version]*modfile.Replace{}, any: map[string]*modfile.Replace{}}
	for _, r := range reps {
		if r.Old.Version == "" {
			ix.any[r.Old.Path] = r
		} else {
			ix.exact[r.Old] = r
		}
	}
	return ix
}

// find returns the replace directive that applies to m: one naming m's exact version wins over
// one naming only the path (https://go.dev/ref/mod#go-mod-file-replace).
func (ix replaceIndex) find(m module.Version) *modfile.Replace {
	if r, ok := ix.exact[m]; ok {
		return r
	}
	return ix.any[m.Path]
}

// modError converts a modfile error list into a *catalog.ParseError at the first error's line.
func modError(p string, err error) error {
	var list modfile.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		e := list[0]
		var msg strings.Builder
		if e.Verb != "" {
			msg.WriteString(e.Verb + " ")
		}
		if e.ModPath != "" {
			msg.WriteString(e.ModPath + " ")
		}
		if e.Err != nil {
			msg.WriteString(e.Err.Error())
		} else {
			msg.WriteString("syntax error")
		}
		return catalog.Errorf(p, e.Pos.Line, "%s", strings.TrimSpace(msg.String()))
	}
	return catalog.Errorf(p, 0, "%v", err)
}
