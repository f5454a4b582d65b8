package portfolio

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// TestReevaluateOpensGitFindings: a source checkout uploaded before a GIT-range advisory gets
// its finding from the re-evaluation (found by its commit), and only in the same repository.
func TestReevaluateOpensGitFindings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		const commit = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		checkout := func(name, repo string) *IngestResult {
			inv := &sbom.Inventory{Packages: []*sbom.Package{{ID: "src", Name: name, Ecosystem: "PyPI", PURL: "pkg:pypi/" + name,
				VCS: &sbom.VCS{Type: "git", URL: repo, Revision: commit}}}}
			return f.ingest(1, name, inv, []byte(name))
		}
		lib := checkout("lib", "git+https://github.com/example/lib.git")
		other := checkout("fork", "https://github.com/example/fork")
		dir := t.TempDir()
		adv := `{"id":"OSV-GIT-1","modified":"2024-01-01T00:00:00Z","affected":[{"ranges":[{"type":"GIT",
			"repo":"https://github.com/example/lib","events":[{"introduced":"` + commit + `"},{"fixed":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}]}]}]}`
		if err := os.WriteFile(filepath.Join(dir, "OSV-GIT-1.json"), []byte(adv), 0o644); err != nil {
			t.Fatal(err)
		}
		f.importAdvisories(dir)
		st, err := f.p.Reevaluate(f.ctx, []string{"OSV-GIT-1"})
		if err != nil {
			t.Fatal(err)
		}
		if st.Opened != 1 {
			t.Errorf("re-evaluation %+v, want one finding opened", st)
		}
		if got := f.findings(all, lib.Artifact.ID, "open"); len(got) != 1 {
			t.Errorf("lib's open findings %q, want OSV-GIT-1", got)
		}
		if got := f.findings(all, other.Artifact.ID, "open"); len(got) != 0 {
			t.Errorf("the fork's open findings %q, want none (another repository)", got)
		}
		aff, err := f.p.AffectedBy(f.ctx, all, "OSV-GIT-1")
		if err != nil || len(aff.Artifacts) != 1 || aff.Artifacts[0].Name != "lib" {
			t.Errorf("affected %+v, %v; want lib", aff, err)
		}
	})
}

// TestReevaluateInBatches re-evaluates an advisory affecting more artifacts than one
// transaction diffs: every finding opens once, and OnEvents runs after each batch.
func TestReevaluateInBatches(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		n := reevalArtifacts + 7
		for i := range n {
			inv, doc := readSBOM(t, "app.cdx.json")
			f.ingest(1, "shop", inv, append(doc, fmt.Sprint(i)...))
		}
		var batches int
		f.p.OnEvents(func() { batches++ })
		f.importAdvisories("testdata/later")
		st, err := f.p.Reevaluate(f.ctx, []string{minimistAdv})
		if err != nil {
			t.Fatal(err)
		}
		if st.Artifacts != n || st.Opened != n || batches != 2 {
			t.Errorf("re-evaluation %+v with %d batches, want %d artifacts opened in 2", st, batches, n)
		}
		if ev := f.events(); len(ev) != n {
			t.Errorf("%d events, want %d", len(ev), n)
		}
	})
}
