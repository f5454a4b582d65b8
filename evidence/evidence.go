// Package evidence keeps the attestations a team posts to the server: Sigstore bundles,
// verified on ingest against the server's trust policy (a trusted root, allowed keyless
// identities and public keys; see Options), and stored with the result, the signer, the
// in-toto statement's subjects, predicate type and predicate, and the bundle itself.
//
// A bundle that does not verify is kept, marked unverified with the reason: what was
// attested is worth seeing even when the signature cannot be trusted. Input that is not a
// Sigstore bundle (or whose DSSE payload is not an in-toto statement) is refused with
// portfolio.ErrInvalid. Attestations belong to the team that posted them; ForDigest lists
// those of the caller's teams only.
package evidence

import (
	"crypto"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/store"
)

// Options are the server's trust policy. A bundle verifies when one of the public keys, or
// one of the identities under the trusted root, verifies it. With neither, nothing
// verifies: every bundle is stored as unverified.
type Options struct {
	// TrustedRoot is a Sigstore trusted root (JSON, media type
	// application/vnd.dev.sigstore.trustedroot+json) holding the Fulcio CAs, transparency
	// logs and timestamp authorities; nil means the public-good root embedded in package
	// attest. TUF metadata is never fetched.
	TrustedRoot []byte
	// Identities are the keyless signers trusted.
	Identities []Identity
	// PublicKeys verify bundles signed with a key (attest.ParsePublicKey reads PEM).
	PublicKeys []crypto.PublicKey
}

// Identity is a keyless signer: a certificate whose OIDC issuer and subject alternative name
// (a workflow URI, an email) match the regular expressions (Go syntax; anchor them with ^ and
// $ to match the whole value).
type Identity struct {
	IssuerRegexp string `json:"issuer_regexp"`
	SANRegexp    string `json:"san_regexp"`
}

// Attestation is one stored bundle.
type Attestation struct {
	ID     int64 `json:"id"`
	TeamID int64 `json:"team_id"`
	// BundleDigest is "sha256:<hex>" of the bundle as posted; posting it again updates the
	// verification of the same attestation.
	BundleDigest string    `json:"bundle_digest"`
	MediaType    string    `json:"media_type"`
	Subjects     []Subject `json:"subjects"`
	// PredicateType and Predicate are the in-toto statement's; "" and null for a bundle
	// signing a message digest.
	PredicateType string          `json:"predicate_type"`
	Predicate     json.RawMessage `json:"predicate"`
	// Signer is the certificate's subject alternative name (keyless) or "key:<hint>" (the
	// public key's hint); Issuer the certificate's OIDC issuer. Empty when unverified.
	Signer   string `json:"signer"`
	Issuer   string `json:"issuer,omitempty"`
	Verified bool   `json:"verified"`
	// Failure says why verification failed; "" when verified.
	Failure    string    `json:"failure,omitempty"`
	Created    time.Time `json:"created"`
	VerifiedAt time.Time `json:"verified_at"`
}

// Subject is an artifact an attestation is about.
type Subject struct {
	Name   string `json:"name,omitempty"`
	Digest string `json:"digest"` // "sha256:<hex>"
}

// Limits.
const (
	// MaxSubjects bounds the subjects stored of one statement.
	MaxSubjects = 1000
	// maxList bounds the attestations ForDigest returns.
	maxList = 1000
	// maxFailure bounds a stored failure reason, maxName a subject's name.
	maxFailure = 2000
	maxName    = 1024
)

// Store keeps attestations in the server's database.
type Store struct {
	st         *store.DB
	root       root.TrustedMaterial // nil: attest's public-good root
	identities []Identity
	keys       []crypto.PublicKey
	hints      []string // of keys, by index
	now        func() time.Time
}

// New returns the attestations kept in st, verified under opts, which it checks first: the
// trusted root must parse, the regular expressions compile, the keys be usable.
func New(st *store.DB, opts Options) (*Store, error) {
	s := &Store{st: st, identities: opts.Identities, keys: opts.PublicKeys, now: time.Now}
	if opts.TrustedRoot != nil {
		tr, err := root.NewTrustedRootFromJSON(opts.TrustedRoot)
		if err != nil {
			return nil, fmt.Errorf("trusted root: %w", err)
		}
		s.root = tr
	}
	for i, id := range opts.Identities {
		if id.IssuerRegexp == "" || id.SANRegexp == "" {
			return nil, fmt.Errorf("identity %d: give both the issuer and the subject alternative name regular expressions", i+1)
		}
		for _, re := range []string{id.IssuerRegexp, id.SANRegexp} {
			if _, err := regexp.Compile(re); err != nil {
				return nil, fmt.Errorf("identity %d: %w", i+1, err)
			}
		}
	}
	for i, k := range opts.PublicKeys {
		hint, err := attest.KeyHint(k)
		if err != nil {
			return nil, fmt.Errorf("public key %d: %w", i+1, err)
		}
		s.hints = append(s.hints, hint)
	}
	return s, nil
}

// invalid wraps portfolio.ErrInvalid with a reason.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", portfolio.ErrInvalid, fmt.Sprintf(format, args...))
}
