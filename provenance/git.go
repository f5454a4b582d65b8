package provenance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// ReadGitSource describes the git checkout dir is in: its origin remote (without credentials),
// HEAD's commit, the tag at HEAD or else the branch, and whether the work tree has changes.
// It returns nil and no error when dir is not in a checkout or git is not installed.
func ReadGitSource(ctx context.Context, dir string) (*GitSource, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, nil
	}
	top, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, nil // not a checkout
	}
	commit, err := git(ctx, dir, "rev-parse", "--verify", "HEAD")
	if err != nil {
		return nil, nil // a repository without commits
	}
	g := &GitSource{Commit: commit}
	if remote, err := git(ctx, dir, "remote", "get-url", "origin"); err == nil && remote != "" {
		g.Repository = RepositoryURL(remote)
	} else {
		g.Repository = (&url.URL{Scheme: "file", Path: filepath.ToSlash(top)}).String()
	}
	if tags, err := git(ctx, dir, "tag", "--points-at", "HEAD"); err == nil && tags != "" {
		list := strings.Fields(tags)
		sort.Strings(list)
		g.Ref = "refs/tags/" + list[0]
	} else if ref, err := git(ctx, dir, "symbolic-ref", "-q", "HEAD"); err == nil {
		g.Ref = ref
	}
	status, err := git(ctx, dir, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return nil, err
	}
	g.Dirty = status != ""
	return g, nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), strings.TrimSpace(errOut.String()))
		}
		return "", err
	}
	return strings.TrimSpace(out.String()), nil
}

var scpLike = regexp.MustCompile(`^(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):([^/].*)$`)

// RepositoryURL turns a git remote into the repository URL written into provenance: user
// names, passwords and tokens are removed, scp-like remotes ("git@github.com:o/r.git") become
// https URLs, and a trailing ".git" is dropped.
func RepositoryURL(remote string) string {
	if m := scpLike.FindStringSubmatch(remote); m != nil && !strings.Contains(remote, "://") {
		return "https://" + m[1] + "/" + strings.TrimSuffix(m[2], ".git")
	}
	u, err := url.Parse(remote)
	if err != nil && strings.Contains(remote, "://") {
		// A URL Go cannot parse (a password with a stray '%', say) still must not carry its
		// credentials into the provenance: keep the scheme, host and path by hand.
		return stripUserinfo(remote)
	}
	if err != nil || u.Scheme == "" {
		return strings.TrimSuffix(remote, ".git")
	}
	u.User = nil
	u.RawQuery, u.Fragment = "", ""
	if u.Scheme == "ssh" || u.Scheme == "git" {
		u.Scheme = "https"
		u.Host = u.Hostname()
	}
	u.Path = strings.TrimSuffix(u.Path, ".git")
	u.RawPath = ""
	return u.String()
}

// stripUserinfo removes the user information, query and fragment of a URL url.Parse refuses.
func stripUserinfo(remote string) string {
	scheme, rest, _ := strings.Cut(remote, "://")
	rest, _, _ = strings.Cut(rest, "#")
	rest, _, _ = strings.Cut(rest, "?")
	authority, path, hasPath := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		authority = authority[at+1:]
	}
	out := scheme + "://" + authority
	if hasPath {
		out += "/" + strings.TrimSuffix(path, ".git")
	}
	return out
}
