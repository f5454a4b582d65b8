package spdx

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/hallmark-dev/hallmark/sbom"
)

// EncodeOptions configures Encode.
type EncodeOptions struct {
	// TagValue selects the tag-value serialisation instead of JSON.
	TagValue bool
	// Created is creationInfo.created (SPDX 2.3 §6.9); the CLI sets it from SOURCE_DATE_EPOCH
	// or the current time. It must be set.
	Created time.Time
	// Namespace is documentNamespace (SPDX 2.3 §6.5), an absolute URI without a fragment. When
	// empty it is "https://hallmark.dev/spdx/<name>-<uuid>" with a UUID derived from a SHA-256
	// of the document's content, so the same inventory always gets the same namespace.
	Namespace string
	// ToolName and ToolVersion make the creator "Tool: <name>-<version>"; ToolName defaults to
	// "hallmark".
	ToolName, ToolVersion string
}

func (o *EncodeOptions) validate() error {
	if o.Created.IsZero() {
		return errors.New("spdx: EncodeOptions.Created is not set")
	}
	if o.Namespace != "" {
		u, err := url.Parse(o.Namespace)
		if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(o.Namespace, "#") {
			return fmt.Errorf("spdx: namespace %q is not an absolute URI without fragment", o.Namespace)
		}
	}
	if !toolWord(o.ToolName) || !toolWord(o.ToolVersion) {
		return fmt.Errorf("spdx: tool name and version must be single words, got %q %q", o.ToolName, o.ToolVersion)
	}
	return nil
}

// toolWord reports whether s may appear in the creator "Tool: name-version".
func toolWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isIDChar(s[i]) && s[i] != '_' && s[i] != '+' {
			return false
		}
	}
	return true
}

// Encode writes inv as an SPDX 2.3 document (JSON unless opts.TagValue). It does not modify
// inv. The output depends only on inv and opts: packages, relationships and lists are sorted.
// Every DependsOn must name a package of inv (call Inventory.Finalize first).
func Encode(w io.Writer, inv *sbom.Inventory, opts EncodeOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	doc, err := buildDocument(inv, opts)
	if err != nil {
		return err
	}
	if doc.DocumentNamespace == "" {
		doc.DocumentNamespace, err = defaultNamespace(doc)
		if err != nil {
			return err
		}
	}
	if opts.TagValue {
		moveAnnotations(doc)
		return tagvalue.Write(doc, w)
	}
	// Without HTML escaping: tools-golang does not unescape "\u003c" in suppliers.
	return spdxjson.Write(doc, w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false))
}

// defaultNamespace derives the namespace from a hash of the JSON form of doc (which has no
// namespace yet), formatted as an RFC 9562 version 8 UUID.
func defaultNamespace(doc *v2_3.Document) (string, error) {
	h := sha256.New()
	if err := spdxjson.Write(doc, h); err != nil {
		return "", err
	}
	s := h.Sum(nil)
	s[6] = s[6]&0x0f | 0x80
	s[8] = s[8]&0x3f | 0x80
	uuid := fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
	name := strings.Trim(sanitizeID(doc.DocumentName), "-.")
	if name == "" {
		name = "sbom"
	}
	return "https://hallmark.dev/spdx/" + name + "-" + uuid, nil
}

// moveAnnotations moves package annotations to the document, where tag-value keeps them (with
// SPDXREF naming the package), and wraps every comment in <text> as SPDX 2.3 §12.4 asks for
// tag-value. The JSON in Hallmark's comments cannot contain "</text>": json.Marshal escapes "<".
func moveAnnotations(doc *v2_3.Document) {
	for _, p := range doc.Packages {
		for _, a := range p.Annotations {
			a.AnnotationSPDXIdentifier = common.MakeDocElementID("", string(p.PackageSPDXIdentifier))
			doc.Annotations = append(doc.Annotations, &a)
		}
		p.Annotations = nil
	}
	for _, a := range doc.Annotations {
		a.AnnotationComment = "<text>" + a.AnnotationComment + "</text>"
	}
}

