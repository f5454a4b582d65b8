package maven

import (
	"bytes"
	"context"
	"io/fs"
	"maps"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// pkgView is the part of a package the tests compare, flattened for readable tables.
type pkgView struct {
	ID         string
	Type       sbom.Type
	Name       string
	Version    string
	Constraint string
	Unresolved bool
	PURL       string
	Loc        string // path:line of the first location
	Relation   sbom.Relation
	Scope      sbom.Scope
	SHA1       string
	DependsOn  []string
	Props      map[string]string
}

func view(res *catalog.Result) []pkgView {
	if res == nil {
		return nil
	}
	var out []pkgView
	for _, p := range res.Packages {
		v := pkgView{
			ID: p.ID, Type: p.Type, Name: p.Name, Version: p.Version, Constraint: p.Constraint,
			Unresolved: p.Unresolved, PURL: p.PURL, Relation: p.Relation, Scope: p.Scope,
			DependsOn: p.DependsOn, Props: maps.Clone(p.Properties),
		}
		if len(p.Locations) > 0 {
			v.Loc = p.Locations[0].Path
			if p.Locations[0].Line > 0 {
				v.Loc += ":" + strconv.Itoa(p.Locations[0].Line)
			}
		}
		for _, h := range p.Hashes {
			if h.Algorithm == "SHA-1" {
				v.SHA1 = h.Value
			}
		}
		if p.Ecosystem != sbom.EcosystemMaven && (p.Ecosystem != "" || p.Properties[sbom.PropUnmatched] == "") {
			v.Name += " (ecosystem " + p.Ecosystem + ")"
		}
		if p.FoundBy == "" {
			v.Name += " (no FoundBy)"
		}
		out = append(out, v)
	}
	return out
}

// props builds a property map from key, value pairs without the "hallmark:maven:" prefix.
func props(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[propPrefix+kv[i]] = kv[i+1]
	}
	return m
}

// runFS catalogs rel inside an in-memory tree.
func runFS(t testing.TB, c catalog.Cataloger, fsys fstest.MapFS, rel string) (*catalog.Result, error) {
	t.Helper()
	data := fsys[rel].Data
	f := &catalog.File{Path: rel, Size: int64(len(data)), Mode: 0o644, R: bytes.NewReader(data), FS: fsys}
	if !c.Match(rel, fs.FileMode(0o644)) {
		t.Errorf("%s.Match(%q) = false", c.Name(), rel)
	}
	return c.Catalog(context.Background(), f)
}
