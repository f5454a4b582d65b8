package nuget

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// DepsCataloger reads .NET dependency manifests (<app>.deps.json).
//
// Packages are the entries of "libraries" ("Name/Version": {type, sha512, path}); edges come
// from the runtime target's entries in "targets" (every target when runtimeTarget is
// missing), whose dependency versions are exact. The project entry named like the file
// (App for App.deps.json), or else the first project entry, is the application root; the
// packages it depends on are direct and the others transitive. Other project entries are
// reported as libraries of type project. Runtime packs of self-contained applications
// ("runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0") are reported under the
// NuGet package name, without the "runtimepack." prefix.
type DepsCataloger struct{}

var _ catalog.Cataloger = (*DepsCataloger)(nil)

// Name returns "dotnet-deps".
func (*DepsCataloger) Name() string { return "dotnet-deps" }

// Match accepts regular files whose names end in .deps.json.
func (*DepsCataloger) Match(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && strings.HasSuffix(path.Base(p), ".deps.json") && path.Base(p) != ".deps.json"
}

type depsLibrary struct {
	Type   string `json:"type"`
	SHA512 string `json:"sha512"`
	Path   string `json:"path"`
}

type depsTargetEntry struct {
	Dependencies map[string]string `json:"dependencies"`
}

// Catalog parses one deps.json file.
func (c *DepsCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	s, err := newStream(f.Path, data)
	if err != nil {
		return nil, err
	}
	var (
		runtimeTarget struct {
			Name string `json:"name"`
		}
		targets = map[string]map[string][]string{} // target → "Name/Version" → dependency keys
		pkgs    []*sbom.Package
		byKey   = map[string]*sbom.Package{} // lower-case "name/version" → package
		count   int
		seenLib bool
	)
	err = s.object("deps.json", func(key string, _ int) error {
		switch key {
		case "runtimeTarget":
			// An object {name, signature}; .NET Core 1.x previews wrote the name alone.
			var raw json.RawMessage
			if err := s.decode(&raw); err != nil {
				return err
			}
			if json.Unmarshal(raw, &runtimeTarget) != nil && json.Unmarshal(raw, &runtimeTarget.Name) != nil {
				return catalog.Errorf(f.Path, s.line(), "runtimeTarget: want an object with a name")
			}
			return nil
		case "targets":
			return s.object("targets", func(target string, _ int) error {
				entries := map[string][]string{}
				targets[target] = entries
				return s.object(target, func(lib string, _ int) error {
					var e depsTargetEntry
					if err := s.decode(&e); err != nil {
						return err
					}
					if count++; count > catalog.MaxPackages {
						return fmt.Errorf("%s: %w (more than %d entries)", f.Path, catalog.ErrTooLarge, catalog.MaxPackages)
					}
					for name, v := range e.Dependencies {
						entries[lib] = append(entries[lib], name+"/"+v)
					}
					return nil
				})
			})
		case "libraries":
			seenLib = true
			return s.object("libraries", func(lib string, line int) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				var l depsLibrary
				if err := s.decode(&l); err != nil {
					return err
				}
				if count++; count > catalog.MaxPackages {
					return fmt.Errorf("%s: %w (more than %d entries)", f.Path, catalog.ErrTooLarge, catalog.MaxPackages)
				}
				p, err := c.pkg(f.Path, lib, line, l)
				if err != nil {
					return err
				}
				k := strings.ToLower(lib)
				if _, dup := byKey[k]; dup {
					return catalog.Errorf(f.Path, line, "library %s is listed twice", lib)
				}
				byKey[k] = p
				pkgs = append(pkgs, p)
				return nil
			})
		default:
			return s.skip()
		}
	})
	if err == nil {
		err = s.end()
	}
	if err == nil && !seenLib {
		err = catalog.Errorf(f.Path, 1, "not a .NET deps.json file: no libraries object")
	}

	// Edges from the runtime target, or from every target when it is not named.
	for target, entries := range targets {
		if runtimeTarget.Name != "" && target != runtimeTarget.Name {
			continue
		}
		for lib, deps := range entries {
			from := byKey[strings.ToLower(lib)]
			if from == nil {
				continue
			}
			for _, d := range deps {
				if to := byKey[strings.ToLower(d)]; to != nil && to != from {
					from.DependsOn = append(from.DependsOn, to.ID) // sorted and made unique below
				}
			}
		}
	}
	root := c.root(f.Path, pkgs)
	for _, p := range pkgs {
		slices.Sort(p.DependsOn)
		p.DependsOn = slices.Compact(p.DependsOn)
		p.SetProperty(PropRuntimeTarget, "")
		if p != root && p.Type != sbom.TypeApplication {
			p.Relation = sbom.RelationTransitive
		}
	}
	if root != nil {
		root.Type = sbom.TypeApplication
		root.SetProperty(PropRuntimeTarget, runtimeTarget.Name)
		for _, id := range root.DependsOn {
			if p := byKey[strings.ToLower(id)]; p != nil {
				p.Relation = sbom.RelationDirect
			}
		}
	}
	return &catalog.Result{Packages: pkgs}, err
}

// root returns the project entry named like the file, or else the first project entry.
func (c *DepsCataloger) root(file string, pkgs []*sbom.Package) *sbom.Package {
	app := strings.TrimSuffix(path.Base(file), ".deps.json")
	var first *sbom.Package
	for _, p := range pkgs {
		if p.Properties[PropType] != "project" {
			continue
		}
		if strings.EqualFold(p.Name, app) {
			return p
		}
		if first == nil {
			first = p
		}
	}
	return first
}

// pkg converts one libraries entry, keyed "Name/Version".
func (c *DepsCataloger) pkg(file, key string, line int, l depsLibrary) (*sbom.Package, error) {
	name, version, ok := strings.Cut(key, "/")
	if !ok || name == "" || version == "" {
		return nil, catalog.Errorf(file, line, "library key %q: want \"Name/Version\"", key)
	}
	if l.Type == "runtimepack" {
		name = strings.TrimPrefix(name, "runtimepack.")
	}
	p := &sbom.Package{
		ID: key, Name: name, Version: version, Ecosystem: sbom.EcosystemNuGet, FoundBy: c.Name(),
		Locations: []sbom.Location{{Path: file, Line: line}}, Scope: sbom.ScopeRuntime,
		PURL: sbom.PURL("nuget", "", name, version),
	}
	p.SetProperty(PropType, l.Type)
	p.SetProperty(PropPath, l.Path)
	if v, ok := strings.CutPrefix(l.SHA512, "sha512-"); ok && v != "" {
		h, ok := sha512Hash(v)
		if !ok {
			return nil, catalog.Errorf(file, line, "library %s: sha512 is not a base64 SHA-512 digest", key)
		}
		p.Hashes = []sbom.Hash{h}
	} else if l.SHA512 != "" {
		return nil, catalog.Errorf(file, line, "library %s: sha512 %q does not start with \"sha512-\"", key, l.SHA512)
	}
	return p, nil
}
