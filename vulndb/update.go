package vulndb

import (
	"archive/zip"
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultBaseURL is the public OSV bucket (https://google.github.io/osv.dev/data/#data-dumps):
// <base>/ecosystems.txt lists the ecosystems, <base>/<Ecosystem>/all.zip holds each one's
// advisories.
const DefaultBaseURL = "https://osv-vulnerabilities.storage.googleapis.com"

// Limits and defaults of an update.
const (
	// MaxDownloadSize bounds one downloaded file (the largest public all.zip, Debian's, is
	// well under 1 GiB).
	MaxDownloadSize = 4 << 30
	// DefaultStallTimeout is how long a download may receive nothing before it is abandoned.
	DefaultStallTimeout = 2 * time.Minute
	// maxEcosystemsList bounds ecosystems.txt, and maxEcosystems the names it may list.
	maxEcosystemsList = 1 << 20
	maxEcosystems     = 10_000
	maxEcosystemName  = 200
	maxPartMeta       = 64 << 10
)

// Errors of an update, wrapped with the URL they concern.
var (
	// ErrChecksum means a download does not match the hash the server sent (x-goog-hash).
	ErrChecksum = errors.New("checksum mismatch")
	// ErrDownloadTooLarge means a download is larger than the limit.
	ErrDownloadTooLarge = errors.New("download too large")
	// ErrStalled means a download received no data for the stall timeout.
	ErrStalled = errors.New("download stalled")
)

// UpdateOptions configure Update.
type UpdateOptions struct {
	// BaseURL is the bucket's address; DefaultBaseURL when empty.
	BaseURL string
	// Ecosystems to download; when empty, every ecosystem <BaseURL>/ecosystems.txt lists
	// (release variants such as "Debian:12" are left out when their base is listed: the
	// base's all.zip holds them).
	Ecosystems []string
	// CacheDir holds partial and finished downloads; DefaultCacheDir when empty.
	CacheDir string
	// Client makes the requests; nil means one with connection, TLS and response-header
	// timeouts (no overall timeout: large files take what they take, see StallTimeout).
	Client *http.Client
	// MaxSize bounds one file; MaxDownloadSize when 0.
	MaxSize int64
	// StallTimeout abandons a download that receives nothing for this long;
	// DefaultStallTimeout when 0.
	StallTimeout time.Duration
	// Progress, when set, is called as downloads and imports advance (often: throttle
	// drawing).
	Progress func(UpdateProgress)
	// OnChanged, when set, is called in every transaction that stores advisories, as the
	// Import option of that name: what it writes commits with them or not at all.
	OnChanged ChangedFunc
}

// UpdateProgress reports an update's advance.
type UpdateProgress struct {
	Ecosystem string
	// Importing is false while downloading (Bytes of Total, Total -1 when unknown) and true
	// while importing (Read advisories so far).
	Importing   bool
	Bytes       int64
	Total       int64
	Read        int
	ResumedFrom int64 // bytes of a partial download continued, else 0
}

// EcosystemUpdate is what Update did for one ecosystem.
type EcosystemUpdate struct {
	Ecosystem string
	URL       string
	// NotModified: the server said the file is unchanged since the last import (304).
	NotModified bool
	// Resumed: a partial download was continued; ResumedFrom bytes were already there.
	Resumed     bool
	ResumedFrom int64
	// Downloaded is the bytes received in this run; Size the whole file's.
	Downloaded int64
	Size       int64
	// Import is the import's statistics, nil when nothing was imported.
	Import *ImportStats
	// Err is why this ecosystem failed; the others go on.
	Err error
}

// DefaultCacheDir is hallmark/downloads in the user cache directory.
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory for downloads (pass --cache-dir): %w", err)
	}
	return filepath.Join(dir, "hallmark", "downloads"), nil
}

// NewHTTPClient returns the client Update uses by default: the default transport's proxy
// and dial settings with TLS-handshake and response-header timeouts, and no transparent
// decompression (hashes are over the bytes as stored).
func NewHTTPClient() *http.Client {
	var tr *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = dt.Clone()
	} else {
		tr = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	tr.TLSHandshakeTimeout = 15 * time.Second
	tr.ResponseHeaderTimeout = 60 * time.Second
	tr.DisableCompression = true
	return &http.Client{Transport: tr}
}

