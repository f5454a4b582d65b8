package source_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/all"
	"github.com/hallmark-dev/hallmark/format/cyclonedx"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/source"
)

type cdxDecoder struct{}

func (cdxDecoder) Name() string                                { return "CycloneDX" }
func (cdxDecoder) Sniff(head []byte) bool                      { return cyclonedx.Sniff(head) }
func (cdxDecoder) Decode(r io.Reader) (*sbom.Inventory, error) { return cyclonedx.Decode(r) }

func options() source.Options {
	return source.Options{Catalogers: all.Catalogers(), Images: all.Images()}
}

// TestFIFO checks that a named pipe given as a target is refused at once: opening it to
// sniff its content would block forever.
func TestFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := source.Inventory(ctx, []string{fifo}, options())
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Inventory(fifo) = %v, want a not-a-regular-file error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Inventory(fifo) blocked")
	}
}

func TestBadTargets(t *testing.T) {
	dir := t.TempDir()
	// A docker save archive piped through gzip: the user must decompress it first.
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	tw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg})
	tw.Write([]byte("[]"))
	tw.Close()
	var gzBuf bytes.Buffer
	zw := gzip.NewWriter(&gzBuf)
	zw.Write(tarBuf.Bytes())
	zw.Close()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		target string
		is     error
		msg    string
	}{
		{write("image.tar.gz", gzBuf.Bytes()), catalog.ErrUnsupported, "decompress it first (gunzip -k "},
		{write("empty", nil), catalog.ErrUnsupported, "no cataloger recognises this file"},
		{write("notes.txt", []byte("hello\n")), catalog.ErrUnsupported, "no cataloger recognises this file"},
		{filepath.Join(dir, "missing"), source.ErrNotFound, "missing: target not found"},
	} {
		_, err := source.Inventory(context.Background(), []string{c.target}, options())
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Inventory(%s) = %v, want %v with %q", filepath.Base(c.target), err, c.is, c.msg)
		}
	}
}

// TestEmptyLockfile checks that an empty file a cataloger claims by name is reported as a
// partial result naming the file, not as an error of the whole run.
func TestEmptyLockfile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "package-lock.json")
	os.WriteFile(p, nil, 0o644)
	inv, err := source.Inventory(context.Background(), []string{p}, options())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) != 1 || inv.Errors[0].Path != "package-lock.json" {
		t.Errorf("errors = %v, want one for package-lock.json", inv.Errors)
	}
}

// TestConversionKeepsSubject checks that an SBOM read as a target keeps what it describes as
// the first source, so a conversion's main component stays the image or directory.
func TestConversionKeepsSubject(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "in.cdx.json")
	os.WriteFile(doc, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
	 "metadata":{"component":{"type":"container","name":"registry.example/app:1","bom-ref":"app"}},
	 "components":[{"type":"library","name":"left-pad","version":"1.3.0","purl":"pkg:npm/left-pad@1.3.0","bom-ref":"lp"}]}`), 0o644)
	inv, err := source.Inventory(context.Background(), []string{doc}, source.Options{Catalogers: all.Catalogers(), Decoders: []source.Decoder{cdxDecoder{}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Sources) != 2 || inv.Sources[0].Name != "registry.example/app:1" || inv.Sources[1].Kind != sbom.SourceSBOM {
		t.Errorf("sources = %+v", inv.Sources)
	}
}
