package maven

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

const (
	springParent = "parent org.springframework.boot:spring-boot-starter-parent:3.2.5 is not in the tree (empty <relativePath/>); BOM org.junit:junit-bom:5.10.2 is not in the tree"
)

func TestPomShop(t *testing.T) {
	tests := []struct {
		rel  string
		want []pkgView
	}{{
		rel: "core/pom.xml",
		want: []pkgView{{
			ID: "project", Type: sbom.TypeApplication, Name: "com.example.shop:shop-core", Version: "1.4.0",
			PURL: "pkg:maven/com.example.shop/shop-core@1.4.0", Loc: "core/pom.xml:2",
			DependsOn: []string{
				"com.google.guava:guava:jar:", "com.fasterxml.jackson.core:jackson-databind:jar:",
				"org.apache.commons:commons-lang3:jar:", "org.slf4j:slf4j-api:jar:",
				"com.google.code.findbugs:jsr305:jar:", "io.netty:netty-transport-native-epoll:jar:linux-x86_64",
				"jakarta.servlet:jakarta.servlet-api:jar:", "org.junit.jupiter:junit-jupiter:jar:",
			},
			Props: props("parent", "com.example.shop:shop-parent:${revision}"),
		}, {
			// managed by the parent's dependencyManagement, which beats the BOM's 31.0-jre
			ID: "com.google.guava:guava:jar:", Name: "com.google.guava:guava", Version: "33.1.0-jre",
			PURL: "pkg:maven/com.google.guava/guava@33.1.0-jre", Loc: "core/pom.xml:16",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
			Props: props("managed-by", "pom.xml:57"),
		}, {
			// managed by the in-tree BOM the parent imports
			ID: "com.fasterxml.jackson.core:jackson-databind:jar:", Name: "com.fasterxml.jackson.core:jackson-databind", Version: "2.17.0",
			PURL: "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.17.0", Loc: "core/pom.xml:20",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
			Props: props("managed-by", "bom/pom.xml:19"),
		}, {
			ID: "org.apache.commons:commons-lang3:jar:", Name: "org.apache.commons:commons-lang3", Version: "3.14.0",
			PURL: "pkg:maven/org.apache.commons/commons-lang3@3.14.0", Loc: "core/pom.xml:24",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeOptional,
			Props: props("managed-by", "pom.xml:62"),
		}, {
			ID: "org.slf4j:slf4j-api:jar:", Name: "org.slf4j:slf4j-api", Constraint: "${slf4j.version}", Unresolved: true,
			PURL: "pkg:maven/org.slf4j/slf4j-api", Loc: "core/pom.xml:29",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
			Props: props("unresolved", "property slf4j.version is not defined in the tree; "+springParent,
				"unresolved-property", "slf4j.version"),
		}, {
			ID: "com.google.code.findbugs:jsr305:jar:", Name: "com.google.code.findbugs:jsr305", Constraint: "[3.0,4.0)", Unresolved: true,
			PURL: "pkg:maven/com.google.code.findbugs/jsr305", Loc: "core/pom.xml:34",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
			Props: props("unresolved", "version range"),
		}, {
			ID: "io.netty:netty-transport-native-epoll:jar:linux-x86_64", Name: "io.netty:netty-transport-native-epoll", Version: "4.1.109.Final",
			PURL: "pkg:maven/io.netty/netty-transport-native-epoll@4.1.109.Final?classifier=linux-x86_64", Loc: "core/pom.xml:39",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
			Props: props("scope", "runtime"),
		}, {
			ID: "jakarta.servlet:jakarta.servlet-api:jar:", Name: "jakarta.servlet:jakarta.servlet-api", Version: "6.0.0",
			PURL: "pkg:maven/jakarta.servlet/jakarta.servlet-api@6.0.0", Loc: "core/pom.xml:46",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
			Props: props("scope", "provided"),
		}, {
			ID: "org.junit.jupiter:junit-jupiter:jar:", Name: "org.junit.jupiter:junit-jupiter", Unresolved: true,
			PURL: "pkg:maven/org.junit.jupiter/junit-jupiter", Loc: "core/pom.xml:52",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeTest,
			Props: props("unresolved", "no <version>, and no dependencyManagement in the tree manages org.junit.jupiter:junit-jupiter; "+springParent),
		}},
	}, {
		rel: "web/pom.xml",
		want: []pkgView{{
			ID: "project", Type: sbom.TypeApplication, Name: "com.example.shop:shop-web", Version: "1.4.0",
			PURL: "pkg:maven/com.example.shop/shop-web@1.4.0", Loc: "web/pom.xml:2",
			DependsOn: []string{
				"com.example.shop:shop-core:jar:", "com.example.shop:shop-core:test-jar:", "com.google.guava:guava:jar:",
				"org.springframework.boot:spring-boot-starter-web:jar:", "com.example.internal:licensing-client:jar:",
				"com.oracle.database.jdbc:ojdbc11:jar:",
			},
			Props: props("parent", "com.example.shop:shop-parent:${revision}", "packaging", "war"),
		}, {
			// ${project.groupId}; the BOM's ${project.version} is the BOM's own version
			ID: "com.example.shop:shop-core:jar:", Name: "com.example.shop:shop-core", Version: "1.4.0",
			PURL: "pkg:maven/com.example.shop/shop-core@1.4.0", Loc: "web/pom.xml:23",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
			Props: props("managed-by", "bom/pom.xml:29"),
		}, {
			// version and test scope from the parent's management of the test-jar
			ID: "com.example.shop:shop-core:test-jar:", Name: "com.example.shop:shop-core", Version: "1.4.0",
			PURL: "pkg:maven/com.example.shop/shop-core@1.4.0?type=test-jar", Loc: "web/pom.xml:27",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeTest,
			Props: props("managed-by", "pom.xml:67"),
		}, {
			// the parent manages ${guava.version}, which the child overrides
			ID: "com.google.guava:guava:jar:", Name: "com.google.guava:guava", Version: "32.1.3-jre",
			PURL: "pkg:maven/com.google.guava/guava@32.1.3-jre", Loc: "web/pom.xml:32",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
			Props: props("managed-by", "pom.xml:57"),
		}, {
			ID: "org.springframework.boot:spring-boot-starter-web:jar:", Name: "org.springframework.boot:spring-boot-starter-web", Unresolved: true,
			PURL: "pkg:maven/org.springframework.boot/spring-boot-starter-web", Loc: "web/pom.xml:36",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
			Props: props("unresolved", "no <version>, and no dependencyManagement in the tree manages org.springframework.boot:spring-boot-starter-web; "+springParent),
		}, {
			ID: "com.example.internal:licensing-client:jar:", Name: "com.example.internal:licensing-client",
			Constraint: "${env.LICENSING_CLIENT_VERSION}", Unresolved: true,
			PURL: "pkg:maven/com.example.internal/licensing-client", Loc: "web/pom.xml:40",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
			Props: props("unresolved", "property env.LICENSING_CLIENT_VERSION is an environment variable, unknown to a scan",
				"unresolved-property", "env.LICENSING_CLIENT_VERSION"),
		}, {
			ID: "com.oracle.database.jdbc:ojdbc11:jar:", Name: "com.oracle.database.jdbc:ojdbc11", Version: "23.3.0.23.09",
			PURL: "pkg:maven/com.oracle.database.jdbc/ojdbc11@23.3.0.23.09", Loc: "web/pom.xml:45",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
			Props: props("scope", "system", "system-path", "${project.basedir}/lib/ojdbc11.jar"),
		}},
	}, {
		// the aggregator: plugin and profile dependencies are not reported
		rel: "pom.xml",
		want: []pkgView{{
			ID: "project", Type: sbom.TypeApplication, Name: "com.example.shop:shop-parent", Version: "1.4.0",
			PURL: "pkg:maven/com.example.shop/shop-parent@1.4.0", Loc: "pom.xml:2",
			DependsOn: []string{"org.projectlombok:lombok:jar:"},
			Props:     props("parent", "org.springframework.boot:spring-boot-starter-parent:3.2.5", "packaging", "pom"),
		}, {
			ID: "org.projectlombok:lombok:jar:", Name: "org.projectlombok:lombok", Version: "1.18.32",
			PURL: "pkg:maven/org.projectlombok/lombok@1.18.32", Loc: "pom.xml:78",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeOptional,
			Props: props("scope", "provided"),
		}},
	}, {
		rel: "bom/pom.xml",
		want: []pkgView{{
			ID: "project", Type: sbom.TypeApplication, Name: "com.example.shop:shop-bom", Version: "1.4.0",
			PURL: "pkg:maven/com.example.shop/shop-bom@1.4.0", Loc: "bom/pom.xml:2",
			Props: props("packaging", "pom"),
		}},
	}}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			res, err := catalogtest.Run(t, &PomCataloger{}, "testdata/pom/shop", tt.rel)
			if err != nil {
				t.Fatal(err)
			}
			if res.Packages[0].Licenses == nil && tt.rel == "pom.xml" {
				t.Errorf("licenses of %s not read", tt.rel)
			}
			if diff := cmp.Diff(tt.want, view(res)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPomStandalone(t *testing.T) {
	tests := []struct {
		rel  string
		want []pkgView
	}{{
		// generated by maven-archetype-quickstart, as in "Maven in 5 Minutes"
		rel: "simple/pom.xml",
		want: []pkgView{{
			ID: "project", Type: sbom.TypeApplication, Name: "com.mycompany.app:my-app", Version: "1.0-SNAPSHOT",
			PURL: "pkg:maven/com.mycompany.app/my-app@1.0-SNAPSHOT", Loc: "simple/pom.xml:3",
			DependsOn: []string{"junit:junit:jar:"},
		}, {
			ID: "junit:junit:jar:", Name: "junit:junit", Version: "4.11",
			PURL: "pkg:maven/junit/junit@4.11", Loc: "simple/pom.xml:22",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeTest,
		}},
	}, {
		// the parent is not in the tree: ${project.parent.version} and ${pom.version} still
		// resolve, the parent's properties do not
		rel: "orphan/pom.xml",
		want: []pkgView{{
			ID: "project", Type: sbom.TypeApplication, Name: "org.example.tools:orphan-tool", Version: "69.1",
			PURL: "pkg:maven/org.example.tools/orphan-tool@69.1", Loc: "orphan/pom.xml:2",
			DependsOn: []string{"commons-io:commons-io:jar:", "org.apache.commons:commons-text:jar:",
				"org.example.tools:orphan-api:jar:", "org.junit.jupiter:junit-jupiter:jar:"},
			Props: props("parent", "org.apache.commons:commons-parent:69"),
		}, {
			ID: "commons-io:commons-io:jar:", Name: "commons-io:commons-io", Version: "2.16.1",
			PURL: "pkg:maven/commons-io/commons-io@2.16.1", Loc: "orphan/pom.xml:20",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
		}, {
			ID: "org.apache.commons:commons-text:jar:", Name: "org.apache.commons:commons-text",
			Constraint: "${commons.text.version}", Unresolved: true,
			PURL: "pkg:maven/org.apache.commons/commons-text", Loc: "orphan/pom.xml:25",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
			Props: props("unresolved", "property commons.text.version is not defined in the tree; parent org.apache.commons:commons-parent:69 is not in the tree",
				"unresolved-property", "commons.text.version"),
		}, {
			ID: "org.example.tools:orphan-api:jar:", Name: "org.example.tools:orphan-api", Version: "69.1",
			PURL: "pkg:maven/org.example.tools/orphan-api@69.1", Loc: "orphan/pom.xml:30",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
		}, {
			ID: "org.junit.jupiter:junit-jupiter:jar:", Name: "org.junit.jupiter:junit-jupiter", Unresolved: true,
			PURL: "pkg:maven/org.junit.jupiter/junit-jupiter", Loc: "orphan/pom.xml:35",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeTest,
			Props: props("unresolved", "no <version>, and no dependencyManagement in the tree manages org.junit.jupiter:junit-jupiter; parent org.apache.commons:commons-parent:69 is not in the tree"),
		}},
	}, {
		rel: "latin1/pom.xml",
		want: []pkgView{{
			ID: "project", Type: sbom.TypeApplication, Name: "fr.exemple:démo", Version: "2.0",
			PURL: "pkg:maven/fr.exemple/d%C3%A9mo@2.0", Loc: "latin1/pom.xml:2",
			DependsOn: []string{"log4j:log4j:jar:"},
		}, {
			ID: "log4j:log4j:jar:", Name: "log4j:log4j", Version: "1.2.17",
			PURL: "pkg:maven/log4j/log4j@1.2.17", Loc: "latin1/pom.xml:9",
			Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
		}},
	}}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			res, err := catalogtest.Run(t, &PomCataloger{}, "testdata/pom", tt.rel)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, view(res)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPomErrors(t *testing.T) {
	tests := []struct {
		rel      string
		line     int
		msg      string
		packages int // kept despite the error
	}{
		{"bad/pom.xml", 16, "invalid XML: unexpected EOF", 2},
		{"notpom/pom.xml", 2, "not a Maven POM: the root element is <settings>, want <project>", 0},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			res, err := catalogtest.Run(t, &PomCataloger{}, "testdata/pom", tt.rel)
			var pe *catalog.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want a *catalog.ParseError", err)
			}
			if pe.Path != tt.rel || pe.Line != tt.line || pe.Err.Error() != tt.msg {
				t.Errorf("error = %s:%d: %v, want %s:%d: %s", pe.Path, pe.Line, pe.Err, tt.rel, tt.line, tt.msg)
			}
			if n := len(view(res)); n != tt.packages {
				t.Errorf("%d packages, want %d", n, tt.packages)
			}
		})
	}
}

