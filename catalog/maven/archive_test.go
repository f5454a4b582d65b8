package maven

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

// SHA-1 digests of the archives in testdata/jar (see build.sh).
const (
	sha1Greeting = "1c6afeddfcb9c03f2305ab2e8e4eb59579ae8ae4"
	sha1Legacy   = "5d2d516e0c6499bd7025c365d378f3dd5baf6bf4"
	sha1Inject   = "27ec9bf75acc7e586f7971e0db53affea78d3228"
	sha1Plexus   = "67340879f5861fa4982998c2e3ea6a304b4f4d8c"
	sha1Shaded   = "d21d83c73db9c772bd61974c40b0da2a8203c0ee"
	sha1Webapp   = "294590bcddc3f2b76408d02128fa816266737902"
	sha1PomOnly  = "227d60984f3125772948bbeadf6683f838551415"
	sha1Bundle   = "646d6d439c0e58b26baebbf25e0be819780f2c2f"
)

func jarPkg(loc, group, artifact, version, sha, entry string, deps ...string) pkgView {
	return pkgView{
		ID: loc + "#" + group + ":" + artifact, Name: group + ":" + artifact, Version: version,
		PURL: "pkg:maven/" + group + "/" + artifact + "@" + version, Loc: loc, SHA1: sha, DependsOn: deps,
		Props: props("pom-properties", "META-INF/maven/"+group+"/"+artifact+"/pom.properties"),
	}
}

func shadedPkgs(loc string) []pkgView {
	p := jarPkg(loc, "com.example", "shaded-app", "2.1", sha1Shaded, "",
		loc+"#org.apache.commons:commons-lang3", loc+"#org.slf4j:slf4j-api")
	lang := jarPkg(loc, "org.apache.commons", "commons-lang3", "3.14.0", "", "")
	lang.Props[propPrefix+"embedded"] = "true"
	slf := jarPkg(loc, "org.slf4j", "slf4j-api", "2.0.12", "", "")
	slf.Props[propPrefix+"embedded"] = "true"
	return []pkgView{p, lang, slf}
}

func warPkgs(loc, sha string) []pkgView {
	lib := loc + "!/WEB-INF/lib/"
	war := jarPkg(loc, "com.example", "webapp", "1.0", sha, "",
		lib+"greeting-1.0.0.jar#com.example:greeting", lib+"javax.inject-1.jar#javax.inject", lib+"legacy-util-0.9.jar#org.legacy:legacy-util")
	war.Type = sbom.TypeApplication
	return []pkgView{
		war,
		jarPkg(lib+"greeting-1.0.0.jar", "com.example", "greeting", "1.0.0", sha1Greeting, ""),
		unmatchedInject(lib + "javax.inject-1.jar"),
		{ID: lib + "legacy-util-0.9.jar#org.legacy:legacy-util", Name: "org.legacy:legacy-util", Version: "0.9",
			PURL: "pkg:maven/org.legacy/legacy-util@0.9", Loc: lib + "legacy-util-0.9.jar", SHA1: sha1Legacy,
			Props: props("from", "manifest")},
	}
}

// unmatchedInject is the real javax.inject-1.jar (an Ant build, no Maven descriptor, no
// Implementation-Vendor-Id, Bundle-SymbolicName javax.inject) found at loc: no groupId.
func unmatchedInject(loc string) pkgView {
	p := pkgView{ID: loc + "#javax.inject", Name: "javax.inject", Version: "1", PURL: "pkg:generic/javax.inject@1",
		Loc: loc, SHA1: sha1Inject, Props: props("from", "filename")}
	p.Props[sbom.PropUnmatched] = "no Maven groupId in the archive (no pom.properties, Implementation-Vendor-Id or Bundle-SymbolicName naming it): Maven advisories name groupId:artifactId"
	return p
}

