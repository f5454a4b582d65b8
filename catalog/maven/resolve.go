package maven

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
)

// effectiveModel is what the pom-xml cataloger knows of a POM's effective model.
type effectiveModel struct {
	model  *pomModel
	interp *interpolator
	// managed maps groupId:artifactId:type:classifier to the managed version, from the
	// dependencyManagement of the model, its in-tree parents and its in-tree BOMs.
	managed map[string]*managedVersion
	// outside says which parents and BOMs are not in the tree, for unresolved versions.
	outside string
}

// managedVersion is one entry of dependency management, expanded in its own POM's context.
type managedVersion struct {
	version    string
	raw        string // as written
	unresolved *unresolvedRef
	scope      string
	from       string // path:line of the entry
}

// resolver reads the parents and BOMs of one POM through the target's FS.
type resolver struct {
	ctx    context.Context
	fsys   fs.FS
	models map[string]*pomModel // by path; nil when the file is missing or unreadable
	reads  int
	active map[*pomModel]bool // models whose effective model is being built, against cycles
	// boms holds the effective models of the BOMs worked out so far: a BOM imported along
	// many paths (BOMs importing the same BOMs) is worked out once, not once per path.
	boms map[*pomModel]*effectiveModel
}

// maxRelatedReads bounds the files one POM may read as parents and BOMs.
const maxRelatedReads = 256

// effective builds the effective model of m. depth counts BOM imports.
func (r *resolver) effective(m *pomModel, depth int) *effectiveModel {
	if r.active == nil {
		r.active = map[*pomModel]bool{}
	}
	r.active[m] = true
	defer delete(r.active, m)

	e := &effectiveModel{model: m, managed: map[string]*managedVersion{}}
	var outside []string

	chain := []*pomModel{m}
	seen := map[*pomModel]bool{m: true}
	for cur := m; cur.parent != nil; {
		if len(chain) > catalog.MaxDepth {
			outside = append(outside, fmt.Sprintf("parents nested deeper than %d", catalog.MaxDepth))
			break
		}
		pm, why := r.parentOf(cur)
		if pm == nil {
			outside = append(outside, why)
			break
		}
		if seen[pm] {
			outside = append(outside, "parent "+parentDesc(cur.parent)+" is its own ancestor")
			break
		}
		seen[pm] = true
		chain = append(chain, pm)
		cur = pm
	}

	in := &interpolator{model: map[string]string{}, props: map[string]string{}}
	set := func(k, v string) {
		if v != "" {
			in.model[k] = v
		}
	}
	set("artifactId", m.artifactID)
	set("groupId", m.groupID)
	set("version", m.version)
	set("packaging", m.packaging)
	if in.model["packaging"] == "" {
		in.model["packaging"] = "jar"
	}
	if p := m.parent; p != nil {
		if m.groupID == "" {
			set("groupId", p.groupID)
		}
		if m.version == "" {
			set("version", p.version)
		}
		set("parent.groupId", p.groupID)
		set("parent.artifactId", p.artifactID)
		set("parent.version", p.version)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		for _, prop := range chain[i].properties {
			in.props[prop.name] = prop.value
		}
	}
	e.interp = in

	// Explicit entries of the model and its parents, the nearest first, then imports in
	// the order they are declared.
	type imp struct {
		dep  pomDep
		file string
	}
	var imports []imp
	for _, cm := range chain {
		for _, d := range cm.depMgmt {
			scope, _ := in.expand(d.scope)
			typ, _ := in.expand(d.typ)
			if scope == "import" && typ == "pom" {
				imports = append(imports, imp{d, cm.path})
				continue
			}
			e.manage(in, d, cm.path)
		}
	}
	for _, im := range imports {
		g, gu := in.expand(im.dep.groupID)
		a, au := in.expand(im.dep.artifactID)
		v, vu := in.expand(im.dep.version)
		if u := firstNonNil(gu, au, vu); u != nil {
			outside = append(outside, fmt.Sprintf("BOM %s:%s:%s is not known (%s)", im.dep.groupID, im.dep.artifactID, im.dep.version, u.reason))
			continue
		}
		bom := r.findBOM(g, a, v, chain)
		if bom == nil || depth >= catalog.MaxDepth || r.active[bom] {
			outside = append(outside, "BOM "+g+":"+a+":"+v+" is not in the tree")
			continue
		}
		be, ok := r.boms[bom]
		if !ok {
			be = r.effective(bom, depth+1)
			if r.boms == nil {
				r.boms = map[*pomModel]*effectiveModel{}
			}
			r.boms[bom] = be
		}
		for k, mv := range be.managed {
			if _, ok := e.managed[k]; !ok {
				e.managed[k] = mv
			}
		}
	}
	e.outside = strings.Join(outside, "; ")
	return e
}

