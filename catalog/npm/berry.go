package npm

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// berryEntry is one entry of a Yarn Berry lockfile. Its key lists the descriptors
// ("name@npm:^1.0.0, name@npm:^1.1.0") that resolve to it.
type berryEntry struct {
	Version          string            `yaml:"version"`
	Resolution       string            `yaml:"resolution"`
	Dependencies     map[string]string `yaml:"dependencies"`
	PeerDependencies map[string]string `yaml:"peerDependencies"`
	DependenciesMeta map[string]struct {
		Optional bool `yaml:"optional"`
	} `yaml:"dependenciesMeta"`
	Checksum     string `yaml:"checksum"`
	LanguageName string `yaml:"languageName"`
	LinkType     string `yaml:"linkType"`
}

// parseYAMLDoc parses data into its document's top-level mapping node.
func parseYAMLDoc(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, catalog.Errorf(file, yamlErrLine(err), "invalid YAML: %v", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, catalog.Errorf(file, 1, "the lockfile is not a YAML mapping")
	}
	return doc.Content[0], nil
}

// yamlErrLine extracts "line N" from a yaml.v3 error message.
func yamlErrLine(err error) int {
	s := err.Error()
	if i := strings.Index(s, "line "); i >= 0 {
		n := 0
		for _, r := range s[i+5:] {
			if r < '0' || r > '9' {
				break
			}
			n = n*10 + int(r-'0')
			if n > 1<<30 {
				return 0
			}
		}
		return n
	}
	return 0
}

