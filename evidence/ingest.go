package evidence

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/portfolio"
)

// Ingest verifies a Sigstore bundle posted by a team against the trust policy and stores it
// with the result (see the package documentation). The same bundle posted again by the team
// is the same attestation, verified anew. Not a bundle: portfolio.ErrInvalid; unknown team:
// portfolio.ErrNotFound.
func (s *Store) Ingest(ctx context.Context, teamID int64, data []byte) (*Attestation, error) {
	if len(data) > attest.MaxBundleSize {
		return nil, invalid("bundle larger than %d bytes", attest.MaxBundleSize)
	}
	c, err := inspect(data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	now := s.now().UTC().Truncate(time.Millisecond)
	a := &Attestation{
		TeamID: teamID, BundleDigest: "sha256:" + hex.EncodeToString(sum[:]), MediaType: c.mediaType,
		Subjects: c.subjects, PredicateType: c.predicateType, Predicate: c.predicate, VerifiedAt: now,
	}
	if a.Subjects == nil {
		a.Subjects = []Subject{}
	}
	res, err := s.verify(c)
	if err != nil {
		a.Failure = truncate(strings.ToValidUTF8(err.Error(), "\uFFFD"), maxFailure)
	} else {
		a.Verified, a.Signer, a.Issuer = true, res.signer, res.issuer
	}
	predicate := strings.ToValidUTF8(string(a.Predicate), "\uFFFD")
	err = s.st.Transact(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM teams WHERE id = ?`, teamID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("team %d: %w", teamID, portfolio.ErrNotFound)
		} else if err != nil {
			return err
		}
		var created int64
		err := tx.QueryRowContext(ctx, `INSERT INTO attestations (team_id, bundle_sha256, media_type, predicate_type, predicate,
			signer, issuer, verified, failure, bundle, created_at, verified_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS BLOB), ?, ?)
			ON CONFLICT (team_id, bundle_sha256) DO UPDATE SET signer = excluded.signer, issuer = excluded.issuer,
				verified = excluded.verified, failure = excluded.failure, verified_at = excluded.verified_at
			RETURNING id, created_at`,
			teamID, a.BundleDigest, a.MediaType, a.PredicateType, predicate, a.Signer, a.Issuer, a.Verified, a.Failure,
			data, now.UnixMilli(), now.UnixMilli()).Scan(&a.ID, &created)
		if err != nil {
			return err
		}
		a.Created = time.UnixMilli(created).UTC()
		for _, sub := range a.Subjects {
			if _, err := tx.ExecContext(ctx, `INSERT INTO attestation_subjects (attestation_id, digest, name) VALUES (?, ?, ?)
				ON CONFLICT (attestation_id, digest, name) DO NOTHING`, a.ID, sub.Digest, sub.Name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storing the attestation: %w", err)
	}
	return a, nil
}

// verified is who signed a verified bundle.
type verified struct {
	signer, issuer string
}

// verify checks the bundle under each policy that may apply to it — the identities for a
// bundle with a certificate, the keys for one without — and returns the first that verifies
// it, else why none did.
func (s *Store) verify(c *content) (*verified, error) {
	if c.sha256 == nil {
		return nil, errors.New("the bundle names no SHA-256 digest to verify its signature against")
	}
	art := attest.Artifact{SHA256: c.sha256}
	var reasons []string
	if c.keyless {
		if len(s.identities) == 0 {
			return nil, errors.New("the bundle is signed with a certificate, and the server trusts no keyless identity")
		}
		for _, id := range s.identities {
			res, err := attest.Verify(c.bundle, art, attest.Policy{IssuerRegexp: id.IssuerRegexp, IdentityRegexp: id.SANRegexp, TrustedRoot: s.root})
			if err == nil {
				return &verified{signer: res.Identity, issuer: res.Issuer}, nil
			}
			reasons = appendReason(reasons, err)
		}
	} else {
		if len(s.keys) == 0 {
			return nil, errors.New("the bundle is signed with a key, and the server trusts no public key")
		}
		for i, k := range s.keys {
			_, err := attest.Verify(c.bundle, art, attest.Policy{PublicKey: k, TrustedRoot: s.root})
			if err == nil {
				return &verified{signer: "key:" + s.hints[i]}, nil
			}
			reasons = appendReason(reasons, err)
		}
	}
	return nil, errors.New(strings.Join(reasons, "; "))
}

// appendReason adds err's message unless it is there already.
func appendReason(reasons []string, err error) []string {
	for _, r := range reasons {
		if r == err.Error() {
			return reasons
		}
	}
	return append(reasons, err.Error())
}

// truncate cuts s to at most n bytes, dropping a rune cut in two.
func truncate(s string, n int) string {
	return strings.ToValidUTF8(s[:min(n, len(s))], "")
}