// pom writes a small POM for the synthetic cases.
func pom(parent, coords, props, depMgmt, deps string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  ` + parent + `
  ` + coords + `
  <properties>` + props + `</properties>
  <dependencyManagement><dependencies>` + depMgmt + `</dependencies></dependencyManagement>
  <dependencies>` + deps + `</dependencies>
</project>
`)
}

func TestPomSynthetic(t *testing.T) {
	dep := func(g, a, v string) string {
		return "<dependency><groupId>" + g + "</groupId><artifactId>" + a + "</artifactId><version>" + v + "</version></dependency>"
	}
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		rel     string
		version string // of the last dependency
		reason  string // hallmark:maven:unresolved of the last dependency
	}{{
		name: "self-referencing property",
		fsys: fstest.MapFS{"pom.xml": {Data: pom("", "<groupId>g</groupId><artifactId>a</artifactId><version>1</version>",
			"<a>${b}</a><b>${a}</b>", "", dep("x", "y", "${a}"))}},
		rel:    "pom.xml",
		reason: "property a refers to itself",
	}, {
		name: "exponential expansion",
		fsys: fstest.MapFS{"pom.xml": {Data: pom("", "<groupId>g</groupId><artifactId>a</artifactId><version>1</version>",
			func() string {
				s := "<p0>xxxxxxxxxxxxxxxx</p0>"
				for i := 1; i < 30; i++ {
					s += fmt.Sprintf("<p%d>${p%d}${p%d}</p%d>", i, i-1, i-1, i)
				}
				return s
			}(), "", dep("x", "y", "${p29}"))}},
		rel:    "pom.xml",
		reason: "properties expand to more than 64 KiB",
	}, {
		name: "exponential references to empty properties",
		fsys: fstest.MapFS{"pom.xml": {Data: pom("", "<groupId>g</groupId><artifactId>a</artifactId><version>1</version>",
			func() string {
				s := "<p0></p0>"
				for i := 1; i < 31; i++ {
					s += fmt.Sprintf("<p%d>${p%d}${p%d}</p%d>", i, i-1, i-1, i)
				}
				return s
			}(), "", dep("x", "y", "${p30}"))}},
		rel:    "pom.xml",
		reason: "properties refer to each other too many times",
	}, {
		name: "parent in the tree with another version is not used",
		fsys: fstest.MapFS{
			"pom.xml":     {Data: pom("", "<groupId>g</groupId><artifactId>p</artifactId><version>2</version>", "<v>9</v>", "", "")},
			"sub/pom.xml": {Data: pom("<parent><groupId>g</groupId><artifactId>p</artifactId><version>1</version></parent>", "<artifactId>c</artifactId>", "", "", dep("x", "y", "${v}"))},
		},
		rel:    "sub/pom.xml",
		reason: "property v is not defined in the tree; parent g:p:1 is not in the tree (pom.xml is g:p:2)",
	}, {
		name: "parent cycle",
		fsys: fstest.MapFS{
			"a/pom.xml": {Data: pom("<parent><groupId>g</groupId><artifactId>b</artifactId><version>1</version><relativePath>../b</relativePath></parent>", "<artifactId>a</artifactId>", "<v>1.0</v>", "", dep("x", "y", "${v}${w}"))},
			"b/pom.xml": {Data: pom("<parent><groupId>g</groupId><artifactId>a</artifactId><version>1</version><relativePath>../a/pom.xml</relativePath></parent>", "<artifactId>b</artifactId>", "", "", "")},
		},
		rel:    "a/pom.xml",
		reason: "property w is not defined in the tree; parent g:a:1 is its own ancestor",
	}, {
		name: "relativePath outside the tree",
		fsys: fstest.MapFS{
			"pom.xml": {Data: pom("<parent><groupId>g</groupId><artifactId>p</artifactId><version>1</version><relativePath>../../p/pom.xml</relativePath></parent>", "<artifactId>c</artifactId>", "", "", dep("x", "y", "${v}"))},
		},
		rel:    "pom.xml",
		reason: "property v is not defined in the tree; parent g:p:1 is not in the tree",
	}, {
		name: "BOM as a module, its version from its own properties",
		fsys: fstest.MapFS{
			"pom.xml": {Data: []byte(strings.Replace(string(pom("", "<groupId>g</groupId><artifactId>app</artifactId><version>1</version>", "",
				"<dependency><groupId>g</groupId><artifactId>deps</artifactId><version>7</version><type>pom</type><scope>import</scope></dependency>",
				"<dependency><groupId>x</groupId><artifactId>y</artifactId></dependency>")), "<properties>", "<modules><module>platform/deps</module></modules><properties>", 1))},
			"platform/deps/pom.xml": {Data: pom("", "<groupId>g</groupId><artifactId>deps</artifactId><version>${r}</version>", "<r>7</r><y>3.2</y>", dep("x", "y", "${y}"), "")},
		},
		rel:     "pom.xml",
		version: "3.2",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := runFS(t, &PomCataloger{}, tt.fsys, tt.rel)
			if err != nil {
				t.Fatal(err)
			}
			catalogtest.Check(t, tt.rel, res)
			last := res.Packages[len(res.Packages)-1]
			if last.Version != tt.version || last.Properties[propPrefix+"unresolved"] != tt.reason {
				t.Errorf("version %q, reason %q; want %q, %q", last.Version, last.Properties[propPrefix+"unresolved"], tt.version, tt.reason)
			}
		})
	}
}

func TestPomDeep(t *testing.T) {
	deep := "<project>" + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + "</project>"
	_, err := runFS(t, &PomCataloger{}, fstest.MapFS{"pom.xml": {Data: []byte(deep)}}, "pom.xml")
	if !errors.Is(err, catalog.ErrTooLarge) {
		t.Errorf("error %v, want ErrTooLarge", err)
	}
}

func TestPomMatch(t *testing.T) {
	c := &PomCataloger{}
	for p, want := range map[string]bool{
		"pom.xml": true, "a/b/pom.xml": true, "pom.xml.bak": false, "mypom.xml": false, "a/pom.properties": false,
	} {
		if got := c.Match(p, 0o644); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
	if !c.Related("x/y-1.0.pom", 0o644) || !c.Related("pom.xml", 0o644) || c.Related("x.xml", 0o644) {
		t.Error("Related does not accept exactly pom.xml and *.pom")
	}
}

// TestPomBOMDiamonds checks that BOMs imported along many paths (layers of BOMs each
// importing every BOM of the next layer) are worked out once each, not once per path.
func TestPomBOMDiamonds(t *testing.T) {
	const layers, width = 40, 2
	imp := func(a string) string {
		return "<dependency><groupId>g</groupId><artifactId>" + a + "</artifactId><version>1</version><type>pom</type><scope>import</scope></dependency>"
	}
	layer := func(l int) string {
		var s string
		for i := 0; i < width; i++ {
			s += imp(fmt.Sprintf("b%d-%d", l, i))
		}
		return s
	}
	fsys := fstest.MapFS{"pom.xml": {Data: pom("", "<groupId>g</groupId><artifactId>app</artifactId><version>1</version>", "",
		layer(0), "<dependency><groupId>x</groupId><artifactId>y</artifactId></dependency>")}}
	for l := 0; l < layers; l++ {
		for i := 0; i < width; i++ {
			a := fmt.Sprintf("b%d-%d", l, i)
			mgmt := "<dependency><groupId>x</groupId><artifactId>y</artifactId><version>2</version></dependency>"
			if l+1 < layers {
				mgmt = layer(l + 1)
			}
			fsys[a+"/pom.xml"] = &fstest.MapFile{Data: pom("", "<groupId>g</groupId><artifactId>"+a+"</artifactId><version>1</version>", "", mgmt, "")}
		}
	}
	res, err := runFS(t, &PomCataloger{}, fsys, "pom.xml")
	if err != nil {
		t.Fatal(err)
	}
	if last := res.Packages[len(res.Packages)-1]; last.Version != "2" {
		t.Errorf("version %q, want 2 (managed by the deepest BOMs)", last.Version)
	}
}
