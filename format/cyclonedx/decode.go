package cyclonedx

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Decode reads a CycloneDX document, JSON or XML (told apart by its first byte), of
// specification 1.2 to 1.7, and returns its inventory: every component, nested ones
// flattened, as a package whose ID is its bom-ref (or, without one, its purl or name@version
// made unique); the dependency graph between them; metadata.component as the first source;
// an operating-system component as the distribution. Documents written by Encode come back
// field for field.
//
// Decode reads at most MaxDocumentSize bytes, nesting to catalog.MaxDepth and
// catalog.MaxPackages components; beyond that it fails with catalog.ErrTooLarge. Defects
// that change the document's meaning fail with an error wrapping ErrInvalid that says what
// and where (see ErrInvalid).
func Decode(r io.Reader) (*sbom.Inventory, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(maxSize)+1))
	if err != nil {
		return nil, fmt.Errorf("cyclonedx: reading: %w", err)
	}
	if len(data) > maxSize {
		return nil, fmt.Errorf("cyclonedx: %w (larger than %d bytes)", catalog.ErrTooLarge, maxSize)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	body := bytes.TrimLeft(data, " \t\r\n")
	var bom *cdx.BOM
	switch {
	case len(body) == 0:
		return nil, invalidf("empty document")
	case body[0] == '{':
		if err := scanJSON(data); err != nil {
			return nil, err
		}
		if bom, err = decodeJSON(data); err != nil {
			return nil, err
		}
	case body[0] == '<':
		if err := scanXML(data); err != nil {
			return nil, err
		}
		if bom, err = decodeXML(data); err != nil {
			return nil, err
		}
	default:
		return nil, invalidf("neither JSON nor XML (starts with %q)", body[:min(len(body), 16)])
	}
	d := &decoder{sv: bom.SpecVersion, refs: map[string]string{}, xml: body[0] == '<'}
	return d.inventory(bom)
}

// maxSize and maxComponents are MaxDocumentSize and catalog.MaxPackages, lowered by tests.
var (
	maxSize       = MaxDocumentSize
	maxComponents = catalog.MaxPackages
)

// libDecode runs the library's decoder, turning a panic on hostile input into an error.
func libDecode(data []byte, format cdx.BOMFileFormat) (bom *cdx.BOM, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = invalidf("cannot decode the document: %v", r)
		}
	}()
	bom = new(cdx.BOM)
	err = cdx.NewBOMDecoder(bytes.NewReader(data), format).Decode(bom)
	return bom, err
}

func decodeJSON(data []byte) (*cdx.BOM, error) {
	bom, err := libDecode(data, cdx.BOMFileFormatJSON)
	for retry := 0; err != nil && retry < 8; retry++ {
		// The library rejects some valid documents (CycloneDX 1.6 attestations, 1.7 patent
		// assertions). Where the field it trips on is in a part Hallmark does not read,
		// leave that part out and try again.
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			break
		}
		pruned, ok := prune(data, te.Field)
		if !ok {
			break
		}
		data = pruned
		bom, err = libDecode(data, cdx.BOMFileFormatJSON)
	}
	if err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		var ie *invalidError
		switch {
		case errors.As(err, &ie):
			return nil, err
		case errors.As(err, &se):
			return nil, invalidf("line %d: malformed JSON: %v", lineAt(data, int(se.Offset)), err)
		case errors.As(err, &te):
			return nil, invalidf("line %d: %s has the wrong type (%s, want %s)", lineAt(data, int(te.Offset)), cmp.Or(te.Field, "a value"), te.Value, te.Type)
		case errors.Is(err, cdx.ErrInvalidSpecVersion):
			var head struct {
				SpecVersion any `json:"specVersion"`
			}
			_ = json.Unmarshal(data, &head)
			return nil, invalidf("unsupported specVersion %v (Hallmark reads 1.2 to 1.7)", head.SpecVersion)
		}
		return nil, invalidf("%v", err)
	}
	if bom.BOMFormat != cdx.BOMFormat {
		return nil, invalidf("bomFormat is %q, not %q", bom.BOMFormat, cdx.BOMFormat)
	}
	if bom.SpecVersion < cdx.SpecVersion1_2 {
		return nil, invalidf("unsupported specVersion %s (Hallmark reads 1.2 to 1.7)", bom.SpecVersion)
	}
	return bom, nil
}

func decodeXML(data []byte) (*cdx.BOM, error) {
	bom, err := libDecode(data, cdx.BOMFileFormatXML)
	if err != nil {
		var ie *invalidError
		if errors.As(err, &ie) {
			return nil, err
		}
		return nil, xmlError(err)
	}
	if bom.XMLName.Local != "bom" {
		return nil, invalidf("the root element is <%s>, not <bom>", bom.XMLName.Local)
	}
	if bom.SpecVersion < cdx.SpecVersion1_2 {
		return nil, invalidf("namespace %q is not a CycloneDX 1.2 to 1.7 BOM namespace", bom.XMLNS)
	}
	return bom, nil
}

// unread lists JSON members whose content the model does not hold.
var unread = map[string]bool{
	"declarations": true, "definitions": true, "formulation": true, "annotations": true,
	"citations": true, "signature": true, "patentAssertions": true, "modelCard": true,
	"data": true, "cryptoProperties": true, "pedigree": true, "swid": true,
	"releaseNotes": true, "identity": true, "callstack": true, "copyright": true,
	"vulnerabilities": true,
}

