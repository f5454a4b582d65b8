package policy_test

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/tester"
)

// TestLibraryRego runs the Rego unit tests of the policy library (policy/library/*_test.rego),
// as 'opa test policy/library' would.
func TestLibraryRego(t *testing.T) {
	results, err := tester.Run(context.Background(), "library")
	if err != nil {
		t.Fatal(err)
	}
	if len(results) == 0 {
		t.Fatal("no Rego tests found in library")
	}
	for _, r := range results {
		if r.Error != nil {
			t.Errorf("%s.%s: %v", r.Package, r.Name, r.Error)
		} else if !r.Pass() {
			t.Errorf("%s.%s: FAIL (%s:%d)", r.Package, r.Name, r.Location.File, r.Location.Row)
		}
	}
	t.Logf("%d Rego tests", len(results))
}
