// Package image reads container images as Hallmark targets: archives written by
// `docker save` (the legacy layout with manifest.json, and Docker 25+ archives that are also
// OCI layouts) and OCI image layouts, as directories or tar files.
//
// Extract applies the layers in order (https://github.com/opencontainers/image-spec/blob/main/layer.md),
// honouring whiteouts (".wh.NAME" deletes NAME, ".wh..wh..opq" empties a directory), and writes
// only the files the catalogers want into a scratch directory, recording the layer that
// introduced each one. Layers are streamed: memory stays flat however large the image; disk use
// is bounded by the kept files. Every member name is checked (no "..", no absolute paths), and
// files are written through os.Root, so a hostile layer cannot write outside the scratch
// directory. Layer digests are verified against the manifest and the image configuration.
//
// Not supported: compressed outer archives (docker save | gzip: decompress first), image
// references pulled from registries, and the legacy Docker v1 "repositories" format without
// manifest.json.
package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/source"
)

// Limits for one image.
const (
	// MaxFileSize bounds one kept file.
	MaxFileSize = catalog.MaxBinarySize
	// MaxExtracted bounds the bytes of kept files written for one image (counting files that
	// later layers replace), so a hostile image cannot fill the disk.
	MaxExtracted = 16 << 30
	// MaxEntries bounds the entries of one layer.
	MaxEntries = catalog.MaxArchiveEntries
	// MaxLinks bounds the symbolic links kept from all layers.
	MaxLinks = 1_000_000
	// maxNameLength bounds an entry name, as Linux's PATH_MAX does; PAX headers allow names
	// of up to a mebibyte, whose thousands of elements would make each entry costly.
	maxNameLength = 4096
)

// maxExtracted is MaxExtracted, variable so tests can lower it.
var maxExtracted int64 = MaxExtracted

// Reader reads container images. The zero value is ready to use.
type Reader struct{}

var _ source.ImageReader = Reader{}

// Detect reports whether name is a container image: a directory or tar file holding an OCI
// image layout (oci-layout and index.json) or a docker save archive (manifest.json).
func (Reader) Detect(name string) (bool, error) {
	s, err := openStore(name)
	if err != nil || s == nil {
		return false, err
	}
	defer s.close()
	return kindOf(s) != "", nil
}

func kindOf(s store) string {
	switch {
	case s.has("manifest.json"):
		return "docker"
	case s.has("oci-layout") && s.has("index.json"):
		return "oci"
	}
	return ""
}

// openStore opens name as a directory or tar store; it returns nil for files that are not tar
// archives.
func openStore(name string) (store, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return openDirStore(name)
	}
	if !st.Mode().IsRegular() {
		return nil, nil
	}
	if !isTar(name) {
		if c := compressedTar(name); c != "" {
			hint := strings.ReplaceAll(decompressHint[c], "FILE", name)
			return nil, fmt.Errorf("%w: a %s-compressed tar archive; decompress it first (%s): Hallmark reads image archives uncompressed", catalog.ErrUnsupported, c, hint)
		}
		return nil, nil
	}
	return openTarStore(name)
}

var decompressHint = map[string]string{"gzip": "gunzip -k FILE", "zstd": "zstd -d FILE"}

// compressedTar reports "gzip" or "zstd" when the file is a tar archive compressed with it,
// as `docker save | gzip` writes, and "" otherwise.
func compressedTar(name string) string {
	f, err := os.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, _ := br.Peek(4)
	kind := ""
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		kind = "gzip"
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		kind = "zstd"
	default:
		return ""
	}
	un, err := decompress(br, "")
	if err != nil {
		return ""
	}
	defer un.Close()
	var h [512]byte
	if _, err := io.ReadFull(un, h[:]); err != nil || !bytes.HasPrefix(h[257:], []byte("ustar")) {
		return ""
	}
	return kind
}

// isTar reports whether the file starts with a tar header (ustar or GNU magic at offset 257).
func isTar(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	var h [512]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		return false
	}
	return bytes.HasPrefix(h[257:], []byte("ustar"))
}

