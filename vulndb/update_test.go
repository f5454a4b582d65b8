package vulndb

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// object is a file of the fake bucket.
type object struct {
	data    []byte
	etag    string
	modTime time.Time
	// hashData, when set, is what x-goog-hash is computed from (a corrupted announcement).
	hashData []byte
	noHash   bool
	// rawHash, when set, is sent as x-goog-hash instead.
	rawHash string
	// ignoreRanges answers every request with the whole file (200) while still advertising
	// "Accept-Ranges: bytes"; noRanges also leaves the header out.
	ignoreRanges, noRanges bool
	// chunked leaves Content-Length out.
	chunked bool
	// cutAfter, when > 0, aborts the body of the next response after that many bytes.
	cutAfter int
	// hang, when set, stops the body after cutAfter bytes until the channel is closed or the
	// request ends.
	hang chan struct{}
}

// bucket is an in-process fake of the OSV bucket: Go's http.ServeContent gives it real
// conditional-request and Range semantics (ETag, If-None-Match, If-Modified-Since,
// If-Range, 206, 416), and it sends x-goog-hash like Google Cloud Storage.
type bucket struct {
	mu       sync.Mutex // guards the fields below and the objects
	objects  map[string]*object
	requests []*http.Request
	served   int64 // body bytes written
	*httptest.Server
}

func newBucket(t *testing.T) *bucket {
	b := &bucket{objects: map[string]*object{}}
	b.Server = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.Close)
	return b
}

func (b *bucket) put(name string, o *object) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if o.modTime.IsZero() {
		o.modTime = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	}
	b.objects[name] = o
}

func (b *bucket) log() (reqs []*http.Request, served int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	reqs, served = b.requests, b.served
	b.requests, b.served = nil, 0
	return reqs, served
}

func (b *bucket) serve(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.requests = append(b.requests, r.Clone(context.Background()))
	o, ok := b.objects[strings.TrimPrefix(r.URL.Path, "/")]
	var cut int
	var hang chan struct{}
	if ok {
		cut, hang = o.cutAfter, o.hang
		o.cutAfter = 0
	}
	b.mu.Unlock()
	if !ok {
		http.Error(w, "<Error><Code>NoSuchKey</Code></Error>", http.StatusNotFound)
		return
	}
	if o.etag != "" {
		w.Header().Set("ETag", o.etag)
	}
	if o.rawHash != "" {
		w.Header().Set("X-Goog-Hash", o.rawHash)
	} else if !o.noHash {
		hd := o.data
		if o.hashData != nil {
			hd = o.hashData
		}
		sum := md5.Sum(hd)
		var crc [4]byte
		binary.BigEndian.PutUint32(crc[:], crc32.Checksum(hd, crc32.MakeTable(crc32.Castagnoli)))
		// GCS sends one header line per hash.
		w.Header().Add("X-Goog-Hash", "crc32c="+base64.StdEncoding.EncodeToString(crc[:]))
		w.Header().Add("X-Goog-Hash", "md5="+base64.StdEncoding.EncodeToString(sum[:]))
	}
	if o.ignoreRanges || o.noRanges {
		r.Header.Del("Range")
	}
	var ww http.ResponseWriter = &countingWriter{ResponseWriter: w, b: b, cut: cut, hang: hang, ctx: r.Context(), noRanges: o.noRanges, chunked: o.chunked}
	http.ServeContent(ww, r, "all.zip", o.modTime, bytes.NewReader(o.data))
}

type countingWriter struct {
	http.ResponseWriter
	b        *bucket
	n, cut   int
	hang     chan struct{}
	ctx      context.Context
	noRanges bool
	chunked  bool
}

func (w *countingWriter) WriteHeader(code int) {
	if w.noRanges {
		w.Header().Del("Accept-Ranges")
	}
	if w.chunked {
		w.Header().Del("Content-Length")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.cut > 0 && w.n+len(p) > w.cut {
		p = p[:w.cut-w.n]
		w.write(p)
		w.ResponseWriter.(http.Flusher).Flush()
		if w.hang != nil {
			select {
			case <-w.hang:
			case <-w.ctx.Done():
			}
		}
		panic(http.ErrAbortHandler) // drop the connection mid-body
	}
	return w.write(p)
}

func (w *countingWriter) write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n += n
	w.b.mu.Lock()
	w.b.served += int64(n)
	w.b.mu.Unlock()
	return n, err
}

