package cli

import (
	"context"
	"errors"
)

// The key, sign, attest and verify commands: Sigstore bundles over files and in-toto
// attestations, signed with a local key (offline) and verified with a key or a signer identity
// (package attest). They are built with the sigstore build tag (attest_sigstore.go) until
// go.mod and go.sum carry sigstore-go's dependencies; without it they say so
// (attest_nosigstore.go).

func runKey(ctx context.Context, env *Env, args []string) error {
	return keyCmd(ctx, env, args)
}

func runSign(ctx context.Context, env *Env, args []string) error {
	return signCmd(ctx, env, args)
}

func runAttest(ctx context.Context, env *Env, args []string) error {
	return attestCmd(ctx, env, args)
}

func runVerify(ctx context.Context, env *Env, args []string) error {
	return verifyCmd(ctx, env, args)
}

// notYet is the error of a command that is planned but not implemented.
func notYet(cmd string) error {
	return &exitError{code: ExitError, err: errors.New(cmd + " is not implemented yet (see the README, 'What works today')")}
}
