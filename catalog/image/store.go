package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
)

// store gives access to the files of an image archive: a directory (OCI layout, or an
// unpacked docker save) or an uncompressed tar file, without extracting it.
type store interface {
	// open returns the member name (slash-separated, relative) for reading.
	open(name string) (io.ReadCloser, int64, error)
	// has reports whether the member exists.
	has(name string) bool
	close() error
}

// maxMetadataSize bounds manifests, indexes and configs read into memory.
const maxMetadataSize = 16 << 20

// readSmall reads a metadata member whole, bounded by maxMetadataSize.
func readSmall(s store, name string) ([]byte, error) {
	rc, size, err := s.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if size > maxMetadataSize {
		return nil, fmt.Errorf("%s: %w (%d bytes, limit %d)", name, catalog.ErrTooLarge, size, maxMetadataSize)
	}
	b, err := io.ReadAll(io.LimitReader(rc, maxMetadataSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(b) > maxMetadataSize {
		return nil, fmt.Errorf("%s: %w", name, catalog.ErrTooLarge)
	}
	return b, nil
}

// dirStore is an image laid out in a directory.
type dirStore struct {
	root *os.Root
}

func openDirStore(dir string) (*dirStore, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &dirStore{root: r}, nil
}

func (d *dirStore) open(name string) (io.ReadCloser, int64, error) {
	name, err := cleanMember(name)
	if err != nil {
		return nil, 0, err
	}
	f, err := d.root.Open(name)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: not a regular file", name)
	}
	return f, st.Size(), nil
}

func (d *dirStore) has(name string) bool {
	name, err := cleanMember(name)
	if err != nil {
		return false
	}
	st, err := d.root.Stat(name)
	return err == nil && st.Mode().IsRegular()
}

func (d *dirStore) close() error { return d.root.Close() }

// tarStore is an image archive in one uncompressed tar file. Its members are indexed once by
// their offsets; reading a member is a section read, so a multi-gigabyte archive is never
// copied or held in memory.
type tarStore struct {
	f       *os.File
	members map[string]section
}

type section struct{ off, size int64 }

// maxTarMembers bounds the members of an image archive's outer tar.
const maxTarMembers = 100_000

func openTarStore(name string) (*tarStore, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	s := &tarStore{f: f, members: map[string]section{}}
	// countingReader tracks the offset; tar.Reader skips member data with Seek when it can.
	cr := &offsetReader{r: f}
	tr := tar.NewReader(cr)
	for n := 0; ; n++ {
		if n >= maxTarMembers {
			f.Close()
			return nil, fmt.Errorf("%w (more than %d members in the tar archive)", catalog.ErrTooLarge, maxTarMembers)
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			f.Close()
			return nil, fmt.Errorf("%w: the tar archive is truncated (copy it again, or re-run docker save)", catalog.ErrMalformed)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("reading tar: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		m, err := cleanMember(h.Name)
		if err != nil {
			continue // never opened: only names a manifest refers to are read
		}
		s.members[m] = section{off: cr.off, size: h.Size}
	}
	return s, nil
}

func (t *tarStore) open(name string) (io.ReadCloser, int64, error) {
	name, err := cleanMember(name)
	if err != nil {
		return nil, 0, err
	}
	sec, ok := t.members[name]
	if !ok {
		return nil, 0, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return io.NopCloser(io.NewSectionReader(t.f, sec.off, sec.size)), sec.size, nil
}

func (t *tarStore) has(name string) bool {
	name, err := cleanMember(name)
	if err != nil {
		return false
	}
	_, ok := t.members[name]
	return ok
}

func (t *tarStore) close() error { return t.f.Close() }

// offsetReader tracks the read offset of an *os.File and lets tar.Reader seek over member
// data. After tr.Next returns, off is the offset of the member's data.
type offsetReader struct {
	r   *os.File
	off int64
}

func (o *offsetReader) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	o.off += int64(n)
	return n, err
}

func (o *offsetReader) Seek(offset int64, whence int) (int64, error) {
	n, err := o.r.Seek(offset, whence)
	if err == nil {
		o.off = n
	}
	return n, err
}

// cleanMember validates a member name from a manifest or tar header: relative, no "..".
func cleanMember(name string) (string, error) {
	name = strings.TrimPrefix(name, "./")
	c := path.Clean(name)
	if name == "" || path.IsAbs(name) || c == ".." || strings.HasPrefix(c, "../") || strings.Contains(name, "\\") {
		return "", fmt.Errorf("%q: %w", name, catalog.ErrInsecurePath)
	}
	return c, nil
}