// advisory returns an OSV advisory of ecosystem eco.
func advisory(id, eco, name, fixed, modified string) string {
	return `{"schema_version":"1.6.0","id":"` + id + `","modified":"` + modified + `","published":"2024-01-01T00:00:00Z",
 "summary":"test advisory","affected":[{"package":{"ecosystem":"` + eco + `","name":"` + name + `"},
 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"` + fixed + `"}]}]}]}`
}

// bigZip is a zip of n advisories whose JSON does not compress away, so it is large enough
// to cut in the middle.
func bigZip(t *testing.T, eco string, n int) []byte {
	files := map[string]string{}
	for i := range n {
		id := fmt.Sprintf("RUSTSEC-2024-%04d", i)
		doc := advisory(id, eco, "crate"+itoa(i), "1.0."+itoa(i), "2024-03-01T00:00:00Z")
		// A details field of varied text keeps the entry from compressing to nothing.
		doc = strings.Replace(doc, `"summary"`, `"details":"`+noise(i)+`","summary"`, 1)
		files[id+".json"] = doc
	}
	return zipOf(t, files)
}

func itoa(i int) string { return strconv.Itoa(i) }

func noise(seed int) string {
	var b strings.Builder
	x := uint32(seed*2654435761 + 1)
	for range 2000 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789 "[x%37])
	}
	return b.String()
}

func updateOpts(b *bucket, cache string, ecos ...string) UpdateOptions {
	return UpdateOptions{BaseURL: b.URL, Ecosystems: ecos, CacheDir: cache, Client: b.Client(), StallTimeout: 5 * time.Second}
}

// summary is what the tests compare of an EcosystemUpdate.
type summary struct {
	Eco                  string
	NotModified, Resumed bool
	Added, Updated       int
	Unchanged            int
	Err                  string
}

func summarize(rs []EcosystemUpdate) []summary {
	var out []summary
	for _, r := range rs {
		s := summary{Eco: r.Ecosystem, NotModified: r.NotModified, Resumed: r.Resumed}
		if r.Import != nil {
			s.Added, s.Updated, s.Unchanged = r.Import.Added, r.Import.Updated, r.Import.Unchanged
		}
		if r.Err != nil {
			s.Err = r.Err.Error()
		}
		out = append(out, s)
	}
	return out
}

// errContains compares Err by substring.
var errContains = cmp.Comparer(func(a, b summary) bool {
	ea, eb := a.Err, b.Err
	a.Err, b.Err = "", ""
	if a != b {
		return false
	}
	if ea == "" || eb == "" {
		return ea == eb
	}
	return strings.Contains(ea, eb) || strings.Contains(eb, ea)
})

