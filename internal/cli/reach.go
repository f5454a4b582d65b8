package cli

import (
	"context"
	"fmt"

	"github.com/hallmark-dev/hallmark/reach"
	"github.com/hallmark-dev/hallmark/report"
)

// applyReachability marks the Go findings of res whose vulnerable symbols are not reachable
// from the programs in targets (package reach: govulncheck over the Go modules and binaries
// among the targets, offline, against the scan's own advisories).
func applyReachability(ctx context.Context, res *report.Result, targets []string) error {
	if res.Database.Path == "" {
		return fmt.Errorf("--reachability: the scan result names no advisory database")
	}
	d, err := openScanDB(ctx, res.Database.Path)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := reach.Apply(ctx, res, targets, reach.Options{Advisories: d.Advisories}); err != nil {
		return fmt.Errorf("--reachability: %w", err)
	}
	return nil
}
