package cyclonedx

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/hallmark-dev/hallmark/sbom"
)

// EncodeOptions controls Encode.
type EncodeOptions struct {
	// SpecVersion is the CycloneDX specification version to write: "1.6" (the default when
	// empty) or "1.5".
	SpecVersion string
	// XML writes the XML encoding instead of JSON.
	XML bool
	// Timestamp is metadata.timestamp, written in UTC with second precision. The CLI sets it
	// from SOURCE_DATE_EPOCH or the current time; the zero value leaves it out.
	Timestamp time.Time
	// SerialNumber is the BOM's serialNumber ("urn:uuid:…"). When empty it is derived from
	// the document itself (a UUID made of the SHA-256 of the document written without serial
	// number), so that the same inventory, options and timestamp give byte-identical output.
	SerialNumber string
	// ToolName and ToolVersion describe the generating tool in metadata.tools, in the
	// tools.components form of CycloneDX 1.5 and later. No tool is written when ToolName is
	// empty.
	ToolName, ToolVersion string
}

var serialPattern = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// Encode writes inv as a CycloneDX document. The inventory should be finalized
// (sbom.Inventory.Finalize): package IDs become bom-refs and must be unique and non-empty,
// every DependsOn entry must name a package, and every package needs a name; Encode fails
// otherwise, before writing anything. Components keep the inventory's order; dependencies and
// properties are sorted, so the output is deterministic.
func Encode(w io.Writer, inv *sbom.Inventory, opts EncodeOptions) error {
	sv, ok := specVersions[cmp.Or(opts.SpecVersion, "1.6")]
	if !ok {
		return fmt.Errorf("cyclonedx: unsupported spec version %q (use 1.6 or 1.5)", opts.SpecVersion)
	}
	if opts.SerialNumber != "" && !serialPattern.MatchString(opts.SerialNumber) {
		return fmt.Errorf("cyclonedx: serial number %q is not a urn:uuid: with a lower-case RFC 4122 UUID", opts.SerialNumber)
	}
	e := &encoder{sv: sv}
	bom, err := e.bom(inv, opts)
	if err != nil {
		return err
	}
	if opts.SerialNumber == "" {
		// Hash the document without a serial number as it is written, without keeping it:
		// large inventories make documents of hundreds of megabytes.
		h := sha256.New()
		if err := write(h, bom, opts.XML); err != nil {
			return err
		}
		bom.SerialNumber = serialFromSum(h.Sum(nil))
	} else {
		bom.SerialNumber = opts.SerialNumber
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := write(bw, bom, opts.XML); err != nil {
		return err
	}
	return bw.Flush()
}

func write(w io.Writer, bom *cdx.BOM, xml bool) error {
	if !xml {
		return writeJSON(w, bom)
	}
	format := cdx.BOMFileFormatJSON
	if xml {
		format = cdx.BOMFileFormatXML
	}
	if err := cdx.NewBOMEncoder(w, format).SetPretty(true).SetEscapeHTML(false).Encode(bom); err != nil {
		return fmt.Errorf("cyclonedx: encoding: %w", err)
	}
	return nil
}

// writeJSON writes bom as indented JSON, streaming its components and dependencies one by
// one: encoding the whole document at once holds several copies of it in memory (the JSON,
// then its indented form), which for large inventories is many times the inventory itself.
// The two arrays come last in the object; the content is the same as encoding/json's.
func writeJSON(w io.Writer, bom *cdx.BOM) error {
	skel := *bom
	comps, deps := bom.Components, bom.Dependencies
	skel.Components, skel.Dependencies = nil, nil
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&skel); err != nil {
		return fmt.Errorf("cyclonedx: encoding: %w", err)
	}
	head := bytes.TrimRight(buf.Bytes(), "\n")
	if len(head) < 2 || head[len(head)-1] != '}' {
		return fmt.Errorf("cyclonedx: encoding: unexpected document shape")
	}
	head = bytes.TrimRight(head[:len(head)-1], "\n ")
	if _, err := w.Write(head); err != nil {
		return err
	}
	if comps != nil {
		if err := writeArray(w, "components", *comps); err != nil {
			return err
		}
	}
	if deps != nil {
		if err := writeArray(w, "dependencies", *deps); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "\n}\n")
	return err
}

// writeArray writes `,\n  "name": [ … ]` with each item indented as encoding/json would.
func writeArray[T any](w io.Writer, name string, items []T) error {
	if _, err := fmt.Fprintf(w, ",\n  %q: [", name); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("    ", "  ")
	for i := range items {
		buf.Reset()
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		if err := enc.Encode(&items[i]); err != nil {
			return fmt.Errorf("cyclonedx: encoding %s: %w", name, err)
		}
		if _, err := w.Write(bytes.TrimRight(buf.Bytes(), "\n")); err != nil {
			return err
		}
	}
	if len(items) > 0 {
		_, err := io.WriteString(w, "\n  ]")
		return err
	}
	_, err := io.WriteString(w, "]")
	return err
}

