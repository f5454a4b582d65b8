package portfolio

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// pkgVersion is one package version, as version sprawl counts them.
type pkgVersion struct{ eco, name, version string }

// versionsOf returns the distinct package versions of components (those with an ecosystem).
func versionsOf(comps []*comp) map[pkgVersion]bool {
	out := map[pkgVersion]bool{}
	for _, c := range comps {
		if c.eco != "" {
			out[pkgVersion{c.eco, c.name, c.version}] = true
		}
	}
	return out
}

// storedVersions reads the distinct package versions of a stored artifact.
func storedVersions(ctx context.Context, tx *sql.Tx, artifactID int64) (map[pkgVersion]bool, error) {
	out := map[pkgVersion]bool{}
	err := queryEach(ctx, tx, `SELECT DISTINCT ecosystem, name, version FROM components WHERE artifact_id = ? AND ecosystem <> ''`,
		[]any{artifactID}, func(r *sql.Rows) error {
			var v pkgVersion
			if err := r.Scan(&v.eco, &v.name, &v.version); err != nil {
				return err
			}
			out[v] = true
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("reading the artifact's package versions: %w", err)
	}
	return out, nil
}

// countVersions updates a team's package_versions for an artifact whose package versions
// change from old to cur: one more artifact for each version added, one fewer for each
// version gone.
func countVersions(ctx context.Context, tx *sql.Tx, team int64, old, cur map[pkgVersion]bool) error {
	var add []pkgVersion
	for v := range cur {
		if !old[v] {
			add = append(add, v)
		}
	}
	var gone []pkgVersion
	for v := range old {
		if !cur[v] {
			gone = append(gone, v)
		}
	}
	less := func(a, b pkgVersion) int {
		return strings.Compare(a.eco+"\x00"+a.name+"\x00"+a.version, b.eco+"\x00"+b.name+"\x00"+b.version)
	}
	// A stable order, so that concurrent uploads lock rows in the same order.
	slices.SortFunc(add, less)
	slices.SortFunc(gone, less)
	args := make([]any, 0, 5*len(add))
	for _, v := range add {
		args = append(args, team, v.eco, v.name, v.version, 1)
	}
	err := insertRows(ctx, tx, `INSERT INTO package_versions (team_id, ecosystem, name, version, artifacts) VALUES `, 5,
		` ON CONFLICT (ecosystem, name, version, team_id) DO UPDATE SET artifacts = package_versions.artifacts + 1`, args, nil)
	if err != nil {
		return fmt.Errorf("counting package versions: %w", err)
	}
	for _, v := range gone {
		if _, err := tx.ExecContext(ctx, `UPDATE package_versions SET artifacts = artifacts - 1 WHERE team_id = ? AND ecosystem = ? AND name = ? AND version = ?`,
			team, v.eco, v.name, v.version); err != nil {
			return fmt.Errorf("counting package versions: %w", err)
		}
	}
	return nil
}
