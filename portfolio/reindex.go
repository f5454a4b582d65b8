package portfolio

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/version/lookup"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// Components carry the version keys of their versions (vkey, source_vkey), written in the key
// format of the build that stored them. When the format recorded for them (subject
// KeySubjectComponents of table key_formats) is not the build's, New re-derives every
// component's keys from its stored ecosystem and versions, in batches, and then records the
// build's format (vulndb.EnsureKeyFormat says how replicas and interruptions are handled).

// KeySubjectComponents is the key_formats subject of the components' version keys.
const KeySubjectComponents = "components"

// ReindexStats counts what a re-index of the components' keys did.
type ReindexStats struct {
	Components int // components read
	Rewritten  int // components whose keys changed
	Queued     int // advisories queued for re-evaluation because of them
}

// reindexBatchSize is how many components a re-index reads and writes at a time.
const reindexBatchSize = 5000

// EnsureKeys re-keys the components (Reindex) when their recorded key format is not the
// build's, and records it (see vulndb.EnsureKeyFormat). It logs to log what it re-keys and
// queues. New calls it; a command that migrates a database before servers start can call it
// too, for its error and its logger. (The advisories whose index rows the advisory database
// re-indexes are queued by that re-index, in the transactions that rewrite them.)
func (p *Portfolio) EnsureKeys(ctx context.Context, log *slog.Logger) error {
	_, err := vulndb.EnsureKeyFormat(ctx, p.st, KeySubjectComponents, func(ctx context.Context, from int) error {
		var n int
		if err := p.st.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM components`).Scan(&n); err != nil {
			return fmt.Errorf("counting components: %w", err)
		}
		if n == 0 {
			return nil
		}
		log.InfoContext(ctx, "re-indexing the components' version keys: stored in another key format",
			"components", n, "from_format", from, "to_format", lookup.KeyFormat)
		start := time.Now()
		s, err := p.Reindex(ctx)
		if err != nil {
			return err
		}
		log.InfoContext(ctx, "re-indexed the components' version keys", "components", s.Components, "rewritten", s.Rewritten,
			"queued_advisories", s.Queued, "seconds", time.Since(start).Seconds())
		return nil
	})
	return err
}

// ensureKeyFormatUnchecked is EnsureKeys for New, which cannot return an error: a
// failure is logged, the format stays unrecorded, and the next start tries again.
func (p *Portfolio) ensureKeyFormatUnchecked() {
	if err := p.EnsureKeys(context.Background(), slog.Default()); err != nil {
		slog.Default().Error("re-indexing the components' version keys failed; advisories may miss components until it succeeds", "err", err)
	}
}

// Reindex re-derives every component's version keys (vkey, source_vkey) from its stored
// ecosystem and versions with the build's schemes, and writes those that changed; findings
// decided with the old keys may be missing or wrong, so it queues for re-evaluation the
// advisories with index rows for the packages of the components it re-keys. It reads the
// components in ID order, reindexBatchSize at a time, and writes each batch's keys in one
// transaction that queues their advisories too: a re-evaluation never runs on keys that are
// about to change, and an interruption loses no queueing of what was re-keyed.
func (p *Portfolio) Reindex(ctx context.Context) (ReindexStats, error) {
	var total ReindexStats
	queued := map[string]bool{}
	var after int64
	for {
		changed, n, last, err := rekeyComponents(ctx, p.st.SQL(), after)
		if err != nil {
			return total, fmt.Errorf("re-indexing components after %d: %w", after, err)
		}
		if n == 0 {
			return total, nil
		}
		total.Components += n
		after = last
		if len(changed) == 0 {
			continue
		}
		ids, err := advisoriesFor(ctx, p.st.SQL(), changed)
		if err != nil {
			return total, fmt.Errorf("re-indexing components after %d: %w", after, err)
		}
		ids = slices.DeleteFunc(ids, func(id string) bool { return queued[id] })
		err = p.st.Transact(ctx, func(tx *sql.Tx) error {
			if err := p.QueueTx(ctx, tx, ids); err != nil {
				return err
			}
			return writeComponentKeys(ctx, p.st.Dialect(), tx, changed)
		})
		if err != nil {
			return total, fmt.Errorf("re-indexing components after %d: %w", after, err)
		}
		for _, id := range ids {
			queued[id] = true
		}
		total.Queued += len(ids)
		total.Rewritten += len(changed)
	}
}

// rekeyComponents reads the components after the ID after (up to reindexBatchSize of them),
// computes their keys, and returns those whose keys changed, how many it read, and the last
// ID it read.
func rekeyComponents(ctx context.Context, q querier, after int64) (changed []*comp, n int, last int64, err error) {
	err = queryEach(ctx, q, `SELECT id, type, ecosystem, name, version, source_name, source_version, vkey, source_vkey
		FROM components WHERE id > ? ORDER BY id LIMIT ?`, []any{after, reindexBatchSize}, func(r *sql.Rows) error {
		c := &comp{}
		var vkey, sourceVKey []byte
		if err := r.Scan(&c.id, &c.typ, &c.eco, &c.name, &c.version, &c.sourceName, &c.sourceVersion, &vkey, &sourceVKey); err != nil {
			return err
		}
		n++
		last = c.id
		c.keys(lookup.For)
		if !sameKey(c.vkey, vkey) || !sameKey(c.sourceVKey, sourceVKey) {
			changed = append(changed, c)
		}
		return nil
	})
	if err != nil {
		return nil, 0, 0, fmt.Errorf("reading components: %w", err)
	}
	return changed, n, last, nil
}

// advisoriesFor returns the IDs of the advisories with index rows for the names the
// candidate lookup asks about for comps (targetsOf).
func advisoriesFor(ctx context.Context, q querier, comps []*comp) ([]string, error) {
	names := map[string]map[string]bool{} // ecosystem → names
	for _, c := range comps {
		for _, t := range targetsOf(c) {
			if names[c.eco] == nil {
				names[c.eco] = map[string]bool{}
			}
			names[c.eco][t.name] = true
		}
	}
	seen := map[string]bool{}
	var ids []string
	for _, eco := range slices.Sorted(maps.Keys(names)) {
		err := chunks(slices.Sorted(maps.Keys(names[eco])), maxIn, func(part []string) error {
			return queryEach(ctx, q, `SELECT DISTINCT advisory_id FROM affected WHERE ecosystem = ? AND name IN (`+marks(len(part))+`)`,
				append([]any{eco}, anys(part)...), func(r *sql.Rows) error {
					var id string
					if err := r.Scan(&id); err != nil {
						return err
					}
					if !seen[id] {
						seen[id] = true
						ids = append(ids, id)
					}
					return nil
				})
		})
		if err != nil {
			return nil, fmt.Errorf("finding the advisories of re-keyed components: %w", err)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// writeComponentKeys writes the keys of comps in tx.
func writeComponentKeys(ctx context.Context, d store.Dialect, tx *sql.Tx, comps []*comp) error {
	if d == store.SQLite {
		// In process, a statement a row costs no round trip; SQLite's UPDATE … FROM took
		// five times as long (1,000,000 components, all re-keyed: 313 s against 55 s).
		stmt, err := tx.PrepareContext(ctx, `UPDATE components SET vkey = ?, source_vkey = ? WHERE id = ?`)
		if err != nil {
			return fmt.Errorf("updating component keys: %w", err)
		}
		defer stmt.Close()
		for _, c := range comps {
			if _, err := stmt.ExecContext(ctx, nullBytes(c.vkey), nullBytes(c.sourceVKey), c.id); err != nil {
				return fmt.Errorf("updating the keys of component %d: %w", c.id, err)
			}
		}
		return nil
	}
	// On PostgreSQL a statement a row spends its time in round trips: one statement per
	// maxParams parameters instead (1,000,000 components: 130 s a row at a time, 57 s so).
	const row = `(CAST(? AS BIGINT), CAST(? AS BLOB), CAST(? AS BLOB))`
	err := chunks(comps, maxParams/3, func(part []*comp) error {
		args := make([]any, 0, 3*len(part))
		for _, c := range part {
			args = append(args, c.id, nullBytes(c.vkey), nullBytes(c.sourceVKey))
		}
		_, err := tx.ExecContext(ctx, `UPDATE components SET vkey = v.column2, source_vkey = v.column3
			FROM (VALUES `+strings.Repeat(row+",", len(part)-1)+row+`) AS v WHERE components.id = v.column1`, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("updating component keys: %w", err)
	}
	return nil
}

// sameKey reports whether two keys are equal, NULL (nil) differing from every key.
func sameKey(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}
