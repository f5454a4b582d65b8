package maven

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// ArchiveCataloger reads Java archives: .jar, .war, .ear and the zip-based archives of
// application servers and plugin systems (.par, .sar, .jpi, .hpi, .nar, .kar), with the
// archives nested in them (WEB-INF/lib/*.jar of a war, BOOT-INF/lib/*.jar of a Spring Boot
// jar, the modules of an ear, …) down to catalog.MaxDepth levels.
//
// Each archive is identified from the META-INF/maven/<groupId>/<artifactId>/pom.properties
// files the Maven archiver writes (https://maven.apache.org/shared/maven-archiver/). A jar that
// shades others carries one per shaded artifact: the one whose artifactId matches the file
// name (or, if there is just one, that one) is the archive itself and carries its SHA-1, the
// digest Maven Central indexes; the others are packages embedded in it, which it depends on.
//
// An archive without a pom.properties of its own is identified less surely: the artifactId
// comes from the file name ("name-1.2.3.jar"), the version from the file name or else from
// Implementation-Version or Bundle-Version, and the groupId from the first of these sources,
// which the property "hallmark:maven:from" names:
//
//   - "maven-directory": a META-INF/maven/<groupId>/<artifactId>/ directory of the same
//     artifactId, whose pom.properties is missing or unreadable (a pom.xml alone, say);
//   - "manifest": the Implementation-Vendor-Id of META-INF/MANIFEST.MF, which older Maven
//     archivers set to the groupId;
//   - "bundle-symbolicname": a Bundle-SymbolicName named by the maven-bundle-plugin's default
//     (see bundleGroup). It is a guess (a bundle may be named otherwise), so the property
//     "hallmark:maven:note" says so;
//   - "filename": no source gives a groupId. Maven packages are named groupId:artifactId, in
//     advisories as on Maven Central, so such an archive cannot be looked up: it is reported
//     with the artifactId as name, no ecosystem, a generic purl (pkg:generic/commons-lang3@3.14.0,
//     not a maven purl without the namespace the type requires), and the reason in the
//     property sbom.PropUnmatched, so that a scan lists it as unchecked instead of passing it as
//     clean.
//
// Locations of nested archives are written "outer.war!/WEB-INF/lib/x.jar". An archive depends
// on the archives nested in it and the packages embedded in it. Entries whose names leave the
// archive (absolute, "..") are skipped and reported with catalog.ErrInsecurePath; nested
// archives are read with limits on their size and on all bytes read, against zip bombs.
type ArchiveCataloger struct{}

var _ catalog.Cataloger = (*ArchiveCataloger)(nil)

// Name returns "java-archive".
func (*ArchiveCataloger) Name() string { return "java-archive" }

// archiveExts are the extensions of zip-based Java archives.
var archiveExts = []string{".jar", ".war", ".ear", ".par", ".sar", ".jpi", ".hpi", ".nar", ".kar"}

// Match accepts files with a Java archive extension.
func (*ArchiveCataloger) Match(p string, mode fs.FileMode) bool {
	return !mode.IsDir() && archiveExt(p) != ""
}

// archiveExt returns the lower-case Java archive extension of p, or "".
func archiveExt(p string) string {
	ext := strings.ToLower(path.Ext(p))
	if slices.Contains(archiveExts, ext) {
		return ext
	}
	return ""
}

// Limits of the archive reader, besides those of package catalog.
const (
	// maxNestedSize bounds one nested archive read into memory.
	maxNestedSize = 256 << 20
	// maxArchiveBytes bounds all the bytes of nested archives one file may make the reader
	// hash or decompress, so that overlapping or self-referencing entries cannot multiply
	// the work.
	maxArchiveBytes = 4 << 30
	// maxArchives bounds the archives one file may contain, nested at any depth.
	maxArchives = 100_000
	// maxMetaSize bounds a pom.properties or MANIFEST.MF entry.
	maxMetaSize = 1 << 20
)

