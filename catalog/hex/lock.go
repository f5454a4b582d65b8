package hex

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Property keys set on packages.
const (
	PropInnerChecksum = "hallmark:hex:inner-checksum" // SHA-256 of the tarball's contents (hex)
	PropManagers      = "hallmark:hex:managers"       // build tools: "mix", "rebar3", "make"
	PropRepo          = "hallmark:hex:repo"           // Hex repository, "hexpm" or "hexpm:<org>"
	PropApp           = "hallmark:hex:app"            // the lock key when it differs from the package
	PropSCM           = "hallmark:hex:scm"            // hex or git
)

// LockCataloger reads mix.lock files.
type LockCataloger struct{}

var _ catalog.Cataloger = (*LockCataloger)(nil)

// Name returns "mix-lock".
func (*LockCataloger) Name() string { return "mix-lock" }

// Match accepts regular files named mix.lock.
func (*LockCataloger) Match(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "mix.lock"
}

// entry is one locked dependency before edges are resolved.
type entry struct {
	pkg  *sbom.Package
	deps []string // app names of its dependencies
}

// Catalog parses one mix.lock file.
func (c *LockCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	top, err := parseTerm(f.Path, data)
	var syntaxErr error
	if err != nil {
		// mix writes one dependency per line: recover the lines that parse on their own, so a
		// damaged line costs only its own package; the syntax error is still reported.
		var ok bool
		if top, ok = recoverLines(f.Path, data); !ok {
			return nil, err
		}
		syntaxErr = err
	}
	if top.kind != kMap {
		return nil, catalog.Errorf(f.Path, top.line, "not a mix.lock file: want a map %%{...}")
	}
	var (
		errs    []error
		entries []entry
		byApp   = map[string]string{} // app name → package ID
	)
	for i := 0; i+1 < len(top.items); i += 2 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k, v := top.items[i], top.items[i+1]
		if k.kind != kAtom && k.kind != kString || k.s == "" {
			errs = append(errs, catalog.Errorf(f.Path, k.line, "lock key is not a dependency name"))
			continue
		}
		if _, dup := byApp[k.s]; dup {
			errs = append(errs, catalog.Errorf(f.Path, k.line, "dependency %s is locked twice", k.s))
			continue
		}
		e, err := c.entry(f.Path, k, v)
		if err != nil {
			errs = append(errs, err)
		}
		if e.pkg == nil {
			continue
		}
		e.pkg.ID = k.s
		byApp[k.s] = k.s
		entries = append(entries, e)
	}
	res := &catalog.Result{}
	for _, e := range entries {
		for _, d := range e.deps {
			// Optional dependencies that the project does not use are not locked.
			if id, ok := byApp[d]; ok && id != e.pkg.ID {
				e.pkg.DependsOn = append(e.pkg.DependsOn, id)
			}
		}
		res.Packages = append(res.Packages, e.pkg)
	}
	if syntaxErr != nil {
		errs = append([]error{syntaxErr}, errs...)
	}
	return res, errors.Join(errs...)
}

// entry converts one lock entry.
func (c *LockCataloger) entry(file string, k, v term) (entry, error) {
	if v.kind != kTuple || len(v.items) == 0 || v.items[0].kind != kAtom {
		return entry{}, catalog.Errorf(file, k.line, "dependency %s: want a tuple such as {:hex, ...} or {:git, ...}", k.s)
	}
	it := v.items
	p := &sbom.Package{
		Name: k.s, Ecosystem: sbom.EcosystemHex, FoundBy: c.Name(),
		Locations: []sbom.Location{{Path: file, Line: k.line}},
	}
	p.SetProperty(PropSCM, it[0].s)
	switch it[0].s {
	case "hex":
		// {:hex, :name, version, inner_checksum, managers, deps[, repo[, outer_checksum]]}
		if len(it) < 6 || it[1].kind != kAtom || it[2].kind != kString || it[2].s == "" {
			return entry{}, catalog.Errorf(file, k.line, "dependency %s: want {:hex, :name, \"version\", \"checksum\", managers, deps, \"repo\", \"checksum\"}", k.s)
		}
		p.Name, p.Version = it[1].s, it[2].s
		if p.Name != k.s {
			p.SetProperty(PropApp, k.s)
		}
		var err error
		if it[3].kind == kString && it[3].s != "" {
			p.SetProperty(PropInnerChecksum, strings.ToLower(it[3].s))
		}
		p.SetProperty(PropManagers, atoms(it[4]))
		repo := "hexpm"
		if len(it) > 6 && it[6].kind == kString {
			repo = it[6].s
		}
		p.SetProperty(PropRepo, repo)
		if len(it) > 7 && it[7].kind == kString {
			if b, herr := hex.DecodeString(it[7].s); herr == nil && len(b) == 32 {
				p.Hashes = []sbom.Hash{{Algorithm: "SHA-256", Value: strings.ToLower(it[7].s)}}
			} else {
				err = catalog.Errorf(file, it[7].line, "dependency %s: outer checksum %q is not a SHA-256 in hexadecimal", k.s, it[7].s)
			}
		}
		// Packages of an organisation's repository ("hexpm:acme") have it as purl namespace.
		_, org, _ := strings.Cut(repo, ":")
		p.PURL = purl(org, p.Name, p.Version)
		return entry{pkg: p, deps: depNames(it[5])}, err
	case "git":
		// {:git, url, sha, opts}
		if len(it) < 3 || it[1].kind != kString || it[2].kind != kString {
			return entry{}, catalog.Errorf(file, k.line, "dependency %s: want {:git, \"url\", \"revision\", options}", k.s)
		}
		p.VCS = &sbom.VCS{Type: "git", URL: it[1].s, Revision: it[2].s}
		if len(it) > 3 {
			for _, kw := range keywords(it[3]) {
				switch kw.items[0].s {
				case "branch", "tag", "ref":
					if kw.items[1].kind == kString {
						p.VCS.Ref = kw.items[1].s
					}
				}
			}
		}
		p.PURL = purl("", p.Name, "")
		return entry{pkg: p}, nil
	default:
		return entry{}, catalog.Errorf(file, k.line, "dependency %s: unknown source %s", k.s, it[0].s)
	}
}

