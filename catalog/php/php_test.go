package php

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

func TestComposer(t *testing.T) {
	res, err := catalogtest.Run(t, &LockCataloger{}, "testdata", "composer/composer.lock")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 30+6+1 {
		t.Errorf("got %d packages, want 37", len(res.Packages))
	}
	got := map[string]*sbom.Package{}
	for _, p := range res.Packages {
		got[p.ID] = p
	}
	const file = "composer/composer.lock"
	for _, want := range []*sbom.Package{
		{
			ID: "justinrainbow/json-schema@6.10.0", Name: "justinrainbow/json-schema", Version: "6.10.0",
			Ecosystem: "Packagist", PURL: "pkg:composer/justinrainbow/json-schema@6.10.0",
			Licenses:  []string{"MIT"},
			Locations: []sbom.Location{{Path: file, Line: 513}},
			Relation:  sbom.RelationDirect, Scope: sbom.ScopeRuntime,
			DependsOn:   []string{"marc-mabe/php-enum@v4.7.2"}, // ext-json and php are platform packages
			VCS:         &sbom.VCS{Type: "git", URL: "https://github.com/jsonrainbow/json-schema.git", Revision: "8b1308a9d7bdbdb20ce87ef920f82b4564bb2d33"},
			Description: "A library to validate a json schema.", Homepage: "https://github.com/jsonrainbow/json-schema",
			DownloadURL: "https://api.github.com/repos/jsonrainbow/json-schema/zipball/8b1308a9d7bdbdb20ce87ef920f82b4564bb2d33",
			FoundBy:     "composer-lock",
			Properties:  map[string]string{propDist: "zip", propType: "library"},
		},
		{
			// "v" dropped from the version; only required by other packages
			ID: "symfony/polyfill-mbstring@v1.38.2", Name: "symfony/polyfill-mbstring", Version: "1.38.2",
			Ecosystem: "Packagist", PURL: "pkg:composer/symfony/polyfill-mbstring@1.38.2",
			Licenses:  []string{"MIT"},
			Locations: []sbom.Location{{Path: file, Line: 1551}},
			Relation:  sbom.RelationTransitive, Scope: sbom.ScopeRuntime,
			VCS:         &sbom.VCS{Type: "git", URL: "https://github.com/symfony/polyfill-mbstring.git", Revision: "d3d318bad5e7a1bfbd026009c8bfb8d8f99ae6b6"},
			Description: "Symfony polyfill for the Mbstring extension", Homepage: "https://symfony.com",
			DownloadURL: "https://api.github.com/repos/symfony/polyfill-mbstring/zipball/d3d318bad5e7a1bfbd026009c8bfb8d8f99ae6b6",
			FoundBy:     "composer-lock",
			Properties:  map[string]string{propDist: "zip", propType: "library", propVersion: "v1.38.2"},
		},
		{
			// packages-dev, "source": null
			ID: "phpstan/phpstan@1.12.33", Name: "phpstan/phpstan", Version: "1.12.33",
			Ecosystem: "Packagist", PURL: "pkg:composer/phpstan/phpstan@1.12.33",
			Licenses:  []string{"MIT"},
			Locations: []sbom.Location{{Path: file, Line: 2197}},
			Relation:  sbom.RelationDirect, Scope: sbom.ScopeDev,
			Description: "PHPStan - PHP Static Analysis Tool",
			DownloadURL: "https://api.github.com/repos/phpstan/phpstan/zipball/37982d6fc7cbb746dda7773530cda557cdf119e1",
			FoundBy:     "composer-lock",
			Properties:  map[string]string{propDist: "zip", propType: "library"},
		},
	} {
		if diff := cmp.Diff(want, got[want.ID]); diff != "" {
			t.Errorf("package %s (-want +got):\n%s", want.ID, diff)
		}
	}

	root := got["composer.json composer/composer"]
	if root == nil {
		t.Fatal("no application package for composer.json")
	}
	if root.Type != sbom.TypeApplication || root.PURL != "pkg:composer/composer/composer" || root.Version != "" {
		t.Errorf("root = %+v", root)
	}
	// 21 non-platform require entries and 6 require-dev entries
	if len(root.DependsOn) != 27 {
		t.Errorf("root has %d dependencies, want 27: %v", len(root.DependsOn), root.DependsOn)
	}
	for _, p := range res.Packages {
		if p.Type != sbom.TypeApplication && (p.Locations[0].Line == 0 || p.Relation == "" || p.Scope == "") {
			t.Errorf("%s: missing line, relation or scope", p.ID)
		}
		if p.Properties[propMissing] != "" {
			t.Errorf("%s: unresolved requirements %s", p.ID, p.Properties[propMissing])
		}
	}
}