// Catalog reads one archive and the archives nested in it.
func (c *ArchiveCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	if f.Size > catalog.MaxBinarySize {
		return nil, fmt.Errorf("%s: %w (%d bytes, limit %d)", f.Path, catalog.ErrTooLarge, f.Size, catalog.MaxBinarySize)
	}
	w := &archiveWalk{ctx: ctx, foundBy: c.Name(), budget: maxArchiveBytes, ids: map[string]int{}}
	w.archive(f.R, f.Size, f.Path, 0)
	return &catalog.Result{Packages: w.pkgs}, errors.Join(w.errs...)
}

// archiveWalk is the state of reading one archive tree.
type archiveWalk struct {
	ctx      context.Context
	foundBy  string
	budget   int64 // bytes of nested archives still allowed
	archives int
	pkgs     []*sbom.Package
	ids      map[string]int
	errs     []error
}

// pomProps is one META-INF/maven/…/pom.properties.
type pomProps struct {
	entry                    string
	group, artifact, version string
}

// archive catalogs the archive r at location loc and returns the ID of its package, or "".
func (w *archiveWalk) archive(r io.ReaderAt, size int64, loc string, depth int) string {
	if err := w.ctx.Err(); err != nil {
		w.errs = append(w.errs, err)
		return ""
	}
	w.archives++
	if w.archives > maxArchives {
		w.fail(fmt.Errorf("%s: %w (more than %d nested archives)", loc, catalog.ErrTooLarge, maxArchives))
		return ""
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		w.fail(catalog.Errorf(loc, 0, "not a valid Java archive (zip): %v", err))
		return ""
	}
	if len(zr.File) > catalog.MaxArchiveEntries {
		w.fail(fmt.Errorf("%s: %w (%d entries, limit %d)", loc, catalog.ErrTooLarge, len(zr.File), catalog.MaxArchiveEntries))
		return ""
	}

	var (
		props    []pomProps
		dirs     [][2]string // groupId, artifactId of META-INF/maven/<groupId>/<artifactId>/ entries
		manifest map[string]string
		nested   []*zip.File
	)
	for i, zf := range zr.File {
		if i%1024 == 0 && w.ctx.Err() != nil {
			w.errs = append(w.errs, w.ctx.Err())
			return ""
		}
		name := zf.Name
		if insecureEntry(name) {
			w.fail(fmt.Errorf("%s: entry %q: %w", loc, clip(name), catalog.ErrInsecurePath))
			continue
		}
		if strings.HasSuffix(name, "/") {
			continue
		}
		if g, a, ok := mavenDir(name); ok && len(dirs) < maxMavenDirs && !slices.Contains(dirs, [2]string{g, a}) {
			dirs = append(dirs, [2]string{g, a})
		}
		switch {
		case isPomProperties(name):
			data, err := w.readSmall(zf, loc)
			if err != nil {
				continue
			}
			if pp, ok := pomPropsOf(name, data); ok {
				props = append(props, pp)
			}
		case strings.EqualFold(name, "META-INF/MANIFEST.MF"):
			if data, err := w.readSmall(zf, loc); err == nil {
				manifest = parseManifest(data)
			}
		case archiveExt(name) != "":
			nested = append(nested, zf)
		}
	}
	slices.SortFunc(props, func(a, b pomProps) int { return strings.Compare(a.entry, b.entry) })

	stem := strings.TrimSuffix(path.Base(loc), path.Ext(loc))
	primary := primaryProps(props, stem, manifest)
	var self *sbom.Package
	if primary >= 0 {
		self = w.propsPackage(props[primary], loc)
	} else {
		self = w.fallbackPackage(stem, dirs, manifest, loc)
	}
	if ext := archiveExt(loc); ext == ".war" || ext == ".ear" {
		self.Type = sbom.TypeApplication
	}
	if h, err := sha1Of(r, size); err == nil {
		self.Hashes = []sbom.Hash{{Algorithm: "SHA-1", Value: h}}
	} else {
		w.fail(fmt.Errorf("reading %s: %w", loc, err))
	}
	if !w.add(self) {
		return ""
	}
	for i, pp := range props {
		if i == primary {
			continue
		}
		p := w.propsPackage(pp, loc)
		p.SetProperty(propPrefix+"embedded", "true")
		if w.add(p) {
			self.DependsOn = append(self.DependsOn, p.ID)
		}
	}

	for _, zf := range nested {
		inner := loc + "!/" + zf.Name
		if depth+1 > catalog.MaxDepth {
			w.fail(fmt.Errorf("%s: %w (archives nested deeper than %d)", inner, catalog.ErrTooLarge, catalog.MaxDepth))
			continue
		}
		ir, n, err := w.open(r, size, zf, inner)
		if err != nil {
			w.fail(err)
			continue
		}
		if id := w.archive(ir, n, inner, depth+1); id != "" {
			self.DependsOn = append(self.DependsOn, id)
		}
	}
	return self.ID
}

