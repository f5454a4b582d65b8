package python

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// PipfileLockCataloger reads Pipfile.lock files written by Pipenv
// (https://pipenv.pypa.io/en/latest/pipfile.html#pipfile-lock): the "default" section as
// runtime and "develop" as dev dependencies, with versions ("==x"), hashes, markers, extras,
// indexes and git/file/path entries. A package locked in both sections at the same version is
// reported once, as runtime. The sibling Pipfile, when present, decides which packages are
// direct ([packages] and [dev-packages]); Pipfile.lock records no dependency graph and Pipfile
// names no project, so there are no edges and no application package.
type PipfileLockCataloger struct{}

var (
	_ catalog.Cataloger      = (*PipfileLockCataloger)(nil)
	_ catalog.RelatedMatcher = (*PipfileLockCataloger)(nil)
)

// Name implements catalog.Cataloger.
func (*PipfileLockCataloger) Name() string { return "pipfile-lock" }

// Match implements catalog.Cataloger.
func (*PipfileLockCataloger) Match(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "Pipfile.lock"
}

// Related implements catalog.RelatedMatcher.
func (*PipfileLockCataloger) Related(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "Pipfile"
}

type pipfileLock struct {
	Meta *struct {
		Sources []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"sources"`
	} `json:"_meta"`
	Default map[string]pipEntry `json:"default"`
	Develop map[string]pipEntry `json:"develop"`
}

type pipEntry struct {
	Version  string   `json:"version"`
	Hashes   []string `json:"hashes"`
	Markers  string   `json:"markers"`
	Index    string   `json:"index"`
	Extras   []string `json:"extras"`
	Git      string   `json:"git"`
	Hg       string   `json:"hg"`
	Ref      string   `json:"ref"`
	Editable bool     `json:"editable"`
	Path     string   `json:"path"`
	File     string   `json:"file"`
}

// Catalog implements catalog.Cataloger.
func (c *PipfileLockCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	var lock pipfileLock
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, jsonError(f.Path, data, "Pipfile.lock", err)
	}
	if lock.Meta == nil && lock.Default == nil && lock.Develop == nil {
		return nil, catalog.Errorf(f.Path, 1, "not a Pipfile.lock: no _meta, default or develop section")
	}
	if len(lock.Default)+len(lock.Develop) > catalog.MaxPackages {
		return nil, tooMany(f.Path)
	}
	indexes := map[string]string{}
	if lock.Meta != nil {
		for _, s := range lock.Meta.Sources {
			indexes[s.Name] = s.URL
		}
	}
	lines := jsonKeyLines(data, "default", "develop")
	direct, err := readPipfile(f.FS, path.Join(path.Dir(f.Path), "Pipfile"))

	var pkgs []*sbom.Package
	seen := map[string]string{} // normalised name → version in default
	for _, sec := range []struct {
		name    string
		entries map[string]pipEntry
		scope   sbom.Scope
	}{{"default", lock.Default, sbom.ScopeRuntime}, {"develop", lock.Develop, sbom.ScopeDev}} {
		names := make([]string, 0, len(sec.entries))
		for n := range sec.entries {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if err := ctx.Err(); err != nil {
				return &catalog.Result{Packages: pkgs}, err
			}
			e := sec.entries[n]
			line := lines[sec.name+"\x00"+n]
			if !validName(n) {
				return &catalog.Result{Packages: pkgs}, catalog.Errorf(f.Path, line, "%s: invalid package name %s", sec.name, quote(n))
			}
			version := exactVersion(strings.ReplaceAll(e.Version, " ", ""))
			nn := Normalize(n)
			if v, ok := seen[nn]; ok && v == version && sec.name == "develop" {
				continue
			}
			if sec.name == "default" {
				seen[nn] = version
			}
			p := newPackage(c.Name(), n, version, f.Path, line)
			p.ID = sec.name + "/" + nn
			p.Scope = sec.scope
			if version == "" {
				p.Unresolved = true
				if e.Version != "*" {
					p.Constraint = e.Version
				}
			}
			for _, h := range e.Hashes {
				addHash(p, h)
			}
			p.SetProperty(propMarkers, e.Markers)
			var extras []string
			for _, x := range e.Extras {
				extras = append(extras, Normalize(x))
			}
			p.SetProperty(propExtras, strings.Join(extras, ","))
			switch {
			case e.Git != "":
				p.VCS = &sbom.VCS{Type: "git", URL: e.Git}
			case e.Hg != "":
				p.VCS = &sbom.VCS{Type: "hg", URL: e.Hg}
			case e.File != "":
				if strings.Contains(e.File, "://") && !strings.HasPrefix(e.File, "file:") {
					p.DownloadURL = e.File
				} else {
					p.SetProperty(propPath, e.File)
				}
			case e.Path != "":
				p.SetProperty(propPath, e.Path)
			}
			if p.VCS != nil && e.Ref != "" {
				if isCommit(e.Ref) {
					p.VCS.Revision = e.Ref
				} else {
					p.VCS.Ref = e.Ref
				}
			}
			if e.Editable {
				p.SetProperty(propEditable, "true")
			}
			if u := indexes[e.Index]; u != "" && !isPyPIIndex(u) {
				p.SetProperty(propIndex, u)
				p.PURL = purl(p.Name, p.Version, "repository_url", u)
			}
			if direct != nil {
				p.Relation = sbom.RelationTransitive
				if direct[nn] {
					p.Relation = sbom.RelationDirect
				}
			}
			pkgs = append(pkgs, p)
		}
	}
	return &catalog.Result{Packages: pkgs}, err
}

// readPipfile returns the normalised names of [packages] and [dev-packages] of a Pipfile, or
// nil when there is none.
func readPipfile(fsys fs.FS, name string) (map[string]bool, error) {
	data, err := catalog.ReadFileFS(fsys, name, catalog.MaxManifestSize)
	if err != nil {
		if isNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	doc, err := decodeTOML(name, data, "Pipfile")
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, sec := range []string{"packages", "dev-packages"} {
		for n := range table(doc[sec]) {
			out[Normalize(n)] = true
		}
	}
	return out, nil
}

// jsonError converts an encoding/json error to a *catalog.ParseError with its line.
func jsonError(file string, data []byte, what string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return catalog.Errorf(file, catalog.LineOf(data, se.Offset), "not a valid %s: %v", what, se)
	case errors.As(err, &te):
		return catalog.Errorf(file, catalog.LineOf(data, te.Offset), "not a valid %s: %s has the wrong type (%s)", what, te.Field, te.Value)
	}
	return catalog.Errorf(file, 0, "not a valid %s: %v", what, err)
}

// jsonKeyLines returns the line of every key of the objects under the given top-level keys,
// keyed "section\x00key". It stops quietly at a syntax error (json.Unmarshal reports it).
func jsonKeyLines(data []byte, sections ...string) map[string]int {
	out := map[string]int{}
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		obj       bool
		expectKey bool
		key       string
	}
	var stack []frame
	// Lines are counted incrementally: the decoder's offsets only grow, and counting from the
	// start of the file for every key would take quadratic time.
	line, lineOff := 1, int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				stack = append(stack, frame{obj: d == '{', expectKey: d == '{'})
			default:
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
				if len(stack) > 0 && stack[len(stack)-1].obj {
					stack[len(stack)-1].expectKey = true
				}
			}
			continue
		}
		if len(stack) == 0 {
			continue
		}
		top := &stack[len(stack)-1]
		if top.obj && top.expectKey {
			top.key, _ = tok.(string)
			top.expectKey = false
			if len(stack) == 2 && stack[0].obj && slices.Contains(sections, stack[0].key) {
				if off := min(dec.InputOffset(), int64(len(data))); off > lineOff {
					line += bytes.Count(data[lineOff:off], []byte{'\n'})
					lineOff = off
				}
				out[stack[0].key+"\x00"+top.key] = line
			}
			continue
		}
		if top.obj {
			top.expectKey = true
		}
	}
}
