package npm

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
)

// TestYarnClassicNamelessRoot checks that the root project of a classic yarn.lock whose
// package.json has no name is named by its directory relative to the scanned target, as
// pnpm's importers are, and keeps its version; and that a workspace without a name is left
// out, as Yarn classic leaves it out of the lockfile ("Missing name in workspace at …,
// ignoring": testdata/yarn-v1-nameless/packages/tool, whose is-number is not locked).
func TestYarnClassicNamelessRoot(t *testing.T) {
	lib := project{"@fixture/lib", "0.2.0", "pkg:npm/%40fixture/lib@0.2.0", []string{"left-pad@1.3.0"}}
	rootDeps := []string{"ms@2.1.3", "workspace:packages/lib"}
	for _, tt := range []struct {
		root, rel string
		want      map[string]project
	}{
		{"testdata/yarn-v1-nameless", "yarn.lock", map[string]project{
			".":                      {".", "3.1.0", "pkg:npm/.@3.1.0", rootDeps},
			"workspace:packages/lib": lib,
		}},
		{"testdata", "yarn-v1-nameless/yarn.lock", map[string]project{
			".":                      {"./yarn-v1-nameless", "3.1.0", "pkg:npm/.%2Fyarn-v1-nameless@3.1.0", rootDeps},
			"workspace:packages/lib": lib,
		}},
	} {
		t.Run(tt.rel, func(t *testing.T) {
			res, err := catalogtest.Run(t, cataloger(t, "yarn-lock"), tt.root, tt.rel)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, projects(res)); diff != "" {
				t.Errorf("projects (-want +got):\n%s", diff)
			}
		})
	}
}
