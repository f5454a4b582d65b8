package provenance

import (
	_ "embed"
	"fmt"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// publicGoodRoot is the Sigstore public-good trusted root (Fulcio CAs, Rekor and CT log keys,
// timestamp authority), targets/trusted_root.json of https://github.com/sigstore/root-signing
// at commit 60cf2ce8b2e4 (Apache-2.0). It is never refreshed over the network: to use a newer
// one, pass it with --trusted-root.
//
//go:embed trusted_root.json
var publicGoodRoot []byte

// PublicGoodRootDate is when the embedded public-good trusted root was last known current:
// the date of the root-signing commit it was copied from (the file itself last changed on
// 2025-09-22, adding the first Rekor v2 log).
var PublicGoodRootDate = time.Date(2026, 8, 21, 0, 0, 0, 0, time.UTC)

// RootMaxAge is how old the embedded trusted root may be before RootAgeWarning warns.
const RootMaxAge = 180 * 24 * time.Hour

// PublicGoodTrustedRoot returns the embedded Sigstore public-good trusted root.
func PublicGoodTrustedRoot() (*root.TrustedRoot, error) {
	tr, err := root.NewTrustedRootFromJSON(publicGoodRoot)
	if err != nil {
		return nil, fmt.Errorf("embedded public-good trusted root: %w", err)
	}
	return tr, nil
}

// RootAgeWarning returns a warning when the embedded trusted root is older than RootMaxAge at
// now, and "" otherwise.
func RootAgeWarning(now time.Time) string {
	if age := now.Sub(PublicGoodRootDate); age > RootMaxAge {
		return fmt.Sprintf("the embedded Sigstore public-good trusted root dates from %s (%d days ago): bundles signed with newer keys will not verify; pass a current trusted_root.json with --trusted-root",
			PublicGoodRootDate.Format(time.DateOnly), int(age.Hours()/24))
	}
	return ""
}
