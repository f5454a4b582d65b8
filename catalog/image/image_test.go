package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"

	"github.com/hallmark-dev/hallmark/catalog"
)

// tarEntry is one member of a layer built by a test.
type tarEntry struct {
	name, body, link string
	typ              byte
	mode             int64
}

func file(name, body string) tarEntry {
	return tarEntry{name: name, body: body, typ: tar.TypeReg, mode: 0o644}
}
func exe(name, body string) tarEntry {
	return tarEntry{name: name, body: body, typ: tar.TypeReg, mode: 0o755}
}
func dir(name string) tarEntry { return tarEntry{name: name, typ: tar.TypeDir, mode: 0o755} }
func symlink(name, target string) tarEntry {
	return tarEntry{name: name, link: target, typ: tar.TypeSymlink, mode: 0o777}
}
func hardlink(name, target string) tarEntry {
	return tarEntry{name: name, link: target, typ: tar.TypeLink, mode: 0o644}
}

// layerTar writes a layer exactly as image builders do: a plain POSIX tar stream.
func layerTar(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link, Size: int64(len(e.body)), Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zst(t testing.TB, b []byte) []byte {
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return w.EncodeAll(b, nil)
}

func digest(b []byte) string { return sha256Digest(b) }

func configJSON(diffIDs []string) []byte {
	b, _ := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux",
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
	})
	return b
}

// dockerSave writes a legacy docker save archive (docker < 25): <id>/layer.tar members, a
// config <hex>.json and manifest.json.
func dockerSave(t testing.TB, tags []string, layers ...[]byte) []byte {
	t.Helper()
	var diffs, names []string
	members := map[string][]byte{}
	for i, l := range layers {
		diffs = append(diffs, digest(l))
		n := strings.Repeat(string(rune('a'+i)), 64) + "/layer.tar"
		names = append(names, n)
		members[n] = l
	}
	cfg := configJSON(diffs)
	cfgName := strings.TrimPrefix(digest(cfg), "sha256:") + ".json"
	members[cfgName] = cfg
	m, _ := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": tags, "Layers": names}})
	members["manifest.json"] = m
	return tarOf(t, members)
}

func tarOf(t testing.TB, members map[string][]byte) []byte {
	t.Helper()
	var names []string
	for n := range members {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(members[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(members[n])
	}
	tw.Close()
	return buf.Bytes()
}

// ociLayout writes an OCI image layout into dir with compressed layers, as skopeo or
// buildkit do; compress maps an uncompressed layer to its blob and media type.
func ociLayout(t testing.TB, dir string, compress func([]byte) ([]byte, string), layers ...[]byte) {
	t.Helper()
	var diffs []string
	var descs []map[string]any
	write := func(b []byte) string {
		d := digest(b)
		p := filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(d, "sha256:"))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, l := range layers {
		diffs = append(diffs, digest(l))
		blob, mt := compress(l)
		descs = append(descs, map[string]any{"mediaType": mt, "digest": write(blob), "size": len(blob)})
	}
	cfg := configJSON(diffs)
	m, _ := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": mediaOCIManifest,
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": write(cfg), "size": len(cfg)},
		"layers": descs,
	})
	md := write(m)
	idx, _ := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": mediaOCIIndex,
		"manifests": []map[string]any{{
			"mediaType": mediaOCIManifest, "digest": md, "size": len(m),
			"annotations": map[string]string{annotationRefName: "example.com/app:1.0"},
			"platform":    map[string]string{"os": "linux", "architecture": "amd64"},
		}},
	})
	os.WriteFile(filepath.Join(dir, "index.json"), idx, 0o644)
	os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion": "1.0.0"}`), 0o644)
}

// keepAll keeps every file except those under usr/share/doc.
func keepAll(p string, _ fs.FileMode) bool { return !strings.HasPrefix(p, "usr/share/doc/") }

// scratch lists the regular files and links of an extracted image.
func scratch(t testing.TB, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.Type()&fs.ModeSymlink != 0 {
			l, _ := os.Readlink(p)
			got[rel] = "-> " + l
			return nil
		}
		b, _ := os.ReadFile(p)
		got[rel] = string(b)
		return nil
	})
	return got
}

