package cli

import (
	"context"
	"errors"

	"github.com/hallmark-dev/hallmark/report"
)

// scan --reachability. Not implemented yet.

// applyReachability marks the Go findings of res whose vulnerable symbols are not reachable
// from the programs in targets.
func applyReachability(ctx context.Context, res *report.Result, targets []string) error {
	return errors.New("--reachability is not implemented yet")
}
