package maven

import (
	"bufio"
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

// GradleLockCataloger reads Gradle dependency lockfiles
// (https://docs.gradle.org/current/userguide/dependency_locking.html):
//
//   - gradle.lockfile, one per project since Gradle 6.0, with lines
//     "group:module:version=configuration,configuration" and a line
//     "empty=configuration,…" naming the configurations that resolved to nothing;
//   - buildscript-gradle.lockfile and settings-gradle.lockfile, the same format for the
//     build script and settings classpaths;
//   - the older per-configuration files gradle/dependency-locks/<configuration>.lockfile
//     (Gradle 4.8 to 6), with lines "group:module:version" and the configuration in the name.
//
// Every locked module becomes a package with its exact version. The scope is test when every
// configuration that locks it has "test" in its name (testCompileClasspath,
// testRuntimeClasspath, …), dev for the build script and settings classpaths, and runtime
// otherwise; the configurations are kept in the property "hallmark:maven:gradle-configurations".
// A lockfile does not say which modules the build script declares and which are pulled in
// transitively, nor who depends on whom, so Relation is unknown and there is no graph.
type GradleLockCataloger struct{}

var _ catalog.Cataloger = (*GradleLockCataloger)(nil)

// Name returns "gradle-lockfile".
func (*GradleLockCataloger) Name() string { return "gradle-lockfile" }

// Match accepts gradle.lockfile, buildscript-gradle.lockfile, settings-gradle.lockfile and
// *.lockfile files in a gradle/dependency-locks directory.
func (*GradleLockCataloger) Match(p string, mode fs.FileMode) bool {
	if mode.IsDir() {
		return false
	}
	switch path.Base(p) {
	case "gradle.lockfile", "buildscript-gradle.lockfile", "settings-gradle.lockfile":
		return true
	}
	return legacyLockConfiguration(p) != ""
}

// legacyLockConfiguration returns the configuration a gradle/dependency-locks/*.lockfile
// locks, or "" when p is not such a file.
func legacyLockConfiguration(p string) string {
	dir, base := path.Split(p)
	if !strings.HasSuffix(dir, "gradle/dependency-locks/") || !strings.HasSuffix(base, ".lockfile") {
		return ""
	}
	return strings.TrimSuffix(base, ".lockfile")
}

// Catalog parses one lockfile.
func (c *GradleLockCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	if f.Size > catalog.MaxManifestSize {
		return nil, fmt.Errorf("%s: %w (%d bytes, limit %d)", f.Path, catalog.ErrTooLarge, f.Size, catalog.MaxManifestSize)
	}
	base := path.Base(f.Path)
	legacyConf := legacyLockConfiguration(f.Path)
	buildscript := base == "buildscript-gradle.lockfile" || base == "settings-gradle.lockfile" ||
		strings.HasPrefix(legacyConf, "buildscript-")

	res := &catalog.Result{}
	ids := map[string]int{}
	sc := bufio.NewScanner(f.Reader())
	sc.Buffer(make([]byte, 0, 4096), catalog.MaxLineLength)
	var errs []error
	line := 0
	for sc.Scan() {
		line++
		if line%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		coords, confs, hasConfs := strings.Cut(text, "=")
		if coords == "empty" && hasConfs {
			continue // configurations that lock nothing
		}
		parts := strings.Split(coords, ":")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" ||
			strings.ContainsFunc(coords, isSpaceOrControl) {
			errs = append(errs, catalog.Errorf(f.Path, line, "expected group:module:version=configurations, found %q", clip(text)))
			if len(errs) >= 10 {
				break
			}
			continue
		}
		if len(res.Packages) >= catalog.MaxPackages {
			return res, fmt.Errorf("%s: %w (more than %d packages)", f.Path, catalog.ErrTooLarge, catalog.MaxPackages)
		}
		if !hasConfs {
			confs = legacyConf
		}
		group, artifact, version := parts[0], parts[1], parts[2]
		p := &sbom.Package{
			Name:      name(group, artifact),
			Version:   version,
			Ecosystem: sbom.EcosystemMaven,
			PURL:      purl(group, artifact, version, "", ""),
			Locations: []sbom.Location{{Path: f.Path, Line: line}},
			Scope:     gradleScope(confs, buildscript),
			FoundBy:   c.Name(),
		}
		p.SetProperty(propPrefix+"gradle-configurations", confs)
		id := coords
		if n := ids[coords]; n > 0 {
			id += "#" + strconv.Itoa(n)
		}
		ids[coords]++
		p.ID = id
		res.Packages = append(res.Packages, p)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			errs = append(errs, fmt.Errorf("%s:%d: %w (line longer than %d bytes)", f.Path, line+1, catalog.ErrTooLarge, catalog.MaxLineLength))
		} else {
			errs = append(errs, fmt.Errorf("reading %s: %w", f.Path, err))
		}
	}
	return res, errors.Join(errs...)
}

// gradleScope derives the scope of a module from the configurations that lock it.
func gradleScope(confs string, buildscript bool) sbom.Scope {
	if buildscript {
		return sbom.ScopeDev
	}
	if confs == "" {
		return sbom.ScopeUnknown
	}
	for c := range strings.SplitSeq(confs, ",") {
		if !strings.Contains(strings.ToLower(c), "test") {
			return sbom.ScopeRuntime
		}
	}
	return sbom.ScopeTest
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

// clip shortens s for an error message.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
