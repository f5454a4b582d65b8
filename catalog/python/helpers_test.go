package python

import (
	"errors"
	"io/fs"

	"fmt"
	"github.com/google/go-cmp/cmp"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

// row is the part of a package the table tests compare.
type row struct {
	ID, Name, Version, Constraint string
	Unresolved                    bool
	PURL                          string
	Type                          sbom.Type
	Scope                         sbom.Scope
	Relation                      sbom.Relation
	Loc                           string
	Hashes                        int
	DependsOn                     []string
	VCS                           string
	DownloadURL                   string
	Props                         string
}

func rowOf(p *sbom.Package) row {
	r := row{ID: p.ID, Name: p.Name, Version: p.Version, Constraint: p.Constraint, Unresolved: p.Unresolved,
		PURL: p.PURL, Type: p.Type, Scope: p.Scope, Relation: p.Relation, Hashes: len(p.Hashes),
		DownloadURL: p.DownloadURL}
	if r.Type == sbom.TypeLibrary {
		r.Type = ""
	}
	if len(p.Locations) > 0 {
		r.Loc = p.Locations[0].String()
	}
	r.DependsOn = slices.Sorted(slices.Values(p.DependsOn))
	if p.VCS != nil {
		r.VCS = fmt.Sprintf("%s %s ref=%s rev=%s", p.VCS.Type, p.VCS.URL, p.VCS.Ref, p.VCS.Revision)
	}
	var props []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range p.Properties {
			if !yield(k) {
				return
			}
		}
	}) {
		props = append(props, strings.TrimPrefix(k, "hallmark:pypi:")+"="+p.Properties[k])
	}
	r.Props = strings.Join(props, " ")
	return r
}

func rows(res *catalog.Result) []row {
	if res == nil || len(res.Packages) == 0 {
		return nil
	}
	out := make([]row, 0, len(res.Packages))
	for _, p := range res.Packages {
		if p.FoundBy == "" {
			panic("no FoundBy")
		}
		out = append(out, rowOf(p))
	}
	slices.SortFunc(out, func(a, b row) int { return strings.Compare(a.Loc+a.ID, b.Loc+b.ID) })
	return out
}

// dump prints rows as Go literals, to help write expectations (HALLMARK_DUMP=1).
func dump(t *testing.T, rs []row) {
	if os.Getenv("HALLMARK_DUMP") == "" {
		return
	}
	for _, r := range rs {
		t.Logf("%#v,", r)
	}
}

func run(t *testing.T, c catalog.Cataloger, root, rel string) ([]row, *catalog.Result, error) {
	t.Helper()
	res, err := catalogtest.Run(t, c, root, rel)
	rs := rows(res)
	dump(t, rs)
	return rs, res, err
}

// expect catalogs rel and compares the packages with want and the error with wantErrs: each
// string must occur in the error, and the error must be a catalog error when wantErrs is set.
func expect(t *testing.T, c catalog.Cataloger, root, rel string, want []row, wantErrs ...string) *catalog.Result {
	t.Helper()
	got, res, err := run(t, c, root, rel)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: packages mismatch (-want +got):\n%s", rel, diff)
	}
	if len(wantErrs) == 0 && err != nil {
		t.Errorf("%s: unexpected error %v", rel, err)
	}
	if len(wantErrs) > 0 {
		if err == nil {
			t.Fatalf("%s: no error, want %q", rel, wantErrs)
		}
		if !catalogtest.IsMalformed(err) && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: error %v is not a catalog error", rel, err)
		}
		for _, w := range wantErrs {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", rel, err, w)
			}
		}
	}
	return res
}

const fs_ModeDir = fs.ModeDir

func contains(s, sub string) bool { return strings.Contains(s, sub) }
