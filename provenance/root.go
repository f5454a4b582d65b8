package provenance

import (
	"fmt"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/hallmark-dev/hallmark/attest"
)

// PublicGoodRootDate is when the embedded public-good trusted root was last known current; it
// is package attest's, which holds the one embedded copy (attest/trustedroot).
var PublicGoodRootDate = attest.TrustedRootDate

// RootMaxAge is how old the embedded trusted root may be before RootAgeWarning warns.
const RootMaxAge = 180 * 24 * time.Hour

// PublicGoodTrustedRoot returns the embedded Sigstore public-good trusted root.
func PublicGoodTrustedRoot() (*root.TrustedRoot, error) {
	tr, err := attest.PublicGoodTrustedRoot()
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
