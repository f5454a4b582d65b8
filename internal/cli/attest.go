package cli

import (
	"context"
	"errors"
)

// The key, sign, attest and verify commands. Not implemented yet: see the README.

func runKey(ctx context.Context, env *Env, args []string) error {
	return notYet("key")
}

func runSign(ctx context.Context, env *Env, args []string) error {
	return notYet("sign")
}

func runAttest(ctx context.Context, env *Env, args []string) error {
	return notYet("attest")
}

func runVerify(ctx context.Context, env *Env, args []string) error {
	return notYet("verify")
}

// notYet is the error of a command that is planned but not implemented.
func notYet(cmd string) error {
	return &exitError{code: ExitError, err: errors.New(cmd + " is not implemented yet (see the README, 'What works today')")}
}
