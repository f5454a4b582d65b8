package cyclonedx

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// pkg converts a checked component.
func (d *decoder) pkg(c *cdx.Component, parent string) *sbom.Package {
	p := &sbom.Package{
		ID:          c.BOMRef,
		Type:        sbom.Type(c.Type),
		Version:     c.Version,
		PURL:        c.PackageURL,
		Description: c.Description,
	}
	rest := map[string]string{}
	keep := func(name, value string) {
		if old, ok := rest[name]; ok {
			value = old + "\n" + value
		}
		rest[name] = value
	}
	var cpes []string
	if c.CPE != "" {
		cpes = append(cpes, c.CPE)
	}
	var hashes []sbom.Hash
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			hashes = append(hashes, sbom.Hash{Algorithm: string(h.Algorithm), Value: strings.ToLower(h.Value)})
		}
	}
	if c.Evidence != nil && c.Evidence.Occurrences != nil {
		for _, o := range *c.Evidence.Occurrences {
			l := sbom.Location{Path: o.Location}
			if o.Line != nil && *o.Line > 0 {
				l.Line = *o.Line
			}
			p.Locations = append(p.Locations, l)
		}
	}
	var scope string
	var vcs sbom.VCS
	hasVCS := false
	if c.Properties != nil {
		for _, pr := range *c.Properties {
			v := pr.Value
			switch pr.Name {
			case propEcosystem:
				p.Ecosystem = v
			case propConstraint:
				p.Constraint = v
			case propUnresolved:
				p.Unresolved = v == "true"
			case propCPE:
				cpes = append(cpes, v)
			case propHash:
				alg, val, _ := strings.Cut(v, ":")
				hashes = append(hashes, sbom.Hash{Algorithm: alg, Value: val})
			case propRelation:
				p.Relation = sbom.Relation(v)
			case propScope:
				scope = v
			case propType:
				p.Type = sbom.Type(v)
			case propSourceName:
				p.SourceName = v
			case propSourceVersion:
				p.SourceVersion = v
			case propArch:
				p.Arch = v
			case propFoundBy:
				p.FoundBy = v
			case propHomepage:
				p.Homepage = v
			case propDownloadURL:
				p.DownloadURL = v
			case propVCSType:
				vcs.Type, hasVCS = v, true
			case propVCSURL:
				vcs.URL, hasVCS = v, true
			case propVCSRevision:
				vcs.Revision, hasVCS = v, true
			case propVCSRef:
				vcs.Ref, hasVCS = v, true
			default:
				switch {
				case locationProp(p.Locations, pr.Name, v):
				case reserved(pr.Name):
					// A mapping property Decode cannot apply (a location index out of
					// range, say): keep it under a name that Encode passes through.
					keep(propUnread+pr.Name, v)
				default:
					keep(pr.Name, v)
				}
			}
		}
	}
	if p.Ecosystem == "" {
		p.Ecosystem = purlEcosystem(p.PURL)
	}
	name, ok := joinName(p.Ecosystem, c.Group, c.Name)
	p.Name = name
	if !ok {
		keep(propGroup, c.Group)
	}
	p.CPEs = cpes
	p.Hashes = hashes
	p.Licenses, _ = d.licenses(c.Licenses, "") // checked before
	switch c.Scope {
	case cdx.ScopeRequired:
		p.Scope = sbom.ScopeRuntime
	case cdx.ScopeOptional:
		p.Scope = sbom.ScopeOptional
	case cdx.ScopeExcluded:
		p.Scope = sbom.Scope(cmp.Or(scope, string(sbom.ScopeDev)))
	}
	switch {
	case c.Supplier != nil && c.Supplier.Name != "":
		p.Supplier = c.Supplier.Name
	case c.Manufacturer != nil && c.Manufacturer.Name != "":
		p.Supplier = c.Manufacturer.Name
	case c.Publisher != "":
		p.Supplier = c.Publisher
	case c.Author != "":
		p.Supplier = c.Author
	}
	if c.ExternalReferences != nil {
		for _, r := range *c.ExternalReferences {
			switch {
			case r.Type == cdx.ERTypeWebsite && p.Homepage == "":
				p.Homepage = r.URL
			case r.Type == cdx.ERTypeDistribution && p.DownloadURL == "":
				p.DownloadURL = r.URL
			case r.Type == cdx.ERTypeVCS && vcs.URL == "":
				vcs.URL, hasVCS = r.URL, true
			}
		}
	}
	if hasVCS {
		p.VCS = &vcs
	}
	if c.VersionRange != "" && p.Constraint == "" {
		p.Constraint, p.Unresolved = c.VersionRange, true
	}
	if parent != "" {
		keep(propParent, parent)
	}
	if len(rest) > 0 {
		p.Properties = rest
	}
	return p
}

// locationProp applies a "hallmark:location:<i>:line|layer" property to locs.
func locationProp(locs []sbom.Location, name, value string) bool {
	rest, ok := strings.CutPrefix(name, propLocation)
	if !ok {
		return false
	}
	idx, field, ok := strings.Cut(rest, ":")
	i, err := strconv.Atoi(idx)
	if !ok || err != nil || i < 0 || i >= len(locs) {
		return false
	}
	switch field {
	case "layer":
		locs[i].Layer = value
	case "line":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return false
		}
		locs[i].Line = n
	default:
		return false
	}
	return true
}

