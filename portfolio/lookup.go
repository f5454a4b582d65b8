package portfolio

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// affectedRow is one row of vulndb's affected index (see store/migrations/*/0001_vulndb.sql).
type affectedRow struct {
	advisory, eco, variant, name, kind string
	lo, hi                             []byte
	hiInclusive                        bool
	version                            string
}

// contains reports whether the row names a version with key key (nil: none) or string v, as
// vulndb.Candidates decides (package match then decides exactly).
func (r *affectedRow) contains(key []byte, v string) bool {
	switch {
	case r.kind == "exact" && r.version == v && v != "":
		return true
	case key == nil:
		return false
	case r.kind == "range", r.kind == "exact" && r.lo != nil:
		return match.Interval{Lo: r.lo, Hi: r.hi, HiInclusive: r.hiInclusive}.Contains(key)
	}
	return false
}

// lookupTarget is one name and version of a component to look up.
type lookupTarget struct {
	name, release, version string
	key                    []byte
}

// targetsOf lists what the candidate lookup asks about c: its name and version, its source
// package's, and the Go toolchain for the standard library, as match.TargetsOf does.
func targetsOf(c *comp) []lookupTarget {
	if c.eco == "" || c.typ == string(sbom.TypeOS) {
		return nil
	}
	out := []lookupTarget{{c.name, c.release, c.version, c.vkey}}
	if c.eco == sbom.EcosystemGo && c.name == "stdlib" {
		out = append(out, lookupTarget{"toolchain", c.release, c.version, c.vkey})
	}
	if c.sourceName != "" {
		out = append(out, lookupTarget{c.sourceName, c.release, cmpOr(c.sourceVersion, c.version), c.sourceVKey})
	}
	return out
}

// candidates returns, for each component (by index), the IDs of the advisories vulndb's index
// says may affect it: one query per ecosystem and batch of names instead of one per package
// (vulndb.Candidates), which matters for SBOMs of tens of thousands of components. Source
// checkouts (GIT ranges) are looked up with vulndb.Candidates.
func (p *Portfolio) candidates(ctx context.Context, comps []*comp) ([][]string, error) {
	byEco := map[string]map[string]bool{}
	for _, c := range comps {
		for _, t := range targetsOf(c) {
			if t.version == "" {
				continue
			}
			if byEco[c.eco] == nil {
				byEco[c.eco] = map[string]bool{}
			}
			byEco[c.eco][t.name] = true
		}
	}
	rows := map[[2]string][]affectedRow{} // by ecosystem and name
	db := p.st.SQL()
	for eco, set := range byEco {
		names := make([]string, 0, len(set))
		for n := range set {
			names = append(names, n)
		}
		slices.Sort(names)
		err := chunks(names, maxIn, func(part []string) error {
			q := `SELECT advisory_id, variant, name, kind, lo, hi, hi_inclusive, version FROM affected
				WHERE ecosystem = ? AND name IN (` + marks(len(part)) + `) AND kind <> 'git'`
			return queryEach(ctx, db, q, append([]any{eco}, anys(part)...), func(r *sql.Rows) error {
				a := affectedRow{eco: eco}
				var v sql.NullString
				var hiInc int64
				if err := r.Scan(&a.advisory, &a.variant, &a.name, &a.kind, &a.lo, &a.hi, &hiInc, &v); err != nil {
					return err
				}
				a.hiInclusive, a.version = hiInc != 0, v.String
				k := [2]string{eco, a.name}
				rows[k] = append(rows[k], a)
				return nil
			})
		})
		if err != nil {
			return nil, fmt.Errorf("looking up candidate advisories: %w", err)
		}
	}
	out := make([][]string, len(comps))
	for i, c := range comps {
		var ids []string
		for _, t := range targetsOf(c) {
			for j := range rows[[2]string{c.eco, t.name}] {
				r := &rows[[2]string{c.eco, t.name}][j]
				if match.ReleaseMatches(r.variant, t.release) && r.contains(t.key, t.version) {
					ids = append(ids, r.advisory)
				}
			}
		}
		if c.vcsURL != "" && c.vcsRevision != "" {
			git, err := p.adv.Candidates(ctx, vulndb.Query{Ecosystem: c.eco, Release: c.release, Commit: c.vcsRevision, Repo: c.vcsURL})
			if err != nil {
				return nil, fmt.Errorf("looking up candidate advisories: %w", err)
			}
			ids = append(ids, git...)
		}
		slices.Sort(ids)
		out[i] = slices.Compact(ids)
	}
	return out, nil
}