// Update downloads the OSV bucket's <Ecosystem>/all.zip files and imports them, skipping
// unchanged advisories. Each request is conditional on the ETag and Last-Modified date of
// the last import of that URL (304: nothing to do). Downloads go to CacheDir as
// <Ecosystem>.zip.part, continued with a Range request (If-Range on the validator) after an
// interruption when the server supports ranges, checked against the MD5 and CRC32C hashes
// of the x-goog-hash header when the server sends it, and renamed to <Ecosystem>.zip when
// complete; the file is deleted once imported.
//
// One ecosystem's failure is recorded in its EcosystemUpdate and the others go on. The error
// is for failures of the whole update: bad options, an unreadable ecosystems.txt, the
// context's end (the results so far are returned with it).
func (d *DB) Update(ctx context.Context, opts UpdateOptions) ([]EcosystemUpdate, error) {
	u, err := newUpdater(opts)
	if err != nil {
		return nil, err
	}
	ecos := opts.Ecosystems
	if len(ecos) == 0 {
		ecos, err = u.ecosystems(ctx)
		if err != nil {
			return nil, err
		}
	} else {
		for _, e := range ecos {
			if err := checkEcosystem(e); err != nil {
				return nil, err
			}
		}
	}
	if err := os.MkdirAll(u.cache, 0o755); err != nil {
		return nil, fmt.Errorf("creating the download directory: %w", err)
	}
	var out []EcosystemUpdate
	seen := map[string]bool{}
	for _, eco := range ecos {
		if seen[eco] {
			continue
		}
		seen[eco] = true
		if err := ctx.Err(); err != nil {
			return out, err
		}
		r := d.updateEcosystem(ctx, u, eco)
		if err := ctx.Err(); err != nil {
			return append(out, r), err
		}
		out = append(out, r)
	}
	// Advisories stored by a Hallmark older than briefs get theirs, even when no file changed.
	_, err = d.fillBriefs(ctx)
	return out, err
}

// updater holds an update's validated options.
type updater struct {
	base     string // without a trailing slash
	cache    string
	client   *http.Client
	max      int64
	stall    time.Duration
	progress func(UpdateProgress)
	// onChanged is UpdateOptions.OnChanged.
	onChanged ChangedFunc
}

func newUpdater(opts UpdateOptions) (*updater, error) {
	u := &updater{base: opts.BaseURL, cache: opts.CacheDir, client: opts.Client, max: opts.MaxSize, stall: opts.StallTimeout, progress: opts.Progress, onChanged: opts.OnChanged}
	if u.base == "" {
		u.base = DefaultBaseURL
	}
	pu, err := url.Parse(u.base)
	if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" || pu.RawQuery != "" || pu.Fragment != "" {
		return nil, fmt.Errorf("base URL %q: want http(s)://host[/path] of a bucket with <Ecosystem>/all.zip files", opts.BaseURL)
	}
	u.base = strings.TrimRight(u.base, "/")
	if u.cache == "" {
		if u.cache, err = DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	if u.client == nil {
		u.client = NewHTTPClient()
	}
	if u.max <= 0 {
		u.max = MaxDownloadSize
	}
	if u.stall <= 0 {
		u.stall = DefaultStallTimeout
	}
	if u.progress == nil {
		u.progress = func(UpdateProgress) {}
	}
	return u, nil
}

// URL returns the address of eco's all.zip under base.
func ecosystemURL(base, eco string) string {
	return base + "/" + url.PathEscape(eco) + "/all.zip"
}

func checkEcosystem(eco string) error {
	switch {
	case eco == "" || strings.TrimSpace(eco) != eco:
		return fmt.Errorf("ecosystem name %q: empty or with surrounding spaces", eco)
	case len(eco) > maxEcosystemName:
		return fmt.Errorf("ecosystem name %.40q…: longer than %d bytes", eco, maxEcosystemName)
	case !utf8.ValidString(eco) || strings.IndexFunc(eco, unicode.IsControl) >= 0:
		return fmt.Errorf("ecosystem name %q: invalid characters", eco)
	}
	return nil
}

