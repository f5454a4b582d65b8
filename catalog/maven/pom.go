package maven

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// PomCataloger reads pom.xml files, Maven's project object model
// (https://maven.apache.org/pom.html).
//
// The project itself becomes a package of type application, named by its groupId (or its
// parent's) and artifactId, whose DependsOn lists the direct dependencies of the POM's
// <dependencies>. Dependencies of profiles and of build plugins are not reported: which
// profiles are active depends on the build machine. Dependencies a child inherits from its
// parent's <dependencies> are reported with the parent's own pom.xml, not again with every
// child. Transitive dependencies are not reported: finding them needs the POMs of the
// dependencies from a repository, and a scan does not use the network.
//
// Versions are worked out as Maven builds its effective model, from files in the tree only:
//
//   - the parent is read from <relativePath> (default ../pom.xml) through File.FS, and used
//     only when its groupId, artifactId and version are those the child names; parents of
//     parents likewise, up to catalog.MaxDepth;
//   - ${…} expressions are expanded from project.*/pom.* values and the <properties> of the
//     POM and its parents, the child's overriding its parents' (see interpolator);
//   - a dependency without <version> takes it from <dependencyManagement> of the POM or its
//     parents (nearest first), then from import-scope BOMs, in the order they are declared;
//     a BOM is used only when it is in the tree (found in a sibling directory named after its
//     artifactId, or as a <module> of the POM or one of its parents).
//
// A version that cannot be worked out this way (a property of a parent or BOM outside the
// tree, an environment variable, a dependency managed outside the tree) is reported with
// Version "", Unresolved true, Constraint holding the expression as written, and the reason in
// the property "hallmark:maven:unresolved" (the property name, when one is missing, in
// "hallmark:maven:unresolved-property"). A version range ("[1.0,2.0)") is reported the same
// way with the range as Constraint. A version from dependency management records where it
// came from in "hallmark:maven:managed-by" (path:line).
//
// Scopes: Maven's compile and runtime scopes map to sbom.ScopeRuntime and test to
// sbom.ScopeTest. provided and system dependencies are needed at run time too, supplied by
// the container or the machine rather than packaged, so they map to sbom.ScopeRuntime as well;
// every scope other than compile is kept in "hallmark:maven:scope". A dependency marked
// <optional>true</optional> gets sbom.ScopeOptional (unless it is a test dependency).
// <type> (when not jar) and <classifier> become purl qualifiers.
type PomCataloger struct{}

var (
	_ catalog.Cataloger      = (*PomCataloger)(nil)
	_ catalog.RelatedMatcher = (*PomCataloger)(nil)
)

// Name returns "pom-xml".
func (*PomCataloger) Name() string { return "pom-xml" }

// Match accepts files named pom.xml.
func (*PomCataloger) Match(p string, mode fs.FileMode) bool {
	return !mode.IsDir() && path.Base(p) == "pom.xml"
}

// Related accepts the files a POM may read as parent or BOM: pom.xml and *.pom files.
func (*PomCataloger) Related(p string, mode fs.FileMode) bool {
	b := path.Base(p)
	return !mode.IsDir() && (b == "pom.xml" || strings.HasSuffix(b, ".pom"))
}

// Catalog parses one pom.xml and the parents and BOMs it refers to in the tree.
func (c *PomCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	m, err := parsePOM(data, f.Path)
	if m == nil {
		return nil, err
	}
	var errs []error
	if err != nil {
		errs = append(errs, err) // keep what was read before the problem
	}
	r := &resolver{ctx: ctx, fsys: f.FS, models: map[string]*pomModel{f.Path: m}}
	e := r.effective(m, 0)
	res := &catalog.Result{}

	root := c.project(f.Path, e)
	res.Packages = append(res.Packages, root)
	ids := map[string]int{}
	for _, d := range m.deps {
		p, derr := c.dependency(f.Path, e, d)
		if derr != nil {
			errs = append(errs, derr)
			continue
		}
		key := p.ID
		if n := ids[key]; n > 0 {
			p.ID += "#" + strconv.Itoa(n)
		}
		ids[key]++
		root.DependsOn = append(root.DependsOn, p.ID)
		res.Packages = append(res.Packages, p)
	}
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return res, errors.Join(errs...)
}

