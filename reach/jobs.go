package reach

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hallmark-dev/hallmark/report"
)

// MaxModules bounds the Go modules analysed under one directory target: each is a whole
// govulncheck run (type checking and a call graph).
const MaxModules = 64

// job is one govulncheck run: a module in source mode or a binary.
type job struct {
	mode string // "source" or "binary"
	path string // the module's directory or the binary
	// rel is the module directory relative to its target ("." for the target itself), to
	// tell which findings a failed run concerns; "" for binaries (all of them).
	rel string
}

// jobResult is a run's outcome or why there is none.
type jobResult struct {
	out *outcome
	err error
}

// plan finds what to analyse in the targets: every go.mod under a directory (not in vendor,
// testdata, node_modules or hidden directories), the directory of a go.mod target, and Go
// binaries. Other targets (images, lockfiles, SBOMs) give nothing; problems are returned as
// notes for the reasons.
func plan(targets []string) ([]job, []string) {
	var jobs []job
	var notes []string
	for _, t := range targets {
		st, err := os.Stat(t)
		switch {
		case err != nil:
			notes = append(notes, err.Error())
		case st.IsDir():
			n := 0
			err := filepath.WalkDir(t, func(p string, d iofs.DirEntry, err error) error {
				if err != nil {
					return nil // unreadable parts are skipped, as the inventory does
				}
				if d.IsDir() {
					name := d.Name()
					if p != t && (name == "vendor" || name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".")) {
						return filepath.SkipDir
					}
					return nil
				}
				if d.Name() != "go.mod" || !d.Type().IsRegular() {
					return nil
				}
				if n++; n > MaxModules {
					return fmt.Errorf("more than %d Go modules under %s: the rest are not analysed", MaxModules, t)
				}
				rel, _ := filepath.Rel(t, filepath.Dir(p))
				jobs = append(jobs, job{mode: "source", path: filepath.Dir(p), rel: filepath.ToSlash(rel)})
				return nil
			})
			if err != nil {
				notes = append(notes, err.Error())
			}
		case filepath.Base(t) == "go.mod":
			jobs = append(jobs, job{mode: "source", path: filepath.Dir(t), rel: "."})
		default:
			if _, err := buildinfo.ReadFile(t); err == nil {
				jobs = append(jobs, job{mode: "binary", path: t})
			}
		}
	}
	return jobs, notes
}

// concerns reports whether the run speaks for the finding: a binary for every finding; a
// module for those found in or below its directory (and those without a location), so that
// one module's calls do not make another module's finding reachable.
func (j job) concerns(f *report.Finding) bool {
	if j.rel == "" || j.rel == "." || len(f.Locations) == 0 {
		return true
	}
	for _, l := range f.Locations {
		if strings.HasPrefix(path.Clean(l.Path)+"/", j.rel+"/") {
			return true
		}
	}
	return false
}

// run runs govulncheck on the job against the database at dbURL.
func (j job) run(ctx context.Context, dbURL string, env []string, stderr io.Writer) jobResult {
	args := []string{"-mode=" + j.mode, "-db", dbURL, "-format", "json"}
	if j.mode == "source" {
		args = append(args, "-C", j.path, "./...")
	} else {
		args = append(args, j.path)
	}
	var out, errb bytes.Buffer
	var errw io.Writer = &errb
	if stderr != nil {
		errw = io.MultiWriter(&errb, stderr)
	}
	err := run(ctx, env, &out, errw, args...)
	if err != nil {
		msg := firstLines(errb.Bytes(), 3)
		if msg == "" {
			msg = firstLines([]byte(err.Error()), 4)
		}
		if len(msg) > 400 {
			msg = msg[:400] + "…"
		}
		hint := ""
		if j.mode == "source" && (strings.Contains(msg, "GOPROXY=off") || strings.Contains(msg, "missing go.sum entry")) {
			hint = " (its dependencies are not all in the module cache: run 'go mod download' there)"
		}
		return jobResult{err: fmt.Errorf("govulncheck could not analyse %s%s: %s", j.path, hint, msg)}
	}
	o, err := parseStream(&out)
	if err != nil {
		return jobResult{err: fmt.Errorf("govulncheck on %s: %w", j.path, err)}
	}
	return jobResult{out: o}
}

// toSlashAbs returns the absolute form of p with forward slashes, for a file:// URL.
func toSlashAbs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		p = a
	}
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: file:///C:/...
	}
	return p
}