// parseBerry reads a Yarn 2+ lockfile.
func parseBerry(ctx context.Context, f *catalog.File, data []byte, foundBy string) ([]*sbom.Package, error) {
	top, err := parseYAMLDoc(f.Path, data)
	if err != nil {
		return nil, err
	}
	if len(top.Content)/2 > catalog.MaxPackages {
		return nil, fmt.Errorf("%s: %w: more than %d packages", f.Path, catalog.ErrTooLarge, catalog.MaxPackages)
	}
	dir := path.Dir(f.Path)
	type item struct {
		p       *sbom.Package
		e       *berryEntry
		isWS    bool
		wsPath  string
		wsMan   *manifest
		patchOf string // inner descriptor of a patch: resolution
	}
	var items []item
	var pkgs []*sbom.Package
	byDesc := map[string]*sbom.Package{}
	byID := map[string]bool{}
	patchFor := map[string]*sbom.Package{} // inner descriptor -> patch package
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if k.Value == "__metadata" {
			continue
		}
		if v.Kind != yaml.MappingNode {
			return pkgs, catalog.Errorf(f.Path, k.Line, "entry %q is not a mapping", clip(k.Value))
		}
		var e berryEntry
		if err := v.Decode(&e); err != nil {
			return pkgs, catalog.Errorf(f.Path, k.Line, "entry %q: %v", clip(k.Value), err)
		}
		descs := strings.Split(k.Value, ",")
		for j := range descs {
			descs[j] = strings.TrimSpace(descs[j])
		}
		name, ref, ok := splitNameAt(e.Resolution)
		if !ok || !validName(name) {
			return pkgs, catalog.Errorf(f.Path, k.Line, "entry %q has no valid resolution (name@protocol:reference)", clip(k.Value))
		}
		p := &sbom.Package{
			ID: e.Resolution, Name: name, Version: e.Version, Ecosystem: sbom.EcosystemNPM, FoundBy: foundBy,
			Locations: []sbom.Location{{Path: f.Path, Line: k.Line}},
		}
		if byID[p.ID] {
			return pkgs, catalog.Errorf(f.Path, k.Line, "resolution %q appears twice", clip(e.Resolution))
		}
		byID[p.ID] = true
		if dn, _, ok := splitNameAt(descs[0]); ok && dn != name && validName(dn) {
			p.SetProperty(propAlias, dn)
		}
		it := item{p: p, e: &e}
		protocol, rest, _ := strings.Cut(ref, ":")
		switch {
		case protocol == "workspace":
			it.isWS, it.wsPath = true, rest
			p.Type = sbom.TypeApplication
			p.ID = "workspace:" + rest
			p.Version = "" // Berry writes the placeholder 0.0.0-use.local
			if m := readManifest(f.FS, path.Join(dir, rest)); m != nil {
				it.wsMan = m
				p.Version = m.Version
				if !validName(m.Name) {
					// Berry names a nameless workspace after its directory and a hash
					// ("root-workspace-0b6124"), which reads like a registry package: it is
					// named by its directory instead, as pnpm's importers are.
					p.Name = importerName(dir, rest)
				}
			}
			if rest != "." {
				p.SetProperty(propWorkspace, rest)
				p.SetProperty(propSource, "workspace")
			}
		case protocol == "patch":
			inner, _, _ := strings.Cut(rest, "#")
			if u, err := url.PathUnescape(inner); err == nil {
				inner = u
			}
			it.patchOf = inner
			p.SetProperty(propSource, "patch")
			p.SetProperty(propPatch, ref)
		case protocol == "npm":
			if i := strings.Index(rest, "::"); i >= 0 { // npm:1.0.0::__archiveUrl=…
				if q, err := url.ParseQuery(rest[i+2:]); err == nil && q.Get("__archiveUrl") != "" {
					p.DownloadURL = q.Get("__archiveUrl")
				}
			}
		case protocol == "file" || protocol == "link" || protocol == "portal":
			loc, _, _ := strings.Cut(rest, "::")
			loc, _, _ = strings.Cut(loc, "#")
			p.SetProperty(propResolved, protocol+":"+loc)
			if strings.HasSuffix(loc, ".tgz") || strings.HasSuffix(loc, ".tar.gz") {
				p.SetProperty(propSource, "tarball")
			} else if protocol == "file" {
				p.SetProperty(propSource, "directory")
			} else {
				p.SetProperty(propSource, "link")
			}
		case isGitSpec(ref) || strings.Contains(ref, ".git#") || strings.Contains(ref, "#commit="):
			p.VCS = gitVCS(ref)
			p.SetProperty(propSource, "git")
		case isTarballURL(ref):
			setResolved(p, ref)
		}
		if e.Checksum != "" {
			p.SetProperty(propChecksum, e.Checksum)
		}
		if p.Version == "" && !it.isWS {
			p.Constraint, p.Unresolved = ref, true
		}
		p.PURL = purlFor(p.Name, p.Version)
		for _, d := range descs {
			byDesc[d] = p
			if i := strings.Index(d, "::"); i >= 0 { // "…::locator=…" bindings
				if _, dup := byDesc[d[:i]]; !dup {
					byDesc[d[:i]] = p
				}
			}
		}
		if it.patchOf != "" {
			inners := []string{it.patchOf}
			for _, d := range descs { // the key names the patched descriptor too
				if _, r, ok := splitNameAt(d); ok && strings.HasPrefix(r, "patch:") {
					in, _, _ := strings.Cut(strings.TrimPrefix(r, "patch:"), "#")
					if u, err := url.PathUnescape(in); err == nil {
						inners = append(inners, u)
					}
				}
			}
			for _, in := range inners {
				patchFor[in] = p
				if n, r, ok := splitNameAt(in); ok && !hasProtocol(r) {
					patchFor[n+"@npm:"+r] = p
				}
			}
		}
		items = append(items, it)
		pkgs = append(pkgs, p)
		if i%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	resolve := func(name, rng string) *sbom.Package {
		cands := []string{name + "@" + rng}
		if !hasProtocol(rng) {
			cands = append(cands, name+"@npm:"+rng)
		}
		for _, d := range cands {
			if pt := patchFor[d]; pt != nil { // Yarn applies its builtin compat patches
				return pt
			}
		}
		for _, d := range cands {
			if t := byDesc[d]; t != nil {
				return t
			}
		}
		return nil
	}
	var imps []importer
	var rootPkg *sbom.Package
	for _, it := range items {
		im := importer{pkg: it.p}
		dev := map[string]bool{}
		if it.wsMan != nil {
			for n := range it.wsMan.DevDependencies {
				dev[n] = true
			}
		}
		for _, n := range sortedKeys(it.e.Dependencies) {
			t := resolve(n, it.e.Dependencies[n])
			if t == nil || t == it.p {
				continue
			}
			it.p.DependsOn = append(it.p.DependsOn, t.ID)
			switch {
			case it.e.DependenciesMeta[n].Optional:
				im.optional = append(im.optional, t.ID)
			case dev[n]:
				im.dev = append(im.dev, t.ID)
			default:
				im.runtime = append(im.runtime, t.ID)
			}
		}
		for _, n := range sortedKeys(it.e.PeerDependencies) {
			if t := resolve(n, it.e.PeerDependencies[n]); t != nil && t != it.p {
				it.p.DependsOn = append(it.p.DependsOn, t.ID)
			}
		}
		if it.patchOf != "" {
			n, r, _ := splitNameAt(it.patchOf)
			t := byDesc[it.patchOf]
			if t == nil {
				t = byDesc[n+"@"+strings.TrimPrefix(r, "npm:")]
			}
			if t != nil && t != it.p {
				it.p.DependsOn = append(it.p.DependsOn, t.ID)
			}
		}
		if it.isWS {
			imps = append(imps, im)
			if it.wsPath == "." {
				rootPkg = it.p
			}
		}
	}
	if rootPkg != nil {
		for _, it := range items {
			if it.isWS && it.p != rootPkg {
				rootPkg.DependsOn = append(rootPkg.DependsOn, it.p.ID)
			}
		}
	}
	applyImporters(pkgs, imps, true)
	return pkgs, nil
}

// hasProtocol reports whether a Berry range names its protocol ("npm:^1", "workspace:*").
func hasProtocol(rng string) bool {
	i := strings.IndexByte(rng, ':')
	if i <= 0 {
		return false
	}
	for _, r := range rng[:i] {
		if !(r >= 'a' && r <= 'z' || r == '+' || r == '-') {
			return false
		}
	}
	return true
}