// manage adds one dependencyManagement entry unless a nearer one manages the same key.
func (e *effectiveModel) manage(in *interpolator, d pomDep, file string) {
	g, _ := in.expand(d.groupID)
	a, _ := in.expand(d.artifactID)
	t, _ := in.expand(d.typ)
	c, _ := in.expand(d.classifier)
	k := managementKey(g, a, t, c)
	if _, ok := e.managed[k]; ok {
		return
	}
	mv := &managedVersion{raw: d.version, from: file + ":" + strconv.Itoa(d.line)}
	mv.scope, _ = in.expand(d.scope)
	if d.version == "" {
		mv.unresolved = &unresolvedRef{reason: "dependencyManagement entry at " + mv.from + " has no <version>"}
	} else {
		mv.version, mv.unresolved = in.expand(d.version)
	}
	e.managed[k] = mv
}

// parentOf returns the in-tree parent of cur, or nil and why it is not used.
func (r *resolver) parentOf(cur *pomModel) (*pomModel, string) {
	ref := cur.parent
	desc := "parent " + parentDesc(ref)
	rel := "../pom.xml"
	if ref.relativePath != nil {
		rel = *ref.relativePath
		if rel == "" {
			return nil, desc + " is not in the tree (empty <relativePath/>)"
		}
	}
	p := r.pomPath(path.Dir(cur.path), rel)
	if p == "" {
		return nil, desc + " is not in the tree"
	}
	pm := r.load(p)
	if pm == nil {
		return nil, desc + " is not in the tree"
	}
	g, a, v := ownCoordinates(pm)
	if g != ref.groupID || a != ref.artifactID || (v != ref.version && pm.version != ref.version) {
		return nil, fmt.Sprintf("%s is not in the tree (%s is %s:%s:%s)", desc, p, g, a, v)
	}
	return pm, ""
}

// findBOM looks for the POM g:a:v in the tree: in directories named a beside the POM and
// its ancestors' directories, and among the modules of the POM's in-tree parents.
func (r *resolver) findBOM(g, a, v string, chain []*pomModel) *pomModel {
	var cands []string
	for d := path.Dir(chain[0].path); ; d = path.Dir(d) {
		cands = append(cands, path.Join(d, a, "pom.xml"))
		if d == "." || d == "/" || len(cands) > catalog.MaxDepth {
			break
		}
	}
	for _, cm := range chain {
		for _, mod := range cm.modules {
			if p := r.pomPath(path.Dir(cm.path), mod); p != "" {
				cands = append(cands, p)
			}
		}
	}
	tried := map[string]bool{}
	for _, c := range cands {
		if tried[c] || !fs.ValidPath(c) {
			continue
		}
		tried[c] = true
		pm := r.load(c)
		if pm == nil {
			continue
		}
		if pg, pa, pv := ownCoordinates(pm); pg == g && pa == a && pv == v {
			return pm
		}
	}
	return nil
}

// pomPath resolves a relativePath or module rel against dir: a directory means its pom.xml.
// It returns "" for paths outside the tree.
func (r *resolver) pomPath(dir, rel string) string {
	rel = strings.ReplaceAll(rel, `\`, "/")
	if rel == "" || strings.HasPrefix(rel, "/") {
		return ""
	}
	p := path.Join(dir, rel)
	if !fs.ValidPath(p) || p == "." {
		return ""
	}
	if !strings.HasSuffix(p, ".xml") && !strings.HasSuffix(p, ".pom") {
		p = path.Join(p, "pom.xml")
	}
	return p
}

// load reads and parses the POM at p, once.
func (r *resolver) load(p string) *pomModel {
	if m, ok := r.models[p]; ok {
		return m
	}
	if r.reads >= maxRelatedReads || r.fsys == nil || r.ctx.Err() != nil {
		return nil
	}
	r.reads++
	var m *pomModel
	if data, err := catalog.ReadFileFS(r.fsys, p, catalog.MaxManifestSize); err == nil {
		if pm, err := parsePOM(data, p); err == nil {
			m = pm
		}
	}
	r.models[p] = m
	return m
}

// ownCoordinates returns the groupId, artifactId and version a POM declares, taking groupId
// and version from its <parent> when absent and expanding them with its own properties only.
func ownCoordinates(m *pomModel) (g, a, v string) {
	g, v = m.groupID, m.version
	if m.parent != nil {
		if g == "" {
			g = m.parent.groupID
		}
		if v == "" {
			v = m.parent.version
		}
	}
	in := &interpolator{model: map[string]string{"groupId": g, "artifactId": m.artifactID, "version": v}, props: map[string]string{}}
	for _, p := range m.properties {
		in.props[p.name] = p.value
	}
	if x, u := in.expand(g); u == nil {
		g = x
	}
	if x, u := in.expand(v); u == nil {
		v = x
	}
	return g, m.artifactID, v
}

// parentDesc returns groupId:artifactId:version of a parent reference.
func parentDesc(p *pomParent) string {
	return p.groupID + ":" + p.artifactID + ":" + p.version
}