// threeLayers exercises overwrite, whiteout, opaque whiteout, links and ignored files.
func threeLayers(t testing.TB) [][]byte {
	l1 := layerTar(t,
		dir("etc/"), file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
		dir("var/lib/dpkg/"), file("var/lib/dpkg/status", "v1"),
		file("app/old.txt", "old"), file("cache/a", "a"), file("cache/b", "b"),
		file("usr/share/doc/x/copyright", "not kept"),
		symlink("usr/lib/os-release", "../../etc/os-release"),
	)
	l2 := layerTar(t,
		file("var/lib/dpkg/status", "v2"),
		file("app/.wh.old.txt", ""),
		file("cache/.wh..wh..opq", ""), file("cache/c", "c"),
		exe("usr/local/bin/tool", "\x7fELF"),
	)
	l3 := layerTar(t,
		hardlink("usr/local/bin/tool2", "usr/local/bin/tool"),
		file("etc/.wh.os-release", ""), file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"x\"\n"),
	)
	return [][]byte{l1, l2, l3}
}

func TestExtractDockerSave(t *testing.T) {
	layers := threeLayers(t)
	archive := filepath.Join(t.TempDir(), "image.tar")
	if err := os.WriteFile(archive, dockerSave(t, []string{"example/app:1.0"}, layers...), 0o644); err != nil {
		t.Fatal(err)
	}
	var r Reader
	ok, err := r.Detect(archive)
	if err != nil || !ok {
		t.Fatalf("Detect = %v, %v; want true", ok, err)
	}
	out := t.TempDir()
	img, err := r.Extract(context.Background(), archive, out, keepAll, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"etc/os-release":      "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"x\"\n",
		"var/lib/dpkg/status": "v2",
		"cache/c":             "c",
		"usr/local/bin/tool":  "\x7fELF",
		"usr/local/bin/tool2": "\x7fELF",
		"usr/lib/os-release":  "-> ../../etc/os-release",
	}
	if diff := cmp.Diff(want, scratch(t, out)); diff != "" {
		t.Errorf("extracted files (-want +got):\n%s", diff)
	}
	d := []string{digest(layers[0]), digest(layers[1]), digest(layers[2])}
	wantLayers := map[string]string{
		"etc/os-release": d[2], "var/lib/dpkg/status": d[1], "cache/c": d[1],
		"usr/local/bin/tool": d[1], "usr/local/bin/tool2": d[2],
	}
	if diff := cmp.Diff(wantLayers, img.LayerOf); diff != "" {
		t.Errorf("LayerOf (-want +got):\n%s", diff)
	}
	if got := len(img.Source.Layers); got != 3 || img.Source.Layers[1].Digest != d[1] {
		t.Errorf("Source.Layers = %+v", img.Source.Layers)
	}
	if diff := cmp.Diff([]string{"example/app:1.0"}, img.Source.Tags); diff != "" {
		t.Errorf("tags: %s", diff)
	}
	if !strings.HasPrefix(img.Source.Digest, "sha256:") {
		t.Errorf("Source.Digest = %q", img.Source.Digest)
	}
	if len(img.Errors) != 0 {
		t.Errorf("unexpected errors: %v", img.Errors)
	}
}

func TestExtractOCI(t *testing.T) {
	for _, c := range []struct {
		name     string
		compress func([]byte) ([]byte, string)
	}{
		{"gzip", func(b []byte) ([]byte, string) { return gz(t, b), "application/vnd.oci.image.layer.v1.tar+gzip" }},
		{"zstd", func(b []byte) ([]byte, string) { return zst(t, b), "application/vnd.oci.image.layer.v1.tar+zstd" }},
		{"plain", func(b []byte) ([]byte, string) { return b, "application/vnd.oci.image.layer.v1.tar" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			layers := threeLayers(t)
			layout := t.TempDir()
			ociLayout(t, layout, c.compress, layers...)
			for _, target := range []string{layout, tarDir(t, layout)} {
				var r Reader
				if ok, err := r.Detect(target); !ok || err != nil {
					t.Fatalf("Detect(%s) = %v, %v", target, ok, err)
				}
				out := t.TempDir()
				img, err := r.Extract(context.Background(), target, out, keepAll, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got := scratch(t, out)["var/lib/dpkg/status"]; got != "v2" {
					t.Errorf("status = %q, want v2", got)
				}
				if diff := cmp.Diff([]string{"example.com/app:1.0"}, img.Source.Tags); diff != "" {
					t.Errorf("tags: %s", diff)
				}
				if img.Source.Layers[0].Digest != digest(layers[0]) {
					t.Errorf("layer 0 digest %s, want the diff ID %s", img.Source.Layers[0].Digest, digest(layers[0]))
				}
			}
		})
	}
}

// tarDir packs a directory into a tar file, as `tar -cf image.tar -C layout .` does.
func tarDir(t testing.TB, dir string) string {
	members := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, _ := os.ReadFile(p)
		members["./"+filepath.ToSlash(rel)] = b
		return nil
	})
	name := filepath.Join(t.TempDir(), "oci.tar")
	os.WriteFile(name, tarOf(t, members), 0o644)
	return name
}