type encoder struct {
	opts     EncodeOptions
	date     string
	doc      *v2_3.Document
	usedIDs  map[common.ElementID]bool
	refs     map[string]string // LicenseRef- by licence text
	usedRefs map[string]bool   // LicenseRef-s handed out
}

func (e *encoder) annotation(prefix string, v any) (v2_3.Annotation, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return v2_3.Annotation{}, err
	}
	return v2_3.Annotation{
		Annotator:         common.Annotator{Annotator: annotator, AnnotatorType: "Tool"},
		AnnotationDate:    e.date,
		AnnotationType:    "OTHER",
		AnnotationComment: prefix + string(b),
	}, nil
}

// elementID returns a unique SPDX element ID "<kind>-<sanitised name>".
func (e *encoder) elementID(kind, name string) common.ElementID {
	base := kind
	if name != "" {
		base += "-" + sanitizeID(name)
	}
	id := common.ElementID(base)
	for n := 2; e.usedIDs[id] || id == "DOCUMENT"; n++ {
		id = common.ElementID(base + "-" + strconv.Itoa(n))
	}
	e.usedIDs[id] = true
	return id
}

func buildDocument(inv *sbom.Inventory, opts EncodeOptions) (*v2_3.Document, error) {
	e := &encoder{
		opts:     opts,
		date:     opts.Created.UTC().Format(time.RFC3339),
		usedIDs:  map[common.ElementID]bool{},
		refs:     map[string]string{},
		usedRefs: map[string]bool{},
	}
	tool := opts.ToolName
	if tool == "" {
		tool = "hallmark"
	}
	if opts.ToolVersion != "" {
		tool += "-" + opts.ToolVersion
	}
	name := "hallmark-sbom"
	if len(inv.Sources) > 0 && inv.Sources[0].Name != "" {
		name = clean(inv.Sources[0].Name)
	}
	doc := &v2_3.Document{
		SPDXVersion:       v2_3.Version,
		DataLicense:       v2_3.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: opts.Namespace,
		CreationInfo: &v2_3.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: tool}},
			Created:  e.date,
		},
	}
	e.doc = doc
	docID := common.MakeDocElementID("", "DOCUMENT")

	var roots []common.ElementID
	for i, s := range inv.Sources {
		sp, err := e.sourcePackage(i, s)
		if err != nil {
			return nil, err
		}
		doc.Packages = append(doc.Packages, sp)
		roots = append(roots, sp.PackageSPDXIdentifier)
	}
	var contained []common.ElementID
	osPkg := distroPackage(inv)
	if inv.Distro != nil && osPkg == nil {
		dp, err := e.distroPackage(inv.Distro)
		if err != nil {
			return nil, err
		}
		doc.Packages = append(doc.Packages, dp)
		contained = append(contained, dp.PackageSPDXIdentifier)
	}

	pkgs := slices.Clone(inv.Packages)
	slices.SortStableFunc(pkgs, sbom.Compare)
	ids := make(map[string]common.ElementID, len(pkgs))
	for _, p := range pkgs {
		if _, dup := ids[p.ID]; dup {
			return nil, fmt.Errorf("spdx: two packages have the ID %q (call Inventory.Finalize first)", p.ID)
		}
		sp, err := e.pkg(p)
		if err != nil {
			return nil, err
		}
		if p == osPkg {
			a, err := e.annotation(prefixDistro, inv.Distro)
			if err != nil {
				return nil, err
			}
			sp.Annotations = append(sp.Annotations, a)
		}
		ids[p.ID] = sp.PackageSPDXIdentifier
		doc.Packages = append(doc.Packages, sp)
		contained = append(contained, sp.PackageSPDXIdentifier)
		if len(inv.Sources) == 0 && (p.Type == sbom.TypeApplication || p.Type == sbom.TypeContainer) {
			roots = append(roots, sp.PackageSPDXIdentifier)
		}
	}

	rel := func(a common.ElementID, typ string, b common.ElementID) *v2_3.Relationship {
		return &v2_3.Relationship{
			RefA:         common.MakeDocElementID("", string(a)),
			RefB:         common.MakeDocElementID("", string(b)),
			Relationship: typ,
		}
	}
	for _, r := range roots {
		doc.Relationships = append(doc.Relationships, rel(docID.ElementRefID, common.TypeRelationshipDescribe, r))
	}
	if len(roots) == 1 && len(inv.Sources) == 1 {
		for _, c := range contained {
			doc.Relationships = append(doc.Relationships, rel(roots[0], common.TypeRelationshipContains, c))
		}
	}
	var deps []*v2_3.Relationship
	for _, p := range pkgs {
		for _, d := range p.DependsOn {
			to, ok := ids[d]
			if !ok {
				return nil, fmt.Errorf("spdx: package %q depends on unknown package %q (call Inventory.Finalize first)", p.ID, d)
			}
			deps = append(deps, rel(ids[p.ID], common.TypeRelationshipDependsOn, to))
		}
	}
	slices.SortFunc(deps, func(a, b *v2_3.Relationship) int {
		if c := strings.Compare(string(a.RefA.ElementRefID), string(b.RefA.ElementRefID)); c != 0 {
			return c
		}
		return strings.Compare(string(a.RefB.ElementRefID), string(b.RefB.ElementRefID))
	})
	deps = slices.CompactFunc(deps, func(a, b *v2_3.Relationship) bool { return *a == *b })
	doc.Relationships = append(doc.Relationships, deps...)

	if err := e.errors(inv.Errors); err != nil {
		return nil, err
	}
	slices.SortFunc(doc.OtherLicenses, func(a, b *v2_3.OtherLicense) int {
		return strings.Compare(a.LicenseIdentifier, b.LicenseIdentifier)
	})
	return doc, nil
}

