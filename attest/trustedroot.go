package attest

import (
	_ "embed"
	"fmt"
	"os"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

//go:embed trustedroot/public-good-trusted_root.json
var publicGoodRoot []byte

// TrustedRootDate is when the embedded public-good trusted root was last known current: the
// date of the root-signing commit it was copied from (the file itself last changed on
// 2025-09-22, adding the first Rekor v2 log; see trustedroot/README.md).
var TrustedRootDate = time.Date(2026, 8, 21, 0, 0, 0, 0, time.UTC)

// TrustedRootMaxAge is the age after which the embedded root is reported stale.
const TrustedRootMaxAge = 183 * 24 * time.Hour

// maxTrustedRoot bounds a trusted root file.
const maxTrustedRoot = 4 << 20

// PublicGoodTrustedRoot returns the embedded Sigstore public-good trusted root.
func PublicGoodTrustedRoot() (*root.TrustedRoot, error) {
	return root.NewTrustedRootFromJSON(publicGoodRoot)
}

// TrustedRootStale reports whether the embedded trusted root is older than TrustedRootMaxAge
// at now.
func TrustedRootStale(now time.Time) bool {
	return now.Sub(TrustedRootDate) > TrustedRootMaxAge
}

// LoadTrustedRoot reads a trusted root JSON file (sigstore's TrustedRoot, media type
// application/vnd.dev.sigstore.trustedroot+json).
func LoadTrustedRoot(path string) (*root.TrustedRoot, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxTrustedRoot {
		return nil, fmt.Errorf("trusted root %s is larger than %d bytes", path, maxTrustedRoot)
	}
	data, err := readLimited(path, maxTrustedRoot)
	if err != nil {
		return nil, err
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("trusted root %s: %w", path, err)
	}
	return tr, nil
}