func TestExtractHostile(t *testing.T) {
	outside := t.TempDir()
	layer1 := layerTar(t,
		file("../../escape.txt", "x"),
		file("/abs/../../../escape2.txt", "x"),
		symlink("evil", outside),
		symlink("rel-evil", "../../../../.."+outside),
	)
	layer2 := layerTar(t,
		file("evil/planted", "x"),
		file("rel-evil/planted2", "x"),
		hardlink("hl", "../../etc/passwd"),
	)
	archive := filepath.Join(t.TempDir(), "image.tar")
	os.WriteFile(archive, dockerSave(t, nil, layer1, layer2), 0o644)
	out := t.TempDir()
	img, err := Reader{}.Extract(context.Background(), archive, out, keepAll, nil)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 0 {
		t.Fatalf("a layer wrote outside the scratch directory: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(out), "escape.txt")); err == nil {
		t.Fatal("escape.txt written outside the scratch directory")
	}
	var insecure int
	for _, e := range img.Errors {
		if strings.Contains(e.Err, catalog.ErrInsecurePath.Error()) {
			insecure++
		}
	}
	if insecure < 2 {
		t.Errorf("want the .. entries and hard link reported as insecure, got errors %v", img.Errors)
	}
}

func TestExtractDigestMismatch(t *testing.T) {
	layout := t.TempDir()
	l := layerTar(t, file("a", "b"))
	ociLayout(t, layout, func(b []byte) ([]byte, string) { return gz(t, b), "application/vnd.oci.image.layer.v1.tar+gzip" }, l)
	// Corrupt the layer blob in place, keeping its name (the claimed digest).
	blobs, _ := filepath.Glob(filepath.Join(layout, "blobs", "sha256", "*"))
	for _, b := range blobs {
		data, _ := os.ReadFile(b)
		if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			os.WriteFile(b, gz(t, layerTar(t, file("a", "tampered"))), 0o644)
		}
	}
	_, err := Reader{}.Extract(context.Background(), layout, t.TempDir(), keepAll, nil)
	if !errors.Is(err, catalog.ErrMalformed) || !strings.Contains(err.Error(), "digest") {
		t.Fatalf("Extract of a tampered layer: err = %v, want a digest mismatch", err)
	}
}

func TestDetectOther(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "package-lock.json")
	os.WriteFile(plain, []byte(`{}`), 0o644)
	nonImageTar := filepath.Join(dir, "x.tar")
	os.WriteFile(nonImageTar, tarOf(t, map[string][]byte{"hello": []byte("x")}), 0o644)
	for _, p := range []string{plain, nonImageTar, dir} {
		if ok, err := (Reader{}).Detect(p); ok || err != nil {
			t.Errorf("Detect(%s) = %v, %v; want false, nil", p, ok, err)
		}
	}
}

func TestMalformedManifests(t *testing.T) {
	for name, members := range map[string]map[string][]byte{
		"bad json":          {"manifest.json": []byte("[{")},
		"no images":         {"manifest.json": []byte("[]")},
		"missing config":    {"manifest.json": []byte(`[{"Config":"c.json","Layers":[]}]`)},
		"config traversal":  {"manifest.json": []byte(`[{"Config":"../../etc/passwd","Layers":[]}]`)},
		"diff_ids mismatch": {"manifest.json": []byte(`[{"Config":"c.json","Layers":["l.tar"]}]`), "c.json": configJSON([]string{"sha256:1", "sha256:2"})},
		"missing layer":     {"manifest.json": []byte(`[{"Config":"c.json","Layers":["l.tar"]}]`), "c.json": configJSON(nil)},
	} {
		t.Run(name, func(t *testing.T) {
			archive := filepath.Join(t.TempDir(), "image.tar")
			os.WriteFile(archive, tarOf(t, members), 0o644)
			if _, err := (Reader{}).Extract(context.Background(), archive, t.TempDir(), keepAll, nil); err == nil {
				t.Fatal("Extract succeeded, want an error")
			}
		})
	}
}

// FuzzLayer feeds arbitrary bytes as the only layer of a docker save archive. Extraction must
// never panic or write outside its directory.
func FuzzLayer(f *testing.F) {
	for _, l := range threeLayers(f) {
		f.Add(l)
		f.Add(gz(f, l))
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, layer []byte) {
		tmp := t.TempDir()
		archive := filepath.Join(tmp, "image.tar")
		os.WriteFile(archive, dockerSave(t, nil, layer), 0o644)
		out := filepath.Join(tmp, "out")
		os.Mkdir(out, 0o755)
		Reader{}.Extract(context.Background(), archive, out, keepAll, nil)
		entries, _ := os.ReadDir(tmp)
		for _, e := range entries {
			if e.Name() != "image.tar" && e.Name() != "out" {
				t.Fatalf("extraction wrote %s outside its directory", e.Name())
			}
		}
	})
}

