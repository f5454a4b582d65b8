package maven

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/catalog"
)

func benchmark(b *testing.B, c catalog.Cataloger, fsys fstest.MapFS, rel string) {
	data := fsys[rel].Data
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f := &catalog.File{Path: rel, Size: int64(len(data)), Mode: 0o644, R: bytes.NewReader(data), FS: fsys}
		if _, err := c.Catalog(context.Background(), f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPom catalogs a child POM of 5,000 dependencies whose versions come from its
// parent's dependencyManagement and properties.
func BenchmarkPom(b *testing.B) {
	var props, managed, deps strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&props, "<lib%d.version>%d.%d.0</lib%d.version>\n", i, i/100, i%100, i)
		fmt.Fprintf(&managed, "<dependency><groupId>org.example.g%d</groupId><artifactId>lib-%d</artifactId><version>${lib%d.version}</version></dependency>\n", i%50, i, i)
		fmt.Fprintf(&deps, "<dependency>\n  <groupId>org.example.g%d</groupId>\n  <artifactId>lib-%d</artifactId>\n</dependency>\n", i%50, i)
	}
	fsys := fstest.MapFS{
		"pom.xml": {Data: pom("", "<groupId>org.example</groupId><artifactId>parent</artifactId><version>1</version>",
			props.String(), managed.String(), "")},
		"app/pom.xml": {Data: pom("<parent><groupId>org.example</groupId><artifactId>parent</artifactId><version>1</version></parent>",
			"<artifactId>app</artifactId>", "", "", deps.String())},
	}
	benchmark(b, &PomCataloger{}, fsys, "app/pom.xml")
}

// BenchmarkGradleLock catalogs a lockfile of 100,000 modules.
func BenchmarkGradleLock(b *testing.B) {
	var s strings.Builder
	s.WriteString("# This is a Gradle generated file for dependency locking.\n# Manual edits can break the build and are not advised.\n# This file is expected to be part of source control.\n")
	for i := range 100_000 {
		fmt.Fprintf(&s, "org.example.group%d:artifact-%d:%d.%d.%d=compileClasspath,runtimeClasspath,testCompileClasspath,testRuntimeClasspath\n", i%100, i, i%7, i%13, i%17)
	}
	s.WriteString("empty=annotationProcessor,testAnnotationProcessor\n")
	benchmark(b, &GradleLockCataloger{}, fstest.MapFS{"gradle.lockfile": {Data: []byte(s.String())}}, "gradle.lockfile")
}

// BenchmarkArchive catalogs a war of 5,000 classes and 200 nested jars of 50 classes each.
func BenchmarkArchive(b *testing.B) {
	class := bytes.Repeat([]byte("\xca\xfe\xba\xbe class bytes "), 40)
	jar := func(g, a string, classes int, nested map[string][]byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("META-INF/MANIFEST.MF")
		w.Write([]byte("Manifest-Version: 1.0\r\nCreated-By: Maven JAR Plugin 3.3.0\r\n\r\n"))
		w, _ = zw.Create("META-INF/maven/" + g + "/" + a + "/pom.properties")
		fmt.Fprintf(w, "#Created by Apache Maven 3.9.6\ngroupId=%s\nartifactId=%s\nversion=1.0\n", g, a)
		for i := range classes {
			w, _ = zw.Create(fmt.Sprintf("org/example/%s/C%d.class", a, i))
			w.Write(class)
		}
		for name, data := range nested {
			w, _ = zw.Create(name)
			w.Write(data)
		}
		zw.Close()
		return buf.Bytes()
	}
	libs := map[string][]byte{}
	for i := range 200 {
		libs[fmt.Sprintf("WEB-INF/lib/lib-%d-1.0.jar", i)] = jar("org.example", fmt.Sprintf("lib-%d", i), 50, nil)
	}
	war := jar("org.example", "app", 5000, libs)
	benchmark(b, &ArchiveCataloger{}, fstest.MapFS{"app-1.0.war": {Data: war}}, "app-1.0.war")
}
