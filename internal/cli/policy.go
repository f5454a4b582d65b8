package cli

import (
	"context"
	"errors"

	"github.com/hallmark-dev/hallmark/report"
)

// The policy command and scan --policy. Not implemented yet.

func runPolicy(ctx context.Context, env *Env, args []string) error {
	return notYet("policy")
}

// applyPolicy evaluates the policy at path over res; a deny is an exitError with
// ExitFindings, after every message is printed.
func applyPolicy(ctx context.Context, env *Env, res *report.Result, path string) error {
	if path == "" {
		return nil
	}
	return errors.New("--policy is not implemented yet")
}
