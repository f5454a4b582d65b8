package cyclonedx

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
// an operating-system component as the distribution (the one marked "hallmark:distro", which
// is also a package unless its bom-ref starts with "hallmark:distro:"). Documents written by
// Encode come back field for field.
//
// Decode reads at most MaxDocumentSize bytes, nesting to catalog.MaxDepth and
// catalog.MaxPackages components; beyond that it fails with catalog.ErrTooLarge. Defects
// that change the document's meaning fail with an error wrapping ErrInvalid that says what
// and where (see ErrInvalid).
func Decode(r io.Reader) (*sbom.Inventory, error) {
	data, err := readDocument(r)
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

// readDocument reads at most maxSize+1 bytes of r: into one buffer of the file's size when r
// is a regular file (io.ReadAll grows its buffer by doubling, which for a document of
// megabytes made three times its size in garbage).
func readDocument(r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() <= int64(maxSize) {
			buf.Grow(int(st.Size()) + bytes.MinRead)
		}
	}
	_, err := buf.ReadFrom(io.LimitReader(r, int64(maxSize)+1))
	return buf.Bytes(), err
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
	if format == cdx.BOMFileFormatJSON {
		// What the library's JSON decoder does, without first copying data (io.ReadAll).
		return bom, json.Unmarshal(data, bom)
	}
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
		c := f.c
		merged := false
		if i == distro {
			d.inv.Distro = decodeDistro(c)
			// A marked component whose bom-ref is not a distribution's is also the package
			// of the operating system (see the package documentation).
			if c.BOMRef == "" || strings.HasPrefix(c.BOMRef, distroRefPrefix) || !hasProp(c.Properties, propDistro, "true") {
				if c.BOMRef != "" {
					d.refs[c.BOMRef] = "distro"
				}
				ids[i] = c.BOMRef
				continue
			}
			c = withoutDistroProps(c)
			merged = true
		}
		var parent string
		switch {
		case f.parent >= 0:
			parent = ids[f.parent]
		case f.parent == -2:
			parent = meta.BOMRef
		}
		p := d.pkg(c, parent)
		if merged {
			d.inv.Distro.ID, d.inv.Distro.VersionID = p.Name, p.Version
		}
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