func (e *encoder) errors(errs []sbom.FileError) error {
	if len(errs) == 0 {
		return nil
	}
	sorted := slices.Clone(errs)
	slices.SortFunc(sorted, func(a, b sbom.FileError) int {
		return strings.Compare(a.String()+"\x00"+a.Cataloger, b.String()+"\x00"+b.Cataloger)
	})
	var comment strings.Builder
	fmt.Fprintf(&comment, "This SBOM is partial: %d input file(s) could not be read completely.", len(sorted))
	for _, fe := range sorted {
		a, err := e.annotation(prefixError, fe)
		if err != nil {
			return err
		}
		a.AnnotationSPDXIdentifier = common.MakeDocElementID("", "DOCUMENT")
		e.doc.Annotations = append(e.doc.Annotations, &a)
		comment.WriteString("\n" + clean(fe.String()))
	}
	e.doc.DocumentComment = comment.String()
	return nil
}

func (e *encoder) sourcePackage(i int, s sbom.Source) (*v2_3.Package, error) {
	purpose := "APPLICATION"
	switch s.Kind {
	case sbom.SourceImage:
		purpose = "CONTAINER"
	case sbom.SourceFile:
		purpose = "FILE"
	}
	sp := &v2_3.Package{
		PackageName:             orUnknown(clean(s.Name)),
		PackageSPDXIdentifier:   e.elementID("Source", s.Name),
		PackageDownloadLocation: noAssertion,
		PrimaryPackagePurpose:   e.purpose(purpose),
		PackageSupplier:         &common.Supplier{Supplier: noAssertion},
		PackageLicenseConcluded: noAssertion,
		PackageLicenseDeclared:  noAssertion,
		PackageCopyrightText:    noAssertion,
	}
	if alg, hex, ok := strings.Cut(s.Digest, ":"); ok && isHex(hex) {
		if a, ok := hashAlgorithms[map[string]string{"sha256": "SHA-256", "sha512": "SHA-512", "sha384": "SHA-384", "sha1": "SHA-1"}[alg]]; ok {
			sp.PackageChecksums = []common.Checksum{{Algorithm: a, Value: hex}}
		}
	}
	a, err := e.annotation(prefixSource, sourceExt{Index: i, Source: s})
	if err != nil {
		return nil, err
	}
	sp.Annotations = []v2_3.Annotation{a}
	return sp, nil
}