func decodeDistro(c *cdx.Component) *sbom.Distro {
	ds := &sbom.Distro{ID: c.Name, VersionID: c.Version, PrettyName: c.Description, CPE: c.CPE}
	if c.Properties != nil {
		for _, p := range *c.Properties {
			switch p.Name {
			case propDistroIDLike:
				ds.IDLike = append(ds.IDLike, p.Value)
			case propDistroCode:
				ds.VersionCodename = p.Value
			case propDistroName:
				ds.Name = p.Value
			case propDistroPretty:
				ds.PrettyName = p.Value
			case propDistroCPE:
				ds.CPE = p.Value
			}
		}
	}
	return ds
}

// withoutDistroProps returns a copy of c without the distribution's properties, which are
// not the package's.
func withoutDistroProps(c *cdx.Component) *cdx.Component {
	cc := *c
	if c.Properties == nil {
		return &cc
	}
	var props []cdx.Property
	for _, p := range *c.Properties {
		switch p.Name {
		case propDistro, propDistroIDLike, propDistroCode, propDistroName, propDistroPretty, propDistroCPE:
		default:
			props = append(props, p)
		}
	}
	cc.Properties = nil
	if props != nil {
		cc.Properties = &props
	}
	return &cc
}

// decodeSource makes the first source from metadata.component.
func decodeSource(c *cdx.Component) sbom.Source {
	s := sbom.Source{Name: c.Name}
	kind := false
	if c.Properties != nil {
		for _, p := range *c.Properties {
			if rest, ok := strings.CutPrefix(p.Name, propSource); ok {
				kind = sourceField(&s, rest, p.Value) && rest == "kind" || kind
			}
		}
	}
	if !kind {
		// Not written by Hallmark: derive what the component says.
		switch c.Type {
		case cdx.ComponentTypeContainer:
			s.Kind = sbom.SourceImage
		case cdx.ComponentTypeFile:
			s.Kind = sbom.SourceFile
		default:
			s.Kind = sbom.SourceDirectory
		}
		if c.Version != "" {
			s.Name += "@" + c.Version
		}
	}
	if s.Digest == "" && c.Hashes != nil {
		for _, h := range *c.Hashes {
			if h.Algorithm == cdx.HashAlgoSHA256 {
				s.Digest = "sha256:" + strings.ToLower(h.Value)
				break
			}
		}
	}
	return s
}

// sourceField applies one source property (its name after "hallmark:source:" and the
// source index).
func sourceField(s *sbom.Source, field, value string) bool {
	switch field {
	case "kind":
		s.Kind = sbom.SourceKind(value)
	case "name":
		s.Name = value
	case "digest":
		s.Digest = value
	case "tag":
		s.Tags = append(s.Tags, value)
	default:
		rest, ok := strings.CutPrefix(field, "layer:")
		if !ok {
			return false
		}
		idx, f, ok := strings.Cut(rest, ":")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i < 0 || i > len(s.Layers) || i >= catalog.MaxPackages {
			return false
		}
		if i == len(s.Layers) {
			s.Layers = append(s.Layers, sbom.Layer{})
		}
		l := &s.Layers[i]
		switch f {
		case "digest":
			l.Digest = value
		case "media-type":
			l.MediaType = value
		case "size":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return false
			}
			l.Size = n
		default:
			return false
		}
	}
	return true
}

// metadataProps reads further sources and the errors of a partial inventory.
func (d *decoder) metadataProps(props []cdx.Property) {
	extra := map[int]*sbom.Source{}
	catalogers := map[int]string{}
	for _, p := range props {
		switch {
		case p.Name == propError:
			d.inv.Errors = append(d.inv.Errors, parseFileError(p.Value))
		case strings.HasPrefix(p.Name, propError+":"):
			idx, field, _ := strings.Cut(strings.TrimPrefix(p.Name, propError+":"), ":")
			if i, err := strconv.Atoi(idx); err == nil && field == "cataloger" {
				catalogers[i] = p.Value
			}
		case strings.HasPrefix(p.Name, propSource):
			idx, field, ok := strings.Cut(strings.TrimPrefix(p.Name, propSource), ":")
			i, err := strconv.Atoi(idx)
			if !ok || err != nil || i < 1 || i > catalog.MaxPackages {
				continue
			}
			s := extra[i]
			if s == nil {
				s = &sbom.Source{}
				extra[i] = s
			}
			sourceField(s, field, p.Value)
		}
	}
	for i, c := range catalogers {
		if i >= 0 && i < len(d.inv.Errors) {
			d.inv.Errors[i].Cataloger = c
		}
	}
	for _, i := range slices.Sorted(maps.Keys(extra)) {
		if extra[i].Name != "" { // every source Encode writes has one
			d.inv.Sources = append(d.inv.Sources, *extra[i])
		}
	}
}

// parseFileError reads "path:line: message" (or "path: message") back into a FileError. A
// path that itself contains ": " or ends in ":<digits>" cannot be told apart.
func parseFileError(s string) sbom.FileError {
	loc, msg, ok := strings.Cut(s, ": ")
	if !ok {
		return sbom.FileError{Err: s}
	}
	fe := sbom.FileError{Path: loc, Err: msg}
	if i := strings.LastIndexByte(loc, ':'); i >= 0 {
		if n, err := strconv.Atoi(loc[i+1:]); err == nil && n > 0 && loc[i+1] != '+' {
			fe.Path, fe.Line = loc[:i], n
		}
	}
	return fe
}
