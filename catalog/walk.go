package catalog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/hallmark-dev/hallmark/sbom"
)

// SkipDirs are directory names the walker never enters: version-control metadata and trees of
// installed third-party code whose contents the project's own lockfiles already record
// (node_modules holds the packages package-lock.json lists; vendor holds Go, PHP and Ruby
// dependencies). Scanning them would report each dependency's own development lockfiles as if
// they were the project's.
var SkipDirs = []string{".git", ".hg", ".svn", ".bzr", "node_modules", "vendor", "bower_components"}

// maxDoubleStars bounds the "**" elements of one --exclude pattern, which match by
// backtracking.
const maxDoubleStars = 4

// WalkOptions configure a walk.
type WalkOptions struct {
	// Catalogers are offered every file. Required.
	Catalogers []Cataloger
	// Exclude lists glob patterns (see MatchGlob) of paths not to visit, relative to the root.
	Exclude []string
	// Concurrency bounds how many files are parsed at once; 0 means GOMAXPROCS.
	Concurrency int
	// Progress, when set, is called from one goroutine at a time as the walk advances.
	Progress func(Progress)
	// LayerOf, when set, gives the image layer that introduced a path; the walker records it
	// in every location of the packages found in that file.
	LayerOf func(path string) string
}

// Progress reports a walk's advance.
type Progress struct {
	Files    int64 // files visited
	Matched  int64 // files offered to at least one cataloger
	Parsed   int64 // files parsed so far
	Packages int64 // packages found so far
	Done     bool
	// Note, when set, describes work before the walk (reading an image's layers) instead.
	Note string
}

// job is one file and the catalogers that want it.
type job struct {
	path string // relative, slash-separated
	mode fs.FileMode
	cats []Cataloger
}

type outcome struct {
	res  *Result
	errs []sbom.FileError
}