func TestArchive(t *testing.T) {
	tests := []struct {
		rel  string
		want []pkgView
	}{{
		rel:  "plexus-component-annotations-2.1.1.jar",
		want: []pkgView{jarPkg("plexus-component-annotations-2.1.1.jar", "org.codehaus.plexus", "plexus-component-annotations", "2.1.1", sha1Plexus, "")},
	}, {
		rel:  "greeting-1.0.0.jar",
		want: []pkgView{jarPkg("greeting-1.0.0.jar", "com.example", "greeting", "1.0.0", sha1Greeting, "")},
	}, {
		// Bundle-SymbolicName javax.inject does not give a groupId: named from the file,
		// and reported as unmatchable
		rel:  "javax.inject-1.jar",
		want: []pkgView{unmatchedInject("javax.inject-1.jar")},
	}, {
		// pom.xml without pom.properties: the groupId of its directory
		rel: "pom-only-1.3.jar",
		want: []pkgView{{ID: "pom-only-1.3.jar#org.example.tools:pom-only", Name: "org.example.tools:pom-only", Version: "1.3",
			PURL: "pkg:maven/org.example.tools/pom-only@1.3", Loc: "pom-only-1.3.jar", SHA1: sha1PomOnly, Props: props("from", "maven-directory")}},
	}, {
		// an OSGi bundle: the groupId guessed from Bundle-SymbolicName, with a note
		rel: "greeting-bundle-2.0.0.jar",
		want: []pkgView{{ID: "greeting-bundle-2.0.0.jar#org.example:greeting-bundle", Name: "org.example:greeting-bundle", Version: "2.0.0",
			PURL: "pkg:maven/org.example/greeting-bundle@2.0.0", Loc: "greeting-bundle-2.0.0.jar", SHA1: sha1Bundle,
			Props: props("from", "bundle-symbolicname", "note", "groupId guessed from Bundle-SymbolicName org.example.greeting-bundle by the maven-bundle-plugin's default naming")}},
	}, {
		rel: "legacy-util-0.9.jar",
		want: []pkgView{{ID: "legacy-util-0.9.jar#org.legacy:legacy-util", Name: "org.legacy:legacy-util", Version: "0.9",
			PURL: "pkg:maven/org.legacy/legacy-util@0.9", Loc: "legacy-util-0.9.jar", SHA1: sha1Legacy, Props: props("from", "manifest")}},
	}, {
		rel:  "shaded-app-2.1.jar",
		want: shadedPkgs("shaded-app-2.1.jar"),
	}, {
		rel:  "webapp-1.0.war",
		want: warPkgs("webapp-1.0.war", sha1Webapp),
	}, {
		// nested jars stored uncompressed are read in place
		rel: "boot-app-1.0.jar",
		want: append([]pkgView{
			jarPkg("boot-app-1.0.jar", "com.example", "boot-app", "1.0", "4edd0c745ed39865349f845741c39f18aef1dad8", "",
				"boot-app-1.0.jar!/BOOT-INF/lib/plexus-component-annotations-2.1.1.jar#org.codehaus.plexus:plexus-component-annotations",
				"boot-app-1.0.jar!/BOOT-INF/lib/shaded-app-2.1.jar#com.example:shaded-app"),
			jarPkg("boot-app-1.0.jar!/BOOT-INF/lib/plexus-component-annotations-2.1.1.jar", "org.codehaus.plexus", "plexus-component-annotations", "2.1.1", sha1Plexus, ""),
		}, shadedPkgs("boot-app-1.0.jar!/BOOT-INF/lib/shaded-app-2.1.jar")...),
	}, {
		rel: "shop-ear-1.0.ear",
		want: append([]pkgView{
			func() pkgView {
				p := jarPkg("shop-ear-1.0.ear", "com.example", "shop-ear", "1.0", "f9ad291b3621f91c2c10b4f764cb6d658f50b94c", "",
					"shop-ear-1.0.ear!/greeting-1.0.0.jar#com.example:greeting",
					"shop-ear-1.0.ear!/lib/plexus-component-annotations-2.1.1.jar#org.codehaus.plexus:plexus-component-annotations",
					"shop-ear-1.0.ear!/webapp-1.0.war#com.example:webapp")
				p.Type = sbom.TypeApplication
				return p
			}(),
			jarPkg("shop-ear-1.0.ear!/greeting-1.0.0.jar", "com.example", "greeting", "1.0.0", sha1Greeting, ""),
			jarPkg("shop-ear-1.0.ear!/lib/plexus-component-annotations-2.1.1.jar", "org.codehaus.plexus", "plexus-component-annotations", "2.1.1", sha1Plexus, ""),
		}, warPkgs("shop-ear-1.0.ear!/webapp-1.0.war", sha1Webapp)...),
	}}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			res, err := catalogtest.Run(t, &ArchiveCataloger{}, "testdata/jar", tt.rel)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, view(res)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestArchiveErrors(t *testing.T) {
	// Entries that leave the archive are reported, the rest is read.
	res, err := catalogtest.Run(t, &ArchiveCataloger{}, "testdata/jar", "insecure-1.0.jar")
	errs := unjoin(err)
	if len(errs) != 2 || !errors.Is(errs[0], catalog.ErrInsecurePath) || !errors.Is(errs[1], catalog.ErrInsecurePath) {
		t.Errorf("insecure-1.0.jar: errors %v, want two ErrInsecurePath", errs)
	}
	if len(res.Packages) != 1 || res.Packages[0].Name != "com.example:insecure" {
		t.Errorf("insecure-1.0.jar: packages %v, want com.example:insecure", view(res))
	}

	// A broken nested jar is an error naming it; the war is still reported.
	res, err = catalogtest.Run(t, &ArchiveCataloger{}, "testdata/jar", "broken-nested-1.0.war")
	var pe *catalog.ParseError
	if !errors.As(err, &pe) || pe.Path != "broken-nested-1.0.war!/WEB-INF/lib/greeting-1.0.0.jar" {
		t.Errorf("broken-nested-1.0.war: error %v, want a ParseError for the nested jar", err)
	}
	if len(res.Packages) != 1 || res.Packages[0].Name != "com.example:broken-nested" {
		t.Errorf("broken-nested-1.0.war: packages %v", view(res))
	}

	_, err = catalogtest.Run(t, &ArchiveCataloger{}, "testdata/jar", "not-a-zip.jar")
	if !errors.As(err, &pe) || pe.Path != "not-a-zip.jar" {
		t.Errorf("not-a-zip.jar: error %v, want a ParseError", err)
	}
}

// zipOf writes a zip with the given entries; a nil value writes a directory.
func zipOf(t testing.TB, method uint16, entries ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: entries[i].(string), Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(entries[i+1].([]byte)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pomPropsEntry(a string) (string, []byte) {
	return "META-INF/maven/g/" + a + "/pom.properties", []byte("groupId=g\nartifactId=" + a + "\nversion=1\n")
}

func TestArchiveLimits(t *testing.T) {
	// Nesting deeper than catalog.MaxDepth.
	name, props := pomPropsEntry("leaf")
	data := zipOf(t, zip.Store, name, props)
	for range catalog.MaxDepth + 1 {
		data = zipOf(t, zip.Store, "lib/inner.jar", data)
	}
	res, err := catalogtest.Bytes(t, &ArchiveCataloger{}, "deep.jar", data)
	if !errors.Is(err, catalog.ErrTooLarge) {
		t.Errorf("deep nesting: error %v, want ErrTooLarge", err)
	}
	if n := len(res.Packages); n != catalog.MaxDepth+1 {
		t.Errorf("deep nesting: %d packages, want %d", n, catalog.MaxDepth+1)
	}

	// A nested entry whose header claims more than maxNestedSize.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "WEB-INF/lib/big.jar", Method: zip.Store,
		CompressedSize64: 4, UncompressedSize64: maxNestedSize + 1})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("PK\x03\x04"))
	zw.Close()
	if _, err := catalogtest.Bytes(t, &ArchiveCataloger{}, "big.war", buf.Bytes()); !errors.Is(err, catalog.ErrTooLarge) {
		t.Errorf("big nested entry: error %v, want ErrTooLarge", err)
	}

	// A deflated nested jar that expands beyond the bytes left to read (a zip bomb).
	bomb := zipOf(t, zip.Deflate, "WEB-INF/lib/bomb.jar", bytes.Repeat([]byte{0}, 1<<20))
	aw := &archiveWalk{ctx: context.Background(), foundBy: "java-archive", budget: 1 << 16, ids: map[string]int{}}
	aw.archive(bytes.NewReader(bomb), int64(len(bomb)), "bomb.war", 0)
	if err := errors.Join(aw.errs...); !errors.Is(err, catalog.ErrTooLarge) {
		t.Errorf("zip bomb: error %v, want ErrTooLarge", err)
	}

	// Several pom.properties, none named like the file: the archive is named from its file,
	// and depends on all of them.
	n1, p1 := pomPropsEntry("one")
	n2, p2 := pomPropsEntry("two")
	uber := zipOf(t, zip.Deflate, n1, p1, n2, p2)
	res, err = catalogtest.Bytes(t, &ArchiveCataloger{}, "app/uber.jar", uber)
	if err != nil {
		t.Fatal(err)
	}
	got := view(res)
	if len(got) != 3 || got[0].Name != "uber" || got[0].Props[propPrefix+"from"] != "filename" || len(got[0].DependsOn) != 2 {
		t.Errorf("uber jar: %+v", got)
	}
}

