package nuget

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// LockCataloger reads NuGet lock files, packages.lock.json (and the per-project
// packages.<project>.lock.json that NuGet writes when projects share a folder).
//
// The lock file has one restore graph per target framework (and per framework/runtime
// identifier). A package is reported once per name and version, with the frameworks that
// contain it in PropFrameworks; it is direct when any framework lists it as Direct. Project
// references (type Project) have no version and are reported as applications. Edges come from
// each entry's dependencies, resolved by name within the same framework, since the versions
// there are the requested minimums, not the resolved ones. The lock file does not name the
// project itself, so there is no root.
type LockCataloger struct{}

var _ catalog.Cataloger = (*LockCataloger)(nil)

// Name returns "nuget-lock".
func (*LockCataloger) Name() string { return "nuget-lock" }

// Match accepts regular files named packages.lock.json or packages.<project>.lock.json.
func (*LockCataloger) Match(p string, mode fs.FileMode) bool {
	b := path.Base(p)
	return mode.IsRegular() && strings.HasPrefix(b, "packages.") && strings.HasSuffix(b, ".lock.json")
}

// lockEntry is one dependency of one framework in packages.lock.json.
type lockEntry struct {
	Type         string            `json:"type"`
	Requested    string            `json:"requested"`
	Resolved     string            `json:"resolved"`
	ContentHash  string            `json:"contentHash"`
	Dependencies map[string]string `json:"dependencies"`
}

// Catalog parses one lock file.
func (c *LockCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	s, err := newStream(f.Path, data)
	if err != nil {
		return nil, err
	}
	var (
		version   int
		versionAt int
		pkgs      []*sbom.Package
		byID      = map[string]*sbom.Package{}
		fws       = map[string][]string{} // package ID → frameworks
		edges     = map[string][]string{} // package ID → dependency IDs
		count     int
	)
	seenDeps := false
	err = s.object("lock file", func(key string, line int) error {
		switch key {
		case "version":
			versionAt = line
			return s.decode(&version)
		case "dependencies":
			seenDeps = true
			return s.object("dependencies", func(fw string, _ int) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				local := map[string]string{} // lower-case name → ID, within this framework
				deps := map[string]map[string]string{}
				err := s.object(fw, func(name string, line int) error {
					var e lockEntry
					if err := s.decode(&e); err != nil {
						return err
					}
					if count++; count > catalog.MaxPackages {
						return fmt.Errorf("%s: %w (more than %d lock entries)", f.Path, catalog.ErrTooLarge, catalog.MaxPackages)
					}
					p, err := c.pkg(f.Path, name, line, e)
					if err != nil {
						return err
					}
					if old, ok := byID[p.ID]; ok {
						if p.Relation == sbom.RelationDirect {
							old.Relation = sbom.RelationDirect
							old.SetProperty(PropType, e.Type)
						}
						p = old
					} else {
						byID[p.ID] = p
						pkgs = append(pkgs, p)
					}
					fws[p.ID] = append(fws[p.ID], fw) // sorted and made unique at the end
					local[strings.ToLower(name)] = p.ID
					deps[p.ID] = e.Dependencies
					return nil
				})
				for id, ds := range deps {
					for name := range ds {
						if to, ok := local[strings.ToLower(name)]; ok && to != id {
							edges[id] = append(edges[id], to) // sorted and made unique at the end
						}
					}
				}
				return err
			})
		default:
			return s.skip()
		}
	})
	if err == nil {
		err = s.end()
	}
	if err == nil && !seenDeps {
		err = catalog.Errorf(f.Path, 1, "not a NuGet lock file: no dependencies object")
	}
	if err == nil && version != 1 && version != 2 {
		err = catalog.Errorf(f.Path, versionAt, "lock file version %d: only versions 1 and 2 are known", version)
	}
	for _, p := range pkgs {
		fw := fws[p.ID]
		slices.Sort(fw)
		p.SetProperty(PropFrameworks, strings.Join(slices.Compact(fw), ","))
		p.DependsOn = edges[p.ID]
		slices.Sort(p.DependsOn)
		p.DependsOn = slices.Compact(p.DependsOn)
	}
	return &catalog.Result{Packages: pkgs}, err
}

// pkg converts one lock entry.
func (c *LockCataloger) pkg(file, name string, line int, e lockEntry) (*sbom.Package, error) {
	if name == "" {
		return nil, catalog.Errorf(file, line, "empty package name")
	}
	p := &sbom.Package{
		Name: name, Version: e.Resolved, Ecosystem: sbom.EcosystemNuGet, FoundBy: c.Name(),
		Locations: []sbom.Location{{Path: file, Line: line}}, Constraint: e.Requested,
	}
	p.SetProperty(PropType, e.Type)
	switch e.Type {
	case "Direct":
		p.Relation = sbom.RelationDirect
	case "Transitive", "CentralTransitive":
		p.Relation = sbom.RelationTransitive
	case "Project":
		p.Type = sbom.TypeApplication
	}
	if p.Version == "" && e.Type != "Project" {
		if e.Requested == "" {
			return nil, catalog.Errorf(file, line, "package %s has neither resolved nor requested version", name)
		}
		p.Unresolved = true
	}
	if e.ContentHash != "" {
		h, ok := sha512Hash(e.ContentHash)
		if !ok {
			return nil, catalog.Errorf(file, line, "package %s: contentHash is not a base64 SHA-512 digest", name)
		}
		p.Hashes = []sbom.Hash{h}
	}
	p.ID = strings.ToLower(name) + "@" + p.Version
	p.PURL = sbom.PURL("nuget", "", name, p.Version)
	return p, nil
}
