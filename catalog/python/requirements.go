package python

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// RequirementsCataloger reads pip requirements files
// (https://pip.pypa.io/en/stable/reference/requirements-file-format/): requirements*.txt,
// *-requirements.txt, *_requirements.txt, requirements*.in and *.txt / *.in files in a
// "requirements" directory.
//
// It supports "==" and "===" pins, --hash options, environment markers, extras, line
// continuations, comments, -r/--requirement and -c/--constraint includes (resolved relative
// to the including file through File.FS, at most catalog.MaxDepth deep, each file once),
// -e/--editable, direct URL and VCS requirements (reported with VCS or DownloadURL and no
// version) and local paths (named after #egg= or the pyproject.toml they point to). An
// unpinned requirement is reported with an empty Version, its Constraint and Unresolved,
// unless a constraints file pins the name. pip-compile's "# via" annotations give the
// relation (direct or transitive) and the dependency edges.
//
// A requirements file included with -r that this cataloger also matches on its own is not
// reported again from the including file. Options other than those above (--index-url,
// --find-links, …) are accepted and ignored, except that a non-default --index-url is recorded
// on the packages. Environment variables (${VAR}) are not expanded; remote includes are not
// fetched and are reported as unsupported.
type RequirementsCataloger struct{}

var (
	_ catalog.Cataloger      = (*RequirementsCataloger)(nil)
	_ catalog.RelatedMatcher = (*RequirementsCataloger)(nil)
)

// Name implements catalog.Cataloger.
func (*RequirementsCataloger) Name() string { return "python-requirements" }

// Match implements catalog.Cataloger.
func (*RequirementsCataloger) Match(p string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	base := strings.ToLower(path.Base(p))
	stem, ok := strings.CutSuffix(base, ".txt")
	if !ok {
		if stem, ok = strings.CutSuffix(base, ".in"); !ok {
			return false
		}
	}
	return strings.HasPrefix(stem, "requirements") ||
		strings.HasSuffix(stem, "-requirements") || strings.HasSuffix(stem, "_requirements") ||
		path.Base(path.Dir(p)) == "requirements"
}

// Related implements catalog.RelatedMatcher: the .txt and .in files whose names mention
// requirements or constraints (so that -r and -c includes resolve inside images), and the
// pyproject.toml files that name local-path requirements. Includes with other names are
// read when the target is a directory.
func (c *RequirementsCataloger) Related(p string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	base := strings.ToLower(path.Base(p))
	if base == "pyproject.toml" || c.Match(p, mode) {
		return true
	}
	return (strings.HasSuffix(base, ".txt") || strings.HasSuffix(base, ".in")) &&
		(strings.Contains(base, "requirement") || strings.Contains(base, "constraint"))
}

// Catalog implements catalog.Cataloger.
func (c *RequirementsCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	rp := &reqParser{c: c, fsys: f.FS, top: f.Path, visited: map[string]bool{f.Path: true}, cons: map[string]reqPin{}}
	rp.parse(ctx, f.Path, data, 0, false)
	res := &catalog.Result{Packages: rp.finish()}
	return res, errors.Join(rp.errs...)
}

// reqEntry is one requirement line.
type reqEntry struct {
	pkg  *sbom.Package
	via  []string // pip-compile "# via" parents as written
	file string   // file the requirement is in
}

// reqPin is a version a constraints file pins.
type reqPin struct {
	version string
	where   string // "path:line"
}

type reqParser struct {
	c       *RequirementsCataloger
	fsys    fs.FS
	top     string
	visited map[string]bool
	entries []*reqEntry
	cons    map[string]reqPin
	index   string // --index-url of the top file, when not PyPI
	errs    []error
}

func (rp *reqParser) errorf(file string, line int, format string, args ...any) {
	if len(rp.errs) < 100 {
		rp.errs = append(rp.errs, catalog.Errorf(file, line, format, args...))
	}
}