// add gives p a unique ID and appends it to the result. It reports false when the result
// is full.
func (w *archiveWalk) add(p *sbom.Package) bool {
	if len(w.pkgs) >= catalog.MaxPackages {
		w.fail(fmt.Errorf("%s: %w (more than %d packages)", p.Locations[0].Path, catalog.ErrTooLarge, catalog.MaxPackages))
		return false
	}
	id := p.Locations[0].Path + "#" + p.Name
	if n := w.ids[id]; n > 0 {
		id += "#" + strconv.Itoa(n)
	}
	w.ids[p.Locations[0].Path+"#"+p.Name]++
	p.ID = id
	w.pkgs = append(w.pkgs, p)
	return true
}

func (w *archiveWalk) fail(err error) {
	if len(w.errs) < 100 {
		w.errs = append(w.errs, err)
	}
}

// open returns a reader over a nested archive: a section of the outer archive when the entry
// is stored uncompressed (as Spring Boot stores BOOT-INF/lib), else its bytes decompressed
// into memory.
func (w *archiveWalk) open(r io.ReaderAt, size int64, zf *zip.File, loc string) (io.ReaderAt, int64, error) {
	if zf.UncompressedSize64 > maxNestedSize {
		return nil, 0, fmt.Errorf("%s: %w (%d bytes, limit %d)", loc, catalog.ErrTooLarge, zf.UncompressedSize64, maxNestedSize)
	}
	n := int64(zf.UncompressedSize64)
	if n > w.budget {
		return nil, 0, fmt.Errorf("%s: %w (nested archives of more than %d bytes in all)", loc, catalog.ErrTooLarge, int64(maxArchiveBytes))
	}
	if zf.Method == zip.Store && zf.CompressedSize64 == zf.UncompressedSize64 {
		if off, err := zf.DataOffset(); err == nil && off >= 0 && off <= size && n <= size-off {
			w.budget -= n
			return io.NewSectionReader(r, off, n), n, nil
		}
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, 0, catalog.Errorf(loc, 0, "cannot open nested archive: %v", err)
	}
	defer rc.Close()
	limit := min(int64(maxNestedSize), w.budget)
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	w.budget -= int64(len(data))
	if err != nil {
		return nil, 0, catalog.Errorf(loc, 0, "cannot read nested archive: %v", err)
	}
	if int64(len(data)) > limit {
		return nil, 0, fmt.Errorf("%s: %w (decompresses to more than %d bytes)", loc, catalog.ErrTooLarge, limit)
	}
	return bytes.NewReader(data), int64(len(data)), nil
}

// readSmall reads a metadata entry of at most maxMetaSize bytes.
func (w *archiveWalk) readSmall(zf *zip.File, loc string) ([]byte, error) {
	if zf.UncompressedSize64 > maxMetaSize {
		err := fmt.Errorf("%s!/%s: %w (%d bytes, limit %d)", loc, zf.Name, catalog.ErrTooLarge, zf.UncompressedSize64, maxMetaSize)
		w.fail(err)
		return nil, err
	}
	rc, err := zf.Open()
	if err != nil {
		err = catalog.Errorf(loc+"!/"+zf.Name, 0, "cannot open entry: %v", err)
		w.fail(err)
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxMetaSize+1))
	if err == nil && len(data) > maxMetaSize {
		err = fmt.Errorf("%s!/%s: %w (limit %d)", loc, zf.Name, catalog.ErrTooLarge, maxMetaSize)
	} else if err != nil {
		err = catalog.Errorf(loc+"!/"+zf.Name, 0, "cannot read entry: %v", err)
	}
	if err != nil {
		w.fail(err)
		return nil, err
	}
	return data, nil
}

