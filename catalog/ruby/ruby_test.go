package ruby

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

func gemProps(kind, remote string) map[string]string {
	return map[string]string{propSource: kind, propRemote: remote}
}

func TestLockfiles(t *testing.T) {
	const rg = "https://rubygems.org/"
	for _, tc := range []struct {
		file  string
		count int // packages, unresolved ones included
		want  []*sbom.Package
	}{
		{
			// PATH "." (the project's gemspec); only platform-specific nokogiri builds
			file: "kamal/Gemfile.lock", count: 33,
			want: []*sbom.Package{
				{
					ID: "mrsk (0.4.0)", Type: sbom.TypeApplication, Name: "mrsk", Version: "0.4.0",
					Ecosystem: "RubyGems", PURL: "pkg:gem/mrsk@0.4.0",
					Locations: []sbom.Location{{Path: "kamal/Gemfile.lock", Line: 4}},
					Relation:  sbom.RelationDirect,
					DependsOn: []string{"activesupport (7.0.4)", "dotenv (2.8.1)", "sshkit (1.21.3)", "thor (1.2.1)"},
					FoundBy:   "gemfile-lock",
					Properties: map[string]string{
						propSource: "PATH", propRemote: ".", propBundledWith: "2.4.3",
						propPlatforms: "arm64-darwin-20,arm64-darwin-21,arm64-darwin-22,x86_64-darwin-20,x86_64-darwin-21,x86_64-linux",
					},
				},
				{
					ID: "nokogiri (1.14.0-x86_64-linux)", Name: "nokogiri", Version: "1.14.0",
					Ecosystem: "RubyGems", PURL: "pkg:gem/nokogiri@1.14.0?platform=x86_64-linux",
					Locations: []sbom.Location{{Path: "kamal/Gemfile.lock", Line: 56}},
					Relation:  sbom.RelationTransitive, DependsOn: []string{"racc (1.6.2)"},
					Arch: "x86_64-linux", FoundBy: "gemfile-lock", Properties: gemProps("GEM", rg),
				},
				{
					// depended on by the three nokogiri builds
					ID: "loofah (2.19.1)", Name: "loofah", Version: "2.19.1",
					Ecosystem: "RubyGems", PURL: "pkg:gem/loofah@2.19.1",
					Locations: []sbom.Location{{Path: "kamal/Gemfile.lock", Line: 44}},
					Relation:  sbom.RelationTransitive,
					DependsOn: []string{"crass (1.0.6)", "nokogiri (1.14.0-arm64-darwin)", "nokogiri (1.14.0-x86_64-darwin)", "nokogiri (1.14.0-x86_64-linux)"},
					FoundBy:   "gemfile-lock", Properties: gemProps("GEM", rg),
				},
			},
		},
		{
			// GIT sources with branch, PATH "." with 13 gems, platform gems, a dependency on
			// bundler, DEPENDENCIES entries locked for no listed platform
			file: "rails/Gemfile.lock", count: 244 + 2,
			want: []*sbom.Package{
				{
					ID: "httpclient (2.8.3)", Name: "httpclient", Version: "2.8.3", Ecosystem: "RubyGems",
					PURL:      "pkg:gem/httpclient@2.8.3?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fnahi%2Fhttpclient.git%40d57cc6d5ffee1b566b5c189fe6dc8cc89570b812",
					Locations: []sbom.Location{{Path: "rails/Gemfile.lock", Line: 15}},
					Relation:  sbom.RelationDirect,
					VCS:       &sbom.VCS{Type: "git", URL: "https://github.com/nahi/httpclient.git", Revision: "d57cc6d5ffee1b566b5c189fe6dc8cc89570b812", Ref: "master"},
					FoundBy:   "gemfile-lock", Properties: gemProps("GIT", "https://github.com/nahi/httpclient.git"),
				},
				{
					ID: "rails (8.0.0.alpha)", Type: sbom.TypeApplication, Name: "rails", Version: "8.0.0.alpha",
					Ecosystem: "RubyGems", PURL: "pkg:gem/rails@8.0.0.alpha",
					Locations: []sbom.Location{{Path: "rails/Gemfile.lock", Line: 100}},
					Relation:  sbom.RelationDirect,
					DependsOn: []string{
						"actioncable (8.0.0.alpha)", "actionmailbox (8.0.0.alpha)", "actionmailer (8.0.0.alpha)",
						"actionpack (8.0.0.alpha)", "actiontext (8.0.0.alpha)", "actionview (8.0.0.alpha)",
						"activejob (8.0.0.alpha)", "activemodel (8.0.0.alpha)", "activerecord (8.0.0.alpha)",
						"activestorage (8.0.0.alpha)", "activesupport (8.0.0.alpha)", "railties (8.0.0.alpha)",
					},
					FoundBy: "gemfile-lock",
					Properties: map[string]string{
						propSource: "PATH", propRemote: ".", propBundledWith: "2.5.16",
						propPlatforms: "ruby,x86_64-darwin,x86_64-linux",
					},
				},
				{
					ID: "nokogiri (1.16.7-x86_64-linux)", Name: "nokogiri", Version: "1.16.7", Constraint: ">= 1.8.1, != 1.11.0",
					Ecosystem: "RubyGems", PURL: "pkg:gem/nokogiri@1.16.7?platform=x86_64-linux",
					Locations: []sbom.Location{{Path: "rails/Gemfile.lock", Line: 394}},
					Relation:  sbom.RelationDirect, DependsOn: []string{"racc (1.8.1)"},
					Arch: "x86_64-linux", FoundBy: "gemfile-lock", Properties: gemProps("GEM", rg),
				},
				{
					ID: "DEPENDENCIES wdm", Name: "wdm", Constraint: ">= 0.1.0", Unresolved: true,
					Ecosystem: "RubyGems", PURL: "pkg:gem/wdm",
					Locations: []sbom.Location{{Path: "rails/Gemfile.lock", Line: 708}},
					Relation:  sbom.RelationDirect, FoundBy: "gemfile-lock",
					Properties: map[string]string{propNotLocked: notLockedMessage},
				},
			},
		},
		{
			// CHECKSUMS for platform builds (Bundler 2.5.17)
			file: "rubygems-dev/Gemfile.lock", count: 29,
			want: []*sbom.Package{
				{
					ID: "racc (1.7.3-java)", Name: "racc", Version: "1.7.3", Ecosystem: "RubyGems",
					PURL:      "pkg:gem/racc@1.7.3?platform=java",
					Hashes:    []sbom.Hash{{Algorithm: "SHA-256", Value: "b2ad737e788cfa083263ce7c9290644bb0f2c691908249eb4f6eb48ed2815dbf"}},
					Locations: []sbom.Location{{Path: "rubygems-dev/Gemfile.lock", Line: 34}},
					Relation:  sbom.RelationTransitive, Arch: "java", FoundBy: "gemfile-lock",
					Properties: gemProps("GEM", rg),
				},
			},
		},
		{
			// GIT sources pinned by ref and without any; CHECKSUMS entries without a digest
			file: "rubygems-vendor/Gemfile.lock", count: 14,
			want: []*sbom.Package{
				{
					ID: "net-http (0.6.0)", Name: "net-http", Version: "0.6.0", Ecosystem: "RubyGems",
					PURL:      "pkg:gem/net-http@0.6.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fruby%2Fnet-http.git%40d8fd39c589279b1aaec85a7c8de9b3e199c72efe",
					Locations: []sbom.Location{{Path: "rubygems-vendor/Gemfile.lock", Line: 27}},
					Relation:  sbom.RelationDirect, DependsOn: []string{"uri (1.0.3)"},
					VCS:     &sbom.VCS{Type: "git", URL: "https://github.com/ruby/net-http.git", Revision: "d8fd39c589279b1aaec85a7c8de9b3e199c72efe", Ref: "d8fd39c589279b1aaec85a7c8de9b3e199c72efe"},
					FoundBy: "gemfile-lock", Properties: gemProps("GIT", "https://github.com/ruby/net-http.git"),
				},
				{
					ID: "uri (1.0.3)", Name: "uri", Version: "1.0.3", Constraint: "= 1.0.3", Ecosystem: "RubyGems",
					PURL:      "pkg:gem/uri@1.0.3",
					Hashes:    []sbom.Hash{{Algorithm: "SHA-256", Value: "e9f2244608eea2f7bc357d954c65c910ce0399ca5e18a7a29207ac22d8767011"}},
					Locations: []sbom.Location{{Path: "rubygems-vendor/Gemfile.lock", Line: 43}},
					Relation:  sbom.RelationDirect, FoundBy: "gemfile-lock", Properties: gemProps("GEM", rg),
				},
			},
		},
		{
			// Bundler 4: RUBY VERSION and BUNDLED WITH indented by two spaces
			file: "lobsters/Gemfile.lock", count: 183,
			want: []*sbom.Package{
				{
					ID: "commonmarker (2.6.3-arm64-darwin)", Name: "commonmarker", Version: "2.6.3", Constraint: "~> 2.6.3",
					Ecosystem: "RubyGems", PURL: "pkg:gem/commonmarker@2.6.3?platform=arm64-darwin",
					Hashes:    []sbom.Hash{{Algorithm: "SHA-256", Value: "d6c1e4955619da3f68fed22de99dec49a24925611770c039bf870823846c8b21"}},
					Locations: []sbom.Location{{Path: "lobsters/Gemfile.lock", Line: 114}},
					Relation:  sbom.RelationDirect, Arch: "arm64-darwin", FoundBy: "gemfile-lock",
					Properties: gemProps("GEM", rg),
				},
			},
		},
		{
			// Bundler 1.16
			file: "lobsters-2018/Gemfile.lock", count: 95,
			want: []*sbom.Package{
				{
					ID: "rails (5.2.1)", Name: "rails", Version: "5.2.1", Constraint: "~> 5.2.0",
					Ecosystem: "RubyGems", PURL: "pkg:gem/rails@5.2.1",
					Locations: []sbom.Location{{Path: "lobsters-2018/Gemfile.lock", Line: 127}},
					Relation:  sbom.RelationDirect,
					DependsOn: []string{
						"actioncable (5.2.1)", "actionmailer (5.2.1)", "actionpack (5.2.1)", "actionview (5.2.1)",
						"activejob (5.2.1)", "activemodel (5.2.1)", "activerecord (5.2.1)", "activestorage (5.2.1)",
						"activesupport (5.2.1)", "railties (5.2.1)", "sprockets-rails (3.2.1)",
					},
					FoundBy: "gemfile-lock", Properties: gemProps("GEM", rg),
				},
			},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res, err := catalogtest.Run(t, &LockCataloger{}, "testdata", tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Packages) != tc.count {
				t.Errorf("got %d packages, want %d", len(res.Packages), tc.count)
			}
			got := map[string]*sbom.Package{}
			for _, p := range res.Packages {
				got[p.ID] = p
				if p.Locations[0].Line == 0 || p.Relation == "" {
					t.Errorf("%s: no line or relation", p.ID)
				}
			}
			for _, w := range tc.want {
				if diff := cmp.Diff(w, got[w.ID]); diff != "" {
					t.Errorf("package %s (-want +got):\n%s", w.ID, diff)
				}
			}
		})
	}
}

