package triage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/package-url/packageurl-go"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/vex"
)

// IngestVEX records the statements of a VEX document (OpenVEX 0.2.0, CycloneDX VEX or CSAF
// 2.0 VEX, as package vex reads them) as analyses of the team, authored "vex:<document ID>"
// and recorded by author (the uploader) in the audit trail, in one transaction. It returns
// the number of statements that changed an analysis.
//
// A statement's product named by a purl becomes a per-advisory analysis of that package (of
// the purl's version only, when it has one); a product with subcomponents becomes an
// analysis of each finding of the team's artifact the product names by digest ("sha256:…"
// or an OCI purl whose version is the digest) whose component a subcomponent's purl names.
// Other products (IRIs, hashes, CPEs) are not recorded. A statement older than the analysis
// stored for the same advisory and package is skipped: the latest wins. Statuses map to
// states: not_affected, affected, fixed → resolved, under_investigation → in_triage; the
// impact statement and status notes become the comment.
func (t *Triage) IngestVEX(ctx context.Context, teamID int64, doc []byte, author string) (statements int, err error) {
	if len(doc) > vex.MaxDocumentSize {
		return 0, invalid("VEX document larger than %d bytes", vex.MaxDocumentSize)
	}
	stmts, err := vex.Parse(doc, "upload")
	if err != nil {
		return 0, fmt.Errorf("reading the VEX document: %w: %w", portfolio.ErrInvalid, err)
	}
	docID := ""
	if len(stmts) > 0 {
		docID = stmts[0].DocumentID
	}
	if docID == "" {
		sum := sha256.Sum256(doc)
		docID = "sha256:" + hex.EncodeToString(sum[:])
	}
	author = strings.TrimSpace(author)
	now := t.now().UTC().Truncate(time.Millisecond)
	err = t.st.Transact(ctx, func(tx *sql.Tx) error {
		statements = 0
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM teams WHERE id = ?`, teamID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("team %d: %w", teamID, portfolio.ErrNotFound)
		} else if err != nil {
			return err
		}
		for i := range stmts {
			changed, err := t.ingestStatement(ctx, tx, teamID, &stmts[i], docID, author, now)
			if err != nil {
				return fmt.Errorf("statement %s: %w", stmts[i].Ref, err)
			}
			if changed {
				statements++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("ingesting VEX: %w", err)
	}
	return statements, nil
}

// fromStatement maps a VEX statement to an analysis (without what it applies to).
func fromStatement(teamID int64, st *vex.Statement, docID string, now time.Time) (Analysis, error) {
	a := Analysis{
		TeamID: teamID, Advisory: st.Vulnerability, Aliases: st.Aliases,
		Author: truncate("vex:"+docID, MaxName), Time: now,
	}
	if !st.Timestamp.IsZero() && st.Timestamp.Before(now) {
		a.Time = st.Timestamp.UTC().Truncate(time.Millisecond)
	}
	var notes []string
	for _, s := range []string{st.ImpactStatement, st.StatusNotes} {
		if s = strings.TrimSpace(s); s != "" {
			notes = append(notes, s)
		}
	}
	switch st.Status {
	case vex.StatusNotAffected:
		a.State, a.Justification = NotAffected, st.Justification
	case vex.StatusAffected:
		a.State, a.Action = Affected, truncate(st.ActionStatement, MaxComment)
	case vex.StatusFixed:
		a.State = Resolved
	default:
		a.State = InTriage
	}
	if a.State != Affected && strings.TrimSpace(st.ActionStatement) != "" {
		notes = append(notes, "Action: "+strings.TrimSpace(st.ActionStatement))
	}
	a.Comment = truncate(strings.Join(notes, "\n"), MaxComment)
	if len(a.Aliases) > 100 {
		a.Aliases = a.Aliases[:100]
	}
	a.Purl = "-" // each product sets it; check needs one
	if err := check(&a, true); err != nil {
		return a, err
	}
	return a, nil
}

// ingestStatement records one statement; changed reports whether an analysis changed.
func (t *Triage) ingestStatement(ctx context.Context, tx *sql.Tx, teamID int64, st *vex.Statement, docID, via string, now time.Time) (changed bool, err error) {
	a, err := fromStatement(teamID, st, docID, now)
	if err != nil {
		return false, err
	}
	stNames := names(a.Advisory, a.Aliases)
	seen := map[string]bool{}
	put := func(r *row) error {
		if seen[r.key] {
			return nil
		}
		seen[r.key] = true
		out, err := t.put(ctx, tx, r, via, true)
		changed = changed || out != nil
		return err
	}
	for _, p := range st.Products {
		if len(p.Subcomponents) == 0 {
			for _, id := range p.IDs {
				ref, err := parsePurl(id)
				if !strings.HasPrefix(id, "pkg:") || err != nil {
					continue
				}
				if len(ref.purl) > MaxName {
					return false, invalid("purl %.40q…: longer than %d bytes", ref.purl, MaxName)
				}
				r := &row{Analysis: a, ref: ref, names: stNames}
				r.Purl = ref.purl
				r.key = "a:" + strings.ToLower(a.Advisory) + " " + ref.purl
				if err := put(r); err != nil {
					return false, err
				}
			}
			continue
		}
		fs, err := productFindings(ctx, tx, teamID, p.IDs)
		if err != nil {
			return false, err
		}
		var subs []pkgRef
		for _, id := range p.Subcomponents {
			if ref, err := parsePurl(id); strings.HasPrefix(id, "pkg:") && err == nil {
				subs = append(subs, ref)
			}
		}
		for _, f := range fs {
			if !f.hasRef || !shareName(f.names, stNames) || !anyCovers(subs, f.ref) {
				continue
			}
			id := f.id
			r := &row{Analysis: a, key: "f:" + strconv.FormatInt(id, 10), names: f.names}
			r.FindingID, r.Advisory, r.Aliases, r.Purl = &id, f.advisory, f.aliases, ""
			if err := put(r); err != nil {
				return false, err
			}
		}
	}
	return changed, nil
}

// productFindings returns the findings of the team's artifacts that a product's identifiers
// name by digest.
func productFindings(ctx context.Context, tx *sql.Tx, teamID int64, ids []string) ([]finding, error) {
	var digests []any
	for _, id := range ids {
		d := id
		if strings.HasPrefix(id, "pkg:oci/") {
			if p, err := packageurl.FromString(id); err == nil {
				d = p.Version
			}
		}
		if strings.HasPrefix(d, "sha256:") && len(digests) < chunk {
			digests = append(digests, strings.ToLower(d))
		}
	}
	if len(digests) == 0 {
		return nil, nil
	}
	return queryFindings(ctx, tx, findingQuery+` WHERE a.team_id = ? AND a.digest IN (`+placeholders(len(digests))+`)`,
		append([]any{teamID}, digests...)...)
}

func anyCovers(refs []pkgRef, c pkgRef) bool {
	for _, r := range refs {
		if r.covers(c) {
			return true
		}
	}
	return false
}

// truncate cuts s to at most n bytes, at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