// logicalLines splits data into pip's logical lines: continuation lines ending in "\" are
// joined, and each logical line carries the 1-based number of its first physical line.
func logicalLines(data []byte, yield func(line int, text string) bool) {
	line, start := 0, 0
	var b strings.Builder
	s := string(data)
	for len(s) > 0 {
		line++
		var l string
		l, s, _ = strings.Cut(s, "\n")
		l = strings.TrimSuffix(l, "\r")
		if b.Len() == 0 {
			start = line
		}
		if strings.HasSuffix(l, `\`) && len(s) > 0 {
			b.WriteString(l[:len(l)-1])
			continue
		}
		b.WriteString(l)
		if !yield(start, b.String()) {
			return
		}
		b.Reset()
	}
}

// stripComment removes a "#" comment that starts a line or follows whitespace and returns the
// rest and the comment text.
func stripComment(l string) (string, string) {
	for i := 0; i < len(l); i++ {
		if l[i] == '#' && (i == 0 || l[i-1] == ' ' || l[i-1] == '\t') {
			return l[:i], l[i+1:]
		}
	}
	return l, ""
}

func (rp *reqParser) parse(ctx context.Context, file string, data []byte, depth int, constraint bool) {
	if len(data) > 0 && data[0] == 0xef && len(data) >= 3 && string(data[:3]) == "\ufeff" {
		data = data[3:]
	}
	var last *reqEntry // the requirement "# via" comment lines belong to
	viaOpen := false
	logicalLines(data, func(line int, text string) bool {
		if ctx.Err() != nil {
			rp.errs = append(rp.errs, ctx.Err())
			return false
		}
		if len(text) > catalog.MaxLineLength {
			rp.errs = append(rp.errs, &catalog.ParseError{Path: file, Line: line,
				Err: fmt.Errorf("%w: line longer than %d bytes", catalog.ErrTooLarge, catalog.MaxLineLength)})
			return false
		}
		body, comment := stripComment(text)
		body = strings.TrimSpace(body)
		if body == "" {
			// A comment-only line may continue a pip-compile "# via" annotation.
			c := strings.TrimSpace(comment)
			switch {
			case last == nil || strings.TrimSpace(text) == "":
				viaOpen = false
			case strings.HasPrefix(c, "via ") || c == "via":
				viaOpen = true
				last.via = append(last.via, splitVia(strings.TrimPrefix(c, "via"))...)
			case viaOpen && c != "":
				last.via = append(last.via, splitVia(c)...)
			default:
				viaOpen = false
			}
			return true
		}
		viaOpen = false
		last = nil
		if strings.HasPrefix(body, "-") {
			e := rp.option(ctx, file, line, body, depth, constraint)
			if e != nil {
				last = e
			}
			return true
		}
		if constraint {
			rp.constraint(file, line, body)
			return true
		}
		if e := rp.requirement(file, line, body, false); e != nil {
			last = e
			if c := strings.TrimSpace(comment); strings.HasPrefix(c, "via ") {
				e.via = append(e.via, splitVia(c[4:])...)
			}
		}
		return len(rp.entries) <= catalog.MaxPackages
	})
	if len(rp.entries) > catalog.MaxPackages {
		rp.errs = append(rp.errs, tooMany(file))
	}
}

// splitVia splits the parents of a "# via" annotation ("anyio, requests", "-r requirements.in").
func splitVia(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// option handles a line starting with "-". It returns the entry of an -e requirement.
func (rp *reqParser) option(ctx context.Context, file string, line int, body string, depth int, constraint bool) *reqEntry {
	name, value := splitOption(body)
	switch name {
	case "-r", "--requirement", "-c", "--constraint":
		if value == "" {
			rp.errorf(file, line, "%s needs a file name", name)
			return nil
		}
		rp.include(ctx, file, line, value, depth, constraint || name == "-c" || name == "--constraint")
	case "-e", "--editable":
		if value == "" {
			rp.errorf(file, line, "%s needs a path or URL", name)
			return nil
		}
		if constraint {
			return nil
		}
		return rp.requirement(file, line, value, true)
	case "-i", "--index-url":
		if file == rp.top && value != "" && !isPyPIIndex(value) {
			rp.index = value
		}
	}
	return nil
}

// splitOption splits "-r file", "-rfile", "--requirement=file" and "--requirement file".
func splitOption(body string) (string, string) {
	if strings.HasPrefix(body, "--") {
		name, value, found := strings.Cut(body, "=")
		if i := strings.IndexAny(name, " \t"); i >= 0 {
			name, value, found = body[:i], body[i+1:], true
		}
		if !found {
			return body, ""
		}
		return name, strings.TrimSpace(value)
	}
	if len(body) < 2 {
		return body, ""
	}
	return body[:2], strings.TrimSpace(body[2:])
}

func isPyPIIndex(u string) bool {
	u = strings.TrimSuffix(u, "/")
	return u == "https://pypi.org/simple" || u == "https://pypi.python.org/simple"
}

// include parses a -r or -c file.
func (rp *reqParser) include(ctx context.Context, file string, line int, value string, depth int, constraint bool) {
	if i := strings.Index(value, "://"); i > 0 && !strings.HasPrefix(value, "file://") {
		rp.errs = append(rp.errs, fmt.Errorf("%s:%d: %s: %w (remote requirement files are not fetched)", file, line, value, catalog.ErrUnsupported))
		return
	}
	value = strings.TrimPrefix(value, "file://")
	target := value
	if !strings.HasPrefix(value, "/") {
		target = path.Join(path.Dir(file), value)
	}
	target = strings.TrimPrefix(path.Clean(target), "/")
	if !fs.ValidPath(target) {
		rp.errorf(file, line, "include %q names a file outside the target", value)
		return
	}
	if rp.visited[target] {
		return // a cycle or a file included twice
	}
	rp.visited[target] = true
	if !constraint && rp.c.Match(target, 0) {
		return // reported when the walker offers it
	}
	if depth+1 > catalog.MaxDepth {
		rp.errs = append(rp.errs, &catalog.ParseError{Path: file, Line: line,
			Err: fmt.Errorf("%w: includes nested deeper than %d", catalog.ErrTooLarge, catalog.MaxDepth)})
		return
	}
	data, err := catalog.ReadFileFS(rp.fsys, target, catalog.MaxManifestSize)
	if err != nil {
		rp.errs = append(rp.errs, fmt.Errorf("%s:%d: reading included file %s: %w", file, line, value, err))
		return
	}
	rp.parse(ctx, target, data, depth+1, constraint)
}

// constraint records the pin of one constraints-file line.
func (rp *reqParser) constraint(file string, line int, body string) {
	args, _ := splitArgs(body)
	r, err := parseRequirement(args)
	if err != nil {
		if isURLLike(args) {
			return // a URL constraint pins no version
		}
		rp.errorf(file, line, "invalid constraint %s: %v", quote(args), err)
		return
	}
	if v := exactVersion(r.Specifier); v != "" {
		n := Normalize(r.Name)
		if _, ok := rp.cons[n]; !ok {
			rp.cons[n] = reqPin{version: v, where: file + ":" + strconv.Itoa(line)}
		}
	}
}

// splitArgs separates a requirement from its per-requirement options the way pip does: the
// options start at the first whitespace-separated token beginning with "-".
func splitArgs(body string) (string, []string) {
	fields := strings.Fields(body)
	for i, t := range fields {
		if strings.HasPrefix(t, "-") && i > 0 {
			return strings.Join(fields[:i], " "), fields[i:]
		}
	}
	return strings.Join(fields, " "), nil
}

// isURLLike reports whether a requirement is a URL or local path rather than a PEP 508 name.
func isURLLike(s string) bool {
	for _, p := range []string{"git+", "hg+", "svn+", "bzr+", "http://", "https://", "file:", "ftp://", ".", "/", "~"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	head := s
	if i := strings.IndexAny(head, " \t;@"); i >= 0 {
		head = head[:i]
	}
	return strings.Contains(head, "/") || strings.Contains(head, `\`) || archiveExt(head) != ""
}

func archiveExt(s string) string {
	for _, e := range []string{".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar"} {
		if strings.HasSuffix(strings.ToLower(s), e) {
			return e
		}
	}
	return ""
}

// requirement turns one requirement line into a package.
func (rp *reqParser) requirement(file string, line int, body string, editable bool) *reqEntry {
	args, opts := splitArgs(body)
	var p *sbom.Package
	if isURLLike(args) {
		p = rp.urlRequirement(file, line, args)
		if p == nil {
			return nil
		}
	} else {
		r, err := parseRequirement(args)
		if err != nil {
			rp.errorf(file, line, "invalid requirement %s: %v", quote(args), err)
			return nil
		}
		p = newPackage(rp.c.Name(), r.Name, "", file, line)
		if r.URL != "" {
			setDirectURL(p, r.URL)
		} else if v := exactVersion(r.Specifier); v != "" {
			p.Version = v
			p.PURL = purl(p.Name, v)
		} else {
			p.Constraint = r.Specifier
		}
		p.SetProperty(propExtras, strings.Join(r.Extras, ","))
		p.SetProperty(propMarkers, r.Marker)
	}
	if p.Version == "" {
		p.Unresolved = true
	}
	if editable {
		p.SetProperty(propEditable, "true")
	}
	for i := 0; i < len(opts); i++ {
		o := opts[i]
		switch {
		case strings.HasPrefix(o, "--hash="):
			addHash(p, o[len("--hash="):])
		case o == "--hash" && i+1 < len(opts):
			i++
			addHash(p, opts[i])
		}
	}
	p.ID = file + ":" + strconv.Itoa(line)
	e := &reqEntry{pkg: p, file: file}
	rp.entries = append(rp.entries, e)
	return e
}

// urlRequirement handles a VCS URL, archive URL or local path, named by its #egg= fragment,
// its archive file name, or the pyproject.toml of a local directory.
func (rp *reqParser) urlRequirement(file string, line int, s string) *sbom.Package {
	marker := ""
	if i := strings.Index(s, " ;"); i >= 0 {
		s, marker = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+2:])
	} else if i := strings.Index(s, "; "); i >= 0 {
		s, marker = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	}
	name, extras := "", ""
	base, frag, _ := strings.Cut(s, "#")
	for _, kv := range strings.Split(frag, "&") {
		if v, ok := strings.CutPrefix(kv, "egg="); ok {
			n, x, _ := strings.Cut(v, "[")
			name, extras = n, strings.TrimSuffix(x, "]")
		}
	}
	local := !strings.Contains(base, "://") && !strings.HasPrefix(base, "file:")
	if name == "" {
		name = nameFromArchive(base)
	}
	if name == "" && local {
		name = rp.localProjectName(file, base)
	}
	if name == "" && !local {
		name = repoName(base)
	}
	if !validName(name) {
		rp.errorf(file, line, "cannot tell the project name of %s: add #egg=<name> to the requirement", quote(s))
		return nil
	}
	p := newPackage(rp.c.Name(), name, "", file, line)
	if local {
		p.SetProperty(propPath, base)
	} else {
		setDirectURL(p, s)
	}
	// A wheel or sdist file name states its exact version (PEP 427, PEP 625).
	if v := versionFromArchive(base); v != "" && Normalize(nameFromArchive(base)) == p.Name {
		p.Version, p.PURL = v, purl(p.Name, v)
	}
	var ex []string
	for _, e := range strings.Split(extras, ",") {
		if e = strings.TrimSpace(e); e != "" {
			ex = append(ex, Normalize(e))
		}
	}
	p.SetProperty(propExtras, strings.Join(ex, ","))
	p.SetProperty(propMarkers, marker)
	return p
}

// nameFromArchive returns the project name of a wheel or sdist file name, or "".
func nameFromArchive(u string) string {
	ext := archiveExt(u)
	if ext == "" {
		return ""
	}
	b := strings.TrimSuffix(path.Base(u), ext)
	if ext == ".whl" {
		n, _, ok := strings.Cut(b, "-")
		if ok && validName(n) {
			return n
		}
		return ""
	}
	i := strings.LastIndexByte(b, '-')
	if i <= 0 || !validName(b[:i]) {
		return ""
	}
	return b[:i]
}

// versionFromArchive returns the version in a wheel or sdist file name
// ("six-1.16.0-py2.py3-none-any.whl", "flask-3.0.0.tar.gz"), or "" when there is none that
// looks like a release version (it must start with a digit and use PEP 440's characters).
func versionFromArchive(u string) string {
	ext := archiveExt(u)
	if ext == "" {
		return ""
	}
	b := strings.TrimSuffix(path.Base(u), ext)
	var v string
	if ext == ".whl" {
		parts := strings.Split(b, "-")
		if len(parts) < 5 {
			return ""
		}
		v = parts[1]
	} else if i := strings.LastIndexByte(b, '-'); i > 0 {
		v = b[i+1:]
	}
	if v == "" || v[0] < '0' || v[0] > '9' || strings.Trim(strings.ToLower(v), "0123456789.abcdefghijklmnopqrstuvwxyz!+_") != "" {
		return ""
	}
	return v
}

// localProjectName reads the name of the project at a local path from its pyproject.toml.
func (rp *reqParser) localProjectName(file, p string) string {
	p = strings.TrimPrefix(p, "file:")
	dir := p
	if !strings.HasPrefix(p, "/") {
		dir = path.Join(path.Dir(file), p)
	}
	dir = strings.TrimPrefix(path.Clean(dir), "/")
	if !fs.ValidPath(dir) {
		return ""
	}
	pp, err := readPyProject(rp.fsys, path.Join(dir, "pyproject.toml"))
	if err != nil || pp == nil {
		return ""
	}
	return pp.name
}

// setDirectURL records a direct reference: a VCS URL ("git+https://host/repo@rev") as VCS,
// anything else as DownloadURL.
func setDirectURL(p *sbom.Package, u string) {
	u, _, _ = strings.Cut(u, "#")
	for _, vcs := range []string{"git", "hg", "svn", "bzr"} {
		rest, ok := strings.CutPrefix(u, vcs+"+")
		if !ok {
			continue
		}
		v := &sbom.VCS{Type: vcs, URL: rest}
		scheme := strings.Index(rest, "://")
		if i := strings.LastIndexByte(rest, '@'); i > scheme+3 && strings.Contains(rest[scheme+3:i], "/") {
			v.URL, v.Ref = rest[:i], rest[i+1:]
			if isCommit(v.Ref) {
				v.Revision, v.Ref = v.Ref, ""
			}
		}
		p.VCS = v
		return
	}
	p.DownloadURL = u
}

// isCommit reports whether s looks like a full git or hg commit id.
func isCommit(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// finish applies constraints and pip-compile annotations and returns the packages.
func (rp *reqParser) finish() []*sbom.Package {
	// pip-compile writes each name once per file; a "# via" parent is the first requirement
	// of that name in the same file.
	type fileName struct{ file, name string }
	byName := map[fileName]*reqEntry{}
	annotated := map[string]bool{}
	for _, e := range rp.entries {
		if k := (fileName{e.file, e.pkg.Name}); byName[k] == nil {
			byName[k] = e
		}
		if len(e.via) > 0 {
			annotated[e.file] = true
		}
	}
	g := newGraph(rp.top)
	pkgs := make([]*sbom.Package, 0, len(rp.entries))
	for _, e := range rp.entries {
		p := e.pkg
		if p.Version == "" && p.VCS == nil && p.DownloadURL == "" && p.Properties[propPath] == "" {
			if pin, ok := rp.cons[p.Name]; ok {
				p.Version, p.Unresolved = pin.version, false
				p.PURL = purl(p.Name, pin.version)
				p.SetProperty(propConstraint, pin.where)
			}
		}
		if rp.index != "" {
			p.SetProperty(propIndex, rp.index)
			p.PURL = purl(p.Name, p.Version, "repository_url", rp.index)
		}
		if annotated[e.file] && len(e.via) == 0 {
			// pip-compile annotates every line it writes: a line without "# via" in an
			// annotated file was added by hand, as a direct requirement.
			p.Relation = sbom.RelationDirect
		} else if annotated[e.file] {
			p.Relation = sbom.RelationTransitive
			for _, v := range e.via {
				if strings.HasPrefix(v, "-r ") || strings.Contains(v, "(") {
					p.Relation = sbom.RelationDirect
					continue
				}
				if strings.HasPrefix(v, "-") {
					continue
				}
				n, _, _ := strings.Cut(v, "[")
				if parent := byName[fileName{e.file, Normalize(strings.TrimSpace(n))}]; parent != nil {
					g.link(parent.pkg, p.ID)
				}
			}
		}
		pkgs = append(pkgs, p)
	}
	if g.err != nil {
		rp.errs = append(rp.errs, g.err)
	}
	return pkgs
}

// repoName returns the last path segment of a VCS URL without its "@rev" and ".git"
// ("git+https://github.com/psf/black.git@24.1.0" → "black"), or "" when the URL has no path.
func repoName(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	_, p, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(p, '@'); i >= 0 {
		p = p[:i]
	}
	seg := strings.TrimSuffix(path.Base(strings.TrimSuffix(p, "/")), ".git")
	if p == "" || !validName(seg) {
		return ""
	}
	return seg
}