func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestUpdateListConditionalAndChanged(t *testing.T) {
	ctx := context.Background()
	b := newBucket(t)
	b.put("ecosystems.txt", &object{data: []byte("crates.io\nRed Hat\nRed Hat:8\n\n")})
	crates := zipOf(t, map[string]string{
		"RUSTSEC-2024-0001.json": advisory("RUSTSEC-2024-0001", "crates.io", "hyper", "1.2.0", "2024-03-01T00:00:00Z"),
		"RUSTSEC-2024-0002.json": advisory("RUSTSEC-2024-0002", "crates.io", "tokio", "1.30.0", "2024-03-01T00:00:00Z"),
	})
	rh := zipOf(t, map[string]string{
		"RHSA-2024:0001.json": advisory("RHSA-2024:0001", "Red Hat:enterprise_linux:9::appstream", "openssl", "1:3.0.7-27.el9", "2024-03-01T00:00:00Z"),
	})
	b.put("crates.io/all.zip", &object{data: crates, etag: `"c1"`})
	b.put("Red Hat/all.zip", &object{data: rh, etag: `"r1"`})
	// "Red Hat:8" has no object: the base's all.zip holds its advisories, so it is skipped.

	db := open(t)
	cache := t.TempDir()
	var progress []UpdateProgress
	opts := updateOpts(b, cache)
	opts.Progress = func(p UpdateProgress) { progress = append(progress, p) }
	rs, err := db.Update(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []summary{{Eco: "crates.io", Added: 2}, {Eco: "Red Hat", Added: 1}}
	if diff := cmp.Diff(want, summarize(rs)); diff != "" {
		t.Fatalf("first update (-want +got):\n%s", diff)
	}
	if rs[1].URL != b.URL+"/Red%20Hat/all.zip" || rs[0].Size != int64(len(crates)) || rs[0].Downloaded != int64(len(crates)) {
		t.Errorf("URL %s, size %d, downloaded %d", rs[1].URL, rs[0].Size, rs[0].Downloaded)
	}
	last := progress[len(progress)-1]
	if last.Ecosystem != "Red Hat" || last.Bytes != int64(len(rh)) || last.Total != int64(len(rh)) {
		t.Errorf("last progress %+v", last)
	}
	if got := cacheFiles(t, cache); len(got) != 0 {
		t.Errorf("cache after the imports: %v", got)
	}
	reqs, _ := b.log()
	var paths []string
	for _, r := range reqs {
		paths = append(paths, r.URL.Path)
	}
	if diff := cmp.Diff([]string{"/ecosystems.txt", "/crates.io/all.zip", "/Red Hat/all.zip"}, paths); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	st, err := db.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, s := range st.Sources {
		sources = append(sources, s.Name)
	}
	if diff := cmp.Diff([]string{b.URL + "/Red%20Hat/all.zip", b.URL + "/crates.io/all.zip"}, sources); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	var etag, lastMod, checksum string
	db.st.SQL().QueryRow(`SELECT etag, last_modified, checksum FROM sources WHERE name = ?`, rs[0].URL).Scan(&etag, &lastMod, &checksum)
	if etag != `"c1"` || lastMod != "Sat, 01 Jun 2024 00:00:00 GMT" || !strings.HasPrefix(checksum, "md5:") || !strings.Contains(checksum, " crc32c:") {
		t.Errorf("stored validators %q %q %q", etag, lastMod, checksum)
	}

	// Second run: conditional requests, 304, nothing downloaded.
	rs, err = db.Update(ctx, updateOpts(b, cache, "crates.io", "Red Hat"))
	if err != nil {
		t.Fatal(err)
	}
	want = []summary{{Eco: "crates.io", NotModified: true}, {Eco: "Red Hat", NotModified: true}}
	if diff := cmp.Diff(want, summarize(rs)); diff != "" {
		t.Errorf("second update (-want +got):\n%s", diff)
	}
	reqs, served := b.log()
	if served != 0 || len(reqs) != 2 || reqs[0].Header.Get("If-None-Match") != `"c1"` || reqs[0].Header.Get("If-Modified-Since") == "" {
		t.Errorf("second update: %d bytes served, requests %v", served, reqs)
	}

	// A changed file is downloaded again; only the changed advisory is written.
	crates2 := zipOf(t, map[string]string{
		"RUSTSEC-2024-0001.json": advisory("RUSTSEC-2024-0001", "crates.io", "hyper", "1.2.1", "2024-04-01T00:00:00Z"),
		"RUSTSEC-2024-0002.json": advisory("RUSTSEC-2024-0002", "crates.io", "tokio", "1.30.0", "2024-03-01T00:00:00Z"),
	})
	b.put("crates.io/all.zip", &object{data: crates2, etag: `"c2"`, modTime: time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)})
	rs, err = db.Update(ctx, updateOpts(b, cache, "crates.io"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]summary{{Eco: "crates.io", Updated: 1, Unchanged: 1}}, summarize(rs)); diff != "" {
		t.Errorf("third update (-want +got):\n%s", diff)
	}
}

