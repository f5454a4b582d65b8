//go:build !sigstore

package cli

import (
	"context"
	"errors"
)

// runProvenance without sigstore-go: the provenance command needs it to verify and sign.
func runProvenance(ctx context.Context, env *Env, args []string) error {
	return &exitError{code: ExitError, err: errors.New("provenance is not built into this hallmark: build with -tags sigstore (go.mod must carry sigstore-go's dependencies)")}
}