// derivedSerial makes an RFC 9562 version 8 (custom) UUID from the SHA-256 of doc.
func derivedSerial(doc []byte) string {
	sum := sha256.Sum256(doc)
	return serialFromSum(sum[:])
}

// serialFromSum makes the version 8 UUID from a SHA-256 sum.
func serialFromSum(sum []byte) string {
	u := append([]byte(nil), sum[:16]...)
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u)
	return "urn:uuid:" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

type encoder struct {
	sv cdx.SpecVersion
}

func (e *encoder) bom(inv *sbom.Inventory, opts EncodeOptions) (*cdx.BOM, error) {
	bom := &cdx.BOM{
		BOMFormat:   cdx.BOMFormat,
		SpecVersion: e.sv,
		Version:     1,
		JSONSchema:  "http://cyclonedx.org/schema/bom-" + e.sv.String() + ".schema.json",
		XMLNS:       "http://cyclonedx.org/schema/bom/" + e.sv.String(),
	}
	md := &cdx.Metadata{}
	if !opts.Timestamp.IsZero() {
		md.Timestamp = opts.Timestamp.UTC().Format(time.RFC3339)
	}
	if opts.ToolName != "" {
		md.Tools = &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: opts.ToolName, Version: opts.ToolVersion,
		}}}
	}
	var mprops []cdx.Property
	for i, s := range inv.Sources {
		if i == 0 {
			c, err := sourceComponent(s)
			if err != nil {
				return nil, err
			}
			md.Component = c
			continue
		}
		mprops = append(mprops, sourceProps(propSource+strconv.Itoa(i)+":", s, true)...)
	}
	for i, fe := range inv.Errors {
		mprops = append(mprops, cdx.Property{Name: propError, Value: fe.String()})
		if fe.Cataloger != "" {
			mprops = append(mprops, cdx.Property{Name: propError + ":" + strconv.Itoa(i) + ":cataloger", Value: fe.Cataloger})
		}
	}
	if inv.Partial() {
		mprops = append(mprops, cdx.Property{Name: propPartial, Value: "true"})
	}
	md.Properties = sortedProps(mprops)
	bom.Metadata = md

	ids := make(map[string]bool, len(inv.Packages))
	for _, p := range inv.Packages {
		if p.ID == "" {
			return nil, fmt.Errorf("cyclonedx: package %q has no ID (finalize the inventory first)", p.Name)
		}
		if ids[p.ID] {
			return nil, fmt.Errorf("cyclonedx: two packages have the ID %q (finalize the inventory first)", p.ID)
		}
		ids[p.ID] = true
	}

	comps := make([]cdx.Component, 0, len(inv.Packages)+1)
	deps := make([]cdx.Dependency, 0, len(inv.Packages)+1)
	osPkg := distroPackage(inv)
	if d := inv.Distro; d != nil && osPkg == nil {
		ref := distroRefPrefix + d.ID + "@" + d.VersionID
		for ids[ref] {
			ref += "'"
		}
		c, err := distroComponent(d, ref)
		if err != nil {
			return nil, err
		}
		comps = append(comps, c)
		deps = append(deps, cdx.Dependency{Ref: ref})
	}
	for _, p := range inv.Packages {
		c, err := e.component(p)
		if err != nil {
			return nil, err
		}
		if p == osPkg {
			mergeDistro(&c, inv.Distro)
		}
		comps = append(comps, c)
		dep := cdx.Dependency{Ref: p.ID}
		if len(p.DependsOn) > 0 {
			on := slices.Clone(p.DependsOn)
			slices.Sort(on)
			on = slices.Compact(on)
			for _, d := range on {
				if !ids[d] {
					return nil, fmt.Errorf("cyclonedx: package %s depends on %q, which is not in the inventory", p.ID, d)
				}
			}
			dep.Dependencies = &on
		}
		deps = append(deps, dep)
	}
	slices.SortFunc(deps, func(a, b cdx.Dependency) int { return strings.Compare(a.Ref, b.Ref) })
	if len(comps) > 0 {
		bom.Components = &comps
		bom.Dependencies = &deps
	}
	return bom, nil
}

