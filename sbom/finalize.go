package sbom

import (
	"fmt"
	"strconv"
)

// Add appends the packages of one cataloger result to the inventory. Their IDs (unique within
// pkgs, or empty) and DependsOn references are made unique in the inventory; references to IDs
// not in pkgs are kept only if they already name a package of the inventory.
func (inv *Inventory) Add(pkgs []*Package) {
	inv.batch++
	prefix := "b" + strconv.Itoa(inv.batch) + "/"
	local := make(map[string]string, len(pkgs))
	for i, p := range pkgs {
		id := p.ID
		if id == "" {
			id = "#" + strconv.Itoa(i)
		}
		local[id] = prefix + id
		p.ID = prefix + id
	}
	for _, p := range pkgs {
		for j, d := range p.DependsOn {
			if g, ok := local[d]; ok {
				p.DependsOn[j] = g
			}
		}
	}
	inv.Packages = append(inv.Packages, pkgs...)
}

// Finalize sorts the inventory and gives every package a stable, human-readable ID: its purl
// when that is unique, otherwise the purl qualified by where it was found. The same input
// always yields the same IDs. Dependency references that name no package of the inventory are
// reported as errors (a cataloger bug, never silently dropped edges).
func (inv *Inventory) Finalize() {
	inv.Sort()
	base := make([]string, len(inv.Packages))
	count := map[string]int{}
	for i, p := range inv.Packages {
		b := p.PURL
		if b == "" {
			b = p.Name
			if p.Version != "" {
				b += "@" + p.Version
			}
		}
		if b == "" {
			b = "package"
		}
		base[i] = b
		count[b]++
	}
	seen := map[string]int{}
	rename := make(map[string]string, len(inv.Packages))
	used := map[string]bool{}
	for i, p := range inv.Packages {
		id := base[i]
		if count[id] > 1 {
			if len(p.Locations) > 0 {
				id += "?location=" + p.Locations[0].Path
			}
			seen[id]++
			if n := seen[id]; n > 1 || used[id] {
				id += "#" + strconv.Itoa(n)
			}
		}
		for used[id] {
			id += "'"
		}
		used[id] = true
		rename[p.ID] = id
	}
	for _, p := range inv.Packages {
		p.ID = rename[p.ID]
	}
	for _, p := range inv.Packages {
		deps := p.DependsOn[:0]
		for _, d := range p.DependsOn {
			if g, ok := rename[d]; ok {
				deps = append(deps, g)
			} else if used[d] {
				deps = append(deps, d)
			} else {
				inv.Errors = append(inv.Errors, FileError{
					Path: firstPath(p), Cataloger: p.FoundBy,
					Err: fmt.Sprintf("package %s depends on unknown package %q", p.Name, d),
				})
			}
		}
		p.DependsOn = deps
	}
	inv.Sort()
}