func (e *encoder) distroPackage(d *sbom.Distro) (*v2_3.Package, error) {
	sp := &v2_3.Package{
		PackageName:             orUnknown(clean(d.ID)),
		PackageSPDXIdentifier:   e.elementID("OperatingSystem", d.ID),
		PackageDownloadLocation: noAssertion,
		PrimaryPackagePurpose:   e.purpose("OPERATING-SYSTEM"),
		PackageSupplier:         &common.Supplier{Supplier: noAssertion},
		PackageLicenseConcluded: noAssertion,
		PackageLicenseDeclared:  noAssertion,
		PackageCopyrightText:    noAssertion,
		PackageSummary:          clean(d.PrettyName),
	}
	if v := clean(d.VersionID); v != "" {
		sp.PackageVersion = v
	}
	if token(d.CPE) && strings.HasPrefix(d.CPE, "cpe:2.3:") {
		sp.PackageExternalReferences = []*v2_3.PackageExternalReference{{
			Category: common.CategorySecurity, RefType: common.TypeSecurityCPE23Type, Locator: d.CPE,
		}}
	}
	a, err := e.annotation(prefixDistro, d)
	if err != nil {
		return nil, err
	}
	sp.Annotations = []v2_3.Annotation{a}
	return sp, nil
}

// distroPackage returns the package that stands for the inventory's distribution, the first
// of Type sbom.TypeOS whose Name and Version are the distribution's ID and VERSION_ID (as the
// os-release cataloger makes it), or nil.
func distroPackage(inv *sbom.Inventory) *sbom.Package {
	d := inv.Distro
	if d == nil {
		return nil
	}
	for _, p := range inv.Packages {
		if p.Type == sbom.TypeOS && p.Name == d.ID && p.Version == d.VersionID {
			return p
		}
	}
	return nil
}