func (e *encoder) component(p *sbom.Package) (cdx.Component, error) {
	if p.Name == "" {
		return cdx.Component{}, fmt.Errorf("cyclonedx: package %s has no name", p.ID)
	}
	eco := ecosystemOf(p.Ecosystem, p.PURL)
	group, name := splitName(eco, p.Name)
	c := cdx.Component{
		BOMRef:      p.ID,
		Type:        cdx.ComponentType(cmp.Or(p.Type, sbom.TypeLibrary)),
		Group:       group,
		Name:        name,
		Version:     p.Version,
		Description: p.Description,
		PackageURL:  p.PURL,
	}
	var props []cdx.Property
	add := func(name, value string) {
		props = append(props, cdx.Property{Name: name, Value: value})
	}
	if !validType(e.sv, c.Type) {
		add(propType, string(p.Type))
		c.Type = cdx.ComponentTypeLibrary
	}
	if p.Ecosystem != "" {
		add(propEcosystem, p.Ecosystem)
	}
	if p.Constraint != "" {
		add(propConstraint, p.Constraint)
	}
	if p.Unresolved {
		add(propUnresolved, "true")
	}
	for i, cpe := range p.CPEs {
		if i == 0 {
			c.CPE = cpe
		} else {
			add(propCPE, cpe)
		}
	}
	c.Licenses = encodeLicenses(p.Licenses)
	var hashes []cdx.Hash
	for _, h := range p.Hashes {
		alg := cdx.HashAlgorithm(h.Algorithm)
		if hashOK(e.sv, alg, h.Value) && strings.ToLower(h.Value) == h.Value {
			hashes = append(hashes, cdx.Hash{Algorithm: alg, Value: h.Value})
		} else {
			add(propHash, h.Algorithm+":"+h.Value)
		}
	}
	if len(hashes) > 0 {
		c.Hashes = &hashes
	}
	if len(p.Locations) > 0 {
		occ := make([]cdx.EvidenceOccurrence, len(p.Locations))
		for i, l := range p.Locations {
			occ[i].Location = l.Path
			if l.Line > 0 {
				if e.sv >= cdx.SpecVersion1_6 {
					occ[i].Line = &l.Line
				} else {
					add(propLocation+strconv.Itoa(i)+":line", strconv.Itoa(l.Line))
				}
			}
			if l.Layer != "" {
				add(propLocation+strconv.Itoa(i)+":layer", l.Layer)
			}
		}
		c.Evidence = &cdx.Evidence{Occurrences: &occ}
	}
	if p.Relation != "" {
		add(propRelation, string(p.Relation))
	}
	switch p.Scope {
	case sbom.ScopeUnknown:
	case sbom.ScopeRuntime:
		c.Scope = cdx.ScopeRequired
	case sbom.ScopeOptional:
		c.Scope = cdx.ScopeOptional
	default:
		c.Scope = cdx.ScopeExcluded
		add(propScope, string(p.Scope))
	}
	for _, kv := range [...][2]string{
		{propSourceName, p.SourceName}, {propSourceVersion, p.SourceVersion},
		{propArch, p.Arch}, {propFoundBy, p.FoundBy},
	} {
		if kv[1] != "" {
			add(kv[0], kv[1])
		}
	}
	if p.Supplier != "" {
		c.Supplier = &cdx.OrganizationalEntity{Name: p.Supplier}
	}
	var refs []cdx.ExternalReference
	link := func(typ cdx.ExternalReferenceType, u, prop string) {
		switch {
		case u == "":
		case validURL(u):
			refs = append(refs, cdx.ExternalReference{Type: typ, URL: u})
		default:
			add(prop, u)
		}
	}
	link(cdx.ERTypeWebsite, p.Homepage, propHomepage)
	link(cdx.ERTypeDistribution, p.DownloadURL, propDownloadURL)
	if v := p.VCS; v != nil {
		link(cdx.ERTypeVCS, v.URL, propVCSURL)
		add(propVCSType, v.Type)
		if v.Revision != "" {
			add(propVCSRevision, v.Revision)
		}
		if v.Ref != "" {
			add(propVCSRef, v.Ref)
		}
	}
	if len(refs) > 0 {
		c.ExternalReferences = &refs
	}
	for _, k := range slices.Sorted(maps.Keys(p.Properties)) {
		if reserved(k) {
			return cdx.Component{}, fmt.Errorf("cyclonedx: package %s has property %q, a name reserved for the CycloneDX mapping", p.ID, k)
		}
		add(k, p.Properties[k])
	}
	c.Properties = sortedProps(props)
	return c, nil
}

// sortedProps sorts properties by name, keeping the order of equal names, or returns nil.
func sortedProps(props []cdx.Property) *[]cdx.Property {
	if len(props) == 0 {
		return nil
	}
	slices.SortStableFunc(props, func(a, b cdx.Property) int { return strings.Compare(a.Name, b.Name) })
	return &props
}