// project returns the package of the project itself.
func (c *PomCataloger) project(file string, e *effectiveModel) *sbom.Package {
	m := e.model
	p := &sbom.Package{
		ID:        "project",
		Type:      sbom.TypeApplication,
		Ecosystem: sbom.EcosystemMaven,
		Licenses:  m.licenses,
		Locations: []sbom.Location{{Path: file, Line: m.line}},
		FoundBy:   c.Name(),
	}
	group, gu := e.interp.expand(e.interp.model["groupId"])
	artifact, au := e.interp.expand(m.artifactID)
	if gu != nil {
		group = e.interp.model["groupId"]
	}
	if au != nil {
		artifact = m.artifactID
	}
	version, vu := e.interp.expand(e.interp.model["version"])
	if vu != nil {
		p.Constraint, p.Unresolved = e.interp.model["version"], true
		unresolved(p, vu, e)
	} else {
		p.Version = version
	}
	if artifact == "" {
		artifact = "unknown"
		p.SetProperty(propPrefix+"unresolved", "the POM has no artifactId")
	}
	p.Name = name(group, artifact)
	p.PURL = purl(group, artifact, p.Version, "", "")
	if m.packaging != "" && m.packaging != "jar" {
		p.SetProperty(propPrefix+"packaging", m.packaging)
	}
	if m.parent != nil {
		p.SetProperty(propPrefix+"parent", m.parent.groupID+":"+m.parent.artifactID+":"+m.parent.version)
	}
	return p
}

// dependency returns the package of one <dependency> of the POM.
func (c *PomCataloger) dependency(file string, e *effectiveModel, d pomDep) (*sbom.Package, error) {
	in := e.interp
	group, gu := in.expand(d.groupID)
	artifact, au := in.expand(d.artifactID)
	typ, _ := in.expand(d.typ)
	classifier, _ := in.expand(d.classifier)
	if d.groupID == "" || d.artifactID == "" {
		return nil, catalog.Errorf(file, d.line, "dependency without groupId or artifactId")
	}
	if gu != nil {
		group = d.groupID
	}
	if au != nil {
		artifact = d.artifactID
	}
	if typ == "" {
		typ = "jar"
	}
	p := &sbom.Package{
		ID:        group + ":" + artifact + ":" + typ + ":" + classifier,
		Name:      name(group, artifact),
		Ecosystem: sbom.EcosystemMaven,
		Locations: []sbom.Location{{Path: file, Line: d.line}},
		Relation:  sbom.RelationDirect,
		FoundBy:   c.Name(),
	}
	if u := firstNonNil(gu, au); u != nil {
		p.Unresolved = true
		unresolved(p, u, e)
	}

	scope := d.scope
	var mv *managedVersion
	if d.version == "" || scope == "" {
		mv = e.managed[managementKey(group, artifact, typ, classifier)]
	}
	if scope == "" && mv != nil {
		scope = mv.scope
	}
	switch {
	case d.version != "":
		v, u := in.expand(d.version)
		if u != nil {
			p.Constraint, p.Unresolved = d.version, true
			unresolved(p, u, e)
		} else {
			setVersion(p, v)
		}
	case mv != nil:
		p.SetProperty(propPrefix+"managed-by", mv.from)
		if mv.unresolved != nil {
			p.Constraint, p.Unresolved = mv.raw, true
			unresolved(p, mv.unresolved, e)
		} else {
			setVersion(p, mv.version)
		}
	default:
		p.Unresolved = true
		unresolved(p, &unresolvedRef{reason: "no <version>, and no dependencyManagement in the tree manages " + p.Name, undefined: true}, e)
	}
	p.PURL = purl(group, artifact, p.Version, classifier, typ)

	optional, _ := in.expand(d.optional)
	switch s, _ := in.expand(scope); s {
	case "test":
		p.Scope = sbom.ScopeTest
	default:
		p.Scope = sbom.ScopeRuntime
		if strings.EqualFold(optional, "true") {
			p.Scope = sbom.ScopeOptional
		}
	}
	if s, _ := in.expand(scope); s != "" && s != "compile" && s != "test" {
		p.SetProperty(propPrefix+"scope", s)
	}
	if d.systemPath != "" {
		p.SetProperty(propPrefix+"system-path", d.systemPath)
	}
	return p, nil
}

// setVersion records an expanded version: exact, or a range as an unresolved constraint.
func setVersion(p *sbom.Package, v string) {
	if strings.HasPrefix(v, "[") || strings.HasPrefix(v, "(") {
		p.Constraint, p.Unresolved = v, true
		p.SetProperty(propPrefix+"unresolved", "version range")
		return
	}
	p.Version = v
}

// unresolved records why p has no exact version or name.
func unresolved(p *sbom.Package, u *unresolvedRef, e *effectiveModel) {
	reason := u.reason
	if u.undefined && e.outside != "" {
		reason += "; " + e.outside
	}
	if p.Properties[propPrefix+"unresolved"] == "" {
		p.SetProperty(propPrefix+"unresolved", reason)
		p.SetProperty(propPrefix+"unresolved-property", u.property)
	}
}

func firstNonNil(us ...*unresolvedRef) *unresolvedRef {
	for _, u := range us {
		if u != nil {
			return u
		}
	}
	return nil
}

func managementKey(group, artifact, typ, classifier string) string {
	if typ == "" {
		typ = "jar"
	}
	return group + ":" + artifact + ":" + typ + ":" + classifier
}
