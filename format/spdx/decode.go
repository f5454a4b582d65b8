package spdx

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/hallmark-dev/hallmark/sbom"
)

// Decode reads an SPDX 2.2 or 2.3 document, JSON or tag-value (sniffed from the first
// non-blank byte), into an inventory. Documents written by Encode come back exactly (after
// Inventory.Sort); foreign documents are mapped as the package documentation describes. Errors
// about the input wrap ErrInvalid. The inventory is returned sorted.
func Decode(r io.Reader) (*sbom.Inventory, error) {
	doc, err := readDocument(r)
	if err != nil {
		return nil, err
	}
	return fromDocument(doc)
}

// hallmarkAnnotation returns the JSON after prefix when a is one of Hallmark's annotations.
func hallmarkAnnotation(a *v2_3.Annotation) (prefix, body string, ok bool) {
	if a == nil || a.Annotator.Annotator != annotator || a.Annotator.AnnotatorType != "Tool" {
		return "", "", false
	}
	for _, p := range []string{prefixPackage, prefixSource, prefixDistro, prefixError} {
		if b, ok := strings.CutPrefix(a.AnnotationComment, p); ok {
			return p, b, true
		}
	}
	return "", "", false
}

// strictJSON decodes one JSON object; unknown keys are ignored so that annotations written by
// later versions stay readable.
func strictJSON(body string, v any) error {
	dec := json.NewDecoder(strings.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON object")
	}
	return nil
}

func fromDocument(doc *v2_3.Document) (*sbom.Inventory, error) {
	if len(doc.Packages) > MaxPackages {
		return nil, fmt.Errorf("%w: %d packages, more than the limit of %d", ErrInvalid, len(doc.Packages), MaxPackages)
	}
	if len(doc.Relationships) > MaxRelationships {
		return nil, fmt.Errorf("%w: %d relationships, more than the limit of %d", ErrInvalid, len(doc.Relationships), MaxRelationships)
	}
	docID := doc.SPDXIdentifier
	if docID == "" {
		docID = "DOCUMENT"
	}
	// Every element a relationship may name.
	elements := map[common.ElementID]bool{docID: true}
	addFile := func(f *v2_3.File) {
		if f != nil {
			elements[f.FileSPDXIdentifier] = true
			for id := range f.Snippets {
				elements[id] = true
			}
		}
	}
	for _, f := range doc.Files {
		addFile(f)
	}
	for _, s := range doc.Snippets {
		elements[s.SnippetSPDXIdentifier] = true
	}
	byID := make(map[common.ElementID]*v2_3.Package, len(doc.Packages))
	for _, sp := range doc.Packages {
		if sp == nil {
			continue
		}
		id := sp.PackageSPDXIdentifier
		if id == "" {
			return nil, fmt.Errorf("%w: package %q has no SPDXID", ErrInvalid, sp.PackageName)
		}
		if elements[id] {
			return nil, fmt.Errorf("%w: SPDXRef-%s names two elements", ErrInvalid, id)
		}
		elements[id] = true
		byID[id] = sp
		for _, f := range sp.Files {
			addFile(f)
		}
	}

	// Annotations by element: in JSON they sit in the package, in tag-value in the document.
	annotations := map[common.ElementID][]*v2_3.Annotation{}
	for _, sp := range doc.Packages {
		if sp == nil {
			continue
		}
		for i := range sp.Annotations {
			annotations[sp.PackageSPDXIdentifier] = append(annotations[sp.PackageSPDXIdentifier], &sp.Annotations[i])
		}
	}
	inv := &sbom.Inventory{}
	for _, a := range doc.Annotations {
		if a == nil {
			continue
		}
		target := a.AnnotationSPDXIdentifier.ElementRefID
		if a.AnnotationSPDXIdentifier.DocumentRefID != "" {
			continue
		}
		if target != "" && target != docID {
			if !elements[target] {
				return nil, fmt.Errorf("%w: annotation names unknown element SPDXRef-%s", ErrInvalid, target)
			}
			annotations[target] = append(annotations[target], a)
			continue
		}
		prefix, body, ok := hallmarkAnnotation(a)
		if !ok {
			continue
		}
		if prefix != prefixError {
			return nil, fmt.Errorf("%w: document annotation %q belongs on a package", ErrInvalid, strings.TrimSuffix(prefix, ":"))
		}
		var fe sbom.FileError
		if err := strictJSON(body, &fe); err != nil {
			return nil, fmt.Errorf("%w: document annotation %s: %v", ErrInvalid, prefixError, err)
		}
		inv.Errors = append(inv.Errors, fe)
	}

	var sources []sourceExt
	spdxToModel := map[common.ElementID]string{}
	modelIDs := map[string]bool{}
	for _, sp := range doc.Packages {
		if sp == nil {
			continue
		}
		id := sp.PackageSPDXIdentifier
		var ext *packageExt
		// A package has one hallmark annotation, except the operating system's package,
		// which has a package and a distro annotation.
		seen := map[string]bool{}
		for _, a := range annotations[id] {
			prefix, body, ok := hallmarkAnnotation(a)
			if !ok {
				continue
			}
			if seen[prefix] || seen[prefixSource] || len(seen) > 0 && prefix == prefixSource {
				return nil, fmt.Errorf("%w: package SPDXRef-%s has more than one hallmark annotation", ErrInvalid, id)
			}
			seen[prefix] = true
			var err error
			switch prefix {
			case prefixPackage:
				ext = &packageExt{}
				err = strictJSON(body, ext)
			case prefixSource:
				var s sourceExt
				err = strictJSON(body, &s)
				sources = append(sources, s)
			case prefixDistro:
				if inv.Distro != nil {
					return nil, fmt.Errorf("%w: package SPDXRef-%s is a second hallmark distro", ErrInvalid, id)
				}
				inv.Distro = &sbom.Distro{}
				err = strictJSON(body, inv.Distro)
			case prefixError:
				return nil, fmt.Errorf("%w: package SPDXRef-%s has an error annotation, which belongs on the document", ErrInvalid, id)
			}
			if err != nil {
				return nil, fmt.Errorf("%w: package SPDXRef-%s: annotation %s: %v", ErrInvalid, id, prefix, err)
			}
		}
		if seen[prefixSource] || seen[prefixDistro] && ext == nil {
			continue // the package stands for a source or the distro only
		}
		p := standardFields(sp)
		p.ID = "SPDXRef-" + string(id)
		if ext != nil {
			p.ID = ext.ID
			p.Type, p.Constraint, p.Unresolved = ext.Type, ext.Constraint, ext.Unresolved
			p.Ecosystem, p.Licenses, p.Locations = ext.Ecosystem, ext.Licenses, ext.Locations
			p.Relation, p.Scope = ext.Relation, ext.Scope
			p.SourceName, p.SourceVersion, p.Arch = ext.SourceName, ext.SourceVersion, ext.Arch
			p.VCS, p.FoundBy, p.Properties = ext.VCS, ext.FoundBy, ext.Properties
			if ext.Exact != nil {
				ext.Exact.apply(p)
			}
		}
		if modelIDs[p.ID] {
			return nil, fmt.Errorf("%w: two packages have the ID %q", ErrInvalid, p.ID)
		}
		modelIDs[p.ID] = true
		spdxToModel[id] = p.ID
		inv.Packages = append(inv.Packages, p)
	}
	slices.SortStableFunc(sources, func(a, b sourceExt) int { return cmp.Compare(a.Index, b.Index) })
	for _, s := range sources {
		inv.Sources = append(inv.Sources, s.Source)
	}
	if err := edges(doc, elements, spdxToModel, inv); err != nil {
		return nil, err
	}
	inv.Sort()
	return inv, nil
}