// FuzzManifest feeds arbitrary manifest.json content.
func FuzzManifest(f *testing.F) {
	f.Add([]byte(`[{"Config":"c.json","RepoTags":["a:b"],"Layers":["l.tar"]}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, manifest []byte) {
		archive := filepath.Join(t.TempDir(), "image.tar")
		os.WriteFile(archive, tarOf(t, map[string][]byte{
			"manifest.json": manifest, "c.json": configJSON(nil), "l.tar": layerTar(t, file("a", "b")),
		}), 0o644)
		Reader{}.Extract(context.Background(), archive, t.TempDir(), keepAll, nil)
	})
}

func BenchmarkExtract(b *testing.B) {
	var entries []tarEntry
	for i := 0; i < 20000; i++ {
		entries = append(entries, file("usr/share/doc/pkg"+strings.Repeat("x", i%7)+"/f"+string(rune('a'+i%26))+"/"+strings.Repeat("y", i%13), strings.Repeat("z", 512)))
	}
	entries = append(entries, file("var/lib/dpkg/status", "Package: a\n"))
	layer := gz(b, layerTar(b, entries...))
	layout := b.TempDir()
	ociLayout(b, layout, func([]byte) ([]byte, string) { return layer, "application/vnd.oci.image.layer.v1.tar+gzip" }, layerTar(b, entries...))
	b.SetBytes(int64(len(layer)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (Reader{}).Extract(context.Background(), layout, b.TempDir(), keepAll, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// extractLayers extracts layers given as a docker save archive and fails the test on error.
func extractLayers(t testing.TB, layers ...[]byte) (map[string]string, map[string]string) {
	t.Helper()
	archive := filepath.Join(t.TempDir(), "image.tar")
	if err := os.WriteFile(archive, dockerSave(t, nil, layers...), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	img, err := Reader{}.Extract(context.Background(), archive, out, keepAll, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Errors) != 0 {
		t.Errorf("unexpected errors: %v", img.Errors)
	}
	return scratch(t, out), img.LayerOf
}

// TestWhiteoutSameLayer checks that whiteouts hide only lower layers' entries (image-spec
// layer.md: "Whiteout files MUST only apply to resources in lower/parent layers"), whatever
// the order of the marker and the layer's own entries in the tar stream.
func TestWhiteoutSameLayer(t *testing.T) {
	lower := layerTar(t,
		file("cache/old", "old"), file("cache/sub/old", "old"), file("cache/sub/keep-not", "x"),
		file("gone/a", "a"), file("etc/f", "lower"),
	)
	for _, c := range []struct {
		name  string
		upper []tarEntry
		want  map[string]string
	}{
		{
			name:  "opaque marker first",
			upper: []tarEntry{file("cache/.wh..wh..opq", ""), file("cache/new", "new"), file("cache/sub/new", "new")},
			want:  map[string]string{"cache/new": "new", "cache/sub/new": "new", "gone/a": "a", "etc/f": "lower"},
		},
		{
			name:  "opaque marker last",
			upper: []tarEntry{file("cache/new", "new"), file("cache/sub/new", "new"), file("cache/.wh..wh..opq", "")},
			want:  map[string]string{"cache/new": "new", "cache/sub/new": "new", "gone/a": "a", "etc/f": "lower"},
		},
		{
			name:  "opaque marker twice",
			upper: []tarEntry{file("cache/.wh..wh..opq", ""), file("cache/new", "new"), file("cache/.wh..wh..opq", "")},
			want:  map[string]string{"cache/new": "new", "gone/a": "a", "etc/f": "lower"},
		},
		{
			name:  "file whiteout after the layer's own file",
			upper: []tarEntry{file("etc/f", "upper"), file("etc/.wh.f", "")},
			want:  map[string]string{"etc/f": "upper", "cache/old": "old", "cache/sub/old": "old", "cache/sub/keep-not": "x", "gone/a": "a"},
		},
		{
			name:  "directory whiteout after new files in it",
			upper: []tarEntry{file("gone/b", "b"), file(".wh.gone", "")},
			want:  map[string]string{"gone/b": "b", "etc/f": "lower", "cache/old": "old", "cache/sub/old": "old", "cache/sub/keep-not": "x"},
		},
		{
			name:  "root opaque",
			upper: []tarEntry{file("etc/f", "upper"), file(".wh..wh..opq", "")},
			want:  map[string]string{"etc/f": "upper"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			upper := layerTar(t, c.upper...)
			got, layerOf := extractLayers(t, lower, upper)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("extracted files (-want +got):\n%s", diff)
			}
			for p := range layerOf {
				if _, ok := got[p]; !ok {
					t.Errorf("LayerOf keeps %s, which is not in the image", p)
				}
			}
			for p := range got {
				want := digest(lower)
				if strings.Contains(c.want[p], "new") || c.want[p] == "upper" || p == "gone/b" {
					want = digest(upper)
				}
				if layerOf[p] != want {
					t.Errorf("LayerOf[%s] = %s, want %s", p, layerOf[p], want)
				}
			}
		})
	}
}

// TestExtractOverwriteMany overwrites and whites out many kept files: the cost of each must
// not grow with the number of kept files (it used to scan every kept path per removal).
func TestExtractOverwriteMany(t *testing.T) {
	const n = 300
	var l1, l2, l3 []tarEntry
	for i := range n {
		name := "d" + strings.Repeat("x", i%5) + "/" + strconv.Itoa(i)
		l1 = append(l1, file(name, "1"))
		l2 = append(l2, file(name, "2"))
		dir, base := path.Split(name)
		l3 = append(l3, file(dir+".wh."+base, ""))
	}
	got, layerOf := extractLayers(t, layerTar(t, l1...), layerTar(t, l2...))
	if len(got) != n || len(layerOf) != n {
		t.Fatalf("after overwrite: %d files, %d attributions; want %d", len(got), len(layerOf), n)
	}
	got, layerOf = extractLayers(t, layerTar(t, l1...), layerTar(t, l2...), layerTar(t, l3...))
	if len(got) != 0 || len(layerOf) != 0 {
		t.Fatalf("after whiteouts: %d files, %d attributions; want none", len(got), len(layerOf))
	}
}

func TestLongEntryName(t *testing.T) {
	long := strings.Repeat("a/", 3000) + "f"
	archive := filepath.Join(t.TempDir(), "image.tar")
	os.WriteFile(archive, dockerSave(t, nil, layerTar(t, file(long, "x"), file("ok", "y"))), 0o644)
	out := t.TempDir()
	img, err := Reader{}.Extract(context.Background(), archive, out, keepAll, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Errors) != 1 || !strings.Contains(img.Errors[0].Err, "limit 4096") {
		t.Errorf("errors = %v, want one for the long name", img.Errors)
	}
	if diff := cmp.Diff(map[string]string{"ok": "y"}, scratch(t, out)); diff != "" {
		t.Errorf("extracted files (-want +got):\n%s", diff)
	}
}

// TestLayerPadding reads a layer written by tar(1), which pads the archive with zero blocks to
// a 10 KiB record: the diff ID covers the padding, so it must be hashed too.
func TestLayerPadding(t *testing.T) {
	l := layerTar(t, file("etc/os-release", "ID=debian\n"))
	padded := append(l, make([]byte, 10240-len(l)%10240)...)
	got, _ := extractLayers(t, padded)
	if diff := cmp.Diff(map[string]string{"etc/os-release": "ID=debian\n"}, got); diff != "" {
		t.Errorf("extracted files (-want +got):\n%s", diff)
	}
}

func TestTruncatedArchive(t *testing.T) {
	full := dockerSave(t, nil, layerTar(t, file("etc/os-release", strings.Repeat("x", 4000))))
	archive := filepath.Join(t.TempDir(), "image.tar")
	os.WriteFile(archive, full[:3000], 0o644)
	_, err := Reader{}.Detect(archive)
	if !errors.Is(err, catalog.ErrMalformed) || !strings.Contains(err.Error(), "truncated") || strings.Contains(err.Error(), archive) {
		t.Errorf("Detect of a truncated archive: %v; want a malformed-file error saying it is truncated, without repeating the name", err)
	}
}

func TestExtractTotalLimit(t *testing.T) {
	defer func(old int64) { maxExtracted = old }(maxExtracted)
	maxExtracted = 10
	archive := filepath.Join(t.TempDir(), "image.tar")
	os.WriteFile(archive, dockerSave(t, nil, layerTar(t, file("a", "123456"), file("b", "123456"))), 0o644)
	_, err := Reader{}.Extract(context.Background(), archive, t.TempDir(), keepAll, nil)
	if !errors.Is(err, catalog.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge once 12 bytes are kept with a limit of 10", err)
	}
}