// purpose spells a primaryPackagePurpose for the serialisation: JSON's schema uses "_".
func (e *encoder) purpose(p string) string {
	if e.opts.TagValue {
		return p
	}
	return strings.ReplaceAll(p, "-", "_")
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func (e *encoder) pkg(p *sbom.Package) (*v2_3.Package, error) {
	sp := &v2_3.Package{
		PackageName:             orUnknown(clean(p.Name)),
		PackageSPDXIdentifier:   e.elementID("Package", p.ID),
		PackageVersion:          clean(p.Version),
		PackageDownloadLocation: noAssertion,
		PackageLicenseConcluded: noAssertion,
		PackageLicenseDeclared:  e.licenses(p.Licenses),
		PackageCopyrightText:    noAssertion,
		PackageSupplier:         supplier(p.Supplier),
	}
	if p.Type != "" {
		sp.PrimaryPackagePurpose = e.purpose(purposes[p.Type])
	}
	if u := clean(p.DownloadURL); u != "" {
		sp.PackageDownloadLocation = u
	}
	if u := clean(p.Homepage); u != "" {
		sp.PackageHomePage = u
	}
	sp.PackageSummary = clean(p.Description)
	if token(p.PURL) {
		sp.PackageExternalReferences = append(sp.PackageExternalReferences, &v2_3.PackageExternalReference{
			Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: p.PURL,
		})
	}
	cpes := slices.Clone(p.CPEs)
	slices.Sort(cpes)
	for _, c := range slices.Compact(cpes) {
		if token(c) {
			sp.PackageExternalReferences = append(sp.PackageExternalReferences, &v2_3.PackageExternalReference{
				Category: common.CategorySecurity, RefType: common.TypeSecurityCPE23Type, Locator: c,
			})
		}
	}
	hashes := slices.Clone(p.Hashes)
	slices.SortFunc(hashes, func(a, b sbom.Hash) int {
		return strings.Compare(a.Algorithm+"\x00"+a.Value, b.Algorithm+"\x00"+b.Value)
	})
	hashes = slices.Compact(hashes)
	for _, h := range hashes {
		if a, ok := hashAlgorithms[h.Algorithm]; ok && isHex(h.Value) {
			sp.PackageChecksums = append(sp.PackageChecksums, common.Checksum{Algorithm: a, Value: h.Value})
		}
	}

	// What would a reader get back from the standard fields? Keep exact copies of the rest.
	got := standardFields(sp)
	exact := &exactFields{}
	str := func(dst **string, want, have string) {
		if want != have {
			*dst = &want
		}
	}
	str(&exact.Name, p.Name, got.Name)
	str(&exact.Version, p.Version, got.Version)
	str(&exact.PURL, p.PURL, got.PURL)
	str(&exact.Description, p.Description, got.Description)
	str(&exact.Supplier, p.Supplier, got.Supplier)
	str(&exact.Homepage, p.Homepage, got.Homepage)
	str(&exact.DownloadURL, p.DownloadURL, got.DownloadURL)
	if !slices.Equal(slices.Compact(cpes), got.CPEs) {
		c := slices.Compact(cpes)
		exact.CPEs = &c
	}
	if !slices.Equal(hashes, got.Hashes) {
		exact.Hashes = &hashes
	}

	locs := slices.Clone(p.Locations)
	slices.SortFunc(locs, func(a, b sbom.Location) int { return strings.Compare(a.String(), b.String()) })
	ext := packageExt{
		ID: p.ID, Type: p.Type, Constraint: p.Constraint, Unresolved: p.Unresolved,
		Ecosystem: p.Ecosystem, Licenses: p.Licenses, Locations: slices.Compact(locs),
		Relation: p.Relation, Scope: p.Scope, SourceName: p.SourceName,
		SourceVersion: p.SourceVersion, Arch: p.Arch, VCS: p.VCS, FoundBy: p.FoundBy,
		Properties: p.Properties,
	}
	if !exact.empty() {
		ext.Exact = exact
	}
	a, err := e.annotation(prefixPackage, ext)
	if err != nil {
		return nil, err
	}
	sp.Annotations = []v2_3.Annotation{a}
	return sp, nil
}

// supplier writes a supplier (SPDX 2.3 §7.5): "Person: …" when it names an e-mail address,
// "Organization: …" otherwise. Quotes and backslashes are left out: tools-golang's JSON reader
// does not unescape them in this field.
func supplier(s string) *common.Supplier {
	s = clean(strings.NewReplacer(`"`, "", `\`, "").Replace(s))
	if s == "" {
		return &common.Supplier{Supplier: noAssertion}
	}
	typ := "Organization"
	if strings.ContainsAny(s, "@<") {
		typ = "Person"
	}
	return &common.Supplier{Supplier: s, SupplierType: typ}
}

// licenses writes the licence list as one AND-joined expression. Values that are not valid
// expressions become LicenseRef-s with their text in hasExtractedLicensingInfos.
func (e *encoder) licenses(ls []string) string {
	var parts []string
	for _, l := range ls {
		if !validExpression(l) {
			l = e.licenseRef(l)
		}
		if !slices.Contains(parts, l) {
			parts = append(parts, l)
		}
	}
	if len(parts) == 0 {
		return noAssertion
	}
	if len(parts) == 1 {
		return parts[0]
	}
	var b bytes.Buffer
	for i, l := range parts {
		if i > 0 {
			b.WriteString(" AND ")
		}
		if compound(l) {
			l = "(" + l + ")"
		}
		b.WriteString(l)
	}
	return b.String()
}

func (e *encoder) licenseRef(text string) string {
	if ref, ok := e.refs[text]; ok {
		return ref
	}
	base := "LicenseRef-" + strings.Trim(sanitizeID(text), "-")
	if base == "LicenseRef-" {
		base = "LicenseRef-unnamed"
	}
	ref := base
	for n := 2; e.usedRefs[ref]; n++ {
		ref = base + "-" + strconv.Itoa(n)
	}
	e.refs[text] = ref
	e.usedRefs[ref] = true
	name := clean(text)
	if name == "" {
		name = ref
	}
	extracted := text
	if !plain(strings.ReplaceAll(text, "\n", " ")) {
		extracted = clean(text)
	}
	if extracted == "" {
		extracted = noAssertion
	}
	e.doc.OtherLicenses = append(e.doc.OtherLicenses, &v2_3.OtherLicense{
		LicenseIdentifier: ref, ExtractedText: extracted, LicenseName: name,
	})
	return ref
}
