package npm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// LockCataloger reads npm's package-lock.json and npm-shrinkwrap.json, lockfileVersion 1
// (the nested "dependencies" tree), 2 (both forms; "packages" is read) and 3 ("packages" only),
// as documented at https://docs.npmjs.com/cli/v10/configuring-npm/package-lock-json.
// node_modules/.package-lock.json is not offered (the walker skips node_modules).
type LockCataloger struct{}

var _ catalog.Cataloger = (*LockCataloger)(nil)
var _ catalog.RelatedMatcher = (*LockCataloger)(nil)

// Name returns "npm-lock".
func (*LockCataloger) Name() string { return "npm-lock" }

// Match accepts package-lock.json and npm-shrinkwrap.json.
func (*LockCataloger) Match(p string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	b := path.Base(p)
	return b == "package-lock.json" || b == "npm-shrinkwrap.json"
}

// Related accepts package.json files: a version 1 lockfile does not record the project's
// declared dependencies, so the package.json beside it is read for them.
func (*LockCataloger) Related(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "package.json"
}

// lockEntry is one entry of "packages" (v2, v3) or, converted, of the v1 "dependencies" tree.
type lockEntry struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Resolved             string            `json:"resolved"`
	Integrity            string            `json:"integrity"`
	License              json.RawMessage   `json:"license"`
	Link                 bool              `json:"link"`
	Dev                  bool              `json:"dev"`
	Optional             bool              `json:"optional"`
	DevOptional          bool              `json:"devOptional"`
	Peer                 bool              `json:"peer"`
	InBundle             bool              `json:"inBundle"`
	Dependencies         map[string]string `json:"dependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	Workspaces           json.RawMessage   `json:"workspaces"`

	key  string
	line int
	// alias is set for v1 entries whose version is "npm:real@version".
	alias string
}

// Catalog parses one npm lockfile.
func (c *LockCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	lf, err := decodeNPMLock(f.Path, data)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var man *manifest
	if lf.version < 2 || len(lf.packages) == 0 {
		man = readManifest(f.FS, path.Dir(f.Path))
	}
	pkgs, err := finish(f.Path, buildNPM(f.Path, c.Name(), lf, man))
	if err != nil {
		return nil, err
	}
	return &catalog.Result{Packages: pkgs}, nil
}

type npmLock struct {
	name, rootVersion string
	version           int          // lockfileVersion
	packages          []*lockEntry // v2, v3: in file order, including the root ""
	v1                []*lockEntry // v1 tree flattened to install paths
	seenPackages      bool
}

// jsonWalker drives a json.Decoder and turns offsets into lines.
type jsonWalker struct {
	path  string
	dec   *json.Decoder
	lines *lineCounter
	count int
}

func (w *jsonWalker) errAt(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return catalog.Errorf(w.path, w.lines.at(se.Offset), "invalid JSON: %v", se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return catalog.Errorf(w.path, w.lines.at(te.Offset), "field %q has a JSON %s where a %s is expected", te.Field, te.Value, te.Type)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return catalog.Errorf(w.path, w.lines.at(int64(len(w.lines.data))), "unexpected end of file: the JSON is truncated")
	}
	return catalog.Errorf(w.path, w.lines.at(w.dec.InputOffset()), "invalid JSON: %v", err)
}

// delim reads the next token and checks that it is the delimiter want.
func (w *jsonWalker) delim(want json.Delim, what string) error {
	t, err := w.dec.Token()
	if err != nil {
		return w.errAt(err)
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return catalog.Errorf(w.path, w.lines.at(w.dec.InputOffset()), "%s must be a JSON %s", what, map[json.Delim]string{'{': "object", '[': "array"}[want])
	}
	return nil
}

// key reads the next object key, or reports ok=false at the closing '}'.
func (w *jsonWalker) key() (k string, line int, ok bool, err error) {
	if !w.dec.More() {
		if _, err := w.dec.Token(); err != nil { // '}'
			return "", 0, false, w.errAt(err)
		}
		return "", 0, false, nil
	}
	t, err := w.dec.Token()
	if err != nil {
		return "", 0, false, w.errAt(err)
	}
	s, isStr := t.(string)
	if !isStr {
		return "", 0, false, catalog.Errorf(w.path, w.lines.at(w.dec.InputOffset()), "expected an object key")
	}
	return s, w.lines.at(w.dec.InputOffset()), true, nil
}

func (w *jsonWalker) skip() error {
	var raw json.RawMessage
	if err := w.dec.Decode(&raw); err != nil {
		return w.errAt(err)
	}
	return nil
}

func (w *jsonWalker) decode(v any) error {
	start := w.dec.InputOffset()
	if err := w.dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) { // its offset is relative to the value
			return catalog.Errorf(w.path, w.lines.at(start+te.Offset), "field %q has a JSON %s where a %s is expected", te.Field, te.Value, te.Type)
		}
		return w.errAt(err)
	}
	return nil
}

func (w *jsonWalker) counted() error {
	w.count++
	if w.count > catalog.MaxPackages {
		return fmt.Errorf("%s: %w: more than %d packages", w.path, catalog.ErrTooLarge, catalog.MaxPackages)
	}
	return nil
}

// decodeNPMLock reads the lockfile, keeping the line of every package entry.
func decodeNPMLock(p string, data []byte) (*npmLock, error) {
	w := &jsonWalker{path: p, dec: json.NewDecoder(bytes.NewReader(data)), lines: newLineCounter(data)}
	w.dec.UseNumber()
	lf := &npmLock{}
	if err := w.delim('{', "a package-lock.json"); err != nil {
		return nil, err
	}
	haveVersion := false
	for {
		k, line, ok, err := w.key()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		switch k {
		case "name":
			err = w.decode(&lf.name)
		case "version":
			var raw json.RawMessage
			if err = w.decode(&raw); err == nil {
				_ = json.Unmarshal(raw, &lf.rootVersion) // a non-string version is ignored
			}
		case "lockfileVersion":
			var n json.Number
			if err = w.decode(&n); err == nil {
				v, perr := n.Int64()
				if perr != nil || v < 1 || v > 3 {
					return nil, catalog.Errorf(p, line, "lockfileVersion %s is not supported (1, 2 and 3 are)", n)
				}
				lf.version, haveVersion = int(v), true
			}
		case "packages":
			lf.seenPackages = true
			err = decodePackages(w, lf)
		case "dependencies":
			if lf.seenPackages {
				err = w.skip() // v2 repeats the tree in v1 form for old npm; "packages" has it all
			} else {
				err = decodeV1(w, lf, "", 0)
			}
		default:
			err = w.skip()
		}
		if err != nil {
			return nil, err
		}
	}
	if t, err := w.dec.Token(); err != io.EOF {
		if err != nil {
			return nil, w.errAt(err)
		}
		return nil, catalog.Errorf(p, w.lines.at(w.dec.InputOffset()), "unexpected %v after the end of the lockfile", t)
	}
	if !haveVersion {
		return nil, catalog.Errorf(p, 1, "no lockfileVersion: not an npm lockfile")
	}
	return lf, nil
}

func decodePackages(w *jsonWalker, lf *npmLock) error {
	if err := w.delim('{', `"packages"`); err != nil {
		return err
	}
	for {
		k, line, ok, err := w.key()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if err := w.counted(); err != nil {
			return err
		}
		if len(k) > maxKeyLength || strings.Count(k, "/") > maxKeyElements {
			return catalog.Errorf(w.path, line, "%w: package path %q is longer than %d bytes or %d elements", catalog.ErrTooLarge, clip(k), maxKeyLength, maxKeyElements)
		}
		e := &lockEntry{key: k, line: line}
		if err := w.decode(e); err != nil {
			return err
		}
		if k != "" && !e.Link {
			if name, _, _ := entryName(e); !validName(name) {
				return catalog.Errorf(w.path, line, "package %q has no valid package name", clip(k))
			}
		}
		lf.packages = append(lf.packages, e)
	}
}

// Bounds of a "packages" key (an install path). PATH_MAX bounds real ones; MaxDepth levels
// of scoped packages ("node_modules/@scope/name") take 3 elements each.
const (
	maxKeyLength   = 4096
	maxKeyElements = 4 * catalog.MaxDepth
)

// v1Fields is a lockfileVersion 1 entry without its nested "dependencies".
type v1Fields struct {
	Version   string            `json:"version"`
	Resolved  string            `json:"resolved"`
	Integrity string            `json:"integrity"`
	Dev       bool              `json:"dev"`
	Optional  bool              `json:"optional"`
	Bundled   bool              `json:"bundled"`
	Requires  map[string]string `json:"requires"`
}

// decodeV1 reads a v1 "dependencies" object whose entries are installed below the install
// path parent, recursing into nested trees.
func decodeV1(w *jsonWalker, lf *npmLock, parent string, depth int) error {
	if depth > catalog.MaxDepth {
		return catalog.Errorf(w.path, w.lines.at(w.dec.InputOffset()), "dependencies nested deeper than %d levels", catalog.MaxDepth)
	}
	if err := w.delim('{', `"dependencies"`); err != nil {
		return err
	}
	for {
		name, line, ok, err := w.key()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if err := w.counted(); err != nil {
			return err
		}
		if !validName(name) {
			return catalog.Errorf(w.path, line, "%q is not a valid package name", clip(name))
		}
		key := "node_modules/" + name
		if parent != "" {
			key = parent + "/node_modules/" + name
		}
		e := &lockEntry{key: key, line: line}
		lf.v1 = append(lf.v1, e)
		if err := w.delim('{', fmt.Sprintf("the entry of %q", name)); err != nil {
			return err
		}
		var fl v1Fields
		for {
			k, _, ok, err := w.key()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			var derr error
			switch k {
			case "dependencies":
				derr = decodeV1(w, lf, key, depth+1)
			case "version":
				derr = w.decode(&fl.Version)
			case "resolved":
				derr = w.decode(&fl.Resolved)
			case "integrity":
				derr = w.decode(&fl.Integrity)
			case "dev":
				derr = w.decode(&fl.Dev)
			case "optional":
				derr = w.decode(&fl.Optional)
			case "bundled":
				derr = w.decode(&fl.Bundled)
			case "requires":
				derr = w.decode(&fl.Requires)
			default:
				derr = w.skip()
			}
			if derr != nil {
				return derr
			}
		}
		e.Version, e.Resolved, e.Integrity = fl.Version, fl.Resolved, fl.Integrity
		e.Dev, e.Optional, e.InBundle, e.Dependencies = fl.Dev, fl.Optional, fl.Bundled, fl.Requires
		convertV1Version(e, name)
	}
}

// convertV1Version interprets a v1 "version", which holds the resolution for aliases, local
// directories, git and URL dependencies.
func convertV1Version(e *lockEntry, name string) {
	v := e.Version
	switch {
	case strings.HasPrefix(v, "npm:"):
		real, ver, ok := splitNameAt(strings.TrimPrefix(v, "npm:"))
		if ok && real != name {
			e.Name, e.alias = real, name
		}
		e.Version = ver
	case strings.HasPrefix(v, "file:"):
		// A local directory (a workspace or a file: dependency) or a local tarball.
		e.Resolved, e.Version = v, ""
		if !strings.HasSuffix(v, ".tgz") && !strings.HasSuffix(v, ".tar.gz") {
			e.Link = true
		}
	case isGitSpec(v) || isTarballURL(v):
		if e.Resolved == "" || isGitSpec(v) {
			e.Resolved = v
		}
		e.Version = ""
	}
}

// npmResolver finds the entry a dependency name resolves to from an install path, the way
// Node's module resolution walks up node_modules directories. Entries are indexed by the
// directory holding their node_modules and their name, so a lookup builds no strings: with
// long nested keys and many dependencies, building "dir/node_modules/name" candidates made a
// hostile lockfile cost the product of its key length, nesting depth and dependency count.
type npmResolver struct {
	at map[string]map[string]string // dir ("" is the root) -> installed name -> entry key
}

// add records the entry at key, which resolution returns as target (a link's target).
func (r *npmResolver) add(key, target string) {
	i := strings.LastIndex(key, "node_modules/")
	if i < 0 || (i > 0 && key[i-1] != '/') {
		return // a local directory, reached only through links
	}
	dir, name := strings.TrimSuffix(key[:i], "/"), key[i+len("node_modules/"):]
	m := r.at[dir]
	if m == nil {
		m = map[string]string{}
		r.at[dir] = m
	}
	m[name] = target
}

// scopes returns the directories, from from up to the root, whose node_modules resolution
// searches and that hold entries.
func (r *npmResolver) scopes(from string) []map[string]string {
	var out []map[string]string
	d := from
	for {
		if !strings.HasSuffix(d, "node_modules") {
			if m := r.at[d]; m != nil {
				out = append(out, m)
			}
		}
		if d == "" {
			return out
		}
		i := strings.LastIndexByte(d, '/')
		if i < 0 {
			i = 0
		}
		d = d[:i]
	}
}

// resolveIn looks dep up in the scopes npmResolver.scopes returned, nearest first.
func resolveIn(scopes []map[string]string, dep string) (string, bool) {
	for _, m := range scopes {
		if t, ok := m[dep]; ok {
			return t, true
		}
	}
	return "", false
}

// buildNPM turns the decoded lockfile into packages.
func buildNPM(file, foundBy string, lf *npmLock, man *manifest) []*sbom.Package {
	entries := lf.packages
	if len(entries) == 0 {
		entries = lf.v1
	}
	r := &npmResolver{at: map[string]map[string]string{}}
	var rootEntry *lockEntry
	for _, e := range entries {
		if !e.Link || lf.packages == nil {
			r.add(e.key, e.key)
		}
		if e.key == "" {
			rootEntry = e
		}
	}
	var wsPatterns []string
	if rootEntry != nil {
		wsPatterns = (&manifest{Workspaces: rootEntry.Workspaces}).workspacePatterns()
	} else if man != nil {
		wsPatterns = man.workspacePatterns()
	}
	// Links: v2/v3 "link": true entries point at a local path entry; v1 file: entries are
	// themselves the local package.
	for _, e := range entries {
		if e.Link && lf.packages != nil {
			r.add(e.key, e.Resolved)
		}
	}

	rootName, rootVersion := lf.name, lf.rootVersion
	if rootEntry != nil {
		if rootEntry.Name != "" {
			rootName = rootEntry.Name
		}
		if rootEntry.Version != "" {
			rootVersion = rootEntry.Version
		}
	}
	if rootName == "" && man != nil {
		rootName = man.Name
	}
	var pkgs []*sbom.Package
	byKey := map[string]*sbom.Package{}
	var root *sbom.Package
	if rootName != "" {
		root = &sbom.Package{
			ID: ".", Type: sbom.TypeApplication, Name: rootName, Version: rootVersion,
			Ecosystem: sbom.EcosystemNPM, PURL: purlFor(rootName, rootVersion), FoundBy: foundBy,
			Locations: []sbom.Location{{Path: file, Line: 1}},
		}
		if rootEntry != nil {
			root.Locations[0].Line = rootEntry.line
			root.Licenses = licenses(rootEntry.License)
		}
		pkgs = append(pkgs, root)
		byKey[""] = root
	}
	var workspaces []*sbom.Package
	for _, e := range entries {
		if e.key == "" || (e.Link && lf.packages != nil) {
			continue
		}
		p := &sbom.Package{
			ID: e.key, Version: e.Version, Ecosystem: sbom.EcosystemNPM, FoundBy: foundBy,
			Locations: []sbom.Location{{Path: file, Line: e.line}},
		}
		name, installName, local := entryName(e)
		p.Name = name
		switch {
		case local:
			p.SetProperty(propPath, e.key)
		case e.Link: // v1 file: entry
			local = true
		default:
			if name != installName {
				p.SetProperty(propAlias, installName)
			}
			if e.alias != "" {
				p.SetProperty(propAlias, e.alias)
			}
			p.SetProperty(propPath, e.key)
		}
		if local {
			dir := e.key
			if e.Link {
				dir = strings.TrimPrefix(e.Resolved, "file:")
			}
			if matchWorkspace(wsPatterns, dir) {
				p.Type = sbom.TypeApplication
				p.SetProperty(propWorkspace, dir)
				p.SetProperty(propSource, "workspace")
				workspaces = append(workspaces, p)
			} else {
				p.SetProperty(propSource, "directory")
				p.SetProperty(propResolved, "file:"+dir)
			}
		}
		if p.Type != sbom.TypeApplication {
			if !local {
				setResolved(p, e.Resolved)
			}
			addHash(p, sriHashes(e.Integrity)...)
			switch {
			case e.Dev || e.DevOptional:
				p.Scope = sbom.ScopeDev
			case e.Optional:
				p.Scope = sbom.ScopeOptional
			default:
				p.Scope = sbom.ScopeRuntime
			}
			if e.InBundle {
				p.SetProperty(propBundled, "true")
			}
			if e.Peer {
				p.SetProperty(propPeer, "true")
			}
		}
		p.Licenses = licenses(e.License)
		p.PURL = purlFor(p.Name, p.Version)
		pkgs = append(pkgs, p)
		byKey[e.key] = p
	}

	// Edges.
	target := func(scopes []map[string]string, dep string) *sbom.Package {
		k, ok := resolveIn(scopes, dep)
		if !ok {
			return nil
		}
		return byKey[k]
	}
	var imps []importer
	for _, e := range entries {
		p := byKey[e.key]
		if p == nil {
			continue
		}
		isImporter := e.key == "" || p.Type == sbom.TypeApplication
		im := importer{pkg: p}
		scopes := r.scopes(e.key)
		add := func(deps map[string]string, kind *[]string) {
			for _, name := range sortedKeys(deps) {
				t := target(scopes, name)
				if t == nil || t == p {
					continue
				}
				p.DependsOn = append(p.DependsOn, t.ID)
				if isImporter && kind != nil {
					*kind = append(*kind, t.ID)
				}
			}
		}
		add(e.Dependencies, &im.runtime)
		add(e.OptionalDependencies, &im.optional)
		add(e.PeerDependencies, &im.runtime)
		if isImporter {
			add(e.DevDependencies, &im.dev)
			imps = append(imps, im)
		}
	}
	// A v1 lockfile does not record the root's declared dependencies: take them from package.json.
	if root != nil && rootEntry == nil && man != nil {
		im := importer{pkg: root}
		scopes := r.scopes("")
		add := func(deps map[string]string, kind *[]string) {
			for _, name := range sortedKeys(deps) {
				if t := target(scopes, name); t != nil {
					root.DependsOn = append(root.DependsOn, t.ID)
					*kind = append(*kind, t.ID)
				}
			}
		}
		add(man.Dependencies, &im.runtime)
		add(man.OptionalDependencies, &im.optional)
		add(man.PeerDependencies, &im.runtime)
		add(man.DevDependencies, &im.dev)
		imps = append(imps, im)
	}
	if root != nil {
		for _, ws := range workspaces {
			root.DependsOn = append(root.DependsOn, ws.ID)
		}
	}
	if len(imps) > 0 && (rootEntry != nil || man != nil) {
		applyImporters(pkgs, imps, false)
	}
	return pkgs
}

// entryName returns the package name of an entry, the name it is installed under, and whether
// the entry is a local directory rather than an installed package.
func entryName(e *lockEntry) (name, installName string, local bool) {
	installName, local = e.key, true
	if i := strings.LastIndex(e.key, "node_modules/"); i >= 0 && (i == 0 || e.key[i-1] == '/') {
		installName, local = e.key[i+len("node_modules/"):], false
	}
	name = e.Name
	if local && name == "" {
		name = path.Base(e.key)
	}
	if !validName(name) {
		name = installName
	}
	return name, installName, local
}

// licenses reads "license": a string (SPDX expression) or a legacy {"type": …} object.
func licenses(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s = strings.TrimSpace(s); s != "" {
			return []string{s}
		}
		return nil
	}
	var o struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &o) == nil && o.Type != "" {
		return []string{o.Type}
	}
	return nil
}
