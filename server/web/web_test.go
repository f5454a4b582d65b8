package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// answer is what a test compares of a response.
type answer struct {
	Status       int
	ContentType  string
	CacheControl string
	IsIndex      bool
}

func TestHandler(t *testing.T) {
	b, err := load(embedded)
	if err != nil {
		t.Fatal(err)
	}
	current := assetsPrefix + b.hash
	tests := []struct {
		name   string
		method string
		path   string
		want   answer
	}{
		{"root", "GET", "/", answer{200, "text/html; charset=utf-8", "no-cache", true}},
		{"client route", "GET", "/artifacts/12", answer{200, "text/html; charset=utf-8", "no-cache", true}},
		{"advisory route", "GET", "/advisories/GHSA-xxxx-yyyy-zzzz", answer{200, "text/html; charset=utf-8", "no-cache", true}},
		{"head", "HEAD", "/artifacts", answer{200, "text/html; charset=utf-8", "no-cache", false}},
		{"script", "GET", current + "/js/app.js", answer{200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", false}},
		{"style", "GET", current + "/app.css", answer{200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", false}},
		{"icon", "GET", current + "/icon.svg", answer{200, "image/svg+xml", "public, max-age=31536000, immutable", false}},
		{"older version", "GET", "/assets/0123456789abcdef/js/app.js", answer{200, "text/javascript; charset=utf-8", "no-cache", false}},
		{"missing asset", "GET", current + "/js/nope.js", answer{404, "text/plain; charset=utf-8", "", false}},
		{"index as asset", "GET", current + "/index.html", answer{404, "text/plain; charset=utf-8", "", false}},
		{"no version", "GET", "/assets/app.css", answer{404, "text/plain; charset=utf-8", "", false}},
		{"dot segments", "GET", current + "/js/../../../web.go", answer{404, "text/plain; charset=utf-8", "", false}},
		{"api", "GET", "/api/v1/nothing", answer{404, "application/json", "", false}},
		{"api root", "GET", "/api", answer{404, "application/json", "", false}},
		{"post", "POST", "/artifacts", answer{405, "text/plain; charset=utf-8", "", false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			rec := httptest.NewRecorder()
			Handler().ServeHTTP(rec, req)
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			got := answer{
				Status:       res.StatusCode,
				ContentType:  res.Header.Get("Content-Type"),
				CacheControl: res.Header.Get("Cache-Control"),
				IsIndex:      strings.Contains(string(body), `<main id="main"`),
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s %s (-want +got):\n%s", tt.method, tt.path, diff)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
		})
	}
}

// TestIndexLinks checks that every asset index.html names is served, under the current hash.
func TestIndexLinks(t *testing.T) {
	h := Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	refs := regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`).FindAllStringSubmatch(rec.Body.String(), -1)
	if len(refs) < 3 {
		t.Fatalf("index.html names %d assets, want at least 3 (icon, style, script):\n%s", len(refs), rec.Body.String())
	}
	for _, m := range refs {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", m[1], nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s: %d, Cache-Control %q", m[1], rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
}

// TestConditional checks that a cached asset is revalidated by its ETag.
func TestConditional(t *testing.T) {
	b, err := load(embedded)
	if err != nil {
		t.Fatal(err)
	}
	p := assetsPrefix + b.hash + "/app.css"
	req := httptest.NewRequest("GET", p, nil)
	req.Header.Set("If-None-Match", b.etags["app.css"])
	rec := httptest.NewRecorder()
	b.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("GET %s with its ETag: %d, want 304", p, rec.Code)
	}
}

// TestVersionFollowsContent checks that changing any asset changes the version in the URLs.
func TestVersionFollowsContent(t *testing.T) {
	one := fstest.MapFS{
		"assets/index.html": {Data: []byte(`<script src="{{ASSETS}}/a.js"></script>`)},
		"assets/a.js":       {Data: []byte("1")},
	}
	two := fstest.MapFS{
		"assets/index.html": one["assets/index.html"],
		"assets/a.js":       {Data: []byte("2")},
	}
	b1, err := load(one)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := load(two)
	if err != nil {
		t.Fatal(err)
	}
	if b1.hash == b2.hash {
		t.Errorf("same version %q for different assets", b1.hash)
	}
	if want := `<script src="/assets/` + b1.hash + `/a.js"></script>`; string(b1.index) != want {
		t.Errorf("index = %s, want %s", b1.index, want)
	}
	if _, err := load(fstest.MapFS{"assets/a.js": {Data: []byte("1")}}); err == nil {
		t.Error("load without index.html: no error")
	}
}

// TestNoInline checks the rule the Content-Security-Policy enforces: no inline script, style
// or event handler in the markup, and nothing loaded from another origin.
func TestNoInline(t *testing.T) {
	bad := regexp.MustCompile(`(?i)<script(?:\s+type="module")?>|<style|\sstyle=|\son[a-z]+=|(?:src|href)="(?:https?:)?//|innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function`)
	err := fs.WalkDir(embedded, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(embedded, p)
		if err != nil {
			return err
		}
		if m := bad.Find(data); m != nil {
			t.Errorf("%s: %q is not allowed (the pages run under default-src 'self' and never parse data as HTML)", p, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestServerHeadersStand checks that the handler keeps the security headers a server set
// before calling it, and adds those it did not set.
func TestServerHeadersStand(t *testing.T) {
	h := Handler()
	server := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:")
		h.ServeHTTP(w, r)
	})
	rec := httptest.NewRecorder()
	server.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	got := map[string]string{
		"Content-Security-Policy": rec.Header().Get("Content-Security-Policy"),
		"X-Content-Type-Options":  rec.Header().Get("X-Content-Type-Options"),
	}
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; img-src 'self' data:",
		"X-Content-Type-Options":  "nosniff",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if n := len(rec.Header().Values("Content-Security-Policy")); n != 1 {
		t.Errorf("%d Content-Security-Policy headers, want 1", n)
	}
}

// FuzzHandler checks that no path makes the handler fail, and that under /assets/ only the
// embedded assets are ever served.
func FuzzHandler(f *testing.F) {
	b, err := load(embedded)
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range []string{"/", "/artifacts/1", "/assets/" + b.hash + "/js/app.js", "/assets/x/../../web.go", "/assets//", "/api/v1", "/%2e%2e/"} {
		f.Add("GET", p)
	}
	f.Fuzz(func(t *testing.T, method, p string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.Method = method
		req.URL.Path = p
		rec := httptest.NewRecorder()
		b.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotModified, http.StatusRequestedRangeNotSatisfiable:
		default:
			t.Fatalf("%s %q: status %d", method, p, rec.Code)
		}
		if rest, ok := strings.CutPrefix(p, assetsPrefix); ok && rec.Code == http.StatusOK && (method == "GET" || method == "HEAD") {
			_, name, _ := strings.Cut(rest, "/")
			served := false
			for _, data := range b.files {
				served = served || (method == "HEAD" || string(data) == rec.Body.String())
			}
			if !served || strings.Contains(rec.Body.String(), "package web") {
				t.Fatalf("GET %q (%q) served something that is not an asset", p, name)
			}
		}
	})
}

func TestServeProblem(t *testing.T) {
	b, err := load(embedded)
	if err != nil {
		t.Fatal(err)
	}
	long := "x" + strings.Repeat("é", maxProblemText) // 2 bytes each: the cut falls inside a rune
	for _, tc := range []struct {
		name, method, detail, retry string
		want, not                   []string
	}{
		{"page", "GET", "The <provider> said no.", "/auth/login",
			[]string{"<title>Sign-in failed · Hallmark</title>", `href="` + assetsPrefix + b.hash + `/app.css"`, "The &lt;provider&gt; said no.",
				`<a class="button" href="/auth/login">Try again</a>`, `<a href="/">Back to Hallmark</a>`},
			[]string{"<script", "style="}},
		{"no retry", "GET", "d", "", nil, []string{"Try again"}},
		{"another site", "GET", "d", "//evil.example/", nil, []string{"Try again", "evil"}},
		{"backslash", "GET", "d", `/\evil.example/`, nil, []string{"Try again", "evil"}},
		{"absolute", "GET", "d", "https://evil.example/", nil, []string{"Try again", "evil"}},
		{"long detail", "GET", long, "", []string{"x" + strings.Repeat("é", maxProblemText/2-1) + "…"}, []string{strings.Repeat("é", maxProblemText/2)}},
		{"head", "HEAD", "d", "/auth/login", nil, []string{"<"}},
	} {
		w := httptest.NewRecorder()
		b.ServeProblem(w, httptest.NewRequest(tc.method, "/auth/callback", nil), http.StatusUnauthorized, "Sign-in failed", tc.detail, tc.retry)
		got := answer{Status: w.Code, ContentType: w.Header().Get("Content-Type"), CacheControl: w.Header().Get("Cache-Control")}
		if diff := cmp.Diff(answer{http.StatusUnauthorized, "text/html; charset=utf-8", "no-store", false}, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
		if w.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("%s: no Content-Security-Policy", tc.name)
		}
		body := w.Body.String()
		for _, s := range tc.want {
			if !strings.Contains(body, s) {
				t.Errorf("%s: the page lacks %q:\n%s", tc.name, s, body)
			}
		}
		for _, s := range tc.not {
			if strings.Contains(body, s) {
				t.Errorf("%s: the page has %q:\n%s", tc.name, s, body)
			}
		}
	}
}