// affectedRows reads the index rows of the given advisories.
func (p *Portfolio) affectedRows(ctx context.Context, ids []string) ([]affectedRow, error) {
	var out []affectedRow
	err := chunks(ids, maxIn, func(part []string) error {
		q := `SELECT advisory_id, ecosystem, variant, name, kind, lo, hi, hi_inclusive, version FROM affected
			WHERE advisory_id IN (` + marks(len(part)) + `) AND kind <> 'git'`
		return queryEach(ctx, p.st.SQL(), q, anys(part), func(r *sql.Rows) error {
			var a affectedRow
			var v sql.NullString
			var hiInc int64
			if err := r.Scan(&a.advisory, &a.eco, &a.variant, &a.name, &a.kind, &a.lo, &a.hi, &hiInc, &v); err != nil {
				return err
			}
			a.hiInclusive, a.version = hiInc != 0, v.String
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reading the advisories' index: %w", err)
	}
	return out, nil
}

// scanComponents returns, by ID, the stored components that the index rows may affect: for
// each key interval, a range scan on components (ecosystem, name, vkey) and on (ecosystem,
// source_name, source_vkey); for listed versions, the keys and strings equal to them. The
// scans read the components' rows themselves (one pass over the table's pages, which a cold
// cache makes the costly part); nothing else of the portfolio is read.
func (p *Portfolio) scanComponents(ctx context.Context, rows []affectedRow) (map[int64]*comp, error) {
	found := map[int64]*comp{}
	db := p.st.SQL()
	collect := func(q string, args []any) error {
		return queryEach(ctx, db, q, args, func(r *sql.Rows) error {
			c, err := scanComp(r)
			if err != nil {
				return err
			}
			found[c.id] = c
			return nil
		})
	}
	type pkgKey struct{ eco, name string }
	exactKeys := map[pkgKey][][]byte{}
	exactVersions := map[pkgKey][]string{}
	for _, r := range rows {
		names := []string{r.name}
		if r.eco == sbom.EcosystemGo && r.name == "toolchain" {
			names = append(names, "stdlib")
		}
		for _, name := range names {
			k := pkgKey{r.eco, name}
			if r.kind == "exact" {
				exactVersions[k] = append(exactVersions[k], r.version)
				if r.lo != nil {
					exactKeys[k] = append(exactKeys[k], r.lo)
				}
				continue
			}
			for _, col := range [][2]string{{"name", "vkey"}, {"source_name", "source_vkey"}} {
				q := `SELECT ` + compColumns + ` FROM components c WHERE ecosystem = ? AND ` + col[0] + ` = ?`
				args := []any{r.eco, name}
				if col[0] == "source_name" {
					q += ` AND source_name <> ''`
				}
				if r.lo != nil {
					q += ` AND ` + col[1] + ` >= ?`
					args = append(args, r.lo)
				} else {
					q += ` AND ` + col[1] + ` IS NOT NULL`
				}
				if r.hi != nil {
					if r.hiInclusive {
						q += ` AND ` + col[1] + ` <= ?`
					} else {
						q += ` AND ` + col[1] + ` < ?`
					}
					args = append(args, r.hi)
				}
				if err := collect(q, args); err != nil {
					return nil, fmt.Errorf("scanning components: %w", err)
				}
			}
		}
	}
	for k, keys := range exactKeys {
		err := chunks(keys, maxIn, func(part [][]byte) error {
			if err := collect(`SELECT `+compColumns+` FROM components c WHERE ecosystem = ? AND name = ? AND vkey IN (`+marks(len(part))+`)`,
				append([]any{k.eco, k.name}, anys(part)...)); err != nil {
				return err
			}
			return collect(`SELECT `+compColumns+` FROM components c WHERE ecosystem = ? AND source_name = ? AND source_name <> '' AND source_vkey IN (`+marks(len(part))+`)`,
				append([]any{k.eco, k.name}, anys(part)...))
		})
		if err != nil {
			return nil, fmt.Errorf("scanning components: %w", err)
		}
	}
	for k, vs := range exactVersions {
		slices.Sort(vs)
		vs = slices.Compact(vs)
		err := chunks(vs, maxIn, func(part []string) error {
			if err := collect(`SELECT `+compColumns+` FROM components c WHERE ecosystem = ? AND name = ? AND version IN (`+marks(len(part))+`)`,
				append([]any{k.eco, k.name}, anys(part)...)); err != nil {
				return err
			}
			return collect(`SELECT `+compColumns+` FROM components c WHERE ecosystem = ? AND source_name = ? AND source_name <> '' AND (source_version IN (`+marks(len(part))+`) OR source_version = '' AND version IN (`+marks(len(part))+`))`,
				append(append([]any{k.eco, k.name}, anys(part)...), anys(part)...))
		})
		if err != nil {
			return nil, fmt.Errorf("scanning components: %w", err)
		}
	}
	return found, nil
}

// loadComponents reads the components with the given IDs.
func (p *Portfolio) loadComponents(ctx context.Context, q querier, ids []int64) ([]*comp, error) {
	var out []*comp
	err := chunks(ids, maxIn, func(part []int64) error {
		return queryEach(ctx, q, `SELECT `+compColumns+` FROM components c WHERE c.id IN (`+marks(len(part))+`)`, anys(part), func(r *sql.Rows) error {
			c, err := scanComp(r)
			if err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reading components: %w", err)
	}
	slices.SortFunc(out, func(a, b *comp) int { return cmp.Compare(a.id, b.id) })
	return out, nil
}