// prune removes from a JSON document the member named by the first unread element of a
// dotted field path ("components.patentAssertions.asserter"), in every array element along
// the way. It reports false when no element of the path is unread.
func prune(data []byte, field string) ([]byte, bool) {
	path := strings.Split(field, ".")
	k := slices.IndexFunc(path, func(s string) bool { return unread[s] })
	if k < 0 {
		return nil, false
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		return nil, false
	}
	if !remove(doc, path[:k+1]) {
		return nil, false
	}
	out, err := json.Marshal(doc)
	return out, err == nil
}

func remove(v any, path []string) bool {
	switch v := v.(type) {
	case []any:
		found := false
		for _, e := range v {
			found = remove(e, path) || found
		}
		return found
	case map[string]any:
		if len(path) == 1 {
			_, ok := v[path[0]]
			delete(v, path[0])
			return ok
		}
		if next, ok := v[path[0]]; ok {
			return remove(next, path[1:])
		}
	}
	return false
}

// decoder turns a checked BOM into an inventory.
type decoder struct {
	sv cdx.SpecVersion
	// refs maps every bom-ref of a component or service to what it names: "package",
	// "service", "source" (metadata.component), "distro" or "other".
	refs map[string]string
	xml  bool
	// ours is set when some property is in the "hallmark:" namespace.
	ours  bool
	count int
	inv   sbom.Inventory
	// pkgs maps package IDs to packages.
	pkgs map[string]*sbom.Package
}

// flat is a component with the index of the component that encloses it in the flattened
// list (-1 for none, -2 for metadata.component).
type flat struct {
	c      *cdx.Component
	parent int
}

func (d *decoder) inventory(bom *cdx.BOM) (*sbom.Inventory, error) {
	// Pass 1: check components and services and collect their bom-refs.
	var comps []flat
	var meta *cdx.Component
	if md := bom.Metadata; md != nil {
		if err := d.checkProps("metadata", md.Properties); err != nil {
			return nil, err
		}
		if md.Component != nil {
			meta = md.Component
			if err := d.check(meta, "metadata.component"); err != nil {
				return nil, err
			}
			if err := d.addRef(meta.BOMRef, "source"); err != nil {
				return nil, err
			}
			if err := d.flatten(&comps, meta.Components, -2, "metadata.component.components", 1); err != nil {
				return nil, err
			}
		}
	}
	if bom.Components != nil {
		if err := d.flatten(&comps, bom.Components, -1, "components", 0); err != nil {
			return nil, err
		}
	}
	if err := d.services(bom.Services, "services", 0); err != nil {
		return nil, err
	}
	if bom.Vulnerabilities != nil {
		for _, v := range *bom.Vulnerabilities {
			if err := d.addRef(v.BOMRef, "vulnerability"); err != nil {
				return nil, err
			}
		}
	}

	// Pass 2: the distribution, then packages.
	distro := -1
	for i, f := range comps {
		if hasProp(f.c.Properties, propDistro, "true") {
			distro = i
			break
		}
	}
	if distro < 0 && !d.ours {
		for i, f := range comps {
			if f.c.Type == cdx.ComponentTypeOS && f.c.PackageURL == "" {
				distro = i
				break
			}
		}
	}
	d.pkgs = make(map[string]*sbom.Package, len(comps))
	d.inv.Packages = make([]*sbom.Package, 0, len(comps))
	used := make(map[string]bool, len(d.refs))
	for ref := range d.refs {
		used[ref] = true
	}
	ids := make([]string, len(comps))
	for i, f := range comps {
		if i == distro {
			d.inv.Distro = decodeDistro(f.c)
			if f.c.BOMRef != "" {
				d.refs[f.c.BOMRef] = "distro"
			}
			ids[i] = f.c.BOMRef
			continue
		}
		var parent string
		switch {
		case f.parent >= 0:
			parent = ids[f.parent]
		case f.parent == -2:
			parent = meta.BOMRef
		}
		p := d.pkg(f.c, parent)
		if p.ID == "" {
			p.ID = uniqueID(used, cmp.Or(p.PURL, nameVersion(p)))
		}
		ids[i] = p.ID
		d.refs[p.ID] = "package"
		d.pkgs[p.ID] = p
		d.inv.Packages = append(d.inv.Packages, p)
	}

	if err := d.dependencies(bom.Dependencies); err != nil {
		return nil, err
	}
	if err := d.compositions(bom.Compositions); err != nil {
		return nil, err
	}
	if meta != nil {
		d.inv.Sources = append(d.inv.Sources, decodeSource(meta))
	}
	if md := bom.Metadata; md != nil && md.Properties != nil {
		d.metadataProps(*md.Properties)
	}
	return &d.inv, nil
}

func nameVersion(p *sbom.Package) string {
	if p.Version == "" {
		return p.Name
	}
	return p.Name + "@" + p.Version
}

func uniqueID(used map[string]bool, base string) string {
	id := base
	for n := 2; used[id]; n++ {
		id = base + "#" + strconv.Itoa(n)
	}
	used[id] = true
	return id
}

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
			}
		}
	}
	return ds
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
