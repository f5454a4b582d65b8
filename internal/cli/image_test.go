package cli_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/cli"
)

// dpkgStatus is a trimmed real /var/lib/dpkg/status paragraph from Debian 12.
const dpkgStatus = `Package: base-files
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 341
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Multi-Arch: foreign
Version: 12.4+deb12u5
Replaces: base, dpkg (<= 1.15.0), miscutils
Provides: base
Pre-Depends: awk
Breaks: debian-security-support (<< 2019.04.25), initscripts (<< 2.88dsf-13.3), sendfile (<< 2.1b.20080616-5.2~)
Conffiles:
 /etc/debian_version 2de0b5b6ea4a3c7fe6a2ec36a3e8ab4f
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy of a Debian system, and
 several important miscellaneous files, such as /etc/debian_version,
 /etc/host.conf, /etc/issue, /etc/motd, /etc/profile, and others,
 and the text of several common licenses in use on Debian systems.

`

const osRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`

func tarBytes(t *testing.T, files map[string]string, order ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range order {
		body := files[name]
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}
		if strings.HasPrefix(body, "->") {
			h = &tar.Header{Name: name, Mode: 0o777, Linkname: strings.TrimPrefix(body, "->"), Typeflag: tar.TypeSymlink}
			body = ""
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// TestSBOMImage runs hallmark sbom on a docker save archive with two layers: an OS layer and
// an application layer whose requirements.txt replaces one from the first layer.
func TestSBOMImage(t *testing.T) {
	l1 := tarBytes(t, map[string]string{
		"usr/lib/os-release":    osRelease,
		"etc/os-release":        "->../usr/lib/os-release",
		"var/lib/dpkg/status":   dpkgStatus,
		"app/requirements.txt":  "flask==2.0.0\n",
		"app/old/Gemfile.stale": "x",
	}, "usr/lib/os-release", "etc/os-release", "var/lib/dpkg/status", "app/requirements.txt", "app/old/Gemfile.stale")
	l2 := tarBytes(t, map[string]string{
		"app/requirements.txt": "flask==2.2.2\n",
	}, "app/requirements.txt")
	cfg, _ := json.Marshal(map[string]any{"rootfs": map[string]any{"type": "layers", "diff_ids": []string{sha(l1), sha(l2)}}})
	cfgName := strings.TrimPrefix(sha(cfg), "sha256:") + ".json"
	manifest, _ := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": []string{"example/app:1"}, "Layers": []string{"l1/layer.tar", "l2/layer.tar"}}})
	archive := tarBytes(t, map[string]string{
		"manifest.json": string(manifest), cfgName: string(cfg), "l1/layer.tar": string(l1), "l2/layer.tar": string(l2),
	}, "l1/layer.tar", "l2/layer.tar", cfgName, "manifest.json")
	path := filepath.Join(t.TempDir(), "image.tar")
	if err := os.WriteFile(path, archive, 0o644); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), []string{"sbom", "--format", "cyclonedx-json", path}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var bom struct {
		Metadata struct {
			Component struct {
				Type string `json:"type"`
			} `json:"component"`
		} `json:"metadata"`
		Components []struct {
			Name       string                         `json:"name"`
			Version    string                         `json:"version"`
			PURL       string                         `json:"purl"`
			Type       string                         `json:"type"`
			Properties []struct{ Name, Value string } `json:"properties"`
		} `json:"components"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &bom); err != nil {
		t.Fatal(err)
	}
	if bom.Metadata.Component.Type != "container" {
		t.Errorf("metadata.component.type = %q, want container", bom.Metadata.Component.Type)
	}
	found := map[string]string{} // purl → layer property
	for _, c := range bom.Components {
		for _, p := range c.Properties {
			if strings.Contains(p.Name, "layer") {
				found[c.PURL] = p.Value
			}
		}
		if _, ok := found[c.PURL]; !ok {
			found[c.PURL] = ""
		}
	}
	want := map[string]string{
		"pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12": sha(l1),
		"pkg:pypi/flask@2.2.2": sha(l2),
	}
	for purl, layer := range want {
		got, ok := found[purl]
		if !ok {
			t.Errorf("component %s missing; have %v", purl, found)
			continue
		}
		if !strings.Contains(got, layer) {
			t.Errorf("component %s: layer %q, want %s", purl, got, layer)
		}
	}
	if _, ok := found["pkg:pypi/flask@2.0.0"]; ok {
		t.Errorf("flask 2.0.0 from the overwritten file is reported")
	}
}