// TestComposer2015 reads an older lockfile ("hash" instead of "content-hash") without a
// composer.json beside it: no relations, no application package.
func TestComposer2015(t *testing.T) {
	res, err := catalogtest.Run(t, &LockCataloger{}, "testdata", "composer-2015/composer.lock")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 7+18 {
		t.Errorf("got %d packages, want 25", len(res.Packages))
	}
	for _, p := range res.Packages {
		if p.Relation != "" || p.Type == sbom.TypeApplication {
			t.Errorf("%s: relation %q type %q without composer.json", p.ID, p.Relation, p.Type)
		}
	}
	var prophecy *sbom.Package
	for _, p := range res.Packages {
		if p.Name == "phpspec/prophecy" {
			prophecy = p
		}
	}
	want := []string{"doctrine/instantiator@1.0.4", "phpdocumentor/reflection-docblock@2.0.4", "sebastian/comparator@1.1.1"}
	if prophecy == nil || prophecy.Version != "1.4.1" || prophecy.Scope != sbom.ScopeDev || !cmp.Equal(prophecy.DependsOn, want) {
		t.Errorf("phpspec/prophecy = %+v, want 1.4.1, dev, depending on %v", prophecy, want)
	}
}

// lockOf writes packages in composer.lock's layout (four-space indentation, as Composer
// writes it).
const variant = `{
    "_readme": [
        "This file locks the dependencies of your project to a known state",
        "This file is @generated automatically"
    ],
    "content-hash": "2d4c8e0d0d3bd7ef0b40a1bb0e0e6fa3",
    "packages": [
        {
            "name": "Drupal/Core",
            "version": "11.x-dev",
            "dist": {
                "type": "path",
                "url": "core",
                "reference": "7ee5a0c6e3b1d1cd5e84b42b1bf0c6bf7e0d3b2f"
            },
            "require": {
                "php": ">=8.3.0",
                "psr/log-implementation": "1.0|2.0|3.0",
                "symfony/polyfill-mbstring": "^1.0"
            },
            "replace": {
                "drupal/action": "self.version"
            },
            "type": "drupal-core",
            "license": ["GPL-2.0-or-later"]
        },
        {
            "name": "monolog/monolog",
            "version": "3.5.0",
            "dist": {
                "type": "zip",
                "url": "https://repo.example.com/dist/monolog/monolog/3.5.0.zip",
                "reference": "c915e2634718dbc8a4a15c61b0e62e7a44e14448",
                "shasum": "C1D4B1A0E3F2A9E6A7F7E4B6C8C3B1D5A5E9C2F0"
            },
            "require": [],
            "provide": {
                "psr/log-implementation": "3.0.0"
            },
            "license": ["MIT", "(GPL-2.0-only or GPL-3.0-or-later)"]
        },
        {
            "name": "example/uses-action",
            "version": "v2.0.0-beta1",
            "require": {
                "drupal/action": "*",
                "ext-json": "*",
                "lib-libxml": "*",
                "composer-plugin-api": "^2.0"
            },
            "license": "proprietary"
        }
    ],
    "packages-dev": [],
    "aliases": [],
    "plugin-api-version": "2.6.0"
}
`