func TestParseNameVersion(t *testing.T) {
	for line, want := range map[string]nameVersion{
		"    nokogiri (1.16.7-x86_64-linux)":      {indent: 4, name: "nokogiri", version: "1.16.7", platform: "x86_64-linux", paren: true},
		"    ffi (1.17.0-x86_64-linux-gnu)":       {indent: 4, name: "ffi", version: "1.17.0", platform: "x86_64-linux-gnu", paren: true},
		"      tzinfo (~> 2.0, >= 2.0.5)":         {indent: 6, name: "tzinfo", version: "~> 2.0, >= 2.0.5", paren: true},
		"  rails!":                                {indent: 2, name: "rails", pinned: true},
		"  json (>= 2.0.0, != 2.7.0)":             {indent: 2, name: "json", version: ">= 2.0.0, != 2.7.0", paren: true},
		"  rake (13.1.0) sha256=be6a":             {indent: 2, name: "rake", version: "13.1.0", paren: true, checksum: "sha256=be6a"},
		"  molinillo (0.8.0)":                     {indent: 2, name: "molinillo", version: "0.8.0", paren: true},
		"      nokogiri":                          {indent: 6, name: "nokogiri"},
		"  websocket-client-simple!":              {indent: 2, name: "websocket-client-simple", pinned: true},
		"  foo (~> 1.0)!":                         {indent: 2, name: "foo", version: "~> 1.0", paren: true, pinned: true},
		"    language_server-protocol (3.17.0.3)": {indent: 4, name: "language_server-protocol", version: "3.17.0.3", paren: true},
	} {
		got, ok := parseNameVersion(line)
		if !ok {
			t.Errorf("parseNameVersion(%q) failed", line)
			continue
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(nameVersion{})); diff != "" {
			t.Errorf("parseNameVersion(%q) (-want +got):\n%s", line, diff)
		}
	}
	for _, line := range []string{"   three (1.0)", "        eight (1.0)", "    open (1.0", "    two words (1.0)", "  ", "    x (1.0) a b"} {
		if got, ok := parseNameVersion(line); ok {
			t.Errorf("parseNameVersion(%q) = %+v, want failure", line, got)
		}
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
			name:    "bad indentation",
			data:    "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (3.1.7)\n     rack-test (2.1.0)\n",
			wantErr: `in GEM: "     rack-test (2.1.0)" is neither`, wantLine: 5, wantPkgs: 1, is: catalog.ErrMalformed,
		},
		{
			name:    "dependency before any gem",
			data:    "GEM\n  remote: https://rubygems.org/\n  specs:\n      rack (>= 3)\n",
			wantErr: `dependency "rack" outside a gem's entry`, wantLine: 4, is: catalog.ErrMalformed,
		},
		{
			name:    "truncated spec",
			data:    "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (3.1.7)\n    rack-session (2.0",
			wantErr: `"    rack-session (2.0" is neither`, wantLine: 5, wantPkgs: 1, is: catalog.ErrMalformed,
		},
		{
			name:    "merge conflict",
			data:    "GEM\n  remote: https://rubygems.org/\n  specs:\n<<<<<<< HEAD\n    rack (3.1.7)\n=======\n    rack (3.1.8)\n>>>>>>> main\n",
			wantErr: `unknown section "<<<<<<< HEAD"`, wantLine: 4, is: catalog.ErrMalformed,
		},
		{
			name:    "bad checksum",
			data:    "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (3.1.7)\n\nCHECKSUMS\n  rack (3.1.7) sha256=abc\n",
			wantErr: `checksum "sha256=abc" of rack (3.1.7) is not`, wantLine: 7, wantPkgs: 1, is: catalog.ErrMalformed,
		},
		{
			name:    "checksum of an unknown gem",
			data:    "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (3.1.7)\n\nCHECKSUMS\n  rake (13.1.0) sha256=" + strings.Repeat("a", 64) + "\n",
			wantErr: "CHECKSUMS names rake (13.1.0), which no source lists", wantLine: 7, wantPkgs: 1, is: catalog.ErrMalformed,
		},
		{
			name: "long line", data: "GEM\n  remote: " + strings.Repeat("x", catalog.MaxLineLength+1) + "\n",
			wantErr: "line longer than", wantLine: 0, is: catalog.ErrTooLarge,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := catalogtest.Bytes(t, &LockCataloger{}, "app/Gemfile.lock", []byte(tc.data))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "app/Gemfile.lock") {
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
	for p, want := range map[string]bool{
		"Gemfile.lock": true, "app/gems.locked": true, "gemfiles/rails_7.gemfile.lock": true,
		"tool/bundler/dev_gems.rb.lock": true, "Gemfile": false, "gemfile.lock": false, "Gemfile.lock.orig": false,
	} {
		if got := c.Match(p, 0o644); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

func FuzzGemfileLock(f *testing.F) {
	files, err := filepath.Glob("testdata/*/Gemfile.lock")
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
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := catalogtest.Bytes(t, &LockCataloger{}, "Gemfile.lock", data)
		if err != nil && !catalogtest.IsMalformed(err) {
			t.Fatalf("error of an unexpected kind: %v", err)
		}
	})
}

// largeLock generates a lockfile of n gems in GEM, each depending on two earlier ones, with
// platform builds, checksums and DEPENDENCIES.
func largeLock(n int) []byte {
	var b strings.Builder
	b.WriteString("GEM\n  remote: https://rubygems.org/\n  specs:\n")
	for i := range n {
		fmt.Fprintf(&b, "    gem-%d (1.%d.0)\n", i, i)
		if i >= 2 {
			fmt.Fprintf(&b, "      gem-%d (~> 1.0)\n      gem-%d (>= 1.%d, < 2)\n", i-1, i-2, i-2)
		}
		if i%10 == 0 {
			fmt.Fprintf(&b, "    gem-%d (1.%d.0-x86_64-linux)\n", i, i)
		}
	}
	b.WriteString("\nPLATFORMS\n  ruby\n  x86_64-linux\n\nDEPENDENCIES\n")
	for i := 0; i < n; i += 100 {
		fmt.Fprintf(&b, "  gem-%d (~> 1.%d)\n", i, i)
	}
	b.WriteString("\nCHECKSUMS\n")
	for i := range n {
		fmt.Fprintf(&b, "  gem-%d (1.%d.0) sha256=%064x\n", i, i, i)
	}
	b.WriteString("\nBUNDLED WITH\n   2.5.16\n")
	return []byte(b.String())
}

func BenchmarkGemfileLock(b *testing.B) {
	data := largeLock(50000)
	c := &LockCataloger{}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		res, err := catalogtest.Bytes(b, c, "Gemfile.lock", data)
		if err != nil || len(res.Packages) != 55000 {
			b.Fatal(len(res.Packages), err)
		}
	}
}
