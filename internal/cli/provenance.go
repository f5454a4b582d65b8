package cli

import "context"

// The provenance command (SLSA provenance generate and verify). Not implemented yet.

func runProvenance(ctx context.Context, env *Env, args []string) error {
	return notYet("provenance")
}
