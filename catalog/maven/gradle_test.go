package maven

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

func gradlePkg(id, version, loc string, scope sbom.Scope, confs string) pkgView {
	g, a, _ := strings.Cut(strings.TrimSuffix(id, ":"+version), ":")
	return pkgView{
		ID: id, Name: g + ":" + a, Version: version, PURL: "pkg:maven/" + g + "/" + a + "@" + version,
		Loc: loc, Scope: scope, Props: props("gradle-configurations", confs),
	}
}

func TestGradleLockfile(t *testing.T) {
	const lock = "maybe/gradle.lockfile"
	res, err := catalogtest.Run(t, &GradleLockCataloger{}, "testdata/gradle", lock)
	if err != nil {
		t.Fatal(err)
	}
	got := view(res)
	if len(got) != 45 {
		t.Fatalf("%d packages, want the 45 lines of the lockfile", len(got))
	}
	byID := map[string]pkgView{}
	for _, p := range got {
		byID[p.ID] = p
	}
	for _, want := range []pkgView{
		// in a build tool's configuration and in compileClasspath: needed at run time
		gradlePkg("com.google.code.findbugs:jsr305:3.0.2", "3.0.2", lock+":4", sbom.ScopeRuntime, "checkstyle,compileClasspath"),
		gradlePkg("com.google.guava:listenablefuture:9999.0-empty-to-avoid-conflict-with-guava", "9999.0-empty-to-avoid-conflict-with-guava", lock+":8", sbom.ScopeRuntime, "checkstyle"),
		gradlePkg("net.bytebuddy:byte-buddy-agent:1.12.19", "1.12.19", lock+":15", sbom.ScopeTest, "testCompileClasspath,testRuntimeClasspath"),
		gradlePkg("net.sf.saxon:Saxon-HE:11.4", "11.4", lock+":17", sbom.ScopeRuntime, "checkstyle"),
		gradlePkg("org.junit.jupiter:junit-jupiter-engine:5.9.2", "5.9.2", lock+":32", sbom.ScopeTest, "testRuntimeClasspath"),
		gradlePkg("org.xmlresolver:xmlresolver:4.4.3", "4.4.3", lock+":48", sbom.ScopeRuntime, "checkstyle"),
	} {
		if diff := cmp.Diff(want, byID[want.ID]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", want.ID, diff)
		}
	}
	tests := 0
	for _, p := range got {
		if p.Scope == sbom.ScopeTest {
			tests++
		}
		if p.Relation != sbom.RelationUnknown || len(p.DependsOn) != 0 {
			t.Errorf("%s: relation %q, depends on %v; a lockfile records neither", p.ID, p.Relation, p.DependsOn)
		}
	}
	if tests != 15 {
		t.Errorf("%d test packages, want 15", tests)
	}
}

func TestGradleBuildscript(t *testing.T) {
	const lock = "maybe/buildscript-gradle.lockfile"
	res, err := catalogtest.Run(t, &GradleLockCataloger{}, "testdata/gradle", lock)
	if err != nil {
		t.Fatal(err)
	}
	got := view(res)
	if len(got) != 11 {
		t.Fatalf("%d packages, want 11", len(got))
	}
	want := gradlePkg("org.apache.commons:commons-lang3:3.11", "3.11", lock+":10", sbom.ScopeDev, "classpath")
	if diff := cmp.Diff(want, got[6]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, p := range got {
		if p.Scope != sbom.ScopeDev {
			t.Errorf("%s: scope %q, want dev for the build script classpath", p.ID, p.Scope)
		}
	}
}

func TestGradleLegacy(t *testing.T) {
	const dir = "gradle/dependency-locks/"
	tests := []struct {
		rel  string
		want []pkgView
	}{{
		rel: dir + "compileClasspath.lockfile",
		want: []pkgView{
			gradlePkg("com.google.guava:failureaccess:1.0.1", "1.0.1", dir+"compileClasspath.lockfile:4", sbom.ScopeRuntime, "compileClasspath"),
			gradlePkg("com.google.guava:guava:28.2-jre", "28.2-jre", dir+"compileClasspath.lockfile:5", sbom.ScopeRuntime, "compileClasspath"),
			gradlePkg("org.slf4j:slf4j-api:1.7.30", "1.7.30", dir+"compileClasspath.lockfile:6", sbom.ScopeRuntime, "compileClasspath"),
		},
	}, {
		rel: dir + "testRuntimeClasspath.lockfile",
		want: []pkgView{
			gradlePkg("junit:junit:4.13", "4.13", dir+"testRuntimeClasspath.lockfile:4", sbom.ScopeTest, "testRuntimeClasspath"),
			gradlePkg("org.hamcrest:hamcrest-core:1.3", "1.3", dir+"testRuntimeClasspath.lockfile:5", sbom.ScopeTest, "testRuntimeClasspath"),
		},
	}, {
		rel: dir + "buildscript-classpath.lockfile",
		want: []pkgView{
			gradlePkg("com.github.ben-manes:gradle-versions-plugin:0.27.0", "0.27.0", dir+"buildscript-classpath.lockfile:4", sbom.ScopeDev, "buildscript-classpath"),
		},
	}}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			res, err := catalogtest.Run(t, &GradleLockCataloger{}, "testdata/gradle/legacy", tt.rel)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, view(res)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestGradleErrors(t *testing.T) {
	res, err := catalogtest.Run(t, &GradleLockCataloger{}, "testdata/gradle", "bad/gradle.lockfile")
	var lines []int
	for _, e := range unjoin(err) {
		var pe *catalog.ParseError
		if !errors.As(e, &pe) || pe.Path != "bad/gradle.lockfile" {
			t.Fatalf("error %v, want *catalog.ParseError for bad/gradle.lockfile", e)
		}
		lines = append(lines, pe.Line)
	}
	if diff := cmp.Diff([]int{5, 6}, lines); diff != "" {
		t.Errorf("error lines (-want +got):\n%s", diff)
	}
	if n := len(res.Packages); n != 2 {
		t.Errorf("%d packages kept, want the 2 good lines", n)
	}

	long := fstest.MapFS{"gradle.lockfile": {Data: []byte("a:b:1=x\n" + strings.Repeat("x", catalog.MaxLineLength+1))}}
	if _, err := runFS(t, &GradleLockCataloger{}, long, "gradle.lockfile"); !errors.Is(err, catalog.ErrTooLarge) {
		t.Errorf("long line: error %v, want ErrTooLarge", err)
	}
}

// unjoin returns the errors an errors.Join holds, or err itself.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

func TestGradleMatch(t *testing.T) {
	c := &GradleLockCataloger{}
	for p, want := range map[string]bool{
		"gradle.lockfile": true, "app/gradle.lockfile": true, "buildscript-gradle.lockfile": true,
		"settings-gradle.lockfile": true, "gradle/dependency-locks/compileClasspath.lockfile": true,
		"sub/gradle/dependency-locks/x.lockfile": true, "dependency-locks/x.lockfile": false,
		"gradle.lockfile.orig": false, "foo.lockfile": false, "gradle/x.lockfile": false,
	} {
		if got := c.Match(p, 0o644); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}