// sourceProps describes a source in properties named prefix + kind, name (unless it is the
// component name), digest, tag and layer:<i>:digest|media-type|size.
func sourceProps(prefix string, s sbom.Source, withName bool) []cdx.Property {
	var props []cdx.Property
	add := func(name, value string) {
		if value != "" {
			props = append(props, cdx.Property{Name: prefix + name, Value: value})
		}
	}
	add("kind", string(s.Kind))
	if withName {
		add("name", s.Name)
	}
	add("digest", s.Digest)
	for _, t := range s.Tags {
		props = append(props, cdx.Property{Name: prefix + "tag", Value: t})
	}
	for i, l := range s.Layers {
		p := "layer:" + strconv.Itoa(i) + ":"
		props = append(props, cdx.Property{Name: prefix + p + "digest", Value: l.Digest})
		add(p+"media-type", l.MediaType)
		if l.Size != 0 {
			add(p+"size", strconv.FormatInt(l.Size, 10))
		}
	}
	return props
}

// sourceComponent makes metadata.component from the first source.
func sourceComponent(s sbom.Source) (*cdx.Component, error) {
	if s.Name == "" {
		return nil, fmt.Errorf("cyclonedx: the inventory's source has no name")
	}
	c := &cdx.Component{Type: cdx.ComponentTypeApplication, Name: s.Name}
	switch s.Kind {
	case sbom.SourceImage:
		c.Type = cdx.ComponentTypeContainer
	case sbom.SourceFile:
		c.Type = cdx.ComponentTypeFile
	}
	if alg, v, ok := strings.Cut(s.Digest, ":"); ok && alg == "sha256" && hashOK(cdx.SpecVersion1_5, cdx.HashAlgoSHA256, v) && strings.ToLower(v) == v {
		c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: v}}
	}
	c.Properties = sortedProps(sourceProps(propSource, s, false))
	return c, nil
}

// distroComponent describes the operating system as a component of type operating-system.
func distroComponent(d *sbom.Distro, ref string) (cdx.Component, error) {
	if d.ID == "" {
		return cdx.Component{}, fmt.Errorf("cyclonedx: the inventory's distribution has no ID")
	}
	c := cdx.Component{
		BOMRef:      ref,
		Type:        cdx.ComponentTypeOS,
		Name:        d.ID,
		Version:     d.VersionID,
		Description: d.PrettyName,
		CPE:         d.CPE,
	}
	c.Properties = sortedProps(distroProps(d))
	return c, nil
}

// distroProps are the marker and the facts of d that a component of type operating-system
// has no field for.
func distroProps(d *sbom.Distro) []cdx.Property {
	props := []cdx.Property{{Name: propDistro, Value: "true"}}
	for _, l := range d.IDLike {
		props = append(props, cdx.Property{Name: propDistroIDLike, Value: l})
	}
	if d.VersionCodename != "" {
		props = append(props, cdx.Property{Name: propDistroCode, Value: d.VersionCodename})
	}
	if d.Name != "" {
		props = append(props, cdx.Property{Name: propDistroName, Value: d.Name})
	}
	return props
}

// distroPackage returns the package that stands for the inventory's distribution, the first
// of Type sbom.TypeOS whose Name and Version are the distribution's ID and VERSION_ID (as the
// os-release cataloger makes it), or nil. A package whose ID looks like the bom-ref of a
// distribution-only component is not used: Decode could not tell the two apart.
func distroPackage(inv *sbom.Inventory) *sbom.Package {
	d := inv.Distro
	if d == nil || d.ID == "" {
		return nil
	}
	for _, p := range inv.Packages {
		if p.Type == sbom.TypeOS && p.Name == d.ID && p.Version == d.VersionID && !strings.HasPrefix(p.ID, distroRefPrefix) {
			return p
		}
	}
	return nil
}

// mergeDistro marks c, the component of the package that stands for the distribution, with
// the distribution's facts. ID and VERSION_ID are the component's name and version; PRETTY_NAME
// and CPE_NAME are its description and cpe unless they differ, in which case properties hold
// them (with an empty value for an empty field).
func mergeDistro(c *cdx.Component, d *sbom.Distro) {
	props := distroProps(d)
	if d.PrettyName != c.Description {
		props = append(props, cdx.Property{Name: propDistroPretty, Value: d.PrettyName})
	}
	if d.CPE != c.CPE {
		props = append(props, cdx.Property{Name: propDistroCPE, Value: d.CPE})
	}
	if c.Properties != nil {
		props = append(*c.Properties, props...)
	}
	c.Properties = sortedProps(props)
}