// TestVariants covers what the real files above do not: dist shasum, provide and replace,
// a path dist, a dev version, a license string and an empty require written as [].
func TestVariants(t *testing.T) {
	res, err := catalogtest.Bytes(t, &LockCataloger{}, "web/composer.lock", []byte(variant))
	if err != nil {
		t.Fatal(err)
	}
	want := []*sbom.Package{
		{
			ID: "drupal/core@11.x-dev", Name: "drupal/core", Version: "11.x-dev", Ecosystem: "Packagist",
			PURL: "pkg:composer/drupal/core@11.x-dev", Licenses: []string{"GPL-2.0-or-later"},
			Locations: []sbom.Location{{Path: "web/composer.lock", Line: 8}}, Scope: sbom.ScopeRuntime,
			DependsOn:   []string{"monolog/monolog@3.5.0"},
			DownloadURL: "core", FoundBy: "composer-lock",
			Properties: map[string]string{
				propDist: "path", propType: "drupal-core", propMissing: "symfony/polyfill-mbstring",
			},
		},
		{
			ID: "monolog/monolog@3.5.0", Name: "monolog/monolog", Version: "3.5.0", Ecosystem: "Packagist",
			PURL:      "pkg:composer/monolog/monolog@3.5.0",
			Licenses:  []string{"MIT OR (GPL-2.0-only or GPL-3.0-or-later)"},
			Hashes:    []sbom.Hash{{Algorithm: "SHA-1", Value: "c1d4b1a0e3f2a9e6a7f7e4b6c8c3b1d5a5e9c2f0"}},
			Locations: []sbom.Location{{Path: "web/composer.lock", Line: 27}}, Scope: sbom.ScopeRuntime,
			DownloadURL: "https://repo.example.com/dist/monolog/monolog/3.5.0.zip", FoundBy: "composer-lock",
			Properties: map[string]string{propDist: "zip"},
		},
		{
			ID: "example/uses-action@v2.0.0-beta1", Name: "example/uses-action", Version: "2.0.0-beta1", Ecosystem: "Packagist",
			PURL: "pkg:composer/example/uses-action@2.0.0-beta1", Licenses: []string{"proprietary"},
			Locations: []sbom.Location{{Path: "web/composer.lock", Line: 42}}, Scope: sbom.ScopeRuntime,
			DependsOn: []string{"drupal/core@11.x-dev"}, FoundBy: "composer-lock",
			Properties: map[string]string{propVersion: "v2.0.0-beta1"},
		},
	}
	if diff := cmp.Diff(want, res.Packages); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

// TestManifest reads composer.json through File.FS: direct and transitive, the root.
func TestManifest(t *testing.T) {
	fsys := fstest.MapFS{
		"web/composer.lock": {Data: []byte(variant)},
		"web/composer.json": {Data: []byte(`{"name": "Acme/Site", "version": "v1.0.0", "require": {"php": ">=8.3", "drupal/core": "^11"}, "require-dev": {"example/uses-action": "^2"}}`)},
	}
	f := &catalog.File{Path: "web/composer.lock", Size: int64(len(variant)), Mode: 0o644, R: strings.NewReader(variant), FS: fsys}
	res, err := (&LockCataloger{}).Catalog(t.Context(), f)
	catalogtest.Check(t, f.Path, res)
	if err != nil {
		t.Fatal(err)
	}
	rel := map[string]sbom.Relation{}
	var root *sbom.Package
	for _, p := range res.Packages {
		rel[p.Name] = p.Relation
		if p.Type == sbom.TypeApplication {
			root = p
		}
	}
	wantRel := map[string]sbom.Relation{"drupal/core": "direct", "monolog/monolog": "transitive", "example/uses-action": "direct", "acme/site": ""}
	if diff := cmp.Diff(wantRel, rel); diff != "" {
		t.Errorf("relations (-want +got):\n%s", diff)
	}
	wantRoot := &sbom.Package{
		ID: "composer.json Acme/Site", Type: sbom.TypeApplication, Name: "acme/site", Version: "1.0.0",
		Ecosystem: "Packagist", PURL: "pkg:composer/acme/site@1.0.0",
		Locations: []sbom.Location{{Path: "web/composer.json"}},
		DependsOn: []string{"drupal/core@11.x-dev", "example/uses-action@v2.0.0-beta1"},
		FoundBy:   "composer-lock", Properties: map[string]string{propVersion: "v1.0.0"},
	}
	if diff := cmp.Diff(wantRoot, root); diff != "" {
		t.Errorf("root (-want +got):\n%s", diff)
	}

	// a broken composer.json is reported (at the object holding the bad value), the
	// lockfile's packages are kept
	fsys["web/composer.json"] = &fstest.MapFile{Data: []byte("{\n  \"require\": {\n    \"a/b\": 1\n  }\n}")}
	res, err = (&LockCataloger{}).Catalog(t.Context(), f)
	var pe *catalog.ParseError
	if !errors.As(err, &pe) || pe.Path != "web/composer.json" || pe.Line != 2 || res == nil || len(res.Packages) != 3 {
		t.Errorf("broken composer.json: err %v, %d packages", err, len(res.Packages))
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		wantErr    string
		wantLine   int
		wantPkgs   int
		is         error
	}{
		{
			name: "truncated", data: variant[:600],
			wantErr: "not a valid composer.lock: the file ends too early", wantLine: 19, is: catalog.ErrMalformed,
		},
		{
			name: "syntax", data: "{\n  \"packages\": [\n    {\"name\": \"a/b\",, \"version\": \"1.0.0\"}\n  ]\n}\n",
			wantErr: "invalid character ','", wantLine: 3, is: catalog.ErrMalformed,
		},
		{
			name: "wrong type", data: "{\n  \"packages\": [\n    {\"name\": \"a/b\",\n     \"version\": 1}\n  ]\n}\n",
			wantErr: "cannot unmarshal number", wantLine: 4, is: catalog.ErrMalformed,
		},
		{
			name: "packages not an array", data: "{\n  \"packages\": {}\n}\n",
			wantErr: `"packages" must be an array`, wantLine: 2, is: catalog.ErrMalformed,
		},
		{
			name: "not an object", data: "[]", wantErr: "must be a JSON object", wantLine: 1, is: catalog.ErrMalformed,
		},
		{
			name: "not a lockfile", data: `{"name": "a/b"}`, wantErr: `no "packages" array`, is: catalog.ErrMalformed,
		},
		{
			name: "bad name", data: "{\n  \"packages\": [\n    {\"name\": \"monolog\", \"version\": \"1.0.0\"},\n    {\"name\": \"a/b\", \"version\": \"1.0.0\"}\n  ]\n}",
			wantErr: `package name "monolog" is not "vendor/name"`, wantLine: 3, wantPkgs: 1, is: catalog.ErrMalformed,
		},
		{
			name: "bad shasum", data: `{"packages": [{"name": "a/b", "version": "1.0.0", "dist": {"shasum": "xyz"}}]}`,
			wantErr: `dist shasum "xyz" is not a SHA-1`, wantLine: 1, wantPkgs: 1, is: catalog.ErrMalformed,
		},
		{
			name: "deep", data: `{"packages": [], "extra": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "}",
			wantErr: "nested deeper than 64", is: catalog.ErrTooLarge,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := catalogtest.Bytes(t, &LockCataloger{}, "app/composer.lock", []byte(tc.data))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "app/composer.lock") {
				t.Errorf("error %q does not name the file and say %q", err, tc.wantErr)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			var pe *catalog.ParseError
			if errors.As(err, &pe) && pe.Line != tc.wantLine {
				t.Errorf("error line %d, want %d", pe.Line, tc.wantLine)
			}
			n := 0
			if res != nil {
				n = len(res.Packages)
			}
			if n != tc.wantPkgs {
				t.Errorf("got %d packages with the error, want %d", n, tc.wantPkgs)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	c := &LockCataloger{}
	for p, want := range map[string]bool{"composer.lock": true, "a/composer.lock": true, "composer.json": false, "Composer.lock": false} {
		if got := c.Match(p, 0o644); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
	if !c.Related("a/composer.json", 0o644) || c.Related("a/package.json", 0o644) {
		t.Error("Related: want composer.json only")
	}
}

func FuzzComposerLock(f *testing.F) {
	files, err := filepath.Glob("testdata/*/composer.lock")
	if err != nil || len(files) == 0 {
		f.Fatal("no seeds", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(variant))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := catalogtest.Bytes(t, &LockCataloger{}, "composer.lock", data)
		if err != nil && !catalogtest.IsMalformed(err) {
			t.Fatalf("error of an unexpected kind: %v", err)
		}
	})
}

// largeLock generates a composer.lock of n packages, each requiring two earlier ones and php.
func largeLock(n int) []byte {
	var b strings.Builder
	b.WriteString("{\n    \"content-hash\": \"2d4c8e0d0d3bd7ef0b40a1bb0e0e6fa3\",\n    \"packages\": [\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `        {
            "name": "vendor%d/package-%d",
            "version": "v1.%d.0",
            "source": {"type": "git", "url": "https://github.com/vendor%d/package-%d.git", "reference": "%040x"},
            "dist": {"type": "zip", "url": "https://api.github.com/repos/vendor%d/package-%d/zipball/%040x", "reference": "%040x", "shasum": ""},
            "require": {"php": ">=8.1", "vendor%d/package-%d": "^1.0", "vendor%d/package-%d": "^1.0"},
            "type": "library",
            "license": ["MIT"],
            "description": "Package number %d"
        }`, i%100, i, i, i%100, i, i, i%100, i, i, i, max(i-1, 0)%100, max(i-1, 0), max(i-2, 0)%100, max(i-2, 0), i)
	}
	b.WriteString("\n    ],\n    \"packages-dev\": []\n}\n")
	return []byte(b.String())
}

func BenchmarkComposerLock(b *testing.B) {
	data := largeLock(20000)
	c := &LockCataloger{}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		res, err := catalogtest.Bytes(b, c, "composer.lock", data)
		if err != nil || len(res.Packages) != 20000 {
			b.Fatal(err)
		}
	}
}