// insecureEntry reports whether an entry name leaves the archive's root.
func insecureEntry(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, `\`) ||
		(len(name) >= 2 && name[1] == ':') || strings.ContainsRune(name, 0) {
		return true
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}

// maxMavenDirs bounds the META-INF/maven/<groupId>/<artifactId>/ directories one archive
// records: a shaded jar keeps one per artifact it embeds, a few hundred at most.
const maxMavenDirs = 10_000

// mavenDir returns the groupId and artifactId of an entry under
// META-INF/maven/<groupId>/<artifactId>/.
func mavenDir(name string) (group, artifact string, ok bool) {
	rest, ok := strings.CutPrefix(name, "META-INF/maven/")
	if !ok {
		return "", "", false
	}
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) != 3 || !isMavenID(parts[0]) || !isMavenID(parts[1]) {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// isPomProperties reports whether name is META-INF/maven/<groupId>/<artifactId>/pom.properties.
func isPomProperties(name string) bool {
	rest, ok := strings.CutPrefix(name, "META-INF/maven/")
	if !ok || !strings.HasSuffix(rest, "/pom.properties") {
		return false
	}
	return strings.Count(rest, "/") == 2
}

// pomPropsOf reads a pom.properties; groupId and artifactId default to the directory names.
func pomPropsOf(entry string, data []byte) (pomProps, bool) {
	parts := strings.Split(entry, "/") // META-INF maven g a pom.properties
	if len(parts) != 5 {
		return pomProps{}, false
	}
	kv := parseProperties(data)
	pp := pomProps{entry: entry, group: kv["groupId"], artifact: kv["artifactId"], version: kv["version"]}
	if pp.group == "" {
		pp.group = parts[2]
	}
	if pp.artifact == "" {
		pp.artifact = parts[3]
	}
	if hasControl(pp.group + pp.artifact + pp.version) {
		return pomProps{}, false
	}
	return pp, pp.group != "" && pp.artifact != ""
}

// primaryProps picks the pom.properties that describes the archive itself, or -1: the one
// whose artifactId the file name starts with (the longest such), else the only one, else the
// one the manifest names.
func primaryProps(props []pomProps, stem string, manifest map[string]string) int {
	best := -1
	for i, pp := range props {
		if stem == pp.artifact || strings.HasPrefix(stem, pp.artifact+"-") {
			if best < 0 || len(pp.artifact) > len(props[best].artifact) ||
				(len(pp.artifact) == len(props[best].artifact) && stem == pp.artifact+"-"+pp.version) {
				best = i
			}
		}
	}
	if best >= 0 || len(props) == 0 {
		return best
	}
	if len(props) == 1 {
		return 0
	}
	sym, _, _ := strings.Cut(manifest["bundle-symbolicname"], ";")
	title := manifest["implementation-title"]
	for i, pp := range props {
		if sym != "" && (sym == pp.artifact || sym == pp.group+"."+pp.artifact) || title == pp.artifact {
			return i
		}
	}
	return -1
}

// propsPackage returns the package a pom.properties describes, found in the archive at loc.
func (w *archiveWalk) propsPackage(pp pomProps, loc string) *sbom.Package {
	p := &sbom.Package{
		Name:      name(pp.group, pp.artifact),
		Version:   pp.version,
		Ecosystem: sbom.EcosystemMaven,
		PURL:      purl(pp.group, pp.artifact, pp.version, "", ""),
		Locations: []sbom.Location{{Path: loc}},
		FoundBy:   w.foundBy,
	}
	p.SetProperty(propPrefix+"pom-properties", pp.entry)
	return p
}

// fallbackPackage identifies an archive without a pom.properties of its own from its Maven
// directories, its manifest and its file name (see ArchiveCataloger).
func (w *archiveWalk) fallbackPackage(stem string, dirs [][2]string, manifest map[string]string, loc string) *sbom.Package {
	artifact, version := splitFileName(stem)
	if version == "" {
		version = manifest["implementation-version"]
	}
	if version == "" {
		version = manifest["bundle-version"]
	}
	if artifact == "" {
		artifact = stem
	}
	if hasControl(artifact + version) {
		artifact, version = "unknown", ""
	}
	group, from, note := "", "filename", ""
	sym, _, _ := strings.Cut(manifest["bundle-symbolicname"], ";")
	sym = strings.TrimSpace(sym)
	if i := slices.IndexFunc(dirs, func(d [2]string) bool { return d[1] == artifact }); i >= 0 {
		group, from = dirs[i][0], "maven-directory"
	} else if v := manifest["implementation-vendor-id"]; isMavenID(v) {
		group, from = v, "manifest"
	} else if g := bundleGroup(sym, artifact); g != "" {
		group, from = g, "bundle-symbolicname"
		note = "groupId guessed from Bundle-SymbolicName " + sym + " by the maven-bundle-plugin's default naming"
	}
	p := &sbom.Package{
		Name:      name(group, artifact),
		Version:   version,
		Ecosystem: sbom.EcosystemMaven,
		PURL:      purl(group, artifact, version, "", ""),
		Locations: []sbom.Location{{Path: loc}},
		FoundBy:   w.foundBy,
	}
	p.SetProperty(propPrefix+"from", from)
	p.SetProperty(propPrefix+"note", note)
	if group == "" {
		p.Ecosystem = ""
		p.PURL = sbom.PURL("generic", "", artifact, version)
		p.SetProperty(sbom.PropUnmatched, "no Maven groupId in the archive (no pom.properties, "+
			"Implementation-Vendor-Id or Bundle-SymbolicName naming it): Maven advisories name groupId:artifactId")
	}
	return p
}

// bundleGroup returns the groupId that gives the Bundle-SymbolicName sym to artifact under the
// maven-bundle-plugin's default naming
// (https://felix.apache.org/documentation/subprojects/apache-felix-maven-bundle-plugin-bnd.html):
// groupId.artifactId ("org.yaml.snakeyaml" for org.yaml:snakeyaml), or groupId.rest when the
// artifactId is the groupId's last section, "-" and rest ("org.apache.commons.logging" for
// org.apache.commons:commons-logging). The plugin's third form, the groupId alone when the
// artifactId equals its last section ("com.google.guava" for com.google.guava:guava), reads
// the same as the first, which is taken. It returns "" when no form fits.
func bundleGroup(sym, artifact string) string {
	if sym == "" || artifact == "" || !isMavenID(sym) {
		return ""
	}
	if g, ok := strings.CutSuffix(sym, "."+artifact); ok && g != "" {
		return g
	}
	for i := strings.IndexByte(sym, '.'); i > 0; i = nextDot(sym, i) {
		g, rest := sym[:i], sym[i+1:]
		if g[strings.LastIndexByte(g, '.')+1:]+"-"+rest == artifact {
			return g
		}
	}
	return ""
}

// nextDot returns the index of the first '.' of s after i, or -1.
func nextDot(s string, i int) int {
	if j := strings.IndexByte(s[i+1:], '.'); j >= 0 {
		return i + 1 + j
	}
	return -1
}

// timestampedSnapshot matches the version of a deployed snapshot: "1.0-20230101.123456-7".
var timestampedSnapshot = regexp.MustCompile(`^\d[^-]*-\d{8}\.\d{6}-\d+$`)

// splitFileName splits a file name without extension into artifactId and version, as Maven
// names artifacts (<artifactId>-<version>[-<classifier>].<ext>). It splits at the last "-"
// followed by a digit, since artifactIds contain such pairs ("log4j-1.2-api-2.20.0") far more
// often than versions do, except that a timestamped snapshot version
// ("x-1.0-20230101.123456-7") is kept whole. The version is "" when the name has none.
func splitFileName(stem string) (string, string) {
	last := -1
	for i := 1; i+1 < len(stem); i++ {
		if stem[i] != '-' || stem[i+1] < '0' || stem[i+1] > '9' {
			continue
		}
		if timestampedSnapshot.MatchString(stem[i+1:]) {
			return stem[:i], stem[i+1:]
		}
		last = i
	}
	if last < 0 {
		return stem, ""
	}
	return stem[:last], stem[last+1:]
}

// isMavenID reports whether s is a plausible groupId: letters, digits, '.', '-', '_'.
func isMavenID(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// sha1Of returns the lower-case hex SHA-1 of the first size bytes of r.
func sha1Of(r io.ReaderAt, size int64) (string, error) {
	h := sha1.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