func TestArchiveHelpers(t *testing.T) {
	for stem, want := range map[string][2]string{
		"commons-lang3-3.14.0":        {"commons-lang3", "3.14.0"},
		"guava-33.1.0-jre":            {"guava", "33.1.0-jre"},
		"spring-core-5.3.1.RELEASE":   {"spring-core", "5.3.1.RELEASE"},
		"jackson-databind-2.17.0-rc1": {"jackson-databind", "2.17.0-rc1"},
		// Artifact IDs with a digit after a dash keep it; timestamped snapshots stay whole.
		"log4j-1.2-api-2.20.0":      {"log4j-1.2-api", "2.20.0"},
		"app-1.0-20230101.123456-7": {"app", "1.0-20230101.123456-7"},
		"commons-lang3-3.12.0":      {"commons-lang3", "3.12.0"},
		"app":                       {"app", ""},
		"x-y":                       {"x-y", ""},
	} {
		a, v := splitFileName(stem)
		if a != want[0] || v != want[1] {
			t.Errorf("splitFileName(%q) = %q, %q, want %q, %q", stem, a, v, want[0], want[1])
		}
	}
	for in, want := range map[[2]string]string{
		{"org.example.greeting-bundle", "greeting-bundle"}:                  "org.example",
		{"org.apache.commons.logging", "commons-logging"}:                   "org.apache.commons",
		{"org.apache.commons", "commons"}:                                   "org.apache",
		{"com.fasterxml.jackson.core.jackson-databind", "jackson-databind"}: "com.fasterxml.jackson.core",
		{"javax.inject", "javax.inject"}:                                    "",
		{"org.example.other", "greeting"}:                                   "",
		{"", "x"}:                                                           "",
		{"bad name", "name"}:                                                "",
	} {
		if got := bundleGroup(in[0], in[1]); got != want {
			t.Errorf("bundleGroup(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
	for name, want := range map[string]bool{
		"META-INF/MANIFEST.MF": false, "../x": true, "a/../../x": true, "/etc/passwd": true,
		`a\b`: true, "C:/x": true, "a/..b/c": false, "": true,
	} {
		if got := insecureEntry(name); got != want {
			t.Errorf("insecureEntry(%q) = %v, want %v", name, got, want)
		}
	}
	got := parseProperties([]byte("#Generated by Maven\n! other comment\nversion = 1.0\\\n  .1\ngroupId:org.ex\\u0061mple\nartifactId my\\=lib\n"))
	if diff := cmp.Diff(map[string]string{"version": "1.0.1", "groupId": "org.example", "artifactId": "my=lib"}, got); diff != "" {
		t.Errorf("parseProperties (-want +got):\n%s", diff)
	}
	m := parseManifest([]byte("Manifest-Version: 1.0\r\nBundle-SymbolicName: com.fasterxml.jackson.core.jackson-datab\r\n ind;singleton:=true\r\n\r\nName: x\r\nImplementation-Title: no\r\n"))
	if diff := cmp.Diff(map[string]string{"manifest-version": "1.0", "bundle-symbolicname": "com.fasterxml.jackson.core.jackson-databind;singleton:=true"}, m); diff != "" {
		t.Errorf("parseManifest (-want +got):\n%s", diff)
	}
}

func TestArchiveMatch(t *testing.T) {
	c := &ArchiveCataloger{}
	for p, want := range map[string]bool{
		"a.jar": true, "lib/A.JAR": true, "x.war": true, "x.ear": true, "x.hpi": true, "x.jpi": true,
		"x.nar": true, "x.kar": true, "x.par": true, "x.sar": true, "x.zip": false, "x.jar.sha1": false, "jar": false,
	} {
		if got := c.Match(p, 0o644); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
	if strings.Contains(c.Name(), " ") {
		t.Error("name with a space")
	}
}