func TestUpdateResume(t *testing.T) {
	ctx := context.Background()
	b := newBucket(t)
	data := bigZip(t, "crates.io", 100)
	cut := len(data) / 2
	b.put("crates.io/all.zip", &object{data: data, etag: `"v1"`, cutAfter: cut})
	db := open(t)
	cache := t.TempDir()

	rs, err := db.Update(ctx, updateOpts(b, cache, "crates.io"))
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Err == nil || !strings.Contains(rs[0].Err.Error(), "the next update continues it") || !strings.Contains(rs[0].Err.Error(), rs[0].URL) {
		t.Fatalf("interrupted download: %v", rs[0].Err)
	}
	if st, err := os.Stat(filepath.Join(cache, "crates.io.zip.part")); err != nil || st.Size() != int64(cut) {
		t.Fatalf("partial file: %v, %v", st, err)
	}
	b.log()

	rs, err = db.Update(ctx, updateOpts(b, cache, "crates.io"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]summary{{Eco: "crates.io", Resumed: true, Added: 100}}, summarize(rs)); diff != "" {
		t.Errorf("resumed update (-want +got):\n%s", diff)
	}
	if rs[0].ResumedFrom != int64(cut) || rs[0].Downloaded != int64(len(data)-cut) || rs[0].Size != int64(len(data)) {
		t.Errorf("resumed from %d, downloaded %d of %d", rs[0].ResumedFrom, rs[0].Downloaded, rs[0].Size)
	}
	reqs, served := b.log()
	if len(reqs) != 1 || reqs[0].Header.Get("Range") != "bytes="+itoa(cut)+"-" || reqs[0].Header.Get("If-Range") != `"v1"` {
		t.Errorf("resume request headers: %v", reqs[0].Header)
	}
	if served != int64(len(data)-cut) {
		t.Errorf("served %d bytes, want %d", served, len(data)-cut)
	}
	if got := cacheFiles(t, cache); len(got) != 0 {
		t.Errorf("cache after the import: %v", got)
	}
}

func TestUpdateResumeChangedFile(t *testing.T) {
	// The file changed between the two runs: If-Range fails, the server sends the whole new
	// file (200) and the partial one is overwritten.
	ctx := context.Background()
	b := newBucket(t)
	old := bigZip(t, "crates.io", 60)
	b.put("crates.io/all.zip", &object{data: old, etag: `"v1"`, cutAfter: len(old) / 3})
	db := open(t)
	cache := t.TempDir()
	if rs, err := db.Update(ctx, updateOpts(b, cache, "crates.io")); err != nil || rs[0].Err == nil {
		t.Fatalf("interrupted download: %v %v", err, rs)
	}
	cur := bigZip(t, "crates.io", 80)
	b.put("crates.io/all.zip", &object{data: cur, etag: `"v2"`})
	b.log()
	rs, err := db.Update(ctx, updateOpts(b, cache, "crates.io"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]summary{{Eco: "crates.io", Added: 80}}, summarize(rs)); diff != "" {
		t.Errorf("update (-want +got):\n%s", diff)
	}
	if reqs, served := b.log(); reqs[0].Header.Get("If-Range") != `"v1"` || served != int64(len(cur)) {
		t.Errorf("If-Range %q, served %d of %d", reqs[0].Header.Get("If-Range"), served, len(cur))
	}
}

func TestUpdateWithoutRanges(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name      string
		o         object
		wantRange bool // the second request asks for the rest
		keptPart  bool // the interruption keeps the partial file
	}{
		// The server advertises ranges but ignores the Range header: the download restarts.
		{"ignores Range", object{ignoreRanges: true}, true, true},
		// No Accept-Ranges: the partial file is not kept; the next run starts again.
		{"no Accept-Ranges", object{noRanges: true}, false, false},
		// No validator (neither ETag nor Last-Modified) to make If-Range safe.
		{"no validator", object{}, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBucket(t)
			data := bigZip(t, "crates.io", 50)
			o := c.o
			o.data, o.cutAfter = data, len(data)/2
			if c.name != "no validator" {
				o.etag = `"v1"`
			} else {
				// ServeContent sends no Last-Modified for the Unix epoch.
				o.modTime = time.Unix(0, 0)
			}
			b.put("crates.io/all.zip", &o)
			db := open(t)
			cache := t.TempDir()
			rs, err := db.Update(ctx, updateOpts(b, cache, "crates.io"))
			if err != nil || rs[0].Err == nil {
				t.Fatalf("interrupted download: %v %+v", err, rs)
			}
			if got := len(cacheFiles(t, cache)) > 0; got != c.keptPart {
				t.Errorf("partial file kept: %v, want %v (%v)", got, c.keptPart, cacheFiles(t, cache))
			}
			b.log()
			rs, err = db.Update(ctx, updateOpts(b, cache, "crates.io"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]summary{{Eco: "crates.io", Added: 50}}, summarize(rs)); diff != "" {
				t.Errorf("update (-want +got):\n%s", diff)
			}
			reqs, served := b.log()
			if got := reqs[0].Header.Get("Range") != ""; got != c.wantRange {
				t.Errorf("Range sent: %v, want %v", got, c.wantRange)
			}
			if served != int64(len(data)) || rs[0].Downloaded != int64(len(data)) {
				t.Errorf("served %d, downloaded %d, want %d", served, rs[0].Downloaded, len(data))
			}
		})
	}
}

