package cli_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/internal/cli"
)

// osvZip is an all.zip of the OSV bucket layout holding one advisory per id.
func osvZip(t *testing.T, eco, name, modified string, ids ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, id := range ids {
		w, err := zw.Create(id + ".json")
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(`{"schema_version":"1.6.0","id":"` + id + `","modified":"` + modified + `","published":"2024-01-01T00:00:00Z",
 "summary":"test advisory","affected":[{"package":{"ecosystem":"` + eco + `","name":"` + name + `"},
 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0.0"}]}]}]}`))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDBUpdate runs 'hallmark db update' against an in-process bucket: a full download, a
// second run that finds nothing modified, and a failing ecosystem that leaves the others
// imported and the exit status 1.
func TestDBUpdate(t *testing.T) {
	files := map[string][]byte{
		"/ecosystems.txt":    []byte("PyPI\ncrates.io\n"),
		"/PyPI/all.zip":      osvZip(t, "PyPI", "jinja2", "2024-03-01T00:00:00Z", "PYSEC-2024-1", "GHSA-h5c8-rqwp-cp95"),
		"/crates.io/all.zip": osvZip(t, "crates.io", "hyper", "2024-03-01T00:00:00Z", "RUSTSEC-2024-0001"),
	}
	var mu sync.Mutex // guards files and gets
	gets := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		data, ok := files[r.URL.Path]
		gets++
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", fmt.Sprintf(`"%x"`, md5.Sum(data)))
		http.ServeContent(w, r, "all.zip", time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), bytes.NewReader(data))
	}))
	defer srv.Close()

	dir := t.TempDir()
	db := filepath.Join(dir, "osv.db")
	cache := filepath.Join(dir, "downloads")
	run := func(args ...string) (int, string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
		code := env.Main(context.Background(), append([]string{"db", "update", "--db", db, "--cache-dir", cache, "--base-url", srv.URL}, args...))
		return code, stdout.String(), stderr.String()
	}

	code, stdout, stderr := run()
	if code != cli.ExitOK || stderr != "" {
		t.Fatalf("first update: exit %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		"PyPI: downloaded ", ", 2 read, 2 added, 0 updated, 0 unchanged, 0 withdrawn, 0 malformed, 0 unparsed versions\n",
		"crates.io: downloaded ", ", 1 read, 1 added,",
		"database: " + db,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("first update: stdout lacks %q:\n%s", want, stdout)
		}
	}

	code, stdout, stderr = run("--ecosystem", "PyPI", "--ecosystem", "crates.io")
	if code != cli.ExitOK || stderr != "" || !strings.Contains(stdout, "PyPI: not modified\ncrates.io: not modified\n") {
		t.Errorf("second update: exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	// A changed file and a missing ecosystem: the change is imported, the failure listed.
	mu.Lock()
	files["/PyPI/all.zip"] = osvZip(t, "PyPI", "jinja2", "2024-05-01T00:00:00Z", "PYSEC-2024-1", "GHSA-h5c8-rqwp-cp95", "PYSEC-2024-2")
	mu.Unlock()
	code, stdout, stderr = run("--ecosystem", "Nope", "--ecosystem", "PyPI", "--quiet")
	if code != cli.ExitError || stdout != "" {
		t.Errorf("update with a failure: exit %d, stdout:\n%s", code, stdout)
	}
	wantErr := "hallmark: db update: 1 of 2 ecosystems failed (the others were imported; run the update again to retry):\n  Nope: " + srv.URL + "/Nope/all.zip: HTTP 404 Not Found: is \"Nope\" an OSV ecosystem?"
	if !strings.HasPrefix(stderr, wantErr) {
		t.Errorf("stderr:\n%s\nwant it to start with:\n%s", stderr, wantErr)
	}
	code, stdout, _ = run("--ecosystem", "PyPI")
	if code != cli.ExitOK || !strings.Contains(stdout, "PyPI: not modified") {
		t.Errorf("the changed file was not recorded: exit %d, stdout:\n%s", code, stdout)
	}

	// db status lists the downloaded URLs as sources.
	var out, errb bytes.Buffer
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := env.Main(context.Background(), []string{"db", "status", "--db", db}); code != cli.ExitOK {
		t.Fatalf("db status: exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"advisories: 4 (0 withdrawn)", srv.URL + "/PyPI/all.zip  3 advisories", srv.URL + "/crates.io/all.zip  1 advisories"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("db status lacks %q:\n%s", want, out.String())
		}
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Errorf("downloads left in the cache: %v", entries)
	}
}

func TestDBUpdateUsage(t *testing.T) {
	for _, c := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"db", "update", "PyPI"}, cli.ExitUsage, `unexpected argument "PyPI"`},
		{[]string{"db", "update", "--ecosystem", " "}, cli.ExitUsage, "empty --ecosystem"},
		{[]string{"db", "update", "--bogus"}, cli.ExitUsage, "flag provided but not defined"},
		{[]string{"db", "update", "--help"}, cli.ExitOK, ""},
	} {
		var stdout, stderr bytes.Buffer
		env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
		code := env.Main(context.Background(), c.args)
		if code != c.code || !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("hallmark %q: exit %d, stderr %q; want %d, %q", c.args, code, stderr.String(), c.code, c.stderr)
		}
	}
	// A bad base URL is an error naming it.
	var stdout, stderr bytes.Buffer
	dir := t.TempDir()
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	code := env.Main(context.Background(), []string{"db", "update", "--db", filepath.Join(dir, "osv.db"), "--cache-dir", dir, "--base-url", "ftp://x"})
	if code != cli.ExitError || !strings.Contains(stderr.String(), `base URL "ftp://x"`) {
		t.Errorf("bad base URL: exit %d, stderr %q", code, stderr.String())
	}
}
