package provenance

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRepositoryURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://github.com/o/r.git":                       "https://github.com/o/r",
		"https://x-access-token:ghs_s3cr3t@github.com/o/r": "https://github.com/o/r",
		"git@github.com:o/r.git":                           "https://github.com/o/r",
		"ssh://git@gitlab.example.com:2222/g/p.git":        "https://gitlab.example.com/g/p",
		"/srv/git/app.git":                                 "/srv/git/app",
		"file:///srv/git/app":                              "file:///srv/git/app",
		// url.Parse refuses these; the credentials must go all the same.
		"https://user:tok%zz@github.com/o/r.git":  "https://github.com/o/r",
		"https://u:p@ss%@github.com/o/r?t=secret": "https://github.com/o/r",
	} {
		if got := RepositoryURL(in); got != want {
			t.Errorf("RepositoryURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReadGitSource makes a real checkout with a remote, a tag and a change.
func TestReadGitSource(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if g, err := ReadGitSource(ctx, dir); g != nil || err != nil {
		t.Fatalf("not a checkout: %+v, %v", g, err)
	}
	run("init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	run("add", "f")
	run("commit", "-q", "-m", "one")
	run("remote", "add", "origin", "https://user:token@example.com/o/r.git")
	commit, _ := git(ctx, dir, "rev-parse", "HEAD")

	g, err := ReadGitSource(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := &GitSource{Repository: "https://example.com/o/r", Ref: "refs/heads/main", Commit: commit}
	if d := cmp.Diff(want, g); d != "" {
		t.Errorf("branch (-want +got):\n%s", d)
	}

	run("tag", "v1.0.0")
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("2"), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err = ReadGitSource(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	want = &GitSource{Repository: "https://example.com/o/r", Ref: "refs/tags/v1.0.0", Commit: commit, Dirty: true}
	if d := cmp.Diff(want, g); d != "" {
		t.Errorf("tag, dirty (-want +got):\n%s", d)
	}
}