// Extract reads the image at name into dir (which must exist and be empty), keeping the
// regular files keep accepts and every symbolic link.
func (Reader) Extract(ctx context.Context, name, dir string, keep func(string, fs.FileMode) bool, progress func(source.ImageProgress)) (*source.Image, error) {
	s, err := openStore(name)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("%w: not an image archive", catalog.ErrUnsupported)
	}
	defer s.close()
	var p *plan
	var note string
	switch kindOf(s) {
	case "docker":
		p, note, err = planDocker(s)
	case "oci":
		p, note, err = planOCI(s)
	default:
		return nil, fmt.Errorf("%w: neither an OCI image layout nor a docker save archive", catalog.ErrUnsupported)
	}
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	img := &source.Image{
		Source:  sbom.Source{Kind: sbom.SourceImage, Name: name, Digest: p.configDigest, Tags: p.tags},
		LayerOf: map[string]string{},
	}
	if note != "" {
		img.Errors = append(img.Errors, sbom.FileError{Path: name, Err: "note: " + note})
	}
	x := &extractor{root: root, keep: keep, img: img}
	if progress != nil {
		x.progress = func(n int64) {
			x.read += n
			if time.Since(x.last) >= 100*time.Millisecond {
				x.last = time.Now()
				progress(source.ImageProgress{Layer: x.layer, Layers: len(p.layers), Bytes: x.read})
			}
		}
	}
	for i, l := range p.layers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x.layer = i + 1
		x.cur, x.curDirs, x.whiteouts = map[string]bool{}, map[string]bool{}, map[string]bool{}
		id, err := x.apply(ctx, s, l)
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i+1, l.member, err)
		}
		img.Source.Layers = append(img.Source.Layers, sbom.Layer{Digest: id, MediaType: l.mediaType, Size: l.size})
	}
	return img, nil
}

// extractor applies layers to the scratch directory.
type extractor struct {
	root  *os.Root
	keep  func(string, fs.FileMode) bool
	img   *source.Image
	links int
	// written counts the bytes of kept files written so far, against MaxExtracted.
	written int64

	// The current layer's kept entries, their parent directories ("" is the root) and the
	// whiteout markers applied; reset for every layer.
	cur, curDirs, whiteouts map[string]bool

	// progress, when set, is told how many bytes were read; layer, read and last serve it.
	progress func(n int64)
	layer    int
	read     int64
	last     time.Time
}

// countingReader reports the bytes read through it and stops when ctx ends.
type countingReader struct {
	ctx context.Context
	r   io.Reader
	fn  func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if c.fn != nil {
		c.fn(int64(n))
	}
	return n, err
}

// apply streams one layer into the scratch directory and returns its diff ID.
func (x *extractor) apply(ctx context.Context, s store, l layerRef) (string, error) {
	rc, _, err := s.open(l.member)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	var blobHash hash.Hash
	var r io.Reader = &countingReader{ctx: ctx, r: rc, fn: x.progress}
	if strings.HasPrefix(l.digest, "sha256:") {
		blobHash = sha256.New()
		r = io.TeeReader(r, blobHash)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	un, err := decompress(br, l.mediaType)
	if err != nil {
		return "", err
	}
	defer un.Close()
	diffHash := sha256.New()
	layerStream := io.TeeReader(un, diffHash)
	tr := tar.NewReader(layerStream)
	id := l.diffID
	if id == "" {
		id = l.digest
	}
	for n := 0; ; n++ {
		if n >= MaxEntries {
			return "", fmt.Errorf("%w: more than %d entries", catalog.ErrTooLarge, MaxEntries)
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("reading layer: %w", err)
		}
		if err := x.entry(tr, h, id); err != nil {
			return "", err
		}
	}
	// Hash what follows the tar end marker too (tar(1) pads archives to 10 KiB records):
	// digests cover the whole stream.
	if _, err := io.Copy(io.Discard, layerStream); err != nil {
		return "", fmt.Errorf("reading layer: %w", err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return "", fmt.Errorf("reading layer: %w", err)
	}
	if blobHash != nil {
		if got := "sha256:" + hex.EncodeToString(blobHash.Sum(nil)); got != l.digest {
			return "", fmt.Errorf("%w: layer blob digest is %s, manifest says %s", catalog.ErrMalformed, got, l.digest)
		}
	}
	diff := "sha256:" + hex.EncodeToString(diffHash.Sum(nil))
	if l.diffID != "" && strings.HasPrefix(l.diffID, "sha256:") && diff != l.diffID {
		return "", fmt.Errorf("%w: uncompressed layer digest is %s, image config says %s", catalog.ErrMalformed, diff, l.diffID)
	}
	if id == "" {
		id = diff
	}
	return id, nil
}

// decompress recognises gzip, zstd and plain tar by their magic numbers, whatever the media
// type says (docker save archives carry no media types).
func decompress(br *bufio.Reader, mediaType string) (io.ReadCloser, error) {
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", catalog.ErrMalformed, err)
		}
		return z, nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		z, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(256<<20))
		if err != nil {
			return nil, fmt.Errorf("%w: zstd: %v", catalog.ErrMalformed, err)
		}
		return z.IOReadCloser(), nil
	}
	if strings.Contains(mediaType, "gzip") || strings.Contains(mediaType, "zstd") {
		return nil, fmt.Errorf("%w: layer media type %s but content is not compressed", catalog.ErrMalformed, mediaType)
	}
	return io.NopCloser(br), nil
}

