// Package source turns the targets a user names (directories, root filesystems, single files,
// container images, existing SBOMs) into one inventory. It decides what each target is, runs
// the catalog walk over it, and records each target as an inventory source.
package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/cpe"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Options configure Inventory.
type Options struct {
	// Catalogers are offered every file. Required.
	Catalogers []catalog.Cataloger
	// Exclude lists glob patterns of paths not to catalogue (see catalog.MatchGlob).
	Exclude []string
	// Progress, when set, is told how a walk advances.
	Progress func(target string, p catalog.Progress)
	// Decoders read existing SBOM documents given as targets.
	Decoders []Decoder
	// Images reads container images given as targets; nil means images are not supported.
	Images ImageReader
	// TempDir is where image contents are extracted; empty means os.TempDir().
	TempDir string
}

// Decoder reads one SBOM format into the model.
type Decoder interface {
	// Name is the format's name, for messages ("CycloneDX", "SPDX").
	Name() string
	// Sniff reports whether the first bytes of a file look like a document of this format.
	Sniff(head []byte) bool
	Decode(r io.Reader) (*sbom.Inventory, error)
}

// ImageReader extracts container images.
type ImageReader interface {
	// Detect reports whether path (a file or directory) is a container image.
	Detect(path string) (bool, error)
	// Extract applies the image's layers in order into dir, keeping only the files keep
	// accepts, and returns the image's description and the layer that introduced each kept
	// file. progress, when not nil, is told how far the extraction is.
	Extract(ctx context.Context, path, dir string, keep func(path string, mode fs.FileMode) bool, progress func(ImageProgress)) (*Image, error)
}

// ImageProgress reports how far an image extraction is.
type ImageProgress struct {
	Layer, Layers int   // the layer being read (1-based) and how many there are
	Bytes         int64 // compressed bytes read so far from all layers
}

// Image is an extracted image.
type Image struct {
	Source sbom.Source
	// LayerOf maps a kept file's path (relative, slash-separated) to its layer's digest.
	LayerOf map[string]string
	// Errors are problems with single entries that did not stop the extraction.
	Errors []sbom.FileError
}

// ErrNotFound means a target does not exist.
var ErrNotFound = errors.New("target not found")

// sniffSize is how much of a file is read to recognise SBOM documents.
const sniffSize = 8 << 10

// Inventory catalogs every target into one inventory, finalised (sorted, stable IDs).
// Problems with single files are recorded in the inventory's Errors; an error is returned only
// when a target as a whole cannot be read.
func Inventory(ctx context.Context, targets []string, opts Options) (*sbom.Inventory, error) {
	inv := &sbom.Inventory{}
	for _, t := range targets {
		before, distro := len(inv.Packages), inv.Distro
		sbomTarget, err := add(ctx, inv, t, opts)
		if err != nil {
			return nil, err
		}
		if !sbomTarget {
			// CPEs are derived for what Hallmark catalogued itself; a document read as
			// a target is converted as it is.
			d := inv.Distro
			if distro != nil {
				d = distro
			}
			for _, p := range inv.Packages[before:] {
				if len(p.CPEs) == 0 {
					p.CPEs = cpe.Derive(p, d)
				}
			}
		}
	}
	inv.Finalize()
	return inv, nil
}

// add catalogs one target into inv and reports whether it was an SBOM document.
func add(ctx context.Context, inv *sbom.Inventory, target string, opts Options) (bool, error) {
	st, err := os.Stat(target)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("%s: %w", target, ErrNotFound)
		}
		return false, err
	}
	if !st.IsDir() && !st.Mode().IsRegular() {
		// Opening a FIFO or a device to sniff it would block or read forever.
		return false, fmt.Errorf("%s: not a regular file or directory (%s)", target, st.Mode().Type())
	}
	wo := catalog.WalkOptions{Catalogers: opts.Catalogers, Exclude: opts.Exclude}
	if opts.Progress != nil {
		wo.Progress = func(p catalog.Progress) { opts.Progress(target, p) }
	}
	if opts.Images != nil {
		ok, err := opts.Images.Detect(target)
		if err != nil {
			return false, fmt.Errorf("%s: %w", target, err)
		}
		if ok {
			return false, addImage(ctx, inv, target, wo, opts)
		}
	}
	if st.IsDir() {
		inv.Sources = append(inv.Sources, sbom.Source{Kind: sbom.SourceDirectory, Name: target})
		return false, catalog.WalkDir(ctx, target, inv, wo)
	}
	if dec, ok, err := sniffSBOM(target, opts.Decoders); err != nil {
		return false, err
	} else if ok {
		return true, addSBOM(inv, target, dec)
	}
	inv.Sources = append(inv.Sources, sbom.Source{Kind: sbom.SourceFile, Name: target})
	return false, catalog.WalkFile(ctx, target, inv, wo)
}

func sniffSBOM(name string, decs []Decoder) (Decoder, bool, error) {
	if len(decs) == 0 {
		return nil, false, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	head := make([]byte, sniffSize)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, false, fmt.Errorf("reading %s: %w", name, err)
	}
	head = bytes.TrimLeft(head[:n], "\xef\xbb\xbf \t\r\n")
	for _, d := range decs {
		if d.Sniff(head) {
			return d, true, nil
		}
	}
	return nil, false, nil
}

func addSBOM(inv *sbom.Inventory, name string, dec Decoder) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	doc, err := dec.Decode(f)
	if err != nil {
		return fmt.Errorf("reading %s SBOM %s: %w", dec.Name(), name, err)
	}
	// What the document describes stays first, so a conversion keeps its subject (the
	// image, the directory) as the SBOM's main component; the document itself follows.
	inv.Sources = append(inv.Sources, doc.Sources...)
	inv.Sources = append(inv.Sources, sbom.Source{Kind: sbom.SourceSBOM, Name: name})
	if inv.Distro == nil {
		inv.Distro = doc.Distro
	}
	inv.Errors = append(inv.Errors, doc.Errors...)
	inv.Add(doc.Packages)
	return nil
}

func addImage(ctx context.Context, inv *sbom.Inventory, target string, wo catalog.WalkOptions, opts Options) error {
	dir, err := os.MkdirTemp(opts.TempDir, "hallmark-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	keep := func(path string, mode fs.FileMode) bool {
		if excludedPath(path, opts.Exclude) {
			return false
		}
		for _, c := range opts.Catalogers {
			if c.Match(path, mode) {
				return true
			}
			if r, ok := c.(catalog.RelatedMatcher); ok && r.Related(path, mode) {
				return true
			}
		}
		return false
	}
	var progress func(ImageProgress)
	if opts.Progress != nil {
		progress = func(p ImageProgress) {
			opts.Progress(target, catalog.Progress{Note: fmt.Sprintf("reading layer %d of %d, %d MiB", p.Layer, p.Layers, p.Bytes>>20)})
		}
	}
	img, err := opts.Images.Extract(ctx, target, dir, keep, progress)
	if err != nil {
		return fmt.Errorf("reading image %s: %w", target, err)
	}
	inv.Sources = append(inv.Sources, img.Source)
	inv.Errors = append(inv.Errors, img.Errors...)
	wo.LayerOf = func(p string) string { return img.LayerOf[p] }
	return catalog.WalkDir(ctx, dir, inv, wo)
}

func excludedPath(rel string, patterns []string) bool {
	for _, p := range patterns {
		if catalog.MatchGlob(p, filepath.ToSlash(rel)) {
			return true
		}
	}
	return false
}