// edges turns the dependency relationships between packages into DependsOn.
func edges(doc *v2_3.Document, elements map[common.ElementID]bool, spdxToModel map[common.ElementID]string, inv *sbom.Inventory) error {
	byModel := make(map[string]*sbom.Package, len(inv.Packages))
	for _, p := range inv.Packages {
		byModel[p.ID] = p
	}
	for i, r := range doc.Relationships {
		if r == nil {
			continue
		}
		typ := strings.ToUpper(strings.TrimSpace(r.Relationship))
		for _, ref := range []common.DocElementID{r.RefA, r.RefB} {
			if ref.DocumentRefID != "" || ref.SpecialID != "" {
				continue
			}
			if ref.ElementRefID == "" {
				return fmt.Errorf("%w: relationship %d (%s) has an empty element reference", ErrInvalid, i+1, typ)
			}
			if !elements[ref.ElementRefID] {
				return fmt.Errorf("%w: relationship %d (%s %s %s) names unknown element SPDXRef-%s",
					ErrInvalid, i+1, common.RenderDocElementID(r.RefA), typ, common.RenderDocElementID(r.RefB), ref.ElementRefID)
			}
		}
		if r.RefA.DocumentRefID != "" || r.RefB.DocumentRefID != "" {
			continue
		}
		a, okA := spdxToModel[r.RefA.ElementRefID]
		b, okB := spdxToModel[r.RefB.ElementRefID]
		if !okA || !okB {
			continue
		}
		switch {
		case typ == common.TypeRelationshipDependsOn || typ == common.TypeRelationshipContains,
			typ == common.TypeRelationshipDynamicLink || typ == common.TypeRelationshipStaticLink:
		case typ == common.TypeRelationshipContainedBy || strings.HasSuffix(typ, "DEPENDENCY_OF"):
			a, b = b, a
		default:
			continue
		}
		byModel[a].DependsOn = append(byModel[a].DependsOn, b)
	}
	return nil
}