// entry applies one tar entry of a layer.
func (x *extractor) entry(tr *tar.Reader, h *tar.Header, layer string) error {
	name, err := cleanEntry(h.Name)
	if err != nil {
		x.img.Errors = append(x.img.Errors, sbom.FileError{Path: h.Name, Err: fmt.Sprintf("layer %s: %v", layer, err)})
		return nil
	}
	if name == "" {
		return nil
	}
	dir, base := path.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	switch {
	case base == ".wh..wh..opq":
		return x.whiteout(name, dir, true)
	case strings.HasPrefix(base, ".wh."):
		return x.whiteout(name, path.Join(dir, strings.TrimPrefix(base, ".wh.")), false)
	}
	switch h.Typeflag {
	case tar.TypeDir:
		// A directory replaces whatever file or link was there.
		if fi, err := x.root.Lstat(name); err == nil && !fi.IsDir() {
			if err := x.remove(name); err != nil {
				return err
			}
		}
		return nil
	case tar.TypeSymlink:
		if x.links >= MaxLinks {
			return fmt.Errorf("%w: more than %d symbolic links", catalog.ErrTooLarge, MaxLinks)
		}
		x.links++
		if err := x.replace(name); err != nil {
			return err
		}
		if err := x.mkdirParent(name); err != nil {
			x.record(name, layer, err)
			return nil
		}
		if err := x.root.Symlink(h.Linkname, name); err != nil {
			x.record(name, layer, fmt.Errorf("creating link: %w", err))
			return nil
		}
		x.added(name)
		return nil
	case tar.TypeLink:
		target, err := cleanEntry(h.Linkname)
		if err != nil || target == "" {
			x.record(name, layer, fmt.Errorf("hard link to %q: %w", h.Linkname, catalog.ErrInsecurePath))
			return nil
		}
		if _, ok := x.img.LayerOf[target]; !ok {
			if x.keep(name, fs.FileMode(h.Mode).Perm()) {
				x.record(name, layer, fmt.Errorf("hard link to %s, which was not extracted", target))
			}
			return x.replace(name)
		}
		if err := x.replace(name); err != nil {
			return err
		}
		if err := x.mkdirParent(name); err != nil {
			x.record(name, layer, err)
			return nil
		}
		if err := x.root.Link(target, name); err != nil {
			x.record(name, layer, fmt.Errorf("creating hard link: %w", err))
			return nil
		}
		x.img.LayerOf[name] = layer
		x.added(name)
		return nil
	case tar.TypeReg:
		mode := fs.FileMode(h.Mode).Perm()
		if !x.keep(name, mode) {
			// A file we do not keep still hides the one below it.
			return x.replace(name)
		}
		if h.Size > MaxFileSize {
			x.record(name, layer, fmt.Errorf("%w: %d bytes, limit %d", catalog.ErrTooLarge, h.Size, int64(MaxFileSize)))
			return x.replace(name)
		}
		if x.written+h.Size > maxExtracted {
			return fmt.Errorf("%w: the files kept from this image exceed %d bytes", catalog.ErrTooLarge, maxExtracted)
		}
		x.written += h.Size
		return x.write(tr, name, mode, layer)
	}
	// Devices, FIFOs and the like carry no packages, but still replace what was there.
	return x.replace(name)
}

func (x *extractor) record(name, layer string, err error) {
	x.img.Errors = append(x.img.Errors, sbom.FileError{Path: name, Err: fmt.Sprintf("layer %s: %v", layer, err)})
}

