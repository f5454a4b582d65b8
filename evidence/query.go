package evidence

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/portfolio"
)

// ForDigest lists the attestations of the teams in sc with a subject of the given digest
// ("sha256:<hex>"), newest first, at most 1000.
func (s *Store) ForDigest(ctx context.Context, sc portfolio.Scope, digest string) ([]Attestation, error) {
	digest = strings.ToLower(strings.TrimSpace(digest))
	if !validDigest(digest) {
		return nil, invalid("digest %q: want sha256:HEX", digest)
	}
	cond, ok := teamCond(sc, "a.team_id")
	if !ok {
		return []Attestation{}, nil
	}
	out, err := s.query(ctx, `SELECT `+attestationCols+` FROM attestations a
		WHERE a.id IN (SELECT attestation_id FROM attestation_subjects WHERE digest = ?)`+cond+`
		ORDER BY a.id DESC LIMIT ?`, digest, maxList)
	if err != nil {
		return nil, fmt.Errorf("reading attestations: %w", err)
	}
	return out, nil
}

// Get returns one attestation of the teams in sc; portfolio.ErrNotFound when there is none.
func (s *Store) Get(ctx context.Context, sc portfolio.Scope, id int64) (*Attestation, error) {
	cond, ok := teamCond(sc, "a.team_id")
	if !ok {
		return nil, fmt.Errorf("attestation %d: %w", id, portfolio.ErrNotFound)
	}
	out, err := s.query(ctx, `SELECT `+attestationCols+` FROM attestations a WHERE a.id = ?`+cond, id)
	if err != nil {
		return nil, fmt.Errorf("reading attestation %d: %w", id, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("attestation %d: %w", id, portfolio.ErrNotFound)
	}
	return &out[0], nil
}

// Bundle returns the bundle of one attestation of the teams in sc, as it was posted.
func (s *Store) Bundle(ctx context.Context, sc portfolio.Scope, id int64) ([]byte, error) {
	cond, ok := teamCond(sc, "a.team_id")
	if !ok {
		return nil, fmt.Errorf("attestation %d: %w", id, portfolio.ErrNotFound)
	}
	var b []byte
	err := s.st.SQL().QueryRowContext(ctx, `SELECT a.bundle FROM attestations a WHERE a.id = ?`+cond, id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("attestation %d: %w", id, portfolio.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading attestation %d: %w", id, err)
	}
	return b, nil
}

const attestationCols = `a.id, a.team_id, a.bundle_sha256, a.media_type, a.predicate_type, a.predicate, a.signer, a.issuer,
	a.verified, a.failure, a.created_at, a.verified_at`

// query reads attestations selected by attestationCols, with their subjects.
func (s *Store) query(ctx context.Context, q string, args ...any) ([]Attestation, error) {
	rows, err := s.st.SQL().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Attestation{}
	byID := map[int64]int{}
	for rows.Next() {
		var a Attestation
		var predicate string
		var verified int64
		var created, at int64
		if err := rows.Scan(&a.ID, &a.TeamID, &a.BundleDigest, &a.MediaType, &a.PredicateType, &predicate, &a.Signer, &a.Issuer,
			&verified, &a.Failure, &created, &at); err != nil {
			return nil, err
		}
		a.Predicate = json.RawMessage(predicate)
		a.Verified = verified != 0
		a.Created, a.VerifiedAt = time.UnixMilli(created).UTC(), time.UnixMilli(at).UTC()
		a.Subjects = []Subject{}
		byID[a.ID] = len(out)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(out))
	for _, a := range out {
		ids = append(ids, strconv.FormatInt(a.ID, 10))
	}
	srows, err := s.st.SQL().QueryContext(ctx, `SELECT attestation_id, digest, name FROM attestation_subjects
		WHERE attestation_id IN (`+strings.Join(ids, ", ")+`) ORDER BY attestation_id, digest, name`)
	if err != nil {
		return nil, err
	}
	defer srows.Close()
	for srows.Next() {
		var id int64
		var sub Subject
		if err := srows.Scan(&id, &sub.Digest, &sub.Name); err != nil {
			return nil, err
		}
		out[byID[id]].Subjects = append(out[byID[id]].Subjects, sub)
	}
	return out, srows.Err()
}

// teamCond returns the condition limiting col to sc's teams (their IDs are written into
// the query: they are integers); ok is false when sc sees no team.
func teamCond(sc portfolio.Scope, col string) (cond string, ok bool) {
	if sc.All {
		return "", true
	}
	ids := make([]string, len(sc.Teams))
	for i, t := range sc.Teams {
		ids[i] = strconv.FormatInt(t, 10)
	}
	return " AND " + col + " IN (" + strings.Join(ids, ", ") + ")", len(ids) > 0
}
