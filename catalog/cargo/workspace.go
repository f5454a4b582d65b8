package cargo

import (
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/hallmark-dev/hallmark/catalog"
)

// Cargo.lock writes no source for any package of a path source: workspace members and path
// dependencies look alike. The Cargo.toml files tell them apart, the way Cargo decides
// (https://doc.rust-lang.org/cargo/reference/workspaces.html, and Cargo's
// core/workspace.rs, find_members and find_path_deps):
//
//   - without a [workspace] table, the root package is the only member;
//   - with one, the members are the root package, the directories [workspace] members names
//     (glob patterns) and, recursively, the path dependencies of members that lie inside the
//     workspace's directory; a directory under an [workspace] exclude entry is not a member
//     unless members names it literally. A path dependency outside the workspace's directory
//     is not a member, nor are its own path dependencies.
//
// Crates that [patch] or [replace] replace with a path are copies of registry crates, not
// members either.

// Limits on the Cargo.toml files read for one Cargo.lock: how many, and the length of a
// members glob pattern.
const (
	maxManifests = 10_000
	maxPattern   = 1024
)

// workspace is what the Cargo.toml files say about the packages without a source.
type workspace struct {
	members map[string]bool   // names of the workspace members
	dirs    map[string]string // names of path packages that are not members → their directory
	patched map[string]string // names of registry crates a [patch] or [replace] points to a path → its directory
}

// pathDep is a dependency on a path.
type pathDep struct {
	name string // the crate's name: the package key, else the dependency's key
	dir  string // relative to the target; "" when outside it
}

// manifest is what a Cargo.toml says that membership needs.
type manifest struct {
	name string
	deps []pathDep
}

// wsReader reads the Cargo.toml files of one workspace.
type wsReader struct {
	fsys  fs.FS
	root  string             // the workspace's directory, relative to the target
	wsDep map[string]pathDep // [workspace.dependencies] on paths
	read  int
}