func TestUpdateFailuresDoNotStopOthers(t *testing.T) {
	ctx := context.Background()
	b := newBucket(t)
	good := zipOf(t, map[string]string{"GO-2024-0001.json": advisory("GO-2024-0001", "Go", "golang.org/x/net", "0.23.0", "2024-03-01T00:00:00Z")})
	b.put("Go/all.zip", &object{data: good, etag: `"g"`})
	b.put("PyPI/all.zip", &object{data: good, etag: `"p"`, hashData: []byte("something else")})
	b.put("npm/all.zip", &object{data: []byte("<html>maintenance</html>"), etag: `"n"`})
	db := open(t)
	cache := t.TempDir()
	rs, err := db.Update(ctx, updateOpts(b, cache, "PyPI", "Nope", "npm", "Go"))
	if err != nil {
		t.Fatal(err)
	}
	want := []summary{
		{Eco: "PyPI", Err: "/PyPI/all.zip: checksum mismatch: md5 "},
		{Eco: "Nope", Err: "/Nope/all.zip: HTTP 404 Not Found: is \"Nope\" an OSV ecosystem?"},
		{Eco: "npm", Err: "/npm/all.zip: the download is not a readable zip"},
		{Eco: "Go", Added: 1},
	}
	if diff := cmp.Diff(want, summarize(rs), errContains); diff != "" {
		t.Errorf("update (-want +got):\n%s", diff)
	}
	if !errors.Is(rs[0].Err, ErrChecksum) {
		t.Errorf("checksum error %v is not ErrChecksum", rs[0].Err)
	}
	if got := cacheFiles(t, cache); len(got) != 0 {
		t.Errorf("cache keeps %v", got)
	}
	// Failed ecosystems are not recorded: the next update downloads them again.
	var n int
	db.st.SQL().QueryRow(`SELECT COUNT(*) FROM sources`).Scan(&n)
	if n != 1 {
		t.Errorf("%d sources recorded, want 1", n)
	}

	// A corrupt CRC32C alone (no MD5) is caught too.
	b.put("PyPI/all.zip", &object{data: good, etag: `"p"`, rawHash: "crc32c=AAAAAA=="})
	rs, err = db.Update(ctx, updateOpts(b, cache, "PyPI"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || !errors.Is(rs[0].Err, ErrChecksum) || !strings.Contains(rs[0].Err.Error(), "crc32c") {
		t.Errorf("crc32c mismatch: %+v", rs)
	}
}

func TestUpdateWholeFailures(t *testing.T) {
	ctx := context.Background()
	b := newBucket(t)
	db := open(t)
	for _, c := range []struct {
		name string
		opts UpdateOptions
		want string
	}{
		{"no ecosystems.txt", updateOpts(b, t.TempDir()), "/ecosystems.txt: HTTP 404 Not Found: check --base-url, or name the ecosystems with --ecosystem"},
		{"bad base URL", UpdateOptions{BaseURL: "ftp://example.org", CacheDir: t.TempDir()}, `base URL "ftp://example.org": want http(s)://`},
		{"bad ecosystem", UpdateOptions{BaseURL: b.URL, Ecosystems: []string{"Go\n"}, CacheDir: t.TempDir()}, `ecosystem name "Go\n"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := db.Update(ctx, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
	b.put("ecosystems.txt", &object{data: []byte("\n\n")})
	if _, err := db.Update(ctx, updateOpts(b, t.TempDir())); err == nil || !strings.Contains(err.Error(), "lists no ecosystem") {
		t.Errorf("empty list: %v", err)
	}
}

func TestUpdateLimits(t *testing.T) {
	ctx := context.Background()
	b := newBucket(t)
	data := bigZip(t, "Go", 20)
	b.put("Go/all.zip", &object{data: data, etag: `"g"`})
	db := open(t)
	cache := t.TempDir()
	opts := updateOpts(b, cache, "Go")
	opts.MaxSize = 1000
	rs, err := db.Update(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rs[0].Err, ErrDownloadTooLarge) || !strings.Contains(rs[0].Err.Error(), "limit 1000") {
		t.Errorf("too large: %v", rs[0].Err)
	}
	if rs[0].Downloaded != 0 {
		t.Errorf("%d bytes downloaded although Content-Length is over the limit", rs[0].Downloaded)
	}
	if got := cacheFiles(t, cache); len(got) != 0 {
		t.Errorf("cache keeps %v", got)
	}

	// Without Content-Length the limit stops the body.
	b.put("Go/all.zip", &object{data: data, etag: `"g"`, chunked: true})
	rs, err = db.Update(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rs[0].Err, ErrDownloadTooLarge) || !strings.Contains(rs[0].Err.Error(), "more than 1000 bytes") || rs[0].Downloaded != 1001 {
		t.Errorf("too large, chunked: %v (%d bytes)", rs[0].Err, rs[0].Downloaded)
	}
	if got := cacheFiles(t, cache); len(got) != 0 {
		t.Errorf("cache keeps %v", got)
	}
}

func TestUpdateStall(t *testing.T) {
	ctx := context.Background()
	b := newBucket(t)
	data := bigZip(t, "Go", 20)
	hang := make(chan struct{})
	defer close(hang)
	b.put("Go/all.zip", &object{data: data, etag: `"g"`, cutAfter: 1000, hang: hang})
	db := open(t)
	opts := updateOpts(b, t.TempDir(), "Go")
	opts.StallTimeout = 300 * time.Millisecond
	start := time.Now()
	rs, err := db.Update(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rs[0].Err, ErrStalled) || !strings.Contains(rs[0].Err.Error(), "no data for 300ms") {
		t.Errorf("stalled download: %v", rs[0].Err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the stall was noticed after %s", d)
	}
}

func TestUpdateCancel(t *testing.T) {
	b := newBucket(t)
	data := bigZip(t, "Go", 20)
	hang := make(chan struct{})
	defer close(hang)
	b.put("Go/all.zip", &object{data: data, etag: `"g"`, cutAfter: 1000, hang: hang})
	b.put("PyPI/all.zip", &object{data: data, etag: `"p"`})
	db := open(t)
	cache := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := updateOpts(b, cache, "Go", "PyPI")
	opts.Progress = func(p UpdateProgress) {
		if p.Bytes >= 1000 {
			cancel()
		}
	}
	rs, err := db.Update(ctx, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Update after cancel: %v", err)
	}
	if len(rs) != 1 || rs[0].Ecosystem != "Go" {
		t.Errorf("results %+v: PyPI must not start after the cancel", summarize(rs))
	}
	// The partial file stays for the next run.
	if st, err := os.Stat(filepath.Join(cache, "Go.zip.part")); err != nil || st.Size() != 1000 {
		t.Errorf("partial file: %v %v", st, err)
	}
}

func TestFileNameAndHelpers(t *testing.T) {
	got := []string{fileName("crates.io"), fileName("Red Hat"), fileName("Debian:12"), fileName(".."), fileName("a/b")}
	want := []string{"crates.io", "Red%20Hat", "Debian%3A12", "%2E.", "a%2Fb"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fileName (-want +got):\n%s", diff)
	}
	if got := ecosystemURL("https://b", "Red Hat"); got != "https://b/Red%20Hat/all.zip" {
		t.Errorf("ecosystemURL = %s", got)
	}
	type cr struct {
		Start, Size int64
		OK          bool
	}
	for in, w := range map[string]cr{
		"bytes 10-19/20": {10, 20, true}, "bytes 10-19/*": {10, -1, true}, "bytes 10-19/19": {}, "bytes 19-10/30": {},
		"items 0-1/2": {}, "bytes 0-1": {}, "bytes x-1/2": {},
	} {
		s, n, ok := parseContentRange(in)
		if diff := cmp.Diff(w, cr{s, n, ok}, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("parseContentRange(%q): %s", in, diff)
		}
	}
	h := http.Header{}
	h.Add("X-Goog-Hash", "crc32c=n03x6A==, md5=Ojk9c3dhfxgoKVVHYwFbHQ==")
	h.Add("X-Goog-Hash", "sha1=bogus")
	if m, c := googHashes(h); m != "Ojk9c3dhfxgoKVVHYwFbHQ==" || c != "n03x6A==" {
		t.Errorf("googHashes = %q, %q", m, c)
	}
}

func TestUpdateRangeRejected(t *testing.T) {
	// A partial file left by an earlier run that the server will not continue (416, or a 206
	// for another range): the download starts again from the beginning.
	data := bigZip(t, "Go", 20)
	for _, c := range []struct {
		name  string
		reply func(w http.ResponseWriter)
	}{
		{"416", func(w http.ResponseWriter) {
			w.Header().Set("Content-Range", "bytes */"+itoa(len(data)))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		}},
		{"206 elsewhere", func(w http.ResponseWriter) {
			w.Header().Set("Content-Range", "bytes 0-9/"+itoa(len(data)))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(data[:10])
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ranges []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ranges = append(ranges, r.Header.Get("Range"))
				w.Header().Set("ETag", `"g"`)
				if r.Header.Get("Range") != "" {
					c.reply(w)
					return
				}
				http.ServeContent(w, r, "all.zip", time.Time{}, bytes.NewReader(data))
			}))
			defer srv.Close()
			cache := t.TempDir()
			part := filepath.Join(cache, "Go.zip.part")
			os.WriteFile(part, []byte("not the start of the file"), 0o644)
			writePartMeta(part+".json", &partMeta{URL: srv.URL + "/Go/all.zip", ETag: `"g"`, Size: int64(len(data)), Ranges: true})
			db := open(t)
			rs, err := db.Update(context.Background(), UpdateOptions{BaseURL: srv.URL, Ecosystems: []string{"Go"}, CacheDir: cache, Client: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]summary{{Eco: "Go", Added: 20}}, summarize(rs)); diff != "" {
				t.Errorf("update (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"bytes=25-", ""}, ranges); diff != "" {
				t.Errorf("Range headers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUpdateOnChanged: UpdateOptions.OnChanged runs in the transactions that store the
// downloaded advisories, as Import's option does: when it fails, the download is not recorded
// as imported and its advisories are not stored, so the next update imports them and the hook
// writes its rows then.
func TestUpdateOnChanged(t *testing.T) {
	ctx := context.Background()
	b := newBucket(t)
	b.put("crates.io/all.zip", &object{data: zipOf(t, map[string]string{
		"RUSTSEC-2024-0001.json": advisory("RUSTSEC-2024-0001", "crates.io", "hyper", "1.2.0", "2024-03-01T00:00:00Z"),
		"RUSTSEC-2024-0002.json": advisory("RUSTSEC-2024-0002", "crates.io", "tokio", "1.30.0", "2024-03-01T00:00:00Z"),
	}), etag: `"c1"`})
	db := open(t)
	cache := t.TempDir()
	down := errors.New("the queue is down")
	q := &queueIn{fail: []error{down}}
	opts := updateOpts(b, cache, "crates.io")
	opts.OnChanged = q.hook
	rs, err := db.Update(ctx, opts)
	if err != nil || len(rs) != 1 || !errors.Is(rs[0].Err, down) {
		t.Fatalf("update with a failing hook: %v, %+v; want the hook's error for crates.io", err, rs)
	}
	if got := ids(t, db, "advisories"); got != nil {
		t.Errorf("advisories stored by the failed update: %v", got)
	}
	if got := ids(t, db, "reevaluations"); got != nil {
		t.Errorf("the failed hook's rows were kept: %v", got)
	}
	q = &queueIn{}
	opts.OnChanged = q.hook
	rs, err = db.Update(ctx, opts)
	if err != nil || len(rs) != 1 || rs[0].Err != nil || rs[0].NotModified {
		t.Fatalf("second update: %v, %+v; want crates.io imported", err, rs)
	}
	want := []string{"RUSTSEC-2024-0001", "RUSTSEC-2024-0002"}
	if diff := cmp.Diff([][]string{want}, q.calls); diff != "" {
		t.Errorf("hook calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, ids(t, db, "reevaluations")); diff != "" {
		t.Errorf("rows the hook wrote (-want +got):\n%s", diff)
	}
}
