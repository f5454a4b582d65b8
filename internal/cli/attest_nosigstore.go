//go:build !sigstore

package cli

import (
	"context"
	"errors"
)

// Without the sigstore build tag, key, sign, attest and verify are not built in.

var errNoSigstore = errors.New("is not built into this hallmark: build with -tags sigstore (go.mod must carry sigstore-go's dependencies)")

func keyCmd(ctx context.Context, env *Env, args []string) error    { return noSigstore("key") }
func signCmd(ctx context.Context, env *Env, args []string) error   { return noSigstore("sign") }
func attestCmd(ctx context.Context, env *Env, args []string) error { return noSigstore("attest") }
func verifyCmd(ctx context.Context, env *Env, args []string) error { return noSigstore("verify") }

func noSigstore(cmd string) error {
	return &exitError{code: ExitError, err: errors.New(cmd + " " + errNoSigstore.Error())}
}