// readWorkspace reads the Cargo.toml beside the lockfile in the directory root and the
// manifests of its members. It returns nil when a manifest it needs cannot be read: the
// packages without a source then stay as the lockfile alone describes them.
func readWorkspace(fsys fs.FS, root string) *workspace {
	if fsys == nil {
		return nil
	}
	r := &wsReader{fsys: fsys, root: root}
	doc, ok := r.load(root)
	if !ok {
		return nil
	}
	ws := &workspace{members: map[string]bool{}, dirs: map[string]string{}, patched: map[string]string{}}
	r.addPatches(ws, doc)
	rootPkg := r.manifest(root, doc)
	wsTable, isWorkspace := doc["workspace"].(map[string]any)
	if !isWorkspace {
		if rootPkg.name == "" {
			return nil // a virtual manifest needs a [workspace] table
		}
		ws.members[rootPkg.name] = true
		for _, d := range rootPkg.deps {
			ws.dirs[d.name] = d.dir
		}
		return ws
	}
	r.wsDep = map[string]pathDep{}
	for key, v := range table(wsTable["dependencies"]) {
		if d, ok := r.pathDep(root, key, v); ok {
			r.wsDep[key] = d
		}
	}
	excludes := r.joinAll(strs(wsTable["exclude"]))
	var literal []string
	var queue []string
	if rootPkg.name != "" {
		queue = append(queue, root)
	}
	for _, m := range strs(wsTable["members"]) {
		m = strings.TrimSuffix(path.Clean(strings.ReplaceAll(m, `\`, "/")), "/")
		pattern := path.Join(root, m)
		if !strings.ContainsAny(m, "*?[") {
			literal = append(literal, pattern)
			queue = append(queue, pattern)
			continue
		}
		if len(pattern) > maxPattern || strings.Count(pattern, "/") > catalog.MaxDepth {
			return nil
		}
		dirs, err := fs.Glob(r.fsys, pattern)
		if err != nil || len(dirs) > maxManifests {
			return nil
		}
		for _, d := range dirs {
			if st, err := fs.Stat(r.fsys, path.Join(d, "Cargo.toml")); err == nil && st.Mode().IsRegular() {
				queue = append(queue, d)
			}
		}
	}
	excluded := func(dir string) bool {
		return under(dir, excludes) && !under(dir, literal)
	}
	// Members and the path dependencies they bring in: dirs holds each directory once.
	seen := map[string]bool{}
	isPathDep := make([]bool, len(queue))
	names := make([]string, len(queue))
	for i := 0; i < len(queue); i++ {
		dir := queue[i]
		if seen[dir] {
			continue
		}
		if isPathDep[i] && (dir == "" || !under(dir, []string{root})) || excluded(dir) {
			if names[i] != "" {
				ws.dirs[names[i]] = dir
			}
			continue
		}
		seen[dir] = true
		var m manifest
		if dir == root {
			m = rootPkg
		} else {
			doc, ok := r.load(dir)
			if !ok {
				return nil
			}
			m = r.manifest(dir, doc)
		}
		if m.name == "" {
			return nil
		}
		ws.members[m.name] = true
		for _, d := range m.deps {
			queue, isPathDep, names = append(queue, d.dir), append(isPathDep, true), append(names, d.name)
		}
	}
	for name := range ws.members {
		delete(ws.dirs, name)
	}
	return ws
}

// load reads and decodes dir/Cargo.toml.
func (r *wsReader) load(dir string) (map[string]any, bool) {
	if r.read++; r.read > maxManifests {
		return nil, false
	}
	name := path.Join(dir, "Cargo.toml")
	data, err := catalog.ReadFileFS(r.fsys, name, catalog.MaxManifestSize)
	if err != nil || checkDepth(name, data) != nil {
		return nil, false
	}
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, false
	}
	return doc, true
}

// manifest returns the package name and path dependencies of the Cargo.toml of dir.
func (r *wsReader) manifest(dir string, doc map[string]any) manifest {
	m := manifest{}
	if pkg := table(doc["package"]); pkg != nil {
		m.name, _ = pkg["name"].(string)
	}
	tables := []map[string]any{doc}
	for _, t := range table(doc["target"]) {
		if t, ok := t.(map[string]any); ok {
			tables = append(tables, t)
		}
	}
	for _, t := range tables {
		for _, kind := range []string{"dependencies", "dev-dependencies", "dev_dependencies", "build-dependencies", "build_dependencies"} {
			for key, v := range table(t[kind]) {
				if d, ok := r.pathDep(dir, key, v); ok {
					m.deps = append(m.deps, d)
				}
			}
		}
	}
	slices.SortFunc(m.deps, func(a, b pathDep) int { return strings.Compare(a.dir+" "+a.name, b.dir+" "+b.name) })
	return m
}

// pathDep returns the dependency key = v of the manifest in dir when it is on a path, directly
// or through workspace = true.
func (r *wsReader) pathDep(dir, key string, v any) (pathDep, bool) {
	t := table(v)
	if t == nil {
		return pathDep{}, false
	}
	name := key
	if p, ok := t["package"].(string); ok && p != "" {
		name = p
	}
	if inherit, _ := t["workspace"].(bool); inherit {
		d, ok := r.wsDep[key]
		if ok && name != key {
			d.name = name
		}
		return d, ok
	}
	p, ok := t["path"].(string)
	if !ok || p == "" {
		return pathDep{}, false
	}
	p = strings.ReplaceAll(p, `\`, "/")
	d := pathDep{name: name}
	if !strings.HasPrefix(p, "/") && !(len(p) > 1 && p[1] == ':') {
		if j := path.Join(dir, p); j != ".." && !strings.HasPrefix(j, "../") {
			d.dir = j
		}
	}
	return d, true
}

// joinAll returns the paths of the workspace's directory that entries name.
func (r *wsReader) joinAll(entries []string) []string {
	var out []string
	for _, e := range entries {
		out = append(out, path.Join(r.root, strings.ReplaceAll(e, `\`, "/")))
	}
	return out
}

// addPatches records the crates that [patch.<registry>] and [replace] of the root manifest
// point to a path.
func (r *wsReader) addPatches(ws *workspace, doc map[string]any) {
	for _, reg := range table(doc["patch"]) {
		for key, v := range table(reg) {
			if d, ok := r.pathDep(r.root, key, v); ok {
				ws.patched[d.name] = d.dir
			}
		}
	}
	for spec, v := range table(doc["replace"]) {
		name, _, _ := strings.Cut(spec, ":")
		if d, ok := r.pathDep(r.root, name, v); ok {
			ws.patched[name] = d.dir
		}
	}
}

// under reports whether dir is one of dirs or inside one of them.
func under(dir string, dirs []string) bool {
	for _, d := range dirs {
		if d == "." || dir == d || strings.HasPrefix(dir, d+"/") {
			return true
		}
	}
	return false
}

func table(v any) map[string]any {
	t, _ := v.(map[string]any)
	return t
}

func strs(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
