package cyclonedx

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

func (d *decoder) addRef(ref, what string) error {
	if ref == "" {
		return nil
	}
	if _, dup := d.refs[ref]; dup {
		return invalidf("bom-ref %q is used twice", ref)
	}
	d.refs[ref] = what
	return nil
}

// flatten checks components and appends them, depth first, to out.
func (d *decoder) flatten(out *[]flat, cs *[]cdx.Component, parent int, where string, depth int) error {
	if cs == nil {
		return nil
	}
	if depth > catalog.MaxDepth {
		return fmt.Errorf("cyclonedx: %s: %w (components nested deeper than %d levels)", where, catalog.ErrTooLarge, catalog.MaxDepth)
	}
	for i := range *cs {
		c := &(*cs)[i]
		at := where + "[" + strconv.Itoa(i) + "]"
		d.count++
		if d.count > maxComponents {
			return fmt.Errorf("cyclonedx: %w (more than %d components)", catalog.ErrTooLarge, maxComponents)
		}
		if err := d.check(c, at); err != nil {
			return err
		}
		if err := d.addRef(c.BOMRef, "package"); err != nil {
			return err
		}
		*out = append(*out, flat{c: c, parent: parent})
		if err := d.flatten(out, c.Components, len(*out)-1, at+".components", depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) services(ss *[]cdx.Service, where string, depth int) error {
	if ss == nil {
		return nil
	}
	if depth > catalog.MaxDepth {
		return fmt.Errorf("cyclonedx: %s: %w (services nested deeper than %d levels)", where, catalog.ErrTooLarge, catalog.MaxDepth)
	}
	for i := range *ss {
		s := &(*ss)[i]
		at := where + "[" + strconv.Itoa(i) + "]"
		if err := d.addRef(s.BOMRef, "service"); err != nil {
			return err
		}
		if err := d.checkProps(at, s.Properties); err != nil {
			return err
		}
		if err := d.services(s.Services, at+".services", depth+1); err != nil {
			return err
		}
	}
	return nil
}

// check rejects the component defects that change what it means.
func (d *decoder) check(c *cdx.Component, at string) error {
	if c.Name == "" {
		return invalidf("%s has no name", at)
	}
	at += " (" + strconv.Quote(c.Name) + ")"
	switch {
	case c.Type == "":
		return invalidf("%s has no type", at)
	case !validType(d.sv, c.Type):
		return invalidf("%s has type %q, which CycloneDX %s does not define", at, c.Type, d.sv)
	}
	switch c.Scope {
	case "", cdx.ScopeRequired, cdx.ScopeOptional, cdx.ScopeExcluded:
	default:
		return invalidf("%s has scope %q (want required, optional or excluded)", at, c.Scope)
	}
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			if !hashOK(d.sv, h.Algorithm, h.Value) {
				if _, known := hashLengths[h.Algorithm]; !known && !(d.sv >= cdx.SpecVersion1_7 && strings.HasPrefix(string(h.Algorithm), "Streebog-")) {
					return invalidf("%s has a hash with unknown algorithm %q", at, h.Algorithm)
				}
				return invalidf("%s has an invalid %s hash %q (want a hex digest of the algorithm's length)", at, h.Algorithm, h.Value)
			}
		}
	}
	if c.PackageURL != "" {
		if _, err := sbom.ParsePURL(c.PackageURL); err != nil {
			return invalidf("%s has an invalid purl %q: %v", at, c.PackageURL, err)
		}
	}
	if c.VersionRange != "" {
		if c.Version != "" {
			return invalidf("%s has both version and versionRange", at)
		}
		// The library reads isExternal from an XML element, but the XML schema makes it an
		// attribute: only JSON tells.
		if !d.xml && (c.IsExternal == nil || !*c.IsExternal) {
			return invalidf("%s has a versionRange but is not external", at)
		}
	}
	if _, err := d.licenses(c.Licenses, at); err != nil {
		return err
	}
	return d.checkProps(at, c.Properties)
}

func (d *decoder) checkProps(at string, props *[]cdx.Property) error {
	if props == nil {
		return nil
	}
	for _, p := range *props {
		if p.Name == "" {
			return invalidf("%s has a property without name (value %q)", at, p.Value)
		}
		if strings.HasPrefix(p.Name, "hallmark:") {
			d.ours = true
		}
	}
	return nil
}

// licenses returns the license strings of a component.
func (d *decoder) licenses(ls *cdx.Licenses, at string) ([]string, error) {
	if ls == nil {
		return nil, nil
	}
	var out []string
	exprs := 0
	for _, ch := range *ls {
		switch {
		case ch.License != nil && ch.Expression != "":
			return nil, invalidf("%s has a license entry with both a license and an expression", at)
		case ch.License != nil:
			l := ch.License
			switch {
			case l.ID != "" && l.Name != "":
				return nil, invalidf("%s has a license with both id %q and name %q", at, l.ID, l.Name)
			case l.ID != "":
				out = append(out, l.ID)
			case l.Name != "":
				out = append(out, l.Name)
			default:
				return nil, invalidf("%s has a license with neither id nor name", at)
			}
		case ch.Expression != "":
			exprs++
			out = append(out, ch.Expression)
		default:
			return nil, invalidf("%s has an empty license entry", at)
		}
	}
	if exprs > 0 && len(out) > 1 && d.sv < cdx.SpecVersion1_7 {
		return nil, invalidf("%s lists a license expression together with other licenses (allowed from CycloneDX 1.7 only)", at)
	}
	return out, nil
}

func hasProp(props *[]cdx.Property, name, value string) bool {
	if props == nil {
		return false
	}
	for _, p := range *props {
		if p.Name == name && p.Value == value {
			return true
		}
	}
	return false
}

// dependencies checks every reference of the dependency graph and records the edges between
// packages.
func (d *decoder) dependencies(deps *[]cdx.Dependency) error {
	if deps == nil {
		return nil
	}
	for i, dep := range *deps {
		at := "dependencies[" + strconv.Itoa(i) + "]"
		if dep.Ref == "" {
			return invalidf("%s has no ref", at)
		}
		if _, ok := d.refs[dep.Ref]; !ok {
			return invalidf("%s: ref %q names no component or service", at, dep.Ref)
		}
		p := d.pkgs[dep.Ref]
		for _, list := range []*[]string{dep.Dependencies, dep.Provides} {
			if list == nil {
				continue
			}
			for _, on := range *list {
				if _, ok := d.refs[on]; !ok {
					return invalidf("%s: %q depends on %q, which names no component or service", at, dep.Ref, on)
				}
				if p != nil && list == dep.Dependencies && d.pkgs[on] != nil {
					p.DependsOn = append(p.DependsOn, on)
				}
			}
		}
	}
	for _, p := range d.inv.Packages {
		slices.Sort(p.DependsOn)
		p.DependsOn = slices.Compact(p.DependsOn)
	}
	return nil
}

// compositions checks the references of compositions; the model does not keep them.
func (d *decoder) compositions(cs *[]cdx.Composition) error {
	if cs == nil {
		return nil
	}
	for i, c := range *cs {
		for _, list := range []*[]cdx.BOMReference{c.Assemblies, c.Dependencies} {
			if list == nil {
				continue
			}
			for _, r := range *list {
				ref := string(r)
				if _, ok := d.refs[ref]; !ok && !strings.HasPrefix(ref, "urn:cdx:") {
					return invalidf("compositions[%d] names %q, which is no component or service", i, ref)
				}
			}
		}
	}
	return nil
}