// ecosystems reads <base>/ecosystems.txt: one name a line. Release variants ("Debian:12")
// are dropped when their base is listed.
func (u *updater) ecosystems(ctx context.Context) ([]string, error) {
	addr := u.base + "/ecosystems.txt"
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, addr, nil)
	if err != nil {
		return nil, err
	}
	setHeaders(req)
	wd := u.watch(cancel)
	defer wd.stop()
	resp, err := u.client.Do(req)
	if err != nil {
		return nil, u.netError(ctx, "reading the ecosystem list "+addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("reading the ecosystem list %s: HTTP %s: check --base-url, or name the ecosystems with --ecosystem", addr, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(wd.body(resp.Body), maxEcosystemsList+1))
	if err != nil {
		return nil, u.netError(ctx, "reading the ecosystem list "+addr, err)
	}
	if len(data) > maxEcosystemsList {
		return nil, fmt.Errorf("reading the ecosystem list %s: %w: more than %d bytes", addr, ErrDownloadTooLarge, maxEcosystemsList)
	}
	var names []string
	listed := map[string]bool{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || listed[line] {
			continue
		}
		if err := checkEcosystem(line); err != nil {
			return nil, fmt.Errorf("reading the ecosystem list %s: line %d: %w", addr, i+1, err)
		}
		if len(names) == maxEcosystems {
			return nil, fmt.Errorf("reading the ecosystem list %s: more than %d ecosystems", addr, maxEcosystems)
		}
		listed[line] = true
		names = append(names, line)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("reading the ecosystem list %s: it lists no ecosystem: check --base-url, or name the ecosystems with --ecosystem", addr)
	}
	out := names[:0]
	for _, n := range names {
		if base, _, ok := strings.Cut(n, ":"); ok && listed[base] {
			continue
		}
		out = append(out, n)
	}
	return out, nil
}

func setHeaders(req *http.Request) {
	req.Header.Set("User-Agent", "hallmark (+https://github.com/hallmark-dev/hallmark)")
	// Hashes are over the stored bytes: never let a transport decompress them.
	req.Header.Set("Accept-Encoding", "identity")
}

// updateEcosystem downloads and imports one ecosystem; errors go into the result.
func (d *DB) updateEcosystem(ctx context.Context, u *updater, eco string) EcosystemUpdate {
	r := EcosystemUpdate{Ecosystem: eco, URL: ecosystemURL(u.base, eco)}
	etag, lastMod, err := d.sourceValidators(ctx, r.URL)
	if err != nil {
		r.Err = fmt.Errorf("reading the state of %s: %w", r.URL, err)
		return r
	}
	dl, err := u.download(ctx, eco, r.URL, etag, lastMod)
	if dl != nil {
		r.NotModified, r.Resumed, r.ResumedFrom, r.Downloaded, r.Size = dl.notModified, dl.resumedFrom > 0, dl.resumedFrom, dl.downloaded, dl.size
	}
	if err != nil || r.NotModified {
		r.Err = err
		return r
	}
	stats, err := d.importDownload(ctx, u, eco, r.URL, dl)
	r.Import = stats
	if err != nil {
		r.Err = err
		return r
	}
	os.Remove(dl.path)
	return r
}

// sourceValidators returns the ETag and Last-Modified date of the last import of name.
func (d *DB) sourceValidators(ctx context.Context, name string) (etag, lastMod string, err error) {
	err = d.st.SQL().QueryRowContext(ctx, `SELECT COALESCE(etag, ''), COALESCE(last_modified, '') FROM sources WHERE name = ?`, name).Scan(&etag, &lastMod)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return etag, lastMod, err
}

// importDownload imports a verified download and records its validators under its URL.
func (d *DB) importDownload(ctx context.Context, u *updater, eco, addr string, dl *download) (*ImportStats, error) {
	// A file that is no zip at all (an error page served with 200) must not be recorded as
	// imported, or the next update would skip it as not modified.
	zr, err := zip.OpenReader(dl.path)
	if err != nil {
		os.Remove(dl.path)
		return nil, fmt.Errorf("%s: the download is not a readable zip (%v): check --base-url", addr, err)
	}
	zr.Close()
	im, err := d.newImporter(ctx, dl.path, func(p ImportProgress) {
		u.progress(UpdateProgress{Ecosystem: eco, Importing: true, Read: p.Read})
	})
	if err != nil {
		return nil, err
	}
	im.source = addr
	im.onChanged = u.onChanged
	// The validators are recorded with the last advisories, in the same transaction: a
	// failed import is never taken for an unchanged file by the next update.
	record := func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sources (name, imported_at, advisories, etag, last_modified, checksum) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET imported_at = excluded.imported_at, advisories = excluded.advisories,
			etag = excluded.etag, last_modified = excluded.last_modified, checksum = excluded.checksum`,
			addr, time.Now().UTC().Format(time.RFC3339), im.stats.Read, nullable(dl.etag), nullable(dl.lastModified), nullable(dl.checksum))
		return err
	}
	if err := im.load(ctx, func(p *producer) error { return p.zipFile(dl.path, eco+"/all.zip") }, record); err != nil {
		return &im.stats, fmt.Errorf("importing %s: %w", addr, err)
	}
	return &im.stats, nil
}

// download is a finished (or unmodified) download.
type download struct {
	notModified  bool
	path         string // the complete, verified file
	etag         string
	lastModified string
	checksum     string // "md5:<base64>" and/or "crc32c:<base64>", as verified
	resumedFrom  int64
	downloaded   int64
	size         int64
}

// partMeta describes a partial download, beside it as <name>.part.json: what a resumed
// request needs (the validator for If-Range) and the hashes the server announced.
type partMeta struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Size         int64  `json:"size"` // -1 when unknown
	Ranges       bool   `json:"ranges"`
	MD5          string `json:"md5,omitempty"`
	CRC32C       string `json:"crc32c,omitempty"`
}

// validator returns the If-Range value for the partial file, "" when it cannot be resumed.
func (m *partMeta) validator() string {
	if !m.Ranges {
		return ""
	}
	if m.ETag != "" && !strings.HasPrefix(m.ETag, "W/") {
		return m.ETag // If-Range needs a strong validator
	}
	return m.LastModified
}

// fileName maps an ecosystem to a file name: letters, digits, '-', '_' and inner dots as they
// are, every other byte as %XX ("Red Hat" → "Red%20Hat", "Debian:12" → "Debian%3A12").
func fileName(eco string) string {
	var b strings.Builder
	for i := 0; i < len(eco); i++ {
		c := eco[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' && i > 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// download fetches addr into the cache, continuing a partial file when it can. etag and
// lastMod are the last import's validators for a conditional request.
func (u *updater) download(ctx context.Context, eco, addr, etag, lastMod string) (*download, error) {
	final := filepath.Join(u.cache, fileName(eco)+".zip")
	part := final + ".part"
	metaPath := part + ".json"
	meta := readPartMeta(metaPath)
	var offset int64
	if st, err := os.Stat(part); err == nil && meta != nil && meta.URL == addr && meta.validator() != "" &&
		st.Mode().IsRegular() && st.Size() > 0 && (meta.Size < 0 || st.Size() < meta.Size) {
		offset = st.Size()
	} else {
		os.Remove(part)
		os.Remove(metaPath)
		meta = nil
	}
	dl, err := u.fetch(ctx, eco, addr, part, metaPath, meta, offset, etag, lastMod)
	if errors.Is(err, errRangeRejected) {
		// The partial file is no prefix the server will continue: start again.
		os.Remove(part)
		os.Remove(metaPath)
		dl, err = u.fetch(ctx, eco, addr, part, metaPath, nil, 0, etag, lastMod)
	}
	if err != nil || dl.notModified {
		return dl, err
	}
	if err := os.Rename(part, final); err != nil {
		return dl, fmt.Errorf("%s: keeping the download: %w", addr, err)
	}
	os.Remove(metaPath)
	dl.path = final
	return dl, nil
}

// errRangeRejected means the server refused a Range request (416) or answered another range.
var errRangeRejected = errors.New("range rejected")

// fetch makes one request and writes its body to part (appending after offset bytes when
// meta describes the partial file), then checks size and hashes.
func (u *updater) fetch(ctx context.Context, eco, addr, part, metaPath string, meta *partMeta, offset int64, etag, lastMod string) (*download, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, addr, nil)
	if err != nil {
		return nil, err
	}
	setHeaders(req)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastMod != "" {
		req.Header.Set("If-Modified-Since", lastMod)
	}
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
		req.Header.Set("If-Range", meta.validator())
	}
	wd := u.watch(cancel)
	defer wd.stop()
	resp, err := u.client.Do(req)
	if err != nil {
		return nil, u.netError(ctx, addr, err)
	}
	defer resp.Body.Close()

	dl := &download{}
	total := int64(-1)
	switch resp.StatusCode {
	case http.StatusNotModified:
		if etag == "" && lastMod == "" {
			return nil, fmt.Errorf("%s: HTTP %s to an unconditional request", addr, resp.Status)
		}
		dl.notModified = true
		return dl, nil
	case http.StatusOK:
		offset = 0
		total = resp.ContentLength
		meta = &partMeta{URL: addr, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Size: total,
			Ranges: strings.EqualFold(strings.TrimSpace(resp.Header.Get("Accept-Ranges")), "bytes")}
	case http.StatusPartialContent:
		if offset == 0 {
			return nil, fmt.Errorf("%s: HTTP %s to a request without Range", addr, resp.Status)
		}
		start, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != offset || meta.Size >= 0 && size >= 0 && size != meta.Size {
			return nil, errRangeRejected
		}
		total = size
		if total < 0 {
			total = meta.Size
		}
		meta.Size = total
	case http.StatusRequestedRangeNotSatisfiable:
		if offset > 0 {
			return nil, errRangeRejected
		}
		fallthrough
	default:
		return nil, statusError(addr, eco, resp)
	}
	if total > u.max {
		return nil, fmt.Errorf("%s: %w: %d bytes, limit %d", addr, ErrDownloadTooLarge, total, u.max)
	}
	// The hashes the server announces are of the whole object, in 200 and 206 replies alike.
	if md5sum, crc := googHashes(resp.Header); md5sum != "" || crc != "" {
		meta.MD5, meta.CRC32C = md5sum, crc
	}
	dl.etag, dl.lastModified = meta.ETag, meta.LastModified
	if err := writePartMeta(metaPath, meta); err != nil {
		return nil, fmt.Errorf("%s: writing %s: %w", addr, metaPath, err)
	}

	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if offset > 0 {
		flags = os.O_RDWR | os.O_APPEND
	}
	f, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: writing the download: %w", addr, err)
	}
	defer f.Close()
	md5h, crch := md5.New(), crc32.New(crc32.MakeTable(crc32.Castagnoli))
	hashes := io.MultiWriter(md5h, crch)
	if offset > 0 {
		// Hash the part already there: the announced hashes cover the whole file.
		n, err := io.Copy(hashes, io.NewSectionReader(f, 0, offset))
		if err != nil || n != offset {
			return nil, errRangeRejected
		}
		dl.resumedFrom = offset
	}
	pw := &progressWriter{p: UpdateProgress{Ecosystem: eco, Bytes: offset, Total: total, ResumedFrom: offset}, f: u.progress}
	pw.f(pw.p)
	n, err := io.Copy(io.MultiWriter(f, hashes, pw), io.LimitReader(wd.body(resp.Body), u.max-offset+1))
	wd.stop()
	dl.downloaded = n
	dl.size = offset + n
	if err == nil && dl.size > u.max {
		err = fmt.Errorf("%w: more than %d bytes", ErrDownloadTooLarge, u.max)
	}
	if err == nil && total >= 0 && dl.size != total {
		err = fmt.Errorf("%w: %d of %d bytes", io.ErrUnexpectedEOF, dl.size, total)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, ErrDownloadTooLarge) || meta.validator() == "" {
			os.Remove(part)
			os.Remove(metaPath)
			return dl, u.netError(ctx, addr, err)
		}
		return dl, fmt.Errorf("%w (%d bytes kept in %s: the next update continues it)", u.netError(ctx, addr, err), dl.size, part)
	}
	var sums []string
	for _, c := range []struct {
		name, want string
		h          hash.Hash
	}{{"md5", meta.MD5, md5h}, {"crc32c", meta.CRC32C, crch}} {
		if c.want == "" {
			continue
		}
		got := base64.StdEncoding.EncodeToString(c.h.Sum(nil))
		if got != c.want {
			os.Remove(part)
			os.Remove(metaPath)
			return dl, fmt.Errorf("%s: %w: %s %s, the server announced %s (x-goog-hash); the download was discarded: run the update again, and report it if it persists",
				addr, ErrChecksum, c.name, got, c.want)
		}
		sums = append(sums, c.name+":"+got)
	}
	dl.checksum = strings.Join(sums, " ")
	return dl, nil
}

// statusError explains an unexpected HTTP status.
func statusError(addr, eco string, resp *http.Response) error {
	switch resp.StatusCode {
	case http.StatusNotFound:
		return fmt.Errorf("%s: HTTP %s: is %q an OSV ecosystem? The bucket lists them in ecosystems.txt (names are case-sensitive)", addr, resp.Status, eco)
	case http.StatusForbidden, http.StatusUnauthorized:
		return fmt.Errorf("%s: HTTP %s: the bucket refuses access: check --base-url", addr, resp.Status)
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		return fmt.Errorf("%s: HTTP %s: the server is unavailable: try again later", addr, resp.Status)
	}
	return fmt.Errorf("%s: HTTP %s", addr, resp.Status)
}

// netError names the URL and explains a cancelled or stalled transfer.
func (u *updater) netError(ctx context.Context, what string, err error) error {
	if errors.Is(context.Cause(ctx), ErrStalled) {
		return fmt.Errorf("%s: %w: no data for %s: check the network or proxy (HTTPS_PROXY) and run the update again", what, ErrStalled, u.stall)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// parseContentRange reads "bytes START-END/SIZE" (SIZE "*" → -1).
func parseContentRange(s string) (start, size int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, sz, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start {
		return 0, 0, false
	}
	size = -1
	if sz != "*" {
		n, err := strconv.ParseInt(sz, 10, 64)
		if err != nil || n <= end {
			return 0, 0, false
		}
		size = n
	}
	return start, size, true
}

// googHashes reads the MD5 and CRC32C of Google Cloud Storage's x-goog-hash header(s):
// "crc32c=<base64>, md5=<base64>" (https://cloud.google.com/storage/docs/xml-api/reference-headers#xgooghash).
func googHashes(h http.Header) (md5sum, crc string) {
	for _, v := range h.Values("X-Goog-Hash") {
		for _, kv := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if !ok {
				continue
			}
			switch strings.ToLower(k) {
			case "md5":
				if b, err := base64.StdEncoding.DecodeString(val); err == nil && len(b) == md5.Size {
					md5sum = val
				}
			case "crc32c":
				if b, err := base64.StdEncoding.DecodeString(val); err == nil && len(b) == 4 {
					crc = val
				}
			}
		}
	}
	return md5sum, crc
}

func readPartMeta(p string) *partMeta {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	var m partMeta
	if err := json.NewDecoder(io.LimitReader(f, maxPartMeta)).Decode(&m); err != nil {
		return nil
	}
	return &m
}

func writePartMeta(p string, m *partMeta) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// progressWriter reports the bytes written through it.
type progressWriter struct {
	p UpdateProgress
	f func(UpdateProgress)
}

func (w *progressWriter) Write(b []byte) (int, error) {
	w.p.Bytes += int64(len(b))
	w.f(w.p)
	return len(b), nil
}

// watchdog cancels a request when it waits for the response or for data of its body for
// longer than the stall timeout.
type watchdog struct {
	r     io.Reader
	timer *time.Timer
	d     time.Duration
}

// watch starts a watchdog before the request is sent; body hands it the response body.
func (u *updater) watch(cancel context.CancelCauseFunc) *watchdog {
	return &watchdog{d: u.stall, timer: time.AfterFunc(u.stall, func() { cancel(ErrStalled) })}
}

// body returns r watched: every read that brings data restarts the timer.
func (w *watchdog) body(r io.Reader) io.Reader {
	w.r = r
	w.timer.Reset(w.d)
	return w
}

func (w *watchdog) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 {
		w.timer.Reset(w.d)
	}
	return n, err
}

func (w *watchdog) stop() { w.timer.Stop() }