// write stores a kept file, replacing any earlier one.
func (x *extractor) write(r io.Reader, name string, mode fs.FileMode, layer string) error {
	if err := x.replace(name); err != nil {
		return err
	}
	if err := x.mkdirParent(name); err != nil {
		x.record(name, layer, err)
		return nil
	}
	f, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600|(mode&0o111))
	if err != nil {
		x.record(name, layer, err)
		return nil
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("extracting %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("extracting %s: %w", name, err)
	}
	x.img.LayerOf[name] = layer
	x.added(name)
	return nil
}

// mkdirParent creates the directories above name.
func (x *extractor) mkdirParent(name string) error {
	if d := path.Dir(name); d != "." {
		return x.root.MkdirAll(d, 0o755)
	}
	return nil
}

// replace removes whatever an earlier layer or entry put at name, if it was kept.
func (x *extractor) replace(name string) error {
	delete(x.cur, name)
	return x.remove(name)
}

// remove deletes name and everything below it, and forgets the layers of what it held. The
// cost is proportional to what is removed, so a hostile image cannot make whiteouts or
// overwrites quadratic in the number of kept files.
func (x *extractor) remove(name string) error {
	fi, err := x.root.Lstat(name)
	if err != nil {
		return nil // nothing kept there
	}
	if fi.IsDir() {
		fs.WalkDir(x.root.FS(), name, func(p string, _ fs.DirEntry, err error) error {
			delete(x.img.LayerOf, p)
			return nil
		})
	}
	delete(x.img.LayerOf, name)
	if err := x.root.RemoveAll(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", name, err)
	}
	return nil
}

// added records that the current layer put name into the scratch directory.
func (x *extractor) added(name string) {
	x.cur[name] = true
	for d := path.Dir(name); d != "."; d = path.Dir(d) {
		if x.curDirs[d] {
			break
		}
		x.curDirs[d] = true
	}
	x.curDirs[""] = true
}

// whiteout applies the whiteout entry marker: ".wh.NAME" hides target, ".wh..wh..opq"
// (opaque) hides target's children. Whiteouts apply only to lower layers' entries (OCI
// image-spec layer.md, "Whiteouts"): what the current layer itself adds at or below target is
// kept, whether it comes before or after the marker in the tar stream.
func (x *extractor) whiteout(marker, target string, opaque bool) error {
	if x.whiteouts[marker] {
		return nil // a repeated marker has nothing left to hide
	}
	x.whiteouts[marker] = true
	if !opaque && x.cur[target] {
		return nil
	}
	if !opaque && !x.curDirs[target] {
		return x.remove(target)
	}
	return x.prune(target)
}

// prune removes everything below dir that the current layer did not add.
func (x *extractor) prune(dir string) error {
	d := dir
	if d == "" {
		d = "."
	}
	if fi, err := x.root.Lstat(d); err != nil || !fi.IsDir() {
		return nil // nothing kept there
	}
	entries, err := fs.ReadDir(x.root.FS(), d)
	if err != nil {
		return fmt.Errorf("applying whiteout for %s: %w", dir, err)
	}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		switch {
		case x.cur[p]:
		case x.curDirs[p]:
			if err := x.prune(p); err != nil {
				return err
			}
		default:
			if err := x.remove(p); err != nil {
				return fmt.Errorf("applying whiteout for %s: %w", dir, err)
			}
		}
	}
	return nil
}

// cleanEntry normalises a layer entry name to a relative slash path and rejects names that
// would leave the root. The root itself is "".
func cleanEntry(name string) (string, error) {
	if len(name) > maxNameLength {
		return "", fmt.Errorf("%w: entry name of %d bytes, limit %d", catalog.ErrTooLarge, len(name), maxNameLength)
	}
	n := strings.TrimLeft(name, "/")
	n = strings.TrimPrefix(n, "./")
	if n == "" || n == "." {
		return "", nil
	}
	for _, el := range strings.Split(strings.TrimSuffix(n, "/"), "/") {
		if el == ".." {
			return "", fmt.Errorf("%q: %w", name, catalog.ErrInsecurePath)
		}
	}
	c := path.Clean(n)
	if c == "." {
		return "", nil
	}
	return c, nil
}

func sha256Digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}
