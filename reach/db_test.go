package reach

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/osv"
)

func TestWriteDB(t *testing.T) {
	advs, err := fixtureAdvisories(t)(context.Background(), []string{"GO-2020-0015", "GO-2021-0113"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := writeDB(dir, []*osv.Vulnerability{advs["GO-2020-0015"], advs["GO-2021-0113"]}); err != nil {
		t.Fatal(err)
	}
	var modules []struct {
		Path  string
		Vulns []struct{ ID string }
	}
	b, err := os.ReadFile(filepath.Join(dir, "index", "modules.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &modules); err != nil {
		t.Fatal(err)
	}
	if len(modules) != 1 || modules[0].Path != "golang.org/x/text" || len(modules[0].Vulns) != 2 {
		t.Errorf("modules.json = %s", b)
	}
	for _, f := range []string{"index/db.json", "ID/GO-2020-0015.json", "ID/GO-2021-0113.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if err := writeDB(t.TempDir(), []*osv.Vulnerability{{ID: "../x"}}); err == nil {
		t.Error("an ID with a slash was written")
	}
}

func TestSymbols(t *testing.T) {
	advs, _ := fixtureAdvisories(t)(context.Background(), []string{"GO-2020-0015"})
	got, ok := symbols(advs["GO-2020-0015"], "golang.org/x/text")
	want := []string{"golang.org/x/text/encoding/unicode.bomOverride.Transform", "golang.org/x/text/encoding/unicode.utf16Decoder.Transform", "golang.org/x/text/transform.String"}
	if !ok || !cmp.Equal(got, want) {
		t.Errorf("symbols = %q, %v", got, ok)
	}
	if _, ok := symbols(advs["GO-2020-0015"], "golang.org/x/net"); ok {
		t.Error("symbols of another module")
	}
}
