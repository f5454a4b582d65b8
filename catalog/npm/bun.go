package npm

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// BunCataloger reads the text lockfile bun.lock of Bun 1.2 and later
// (https://bun.sh/docs/install/lockfile): JSON with trailing commas, a "workspaces" object
// holding each workspace's declared dependencies, and a "packages" object whose keys are
// install paths ("is-odd/is-number" is is-number nested below is-odd) and whose values are
// arrays: [ident, registry, info, integrity] for npm packages, [ident] for workspaces,
// [ident, info] for directories and tarballs, [ident, info, tag] for git. The binary
// bun.lockb is not read. A workspace without a name (Bun writes none for a nameless root)
// is named by its directory relative to the scanned target, "." or "./web", as pnpm's
// importers are (see importerName).
type BunCataloger struct{}

var _ catalog.Cataloger = (*BunCataloger)(nil)

// Name returns "bun-lock".
func (*BunCataloger) Name() string { return "bun-lock" }

// Match accepts bun.lock.
func (*BunCataloger) Match(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "bun.lock"
}

type bunWorkspace struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
}

type bunInfo struct {
	Dependencies         map[string]string `json:"dependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	OptionalPeers        []string          `json:"optionalPeers"`
}

type bunEntry struct {
	key, ident string
	strs       []string // the string elements after the ident
	info       bunInfo
	line       int
}

// Catalog parses one bun.lock.
func (c *BunCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	clean := stripJSONC(data)
	w := &jsonWalker{path: f.Path, dec: json.NewDecoder(bytes.NewReader(clean)), lines: newLineCounter(clean)}
	if err := w.delim('{', "a bun.lock"); err != nil {
		return nil, err
	}
	var workspaces map[string]bunWorkspace
	var wsLines map[string]int
	var entries []*bunEntry
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
		case "lockfileVersion":
			var v json.Number
			if err = w.decode(&v); err == nil {
				if n, perr := v.Int64(); perr != nil || n < 0 || n > 1 {
					return nil, catalog.Errorf(f.Path, line, "lockfileVersion %s is not supported (0 and 1 are)", v)
				}
				haveVersion = true
			}
		case "workspaces":
			workspaces, wsLines, err = decodeBunWorkspaces(w)
		case "packages":
			entries, err = decodeBunPackages(ctx, w)
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
		return nil, catalog.Errorf(f.Path, w.lines.at(w.dec.InputOffset()), "unexpected %v after the end of the lockfile", t)
	}
	if !haveVersion {
		return nil, catalog.Errorf(f.Path, 1, "no lockfileVersion: not a bun.lock")
	}
	return finished(f.Path)(buildBun(f.Path, c.Name(), workspaces, wsLines, entries), nil)
}

func decodeBunWorkspaces(w *jsonWalker) (map[string]bunWorkspace, map[string]int, error) {
	if err := w.delim('{', `"workspaces"`); err != nil {
		return nil, nil, err
	}
	wss, lines := map[string]bunWorkspace{}, map[string]int{}
	for {
		k, line, ok, err := w.key()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return wss, lines, nil
		}
		if err := w.counted(); err != nil {
			return nil, nil, err
		}
		var ws bunWorkspace
		if err := w.decode(&ws); err != nil {
			return nil, nil, err
		}
		wss[k], lines[k] = ws, line
	}
}

func decodeBunPackages(ctx context.Context, w *jsonWalker) ([]*bunEntry, error) {
	if err := w.delim('{', `"packages"`); err != nil {
		return nil, err
	}
	var out []*bunEntry
	for {
		k, line, ok, err := w.key()
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		if err := w.counted(); err != nil {
			return nil, err
		}
		var arr []json.RawMessage
		if err := w.decode(&arr); err != nil {
			return nil, err
		}
		e := &bunEntry{key: k, line: line}
		if len(arr) == 0 || json.Unmarshal(arr[0], &e.ident) != nil {
			return nil, catalog.Errorf(w.path, line, "package %q must be an array starting with \"name@version\"", clip(k))
		}
		if k == "" {
			return nil, catalog.Errorf(w.path, line, "package with an empty key")
		}
		if len(k) > maxKeyLength || strings.Count(k, "/") > maxKeyElements {
			return nil, catalog.Errorf(w.path, line, "%w: package path %q is longer than %d bytes or %d elements", catalog.ErrTooLarge, clip(k), maxKeyLength, maxKeyElements)
		}
		if n, _, ok := splitNameAt(e.ident); !ok || !validName(n) {
			return nil, catalog.Errorf(w.path, line, "package %q: %q is not name@resolution", clip(k), clip(e.ident))
		}
		// The info object is the first object element; the strings after the ident are the
		// registry and integrity (npm), a tag and an optional integrity (git), or an optional
		// integrity (tarball). buildBun tells them apart by the resolution.
		for _, raw := range arr[1:] {
			raw = bytes.TrimSpace(raw)
			switch {
			case len(raw) > 0 && raw[0] == '{':
				if err := json.Unmarshal(raw, &e.info); err != nil {
					return nil, catalog.Errorf(w.path, line, "package %q: invalid dependency information: %v", clip(k), err)
				}
			case len(raw) > 0 && raw[0] == '"':
				var s string
				if json.Unmarshal(raw, &s) == nil {
					e.strs = append(e.strs, s)
				}
			}
		}
		out = append(out, e)
		if len(out)%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
}

// bunParent returns the install path a key is nested in ("a/@s/b" -> "a"), or "".
func bunParent(key string) string {
	segs := strings.Split(key, "/")
	// Group segments into names: a scoped name takes two.
	var names []string
	for i := 0; i < len(segs); i++ {
		if strings.HasPrefix(segs[i], "@") && i+1 < len(segs) {
			names = append(names, segs[i]+"/"+segs[i+1])
			i++
		} else {
			names = append(names, segs[i])
		}
	}
	if len(names) <= 1 {
		return ""
	}
	return strings.Join(names[:len(names)-1], "/")
}

// bunNameStarts returns the offsets at which the names of key start, grouped as bunParent
// groups them: bunParent(key) is key[:starts[len(starts)-1]-1] when there are two or more.
func bunNameStarts(key string) []int {
	segs := strings.Split(key, "/")
	starts := make([]int, 0, len(segs))
	off := 0
	for i := 0; i < len(segs); i++ {
		starts = append(starts, off)
		off += len(segs[i]) + 1
		if strings.HasPrefix(segs[i], "@") && i+1 < len(segs) {
			i++
			off += len(segs[i]) + 1
		}
	}
	return starts
}

func buildBun(file, foundBy string, workspaces map[string]bunWorkspace, wsLines map[string]int, entries []*bunEntry) []*sbom.Package {
	var pkgs []*sbom.Package
	byKey := map[string]*sbom.Package{}
	wsByName := map[string]*sbom.Package{}
	wsPkg := map[string]*sbom.Package{}
	// Workspaces, root first.
	wsDirs := make([]string, 0, len(workspaces))
	for d := range workspaces {
		wsDirs = append(wsDirs, d)
	}
	slices.Sort(wsDirs)
	for _, d := range wsDirs {
		ws := workspaces[d]
		p := &sbom.Package{
			ID: "workspace:" + d, Type: sbom.TypeApplication, Name: ws.Name, Version: ws.Version,
			Ecosystem: sbom.EcosystemNPM, FoundBy: foundBy, Locations: []sbom.Location{{Path: file, Line: wsLines[d]}},
		}
		if d == "" {
			p.ID = "workspace:."
		} else {
			p.SetProperty(propWorkspace, d)
			p.SetProperty(propSource, "workspace")
		}
		if validName(p.Name) {
			wsByName[p.Name] = p
		} else {
			p.Name = importerName(path.Dir(file), d)
		}
		p.PURL = purlFor(p.Name, p.Version)
		pkgs = append(pkgs, p)
		wsPkg[d] = p
	}
	for _, e := range entries {
		name, ref, ok := splitNameAt(e.ident)
		if !ok || !validName(name) {
			continue
		}
		if strings.HasPrefix(ref, "workspace:") {
			if p := wsPkg[strings.TrimPrefix(ref, "workspace:")]; p != nil {
				p.Locations[0].Line = e.line
				byKey[e.key] = p
			}
			continue
		}
		p := &sbom.Package{
			ID: e.key, Name: name, Ecosystem: sbom.EcosystemNPM, FoundBy: foundBy,
			Locations: []sbom.Location{{Path: file, Line: e.line}},
		}
		installName := e.key
		if par := bunParent(e.key); par != "" {
			installName = strings.TrimPrefix(e.key, par+"/")
		}
		if installName != name {
			p.SetProperty(propAlias, installName)
		}
		var integrity string
		switch {
		case looksLikeVersion(ref):
			p.Version = ref
			if len(e.strs) >= 1 && e.strs[0] != "" {
				if isTarballURL(e.strs[0]) && strings.HasSuffix(e.strs[0], ".tgz") {
					p.DownloadURL = e.strs[0]
				} else {
					p.SetProperty(propRegistry, e.strs[0])
				}
			}
			if len(e.strs) >= 2 {
				integrity = e.strs[1]
			}
		case strings.HasPrefix(ref, "root:"):
			continue
		case isGitSpec(ref):
			p.VCS = gitVCS(ref)
			p.SetProperty(propSource, "git")
			if len(e.strs) >= 1 && p.VCS.Revision == "" {
				// The tag is "<owner>-<repo>-<short commit>" (or the commit for git+ URLs).
				tag := e.strs[0]
				if i := strings.LastIndexByte(tag, '-'); i >= 0 {
					tag = tag[i+1:]
				}
				if isHex(tag) && len(tag) >= 7 {
					p.VCS.Revision = tag
				}
			}
			if len(e.strs) >= 2 {
				integrity = e.strs[1]
			}
		default:
			setResolved(p, ref)
			if strings.HasPrefix(ref, "file:") || strings.HasPrefix(ref, "link:") {
				break
			}
			p.SetProperty(propSource, "tarball")
			if !isTarballURL(ref) {
				p.SetProperty(propResolved, ref)
			}
			if len(e.strs) >= 1 {
				integrity = e.strs[0]
			}
		}
		addHash(p, sriHashes(integrity)...)
		p.PURL = purlFor(p.Name, p.Version)
		pkgs = append(pkgs, p)
		byKey[e.key] = p
	}
	// Packages by the install path they are nested in ("" at the top) and the name they are
	// installed under, so that resolution builds no strings: building "parent/name"
	// candidates made a hostile lockfile cost its key length times its nesting depth times
	// its dependency count.
	under := map[string]map[string]*sbom.Package{}
	for _, e := range entries {
		p := byKey[e.key]
		if p == nil {
			continue
		}
		par := bunParent(e.key)
		name := e.key
		if par != "" {
			name = strings.TrimPrefix(e.key, par+"/")
		}
		m := under[par]
		if m == nil {
			m = map[string]*sbom.Package{}
			under[par] = m
		}
		m[name] = p
	}
	// scopes returns the install paths resolution from the package at from searches, nearest
	// first: from itself, then each parent; the top level comes last.
	scopes := func(from string) []map[string]*sbom.Package {
		var out []map[string]*sbom.Package
		if from != "" {
			starts := bunNameStarts(from)
			out = append(out, under[from])
			for i := len(starts) - 1; i >= 1; i-- {
				out = append(out, under[from[:starts[i]-1]])
			}
		}
		return append(out, under[""])
	}
	// resolve finds the package a dependency resolves to, walking up the install paths;
	// workspaces' own nested packages live under their package name.
	resolve := func(scopes []map[string]*sbom.Package, dep string) *sbom.Package {
		for _, m := range scopes {
			if p := m[dep]; p != nil {
				return p
			}
		}
		return wsByName[dep]
	}
	for _, e := range entries {
		p := byKey[e.key]
		if p == nil || p.Type == sbom.TypeApplication {
			continue
		}
		sc := scopes(e.key)
		for _, deps := range []map[string]string{e.info.Dependencies, e.info.OptionalDependencies, e.info.PeerDependencies} {
			for _, n := range sortedKeys(deps) {
				if t := resolve(sc, n); t != nil && t != p {
					p.DependsOn = append(p.DependsOn, t.ID)
				}
			}
		}
	}
	var imps []importer
	for _, d := range wsDirs {
		ws, p := workspaces[d], wsPkg[d]
		im := importer{pkg: p}
		from := ""
		if d != "" {
			from = ws.Name
		}
		sc := scopes(from)
		add := func(deps map[string]string, kind *[]string) {
			for _, n := range sortedKeys(deps) {
				t := resolve(sc, n)
				if t == nil || t == p {
					continue
				}
				p.DependsOn = append(p.DependsOn, t.ID)
				*kind = append(*kind, t.ID)
			}
		}
		add(ws.Dependencies, &im.runtime)
		add(ws.PeerDependencies, &im.runtime)
		add(ws.OptionalDependencies, &im.optional)
		add(ws.DevDependencies, &im.dev)
		imps = append(imps, im)
	}
	if root := wsPkg[""]; root != nil {
		for _, d := range wsDirs {
			if d != "" {
				root.DependsOn = append(root.DependsOn, wsPkg[d].ID)
			}
		}
	}
	applyImporters(pkgs, imps, true)
	return pkgs
}

// stripJSONC blanks out comments and trailing commas so that encoding/json accepts the text,
// keeping every other byte (and so every offset and line) in place.
func stripJSONC(data []byte) []byte {
	out := make([]byte, len(data))
	copy(out, data)
	// Pass 1: comments.
	inStr := false
	for i := 0; i < len(out); i++ {
		c := out[i]
		if inStr {
			switch c {
			case '\\':
				i++
			case '"':
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			out[i], out[i+1] = ' ', ' '
			for i += 2; i < len(out); i++ {
				if out[i] == '*' && i+1 < len(out) && out[i+1] == '/' {
					out[i], out[i+1] = ' ', ' '
					i++
					break
				}
				if out[i] != '\n' {
					out[i] = ' '
				}
			}
		}
	}
	// Pass 2: commas before a closing bracket.
	inStr = false
	for i := 0; i < len(out); i++ {
		c := out[i]
		if inStr {
			switch c {
			case '\\':
				i++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case ',':
			j := i + 1
			for j < len(out) && (out[j] == ' ' || out[j] == '\t' || out[j] == '\n' || out[j] == '\r') {
				j++
			}
			if j < len(out) && (out[j] == '}' || out[j] == ']') {
				out[i] = ' '
			}
		}
	}
	return out
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}
