package python

import (
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

func TestPoetryLock(t *testing.T) {
	c := &PoetryLockCataloger{}
	if !c.Match("svc/poetry.lock", 0o644) || c.Match("poetry.lock.bak", 0o644) || !c.Related("svc/pyproject.toml", 0o644) {
		t.Error("Match/Related")
	}
	// Poetry 1.1: category, [metadata.files], git source; pyproject [tool.poetry].
	expect(t, c, "testdata/poetry", "v1.1/poetry.lock", []row{
		{ID: "charset-normalizer@2.0.12", Name: "charset-normalizer", Version: "2.0.12", PURL: "pkg:pypi/charset-normalizer@2.0.12", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "v1.1/poetry.lock:17", Hashes: 2},
		{ID: "atomicwrites@1.4.0", Name: "atomicwrites", Version: "1.4.0", PURL: "pkg:pypi/atomicwrites@1.4.0", Scope: sbom.ScopeDev, Relation: sbom.RelationTransitive, Loc: "v1.1/poetry.lock:1", Hashes: 2},
		{ID: "idna@3.3", Name: "idna", Version: "3.3", PURL: "pkg:pypi/idna@3.3", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "v1.1/poetry.lock:28", Hashes: 2},
		{ID: "mylib@0.1.0", Name: "mylib", Version: "0.1.0", PURL: "pkg:pypi/mylib@0.1.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "v1.1/poetry.lock:36", VCS: "git https://github.com/example/mylib.git ref=main rev=5b0b9c1a1e2d4e6f8a0b2c4d6e8f0a1b3c5d7e9f"},
		{ID: "pytest@6.2.5", Name: "pytest", Version: "6.2.5", PURL: "pkg:pypi/pytest@6.2.5", Scope: sbom.ScopeDev, Relation: sbom.RelationDirect, Loc: "v1.1/poetry.lock:51", Hashes: 2, DependsOn: []string{"atomicwrites@1.4.0"}},
		{ID: "requests@2.27.1", Name: "requests", Version: "2.27.1", PURL: "pkg:pypi/requests@2.27.1", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "v1.1/poetry.lock:65", Hashes: 2, DependsOn: []string{"certifi@2021.10.8", "charset-normalizer@2.0.12", "idna@3.3", "urllib3@1.26.9"}},
		{ID: "urllib3@1.26.9", Name: "urllib3", Version: "1.26.9", PURL: "pkg:pypi/urllib3@1.26.9", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "v1.1/poetry.lock:83", Hashes: 2},
		{ID: "certifi@2021.10.8", Name: "certifi", Version: "2021.10.8", PURL: "pkg:pypi/certifi@2021.10.8", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "v1.1/poetry.lock:9", Hashes: 2},
		{ID: "(project)", Name: "legacy-app", Version: "1.4.2", PURL: "pkg:pypi/legacy-app@1.4.2", Type: sbom.TypeApplication, Loc: "v1.1/pyproject.toml", DependsOn: []string{"mylib@0.1.0", "pytest@6.2.5", "requests@2.27.1"}, Props: "content-hash=f7d2b4a1e8c7b0a9d3e6f5c4b2a1908e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a"},
	})
	// Poetry 1.8 (lock-version 2.0): inline files, optional, directory/legacy/url sources, no
	// pyproject.toml beside it.
	expect(t, c, "testdata/poetry", "v2.0/poetry.lock", []row{
		{ID: "internal-tools@0.2.0", Name: "internal-tools", Version: "0.2.0", PURL: "pkg:pypi/internal-tools@0.2.0", Loc: "v2.0/poetry.lock:14", DependsOn: []string{"colorama@0.4.6"}, Props: "editable=true path=../internal-tools"},
		{ID: "markdownify@0.14.1", Name: "markdownify", Version: "0.14.1", PURL: "pkg:pypi/markdownify@0.14.1", Scope: sbom.ScopeOptional, Loc: "v2.0/poetry.lock:30", Hashes: 2, DependsOn: []string{"six@1.17.0"}},
		{ID: "colorama@0.4.6", Name: "colorama", Version: "0.4.6", PURL: "pkg:pypi/colorama@0.4.6", Loc: "v2.0/poetry.lock:3", Hashes: 2},
		{ID: "private-lib@3.1.0", Name: "private-lib", Version: "3.1.0", PURL: "pkg:pypi/private-lib@3.1.0?repository_url=https:%2F%2Fpypi.example.com%2Fsimple", Loc: "v2.0/poetry.lock:44", Hashes: 1, Props: "index=https://pypi.example.com/simple"},
		{ID: "six@1.17.0", Name: "six", Version: "1.17.0", PURL: "pkg:pypi/six@1.17.0", Scope: sbom.ScopeOptional, Loc: "v2.0/poetry.lock:59", Hashes: 2},
		{ID: "tzdata@2025.2", Name: "tzdata", Version: "2025.2", PURL: "pkg:pypi/tzdata@2025.2", Loc: "v2.0/poetry.lock:70", DownloadURL: "https://files.pythonhosted.org/packages/5c/23/c7abc0ca0a1526a0774eca151daeb8de62ec457e77262b66b359c3c7679e/tzdata-2025.2-py2.py3-none-any.whl"},
	})
	// Poetry 2.1 (lock-version 2.1): groups, per-group markers; pyproject [project].
	expect(t, c, "testdata/poetry", "v2.1/poetry.lock", []row{
		{ID: "colorama@0.4.6", Name: "colorama", Version: "0.4.6", PURL: "pkg:pypi/colorama@0.4.6", Scope: sbom.ScopeDev, Relation: sbom.RelationTransitive, Loc: "v2.1/poetry.lock:26", Hashes: 2, Props: "groups=dev,test markers=dev: sys_platform == \"win32\"; test: sys_platform == \"win32\""},
		{ID: "iniconfig@2.1.0", Name: "iniconfig", Version: "2.1.0", PURL: "pkg:pypi/iniconfig@2.1.0", Scope: sbom.ScopeTest, Relation: sbom.RelationTransitive, Loc: "v2.1/poetry.lock:39", Hashes: 2, Props: "groups=test"},
		{ID: "beautifulsoup4@4.13.4", Name: "beautifulsoup4", Version: "4.13.4", PURL: "pkg:pypi/beautifulsoup4@4.13.4", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Loc: "v2.1/poetry.lock:3", Hashes: 2, DependsOn: []string{"soupsieve@2.7", "typing-extensions@4.14.0"}, Props: "groups=main"},
		{ID: "isort@6.0.1", Name: "isort", Version: "6.0.1", PURL: "pkg:pypi/isort@6.0.1", Scope: sbom.ScopeDev, Relation: sbom.RelationDirect, Loc: "v2.1/poetry.lock:51", Hashes: 2, DependsOn: []string{"colorama@0.4.6"}, Props: "groups=dev"},
		{ID: "pytest@8.4.1", Name: "pytest", Version: "8.4.1", PURL: "pkg:pypi/pytest@8.4.1", Scope: sbom.ScopeTest, Relation: sbom.RelationDirect, Loc: "v2.1/poetry.lock:70", Hashes: 2, DependsOn: []string{"colorama@0.4.6", "iniconfig@2.1.0"}, Props: "groups=test"},
		{ID: "soupsieve@2.7", Name: "soupsieve", Version: "2.7", PURL: "pkg:pypi/soupsieve@2.7", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "v2.1/poetry.lock:86", Hashes: 2, Props: "groups=main"},
		{ID: "typing-extensions@4.14.0", Name: "typing-extensions", Version: "4.14.0", PURL: "pkg:pypi/typing-extensions@4.14.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive, Loc: "v2.1/poetry.lock:98", Hashes: 2, Props: "groups=main"},
		{ID: "(project)", Name: "scraper-app", Version: "0.5.0", PURL: "pkg:pypi/scraper-app@0.5.0", Type: sbom.TypeApplication, Loc: "v2.1/pyproject.toml", DependsOn: []string{"beautifulsoup4@4.13.4", "isort@6.0.1", "pytest@8.4.1"}, Props: "content-hash=186005117c052a0419369eda86137c3de3e0a8398e5b7c40f8c3fb24d4796bc7"},
	})
	expect(t, c, "testdata/poetry", "bad/poetry.lock", nil, "bad/poetry.lock:10: not a valid poetry.lock")
}

func TestPoetryLockBytes(t *testing.T) {
	c := &PoetryLockCataloger{}
	for _, tc := range []struct{ name, in, err string }{
		{"not a lock", "title = 'x'\n", "not a poetry.lock"},
		{"no version", "[[package]]\nname = \"a\"\n", "poetry.lock:1: package a has no version"},
		{"bad name", "[[package]]\nname = \"-\"\nversion = \"1\"\n", "poetry.lock:1: [[package]] entry 1 has no valid name"},
		{"wrong type", "package = 3\n", "not a poetry.lock"},
		{"deep nesting", "a = " + strings.Repeat("[", 100), "nested deeper"},
		{"deep dotted key", strings.Repeat("a.", 100) + "b = 1\n", "nested deeper"},
		{"deep table header", "[" + strings.Repeat("a.", 100) + "b]\n", "nested deeper"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := catalogtest.Bytes(t, c, "poetry.lock", []byte(tc.in))
			if err == nil || !contains(err.Error(), tc.err) || !catalogtest.IsMalformed(err) {
				t.Errorf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

var _ = sbom.ScopeDev
