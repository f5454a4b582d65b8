package cli

import (
	"context"
	"errors"

	"github.com/hallmark-dev/hallmark/report"
)

// The vex command and scan --vex. Not implemented yet.

func runVex(ctx context.Context, env *Env, args []string) error {
	return notYet("vex")
}

// applyVEX applies the VEX documents files to the findings of res.
func applyVEX(ctx context.Context, res *report.Result, files []string) error {
	if len(files) == 0 {
		return nil
	}
	return errors.New("--vex is not implemented yet")
}
