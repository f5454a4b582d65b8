// Package web is Hallmark's browser interface: a single-page application in plain JavaScript
// modules and CSS, embedded in the binary (no build step, no framework, nothing fetched from
// elsewhere), that talks to the server's JSON API under /api/v1.
//
// Handler serves the assets under /assets/<hash>/, where hash is a digest of all the assets,
// so a browser may cache them for a year and a new build is fetched at once; every other
// path that is not an API path is answered with index.html, so the application's own
// routes (/artifacts/12, /advisories/GHSA-…) survive a reload. The pages need no inline
// script or style: they run under Content-Security-Policy default-src 'self'.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed assets
var embedded embed.FS

// securityHeaders are set on every answer the server has not already given them: they keep
// the pages safe when the handler is mounted elsewhere.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "same-origin",
	"X-Frame-Options":         "DENY",
}

// setSecurityHeaders sets the securityHeaders that h does not have yet (the server's own, if
// it set them, stand).
func setSecurityHeaders(h http.Header) {
	for k, v := range securityHeaders {
		if h.Get(k) == "" {
			h.Set(k, v)
		}
	}
}

// assetsPrefix is the URL path under which the versioned assets are served.
const assetsPrefix = "/assets/"

// bundle is the embedded application, read once.
type bundle struct {
	hash  string            // digest of every asset, the version in asset URLs
	files map[string][]byte // asset path (relative to assets/) → content
	etags map[string]string // asset path → strong ETag
	index []byte            // index.html with the asset URLs filled in
}

// Handler returns the handler of the web interface. Mount it at "/" after the API routes:
// it answers GET and HEAD only, 404 for paths under /api/, the versioned assets with long
// cache lifetimes, and index.html (not cached) for any other path. The handler also has the
// method ServeProblem(w, r, status, title, detail, retry): the server finds it through an
// interface and shows the failures of browser-facing routes (a failed sign-in) with it.
func Handler() http.Handler {
	b, err := load(embedded)
	if err != nil {
		// The assets are compiled in: this is a broken build, which the tests catch.
		msg := "web: loading embedded assets: " + err.Error()
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, msg, http.StatusInternalServerError)
		})
	}
	return b
}

// contentTypes are the media types of the assets, by file extension (not the system's
// mime.types, which varies between machines).
var contentTypes = map[string]string{
	".css":  "text/css; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
}

// load reads the assets of fsys (a tree with an assets/ directory holding index.html).
func load(fsys fs.FS) (*bundle, error) {
	b := &bundle{files: map[string][]byte{}, etags: map[string]string{}}
	all := sha256.New()
	err := fs.WalkDir(fsys, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, "assets/")
		sum := sha256.Sum256(data)
		b.files[rel] = data
		b.etags[rel] = `"` + hex.EncodeToString(sum[:8]) + `"`
		all.Write([]byte(rel))
		all.Write([]byte{0})
		all.Write(sum[:])
		return nil
	})
	if err != nil {
		return nil, err
	}
	index, ok := b.files["index.html"]
	if !ok {
		return nil, fs.ErrNotExist
	}
	b.hash = hex.EncodeToString(all.Sum(nil))[:16]
	b.index = bytes.ReplaceAll(index, []byte("{{ASSETS}}"), []byte(assetsPrefix+b.hash))
	return b, nil
}

// ServeHTTP implements http.Handler.
func (b *bundle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	setSecurityHeaders(h)
	p := r.URL.Path
	if p == "/api" || strings.HasPrefix(p, "/api/") {
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":"no such API route"}` + "\n"))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if rest, ok := strings.CutPrefix(p, assetsPrefix); ok {
		b.serveAsset(w, r, rest)
		return
	}
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(b.index))
}

// serveAsset serves rest, "<hash>/<file>". An asset asked for with the current hash may be
// cached forever; one asked for with another (an older page during a deployment) is served
// but must be revalidated.
func (b *bundle) serveAsset(w http.ResponseWriter, r *http.Request, rest string) {
	version, name, ok := strings.Cut(rest, "/")
	name = path.Clean("/" + name)[1:]
	data, found := b.files[name]
	if !ok || !found || name == "index.html" {
		http.Error(w, "no such asset", http.StatusNotFound)
		return
	}
	h := w.Header()
	if version == b.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", b.etags[name])
	if ct, ok := contentTypes[path.Ext(name)]; ok {
		h.Set("Content-Type", ct)
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}
