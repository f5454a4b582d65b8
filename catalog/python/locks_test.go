package python

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

func TestPipfileLock(t *testing.T) {
	c := &PipfileLockCataloger{}
	if !c.Match("a/Pipfile.lock", 0o644) || c.Match("a/Pipfile", 0o644) || !c.Related("a/Pipfile", 0o644) {
		t.Error("Match/Related")
	}
	// six is locked in default and develop at the same version: reported once, as runtime.
	expect(t, c, "testdata", "pipfile/app/Pipfile.lock", []row{
		{ID: "default/certifi", Name: "certifi", Version: "2023.7.22", PURL: "pkg:pypi/certifi@2023.7.22", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "pipfile/app/Pipfile.lock:24", Hashes: 2, Props: "markers=python_version >= '3.6'"},
		{ID: "default/django", Name: "django", Version: "4.2.7", PURL: "pkg:pypi/django@4.2.7", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "pipfile/app/Pipfile.lock:33", Hashes: 2, Props: "markers=python_version >= '3.8'"},
		{ID: "default/acme-sdk", Name: "acme-sdk", Version: "0.9.1", PURL: "pkg:pypi/acme-sdk@0.9.1?repository_url=https:%2F%2Fpypi.example.com%2Fsimple", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "pipfile/app/Pipfile.lock:42", Hashes: 1, Props: "index=https://pypi.example.com/simple"},
		{ID: "default/requests", Name: "requests", Version: "2.31.0", PURL: "pkg:pypi/requests@2.31.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "pipfile/app/Pipfile.lock:49", Hashes: 2, Props: "extras=socks markers=python_version >= '3.7'"},
		{ID: "default/six", Name: "six", Version: "1.16.0", PURL: "pkg:pypi/six@1.16.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "pipfile/app/Pipfile.lock:61", Hashes: 2, Props: "markers=python_version >= '2.7' and python_version not in '3.0, 3.1, 3.2, 3.3'"},
		{ID: "default/mylib", Name: "mylib", Unresolved: true, PURL: "pkg:pypi/mylib", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "pipfile/app/Pipfile.lock:69", VCS: "git https://github.com/example/mylib.git ref= rev=5b0b9c1a1e2d4e6f8a0b2c4d6e8f0a1b3c5d7e9f", Props: "editable=true"},
		{ID: "default/localpkg", Name: "localpkg", Unresolved: true, PURL: "pkg:pypi/localpkg", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "pipfile/app/Pipfile.lock:74", Props: "editable=true path=./localpkg"},
		{ID: "develop/pytest", Name: "pytest", Version: "7.4.3", PURL: "pkg:pypi/pytest@7.4.3", Scope: sbom.ScopeDev, Relation: sbom.RelationDirect, Loc: "pipfile/app/Pipfile.lock:80", Hashes: 2, Props: "markers=python_version >= '3.7'"},
		{ID: "develop/iniconfig", Name: "iniconfig", Version: "2.0.0", PURL: "pkg:pypi/iniconfig@2.0.0", Scope: sbom.ScopeDev, Relation: sbom.RelationTransitive, Loc: "pipfile/app/Pipfile.lock:96", Hashes: 2, Props: "markers=python_version >= '3.7'"},
	})
	expect(t, c, "testdata", "pipfile/bad/Pipfile.lock", nil, "pipfile/bad/Pipfile.lock:9: not a valid Pipfile.lock")
}

func TestPipfileLockBytes(t *testing.T) {
	c := &PipfileLockCataloger{}
	for _, tc := range []struct{ name, in, err string }{
		{"not a lock", `{"name": "x"}`, "not a Pipfile.lock"},
		{"wrong type", "{\n\"default\": {\n\"a\": {\"version\": 3}}}", "Pipfile.lock:3: not a valid Pipfile.lock"},
		{"bad name", `{"default": {"-x": {"version": "==1"}}}`, `invalid package name "-x"`},
		{"deep", strings.Repeat("[", 20000), "not a valid Pipfile.lock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := catalogtest.Bytes(t, c, "Pipfile.lock", []byte(tc.in))
			if err == nil || !contains(err.Error(), tc.err) || !catalogtest.IsMalformed(err) {
				t.Errorf("err = %v, want %q", err, tc.err)
			}
		})
	}
	res, err := catalogtest.Bytes(t, c, "Pipfile.lock", []byte(`{"_meta": {}, "default": {"Flask": {"version": "*"}}}`))
	if err != nil || len(res.Packages) != 1 || !res.Packages[0].Unresolved || res.Packages[0].Version != "" || res.Packages[0].Name != "flask" {
		t.Errorf("unpinned entry: %v %+v", err, res)
	}
}

func TestUVLock(t *testing.T) {
	c := &UVLockCataloger{}
	if !c.Match("uv.lock", 0o644) || c.Match("uv.lock.json", 0o644) {
		t.Error("Match")
	}
	// A project (editable ".") with optional-dependencies, a dev group, a git source and a
	// second index.
	expect(t, c, "testdata", "uv/project/uv.lock", []row{
		{ID: "typing-extensions@4.14.0", Name: "typing-extensions", Version: "4.14.0", PURL: "pkg:pypi/typing-extensions@4.14.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "uv/project/uv.lock:108", Hashes: 2},
		{ID: "webapp@0.1.0", Name: "webapp", Version: "0.1.0", PURL: "pkg:pypi/webapp@0.1.0", Type: sbom.TypeApplication, Loc: "uv/project/uv.lock:117", DependsOn: []string{"black@24.10.0", "httpx@0.28.1", "internal-client@2.0.1", "pytest@8.4.1"}, Props: "editable=true path=."},
		{ID: "black@24.10.0", Name: "black", Version: "24.10.0", PURL: "pkg:pypi/black@24.10.0", Scope: sbom.ScopeOptional, Relation: sbom.RelationDirect, Loc: "uv/project/uv.lock:19", VCS: "git https://github.com/psf/black ref=24.10.0 rev=1b2427a2b785cc4aac97c19bb4b9a0de063f9547"},
		{ID: "exceptiongroup@1.3.0", Name: "exceptiongroup", Version: "1.3.0", PURL: "pkg:pypi/exceptiongroup@1.3.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "uv/project/uv.lock:24", Hashes: 2, DependsOn: []string{"typing-extensions@4.14.0"}},
		{ID: "httpx@0.28.1", Name: "httpx", Version: "0.28.1", PURL: "pkg:pypi/httpx@0.28.1", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "uv/project/uv.lock:36", Hashes: 2, DependsOn: []string{"anyio@4.9.0", "idna@3.10", "socksio@1.0.0"}},
		{ID: "idna@3.10", Name: "idna", Version: "3.10", PURL: "pkg:pypi/idna@3.10", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "uv/project/uv.lock:54", Hashes: 2},
		{ID: "anyio@4.9.0", Name: "anyio", Version: "4.9.0", PURL: "pkg:pypi/anyio@4.9.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "uv/project/uv.lock:5", Hashes: 2, DependsOn: []string{"exceptiongroup@1.3.0", "idna@3.10", "sniffio@1.3.1"}},
		{ID: "iniconfig@2.1.0", Name: "iniconfig", Version: "2.1.0", PURL: "pkg:pypi/iniconfig@2.1.0", Scope: sbom.ScopeDev, Relation: sbom.RelationTransitive, Loc: "uv/project/uv.lock:63", Hashes: 2},
		{ID: "internal-client@2.0.1", Name: "internal-client", Version: "2.0.1", PURL: "pkg:pypi/internal-client@2.0.1?repository_url=https:%2F%2Fpypi.example.com%2Fsimple", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "uv/project/uv.lock:72", Hashes: 1, Props: "index=https://pypi.example.com/simple"},
		{ID: "pytest@8.4.1", Name: "pytest", Version: "8.4.1", PURL: "pkg:pypi/pytest@8.4.1", Scope: sbom.ScopeDev, Relation: sbom.RelationDirect, Loc: "uv/project/uv.lock:78", Hashes: 2, DependsOn: []string{"iniconfig@2.1.0"}},
		{ID: "sniffio@1.3.1", Name: "sniffio", Version: "1.3.1", PURL: "pkg:pypi/sniffio@1.3.1", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "uv/project/uv.lock:90", Hashes: 2},
		{ID: "socksio@1.0.0", Name: "socksio", Version: "1.0.0", PURL: "pkg:pypi/socksio@1.0.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "uv/project/uv.lock:99", Hashes: 2},
	})
	// A workspace: the virtual root and the editable member are applications.
	expect(t, c, "testdata", "uv/workspace/uv.lock", []row{
		{ID: "albatross@0.1.0", Name: "albatross", Version: "0.1.0", PURL: "pkg:pypi/albatross@0.1.0", Type: sbom.TypeApplication, Loc: "uv/workspace/uv.lock:11", DependsOn: []string{"bird-feeder@1.0.0", "tqdm@4.67.1"}, Props: "path=."},
		{ID: "bird-feeder@1.0.0", Name: "bird-feeder", Version: "1.0.0", PURL: "pkg:pypi/bird-feeder@1.0.0", Type: sbom.TypeApplication, Loc: "uv/workspace/uv.lock:26", DependsOn: []string{"colorama@0.4.6"}, Props: "editable=true path=packages/bird-feeder"},
		{ID: "colorama@0.4.6", Name: "colorama", Version: "0.4.6", PURL: "pkg:pypi/colorama@0.4.6", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "uv/workspace/uv.lock:34", Hashes: 2},
		{ID: "tqdm@4.67.1", Name: "tqdm", Version: "4.67.1", PURL: "pkg:pypi/tqdm@4.67.1", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "uv/workspace/uv.lock:43", Hashes: 2, DependsOn: []string{"colorama@0.4.6"}},
	})
	// httpx is reached first without extras, then through python-telegram-bot's socks extra
	// with its own socks extra: socksio is a runtime dependency of the project.
	expect(t, c, "testdata", "uv/extras/uv.lock", []row{
		{ID: "httpx@0.28.1", Name: "httpx", Version: "0.28.1", PURL: "pkg:pypi/httpx@0.28.1", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "uv/extras/uv.lock:18", Hashes: 2, DependsOn: []string{"anyio@4.9.0", "idna@3.10", "socksio@1.0.0"}},
		{ID: "idna@3.10", Name: "idna", Version: "3.10", PURL: "pkg:pypi/idna@3.10", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "uv/extras/uv.lock:36", Hashes: 2},
		{ID: "python-telegram-bot@21.10", Name: "python-telegram-bot", Version: "21.10", PURL: "pkg:pypi/python-telegram-bot@21.10", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "uv/extras/uv.lock:45", Hashes: 2, DependsOn: []string{"httpx@0.28.1"}},
		{ID: "anyio@4.9.0", Name: "anyio", Version: "4.9.0", PURL: "pkg:pypi/anyio@4.9.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "uv/extras/uv.lock:5", Hashes: 2, DependsOn: []string{"idna@3.10", "sniffio@1.3.1"}},
		{ID: "scraper-app@0.3.0", Name: "scraper-app", Version: "0.3.0", PURL: "pkg:pypi/scraper-app@0.3.0", Type: sbom.TypeApplication, Loc: "uv/extras/uv.lock:62", DependsOn: []string{"httpx@0.28.1", "python-telegram-bot@21.10"}, Props: "editable=true path=."},
		{ID: "sniffio@1.3.1", Name: "sniffio", Version: "1.3.1", PURL: "pkg:pypi/sniffio@1.3.1", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "uv/extras/uv.lock:77", Hashes: 2},
		{ID: "socksio@1.0.0", Name: "socksio", Version: "1.0.0", PURL: "pkg:pypi/socksio@1.0.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "uv/extras/uv.lock:86", Hashes: 2},
	})
	expect(t, c, "testdata", "uv/bad/uv.lock", nil, "uv/bad/uv.lock:7: not a valid uv.lock")
}

func TestUVLockBytes(t *testing.T) {
	c := &UVLockCataloger{}
	for _, tc := range []struct{ name, in, err string }{
		{"no version", "[[package]]\nname = \"a\"\n", "not a uv.lock"},
		{"missing dependency", "version = 1\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { registry = \"https://pypi.org/simple\" }\ndependencies = [{ name = \"b\" }]\n", `uv.lock:2: package a depends on "b", which is not in the lock`},
		{"bad name", "version = 1\n[[package]]\nname = \"\"\n", "uv.lock:2: [[package]] entry 1 has no valid name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := catalogtest.Bytes(t, c, "uv.lock", []byte(tc.in))
			if err == nil || !contains(err.Error(), tc.err) || !catalogtest.IsMalformed(err) {
				t.Errorf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

func TestParseUVGit(t *testing.T) {
	for in, want := range map[string]sbom.VCS{
		"https://github.com/encode/httpx?tag=0.27.0#326b9431c761e1ef1e00b9f760d1f654c8db48c6": {Type: "git", URL: "https://github.com/encode/httpx", Ref: "0.27.0", Revision: "326b9431c761e1ef1e00b9f760d1f654c8db48c6"},
		"https://github.com/a/b#0123456789012345678901234567890123456789":                     {Type: "git", URL: "https://github.com/a/b", Revision: "0123456789012345678901234567890123456789"},
	} {
		if got := parseUVGit(in); *got != want {
			t.Errorf("parseUVGit(%q) = %+v, want %+v", in, *got, want)
		}
	}
}

func TestPDMLock(t *testing.T) {
	c := &PDMLockCataloger{}
	if !c.Match("pdm.lock", 0o644) || !c.Related("pyproject.toml", 0o644) {
		t.Error("Match/Related")
	}
	// lock_version 4.4.1: groups, inline files, git source, a requests[socks] entry merged into
	// requests; pyproject.toml with an optional "socks" group.
	expect(t, c, "testdata/pdm", "v4.4/pdm.lock", []row{
		{ID: "certifi@2024.2.2", Name: "certifi", Version: "2024.2.2", PURL: "pkg:pypi/certifi@2024.2.2", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "v4.4/pdm.lock:10", Hashes: 2, Props: "groups=default,socks"},
		{ID: "toolbelt@0.3.0", Name: "toolbelt", Version: "0.3.0", PURL: "pkg:pypi/toolbelt@0.3.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "v4.4/pdm.lock:125", VCS: "git https://github.com/example/toolbelt.git ref=v0.3.0 rev=9d4c2b6f1e8a3c5d7f9b1e3a5c7d9f1b3e5a7c9d", Props: "groups=default"},
		{ID: "urllib3@2.2.1", Name: "urllib3", Version: "2.2.1", PURL: "pkg:pypi/urllib3@2.2.1", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "v4.4/pdm.lock:135", Hashes: 2, Props: "groups=default,socks"},
		{ID: "charset-normalizer@3.3.2", Name: "charset-normalizer", Version: "3.3.2", PURL: "pkg:pypi/charset-normalizer@3.3.2", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "v4.4/pdm.lock:21", Hashes: 2, Props: "groups=default,socks"},
		{ID: "colorama@0.4.6", Name: "colorama", Version: "0.4.6", PURL: "pkg:pypi/colorama@0.4.6", Scope: sbom.ScopeDev, Relation: sbom.RelationTransitive, Loc: "v4.4/pdm.lock:32", Hashes: 2, Props: "groups=dev markers=sys_platform == \"win32\""},
		{ID: "idna@3.6", Name: "idna", Version: "3.6", PURL: "pkg:pypi/idna@3.6", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "v4.4/pdm.lock:44", Hashes: 2, Props: "groups=default,socks"},
		{ID: "iniconfig@2.0.0", Name: "iniconfig", Version: "2.0.0", PURL: "pkg:pypi/iniconfig@2.0.0", Scope: sbom.ScopeDev, Relation: sbom.RelationTransitive, Loc: "v4.4/pdm.lock:55", Hashes: 2, Props: "groups=dev"},
		{ID: "pysocks@1.7.1", Name: "pysocks", Version: "1.7.1", PURL: "pkg:pypi/pysocks@1.7.1", Scope: sbom.ScopeOptional, Relation: sbom.RelationTransitive, Loc: "v4.4/pdm.lock:66", Hashes: 2, Props: "groups=socks"},
		{ID: "pytest@8.0.2", Name: "pytest", Version: "8.0.2", PURL: "pkg:pypi/pytest@8.0.2", Scope: sbom.ScopeDev, Relation: sbom.RelationDirect, Loc: "v4.4/pdm.lock:77", Hashes: 2, DependsOn: []string{"colorama@0.4.6", "iniconfig@2.0.0"}, Props: "groups=dev"},
		{ID: "requests@2.31.0", Name: "requests", Version: "2.31.0", PURL: "pkg:pypi/requests@2.31.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "v4.4/pdm.lock:92", Hashes: 2, DependsOn: []string{"certifi@2024.2.2", "charset-normalizer@3.3.2", "idna@3.6", "pysocks@1.7.1", "urllib3@2.2.1"}, Props: "groups=default,socks"},
		{ID: "(project)", Name: "fetcher", Version: "1.0.0", PURL: "pkg:pypi/fetcher@1.0.0", Type: sbom.TypeApplication, Loc: "v4.4/pyproject.toml", DependsOn: []string{"pytest@8.0.2", "requests@2.31.0", "toolbelt@0.3.0"}, Props: "content-hash=sha256:58e4698f3647a8f1ad33ab4f7f7e5edb0e2d98e779cc9f9dc8f7f73c3ec15771"},
	})
	// lock_version 4.0: hashes under [metadata.files], no groups.
	expect(t, c, "testdata/pdm", "v4.0/pdm.lock", []row{
		{ID: "colorama@0.4.6", Name: "colorama", Version: "0.4.6", PURL: "pkg:pypi/colorama@0.4.6", Loc: "v4.0/pdm.lock:10", Hashes: 2},
		{ID: "toml@0.10.2", Name: "toml", Version: "0.10.2", PURL: "pkg:pypi/toml@0.10.2", Loc: "v4.0/pdm.lock:16", Hashes: 2},
		{ID: "click@8.1.3", Name: "click", Version: "8.1.3", PURL: "pkg:pypi/click@8.1.3", Loc: "v4.0/pdm.lock:1", Hashes: 2, DependsOn: []string{"colorama@0.4.6"}},
	})
	expect(t, c, "testdata/pdm", "bad/pdm.lock", []row{
		{ID: "requests@2.31.0", Name: "requests", Version: "2.31.0", PURL: "pkg:pypi/requests@2.31.0", Loc: "bad/pdm.lock:4"},
	}, `bad/pdm.lock:4: package requests: invalid dependency "not a requirement!!"`)
	_, err := catalogtest.Bytes(t, c, "pdm.lock", []byte("title = 1\n"))
	if err == nil || !contains(err.Error(), "not a pdm.lock") {
		t.Errorf("not a lock: %v", err)
	}
}

// TestPipfileLockManyLines checks the line of every entry of a large Pipfile.lock; the lines
// are counted in one pass (counting from the start for every key was quadratic).
func TestPipfileLockManyLines(t *testing.T) {
	const n = 100_000
	var b strings.Builder
	b.WriteString("{\n\"_meta\": {},\n\"default\": {\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "\"p%d\": {\"version\": \"==1.0\"}", i)
	}
	b.WriteString("\n}\n}\n")
	res, err := catalogtest.Bytes(t, &PipfileLockCataloger{}, "Pipfile.lock", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != n {
		t.Fatalf("%d packages, want %d", len(res.Packages), n)
	}
	for _, p := range res.Packages {
		var i int
		fmt.Sscanf(p.Name, "p%d", &i)
		if want := i + 4; p.Locations[0].Line != want {
			t.Fatalf("%s at line %d, want %d", p.Name, p.Locations[0].Line, want)
		}
	}
}