// purl returns the package URL of a Hex package. The purl type hex is not case sensitive:
// the namespace (organisation) and the name "must be lowercased"
// (https://github.com/package-url/purl-spec, types/hex-definition.json). Package.Name keeps
// the spelling of the lock, which is hex.pm's and the one OSV advisories of the Hex ecosystem
// use: hex.pm has refused capitals since 2024 (^[a-z][a-z0-9_]*$) but kept the packages
// published earlier under ^[a-z]\w*$, and matching compares Hex names exactly.
func purl(org, name, version string) string {
	return sbom.PURL("hex", strings.ToLower(org), strings.ToLower(name), version)
}

// atoms joins the atoms of a list with commas.
func atoms(l term) string {
	var s []string
	for _, a := range l.items {
		if a.kind == kAtom {
			s = append(s, a.s)
		}
	}
	return strings.Join(s, ",")
}

// keywords returns the {:key, value} tuples of a keyword list.
func keywords(l term) []term {
	if l.kind != kList {
		return nil
	}
	var kws []term
	for _, t := range l.items {
		if t.kind == kTuple && len(t.items) == 2 && t.items[0].kind == kAtom {
			kws = append(kws, t)
		}
	}
	return kws
}

// depNames returns the app names of a hex entry's dependency list,
// [{:cowlib, "2.11.0", [hex: :cowlib, repo: "hexpm", optional: false]}, ...].
func depNames(l term) []string {
	if l.kind != kList {
		return nil
	}
	var names []string
	for _, d := range l.items {
		if d.kind == kTuple && len(d.items) > 0 && d.items[0].kind == kAtom {
			names = append(names, d.items[0].s)
		}
	}
	return names
}

// String formats a term as Elixir source, for error messages and tests.
func (t term) String() string {
	switch t.kind {
	case kString:
		return fmt.Sprintf("%q", t.s)
	case kAtom:
		return ":" + t.s
	case kInt:
		return t.s
	}
	open, close := "[", "]"
	switch t.kind {
	case kTuple:
		open, close = "{", "}"
	case kMap:
		open, close = "%{", "}"
	}
	var parts []string
	for i := 0; i < len(t.items); i++ {
		if t.kind == kMap && i+1 < len(t.items) {
			parts = append(parts, t.items[i].String()+" => "+t.items[i+1].String())
			i++
			continue
		}
		parts = append(parts, t.items[i].String())
	}
	return open + strings.Join(parts, ", ") + close
}

// recoverLines parses each line of a damaged mix.lock that holds one whole entry
// (`"name": {...},`) on its own, and returns the entries that parse as a map term with their
// own line numbers. ok is false when no line parses.
func recoverLines(file string, data []byte) (term, bool) {
	top := term{kind: kMap, line: 1}
	for i, line := range bytes.Split(data, []byte("\n")) {
		l := bytes.TrimSpace(line)
		if len(l) == 0 || l[0] != '"' && l[0] != ':' {
			continue
		}
		l = bytes.TrimSuffix(l, []byte(","))
		snippet := append(append([]byte("%{"), l...), '}')
		t, err := parseTerm(file, snippet)
		if err != nil || t.kind != kMap || len(t.items) != 2 {
			continue
		}
		for j := range t.items {
			t.items[j].line += i
		}
		top.items = append(top.items, t.items...)
	}
	return top, len(top.items) > 0
}
