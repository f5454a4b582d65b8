package ruby

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
)

// TestEdgeLimit checks that a crafted lockfile locking one gem many times, each depending on
// that gem, cannot make the graph quadratic: 20 000 such specs (300 KB) used to give 400
// million edges and take a minute.
func TestEdgeLimit(t *testing.T) {
	const n = 2100 // n*n just exceeds maxEdges
	var b strings.Builder
	b.WriteString("GEM\n  remote: https://rubygems.org/\n  specs:\n")
	for i := range n {
		fmt.Fprintf(&b, "    a (%d)\n      a\n", i)
	}
	res, err := catalogtest.Bytes(t, &LockCataloger{}, "Gemfile.lock", []byte(b.String()))
	if !errors.Is(err, catalog.ErrTooLarge) || !strings.Contains(err.Error(), "Gemfile.lock:") {
		t.Fatalf("error %v, want a limit error naming the file", err)
	}
	edges := 0
	for _, p := range res.Packages {
		edges += len(p.DependsOn)
	}
	if len(res.Packages) != n || edges > maxEdges {
		t.Errorf("%d packages, %d edges; want %d packages and at most %d edges", len(res.Packages), edges, n, maxEdges)
	}
}