// WalkDir catalogs the directory tree at root into inv. It walks the tree once, offering each
// regular file to every cataloger whose Match accepts it. Files that fail to parse are
// recorded in inv.Errors; WalkDir itself fails only when root cannot be read or ctx ends.
// Symbolic links are not followed by the walk; catalogers that read neighbouring files see the
// tree through RootFS, so links resolve inside root.
func WalkDir(ctx context.Context, root string, inv *sbom.Inventory, opts WalkOptions) error {
	if len(opts.Catalogers) == 0 {
		return errors.New("walk: no catalogers")
	}
	for _, g := range opts.Exclude {
		if _, err := path.Match(stripDoubleStar(g), ""); err != nil {
			return fmt.Errorf("bad --exclude pattern %q: %w", g, err)
		}
		// Each "**" multiplies the ways a path can match; a few are all a pattern needs.
		if n := strings.Count(g, "**"); n > maxDoubleStars {
			return fmt.Errorf("bad --exclude pattern %q: %d \"**\", at most %d", g, n, maxDoubleStars)
		}
	}
	fsys, err := RootFS(root)
	if err != nil {
		return err
	}
	ps := newParser(ctx, root, fsys, opts)
	err = filepath.WalkDir(root, func(full string, d fs.DirEntry, err error) error {
		if ctxErr := ps.gctx.Err(); ctxErr != nil {
			return ctxErr
		}
		rel, rerr := filepath.Rel(root, full)
		if rerr != nil {
			return rerr
		}
		rel = filepath.ToSlash(rel)
		if err != nil {
			if rel == "." {
				return err
			}
			inv.Errors = append(inv.Errors, sbom.FileError{Path: rel, Err: ioMessage(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if rel == "." {
			return nil
		}
		if excluded(rel, opts.Exclude) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if slices.Contains(SkipDirs, d.Name()) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if n := ps.files.Add(1); n%1024 == 0 {
			ps.report(false)
		}
		var mode fs.FileMode
		var cats []Cataloger
		for _, c := range opts.Catalogers {
			if mode == 0 {
				mode = d.Type()
				if fi, err := d.Info(); err == nil {
					mode = fi.Mode()
				}
			}
			if c.Match(rel, mode) {
				cats = append(cats, c)
			}
		}
		if len(cats) > 0 {
			ps.submit(job{path: rel, mode: mode, cats: cats})
		}
		return nil
	})
	if werr := ps.finish(inv); err == nil {
		err = werr
	}
	return err
}

// WalkFile catalogs the single file at name, with its directory as the root for neighbouring
// files. A file no cataloger claims by name is offered as if it were executable, so that
// binaries copied without their mode bits are still examined.
func WalkFile(ctx context.Context, name string, inv *sbom.Inventory, opts WalkOptions) error {
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", name)
	}
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	fsys, err := RootFS(dir)
	if err != nil {
		return err
	}
	var cats []Cataloger
	mode := st.Mode()
	for _, c := range opts.Catalogers {
		if c.Match(base, mode) {
			cats = append(cats, c)
		}
	}
	byName := len(cats) > 0
	if !byName {
		mode |= 0o111
		for _, c := range opts.Catalogers {
			if c.Match(base, mode) {
				cats = append(cats, c)
			}
		}
	}
	unsupported := fmt.Errorf("%s: %w: no cataloger recognises this file (see 'hallmark sbom --help' for the supported files)", name, ErrUnsupported)
	if len(cats) == 0 {
		return unsupported
	}
	ps := newParser(ctx, dir, fsys, opts)
	ps.files.Add(1)
	ps.submit(job{path: base, mode: mode, cats: cats})
	pkgs, errs := len(inv.Packages), len(inv.Errors)
	if err := ps.finish(inv); err != nil {
		return err
	}
	if !byName && len(inv.Packages) == pkgs && len(inv.Errors) == errs {
		// Offered only as a possible binary, and no binary cataloger found anything in it:
		// an empty or unknown file must not give an empty SBOM silently.
		return unsupported
	}
	return nil
}

// parser parses files concurrently while the walk goes on, and adds the results to the
// inventory in walk order, so the inventory does not depend on scheduling. Only the walking
// goroutine calls submit and finish; workers write only their own outcome.
type parser struct {
	root string
	fsys fs.FS
	opts WalkOptions
	g    *errgroup.Group
	gctx context.Context

	outs []*outcome // in walk order; appended by the walking goroutine only

	files, matched, parsed, pkgs atomic.Int64
	reporting                    sync.Mutex // serialises Progress calls
}

func newParser(ctx context.Context, root string, fsys fs.FS, opts WalkOptions) *parser {
	g, gctx := errgroup.WithContext(ctx)
	n := opts.Concurrency
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	g.SetLimit(n)
	return &parser{root: root, fsys: fsys, opts: opts, g: g, gctx: gctx}
}

// report calls the Progress callback, skipping the update if another is being reported.
func (p *parser) report(done bool) {
	if p.opts.Progress == nil {
		return
	}
	if done {
		p.reporting.Lock()
	} else if !p.reporting.TryLock() {
		return
	}
	defer p.reporting.Unlock()
	p.opts.Progress(Progress{Files: p.files.Load(), Matched: p.matched.Load(), Parsed: p.parsed.Load(), Packages: p.pkgs.Load(), Done: done})
}

// submit starts parsing one file; it blocks while all workers are busy.
func (p *parser) submit(j job) {
	o := &outcome{}
	p.outs = append(p.outs, o)
	p.matched.Add(1)
	p.g.Go(func() error {
		if err := p.gctx.Err(); err != nil {
			return err
		}
		*o = runJob(p.gctx, p.root, p.fsys, j, p.opts)
		if o.res != nil {
			p.pkgs.Add(int64(len(o.res.Packages)))
		}
		p.parsed.Add(1)
		p.report(false)
		return nil
	})
}

// finish waits for the workers and adds their results to inv in walk order.
func (p *parser) finish(inv *sbom.Inventory) error {
	if err := p.g.Wait(); err != nil {
		return err
	}
	for _, o := range p.outs {
		inv.Errors = append(inv.Errors, o.errs...)
		if o.res == nil {
			continue
		}
		if o.res.Distro != nil && inv.Distro == nil {
			inv.Distro = o.res.Distro
		}
		inv.Add(o.res.Packages)
	}
	p.report(true)
	return nil
}

// runJob parses one file with each cataloger that wants it, merging their results.
func runJob(ctx context.Context, root string, fsys fs.FS, j job, opts WalkOptions) outcome {
	var o outcome
	full := filepath.Join(root, filepath.FromSlash(j.path))
	fh, err := openRegular(fsys, root, j.path)
	if err != nil {
		o.errs = append(o.errs, sbom.FileError{Path: j.path, Err: ioMessage(err)})
		return o
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		o.errs = append(o.errs, sbom.FileError{Path: j.path, Err: ioMessage(err)})
		return o
	}
	layer := ""
	if opts.LayerOf != nil {
		layer = opts.LayerOf(j.path)
	}
	for _, c := range j.cats {
		f := &File{Path: j.path, Size: st.Size(), Mode: j.mode, R: fh, OSPath: full, FS: fsys}
		res, err := safeCatalog(ctx, c, f)
		if err != nil {
			fe := sbom.FileError{Path: j.path, Cataloger: c.Name(), Err: err.Error()}
			var pe *ParseError
			if errors.As(err, &pe) {
				fe.Line = pe.Line
				fe.Err = pe.Err.Error()
				if pe.Path != "" && pe.Path != j.path {
					fe.Err = pe.Error()
				}
			}
			fe.Line, fe.Err = trimPosition(j.path, fe.Line, fe.Err)
			o.errs = append(o.errs, fe)
		}
		if res == nil {
			continue
		}
		for _, p := range res.Packages {
			if p == nil {
				continue
			}
			if p.FoundBy == "" {
				p.FoundBy = c.Name()
			}
			if layer != "" {
				for i := range p.Locations {
					if p.Locations[i].Layer == "" && p.Locations[i].Path == j.path {
						p.Locations[i].Layer = layer
					}
				}
			}
		}
		if o.res == nil {
			o.res = &Result{}
		}
		if res.Distro != nil {
			o.res.Distro = res.Distro
		}
		// Catalogers' IDs are only unique per result: keep results apart.
		o.res.Packages = append(o.res.Packages, prefixIDs(c.Name()+":", res.Packages)...)
	}
	return o
}

// ioMessage describes an I/O error without the file name, which the error is reported with
// already (relative to the target, where the *fs.PathError has the full host path).
func ioMessage(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s: %v", pe.Op, pe.Err)
	}
	return err.Error()
}

// trimPosition removes a leading "path:" or "path:line:" naming the file itself from an error
// message, since the error is reported with its path already, and takes the line from it.
func trimPosition(path string, line int, msg string) (int, string) {
	rest, ok := strings.CutPrefix(msg, path+":")
	if !ok {
		return line, msg
	}
	if digits, after, ok := strings.Cut(rest, ":"); ok {
		if n, err := strconv.Atoi(digits); err == nil && n > 0 {
			if line == 0 {
				line = n
			}
			rest = after
		}
	}
	return line, strings.TrimSpace(rest)
}

// safeCatalog runs a cataloger, turning a panic (a bug, never expected) into an error that
// names the file instead of ending the whole scan.
func safeCatalog(ctx context.Context, c Cataloger, f *File) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("internal error in cataloger %s (please report it): %v", c.Name(), r)
		}
	}()
	return c.Catalog(ctx, f)
}

func prefixIDs(prefix string, pkgs []*Package) []*Package {
	out := pkgs[:0]
	for _, p := range pkgs {
		if p == nil {
			continue
		}
		if p.ID != "" {
			p.ID = prefix + p.ID
		}
		for i, d := range p.DependsOn {
			p.DependsOn[i] = prefix + d
		}
		out = append(out, p)
	}
	return out
}

// Package is an alias kept short for this file.
type Package = sbom.Package
