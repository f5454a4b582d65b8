// Package catalog finds packages in targets. A target is walked once; every file is offered to
// every Cataloger whose Match accepts its path, and each Cataloger parses the files it wants.
//
// Each ecosystem lives in its own package under catalog/ (catalog/npm, catalog/python, …) and
// exports a value implementing Cataloger. A cataloger treats every file as hostile: it reads
// through the limits of this package, never panics, and reports a malformed file as an error
// naming the file and, where it can, the line (see ParseError). It may return packages together
// with an error; they are kept and the inventory is marked partial.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/hallmark-dev/hallmark/sbom"
)

// Cataloger extracts packages from one kind of file.
type Cataloger interface {
	// Name is a short stable identifier ("npm-lock", "dpkg-status"), recorded as each
	// package's FoundBy.
	Name() string
	// Match reports whether the cataloger wants the file at path (slash-separated, relative to
	// the target root, no leading slash) with the given mode. It must be cheap: it is called for
	// every file of every target and must not read the file.
	Match(path string, mode fs.FileMode) bool
	// Catalog parses one file. It returns the packages found (their IDs need only be unique
	// within the result) and, for a malformed or unreadable file, an error; packages returned
	// together with an error are kept and the inventory is marked partial.
	Catalog(ctx context.Context, f *File) (*Result, error)
}

// RelatedMatcher is implemented by catalogers that read neighbouring files through File.FS
// (go.sum beside go.mod, parent pom.xml files, etc/os-release). Image extraction keeps the
// files it accepts so that those reads succeed. Related must be as cheap as Match.
type RelatedMatcher interface {
	Related(path string, mode fs.FileMode) bool
}

// File is one file offered to a Cataloger.
type File struct {
	// Path is slash-separated and relative to the target root, without a leading slash
	// ("app/package-lock.json", "var/lib/dpkg/status"). Packages record it as their location.
	Path string
	// Size is the file's size in bytes.
	Size int64
	// Mode is the file's mode.
	Mode fs.FileMode
	// R reads the file's content.
	R io.ReaderAt
	// OSPath is the file's name on the local filesystem when it has one (directory targets,
	// files extracted from images), for readers that need a real file such as SQLite. It is
	// empty for in-memory files; such catalogers then copy R to a temporary file.
	OSPath string
	// FS is the whole target, for catalogers that read neighbouring files (go.sum beside
	// go.mod, a parent pom.xml, a -r include, etc/os-release). Names are slash-separated and
	// relative to the target root. It may be nil for a lone file given without its directory.
	// Reads through FS must respect the limits of this package too (see ReadFileFS).
	FS fs.FS
}

// Reader returns a fresh reader over the whole file.
func (f *File) Reader() io.Reader { return io.NewSectionReader(f.R, 0, f.Size) }

// ReadAll reads the whole file if it is at most limit bytes, and fails with ErrTooLarge
// otherwise, before allocating.
func (f *File) ReadAll(limit int64) ([]byte, error) {
	if f.Size > limit {
		return nil, fmt.Errorf("%s: %w (%d bytes, limit %d)", f.Path, ErrTooLarge, f.Size, limit)
	}
	b := make([]byte, f.Size)
	n, err := f.R.ReadAt(b, 0)
	if err != nil && !(errors.Is(err, io.EOF) && int64(n) == f.Size) {
		return nil, fmt.Errorf("reading %s: %w", f.Path, err)
	}
	return b[:n], nil
}

// ReadFileFS reads the file name of fsys if it is at most limit bytes.
func ReadFileFS(fsys fs.FS, name string, limit int64) ([]byte, error) {
	if fsys == nil {
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %w (%d bytes, limit %d)", name, ErrTooLarge, st.Size(), limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: %w (limit %d)", name, ErrTooLarge, limit)
	}
	return b, nil
}

// Result is what a Cataloger found in one file.
type Result struct {
	Packages []*sbom.Package
	// Distro is set by the os-release cataloger.
	Distro *sbom.Distro
}

// Limits every cataloger applies before allocating. They are generous for real files and
// small enough that a hostile file cannot exhaust memory.
const (
	// MaxManifestSize bounds text manifests and lockfiles.
	MaxManifestSize = 256 << 20
	// MaxPackages bounds the packages one file may declare.
	MaxPackages = 1_000_000
	// MaxDepth bounds nesting: JSON/YAML/XML depth, nested archives, include chains.
	MaxDepth = 64
	// MaxLineLength bounds one line of a line-oriented format.
	MaxLineLength = 1 << 20
	// MaxArchiveEntries bounds the entries of one archive (jar, layer) that are examined.
	MaxArchiveEntries = 1_000_000
	// MaxBinarySize bounds executables inspected for build information.
	MaxBinarySize = 2 << 30
)

// Errors shared by catalogers.
var (
	// ErrTooLarge means an input exceeds one of the limits above.
	ErrTooLarge = errors.New("input too large")
	// ErrMalformed means an input is not a valid file of its format.
	ErrMalformed = errors.New("malformed file")
	// ErrInsecurePath means an archive entry names a path outside its root.
	ErrInsecurePath = errors.New("insecure path in archive")
	// ErrUnsupported means the input is of a known kind that Hallmark cannot read yet.
	ErrUnsupported = errors.New("unsupported format")
)

// ParseError is a malformed-input error with the position where it was found.
type ParseError struct {
	Path string // file, as in File.Path
	Line int    // 1-based, 0 when unknown
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Is makes every ParseError match ErrMalformed.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }

// Errorf returns a *ParseError for path and line with a formatted message.
func Errorf(path string, line int, format string, args ...any) error {
	return &ParseError{Path: path, Line: line, Err: fmt.Errorf(format, args...)}
}
