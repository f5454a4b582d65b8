package portfolio

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"

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
}

// reindexBatchSize is how many components one transaction of a re-index reads.
const reindexBatchSize = 5000

// EnsureKeys re-keys the components (Reindex) when their recorded key format is not the
// build's, and records it (see vulndb.EnsureKeyFormat); it logs to log what it re-keys. New
// calls it; a command that migrates a database before servers start can call it too, for its
// error and its logger.
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
			"seconds", time.Since(start).Seconds())
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
// ecosystem and versions with the build's schemes, and writes those that changed. It reads the
// components in ID order, reindexBatchSize at a time, each batch in its own transaction.
func (p *Portfolio) Reindex(ctx context.Context) (ReindexStats, error) {
	var total ReindexStats
	var after int64
	for {
		var s ReindexStats
		var last int64
		err := p.st.Transact(ctx, func(tx *sql.Tx) error {
			var err error
			s, last, err = reindexComponents(ctx, tx, after)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("re-indexing components after %d: %w", after, err)
		}
		if s.Components == 0 {
			return total, nil
		}
		total.Components += s.Components
		total.Rewritten += s.Rewritten
		after = last
	}
}

// reindexComponents re-keys the components after the ID after (up to reindexBatchSize of them)
// inside tx, and returns the last ID it read.
func reindexComponents(ctx context.Context, tx *sql.Tx, after int64) (ReindexStats, int64, error) {
	var s ReindexStats
	var changed []*comp
	var last int64
	err := queryEach(ctx, tx, `SELECT id, ecosystem, version, source_name, source_version, vkey, source_vkey
		FROM components WHERE id > ? ORDER BY id LIMIT ?`, []any{after, reindexBatchSize}, func(r *sql.Rows) error {
		c := &comp{}
		var vkey, sourceVKey []byte
		if err := r.Scan(&c.id, &c.eco, &c.version, &c.sourceName, &c.sourceVersion, &vkey, &sourceVKey); err != nil {
			return err
		}
		s.Components++
		last = c.id
		c.keys(lookup.For)
		if !sameKey(c.vkey, vkey) || !sameKey(c.sourceVKey, sourceVKey) {
			changed = append(changed, c)
		}
		return nil
	})
	if err != nil {
		return s, 0, fmt.Errorf("reading components: %w", err)
	}
	if len(changed) == 0 {
		return s, last, nil
	}
	// One statement per maxParams parameters: on PostgreSQL a statement per row spends its
	// time in round trips (1,000,000 components, all re-keyed, on a loaded 2-core machine:
	// 130 s a row at a time, 57 s so; SQLite takes about as long either way).
	const row = `(CAST(? AS BIGINT), CAST(? AS BLOB), CAST(? AS BLOB))`
	err = chunks(changed, maxParams/3, func(part []*comp) error {
		args := make([]any, 0, 3*len(part))
		for _, c := range part {
			args = append(args, c.id, nullBytes(c.vkey), nullBytes(c.sourceVKey))
		}
		_, err := tx.ExecContext(ctx, `UPDATE components SET vkey = v.column2, source_vkey = v.column3
			FROM (VALUES `+strings.Repeat(row+",", len(part)-1)+row+`) AS v WHERE components.id = v.column1`, args...)
		return err
	})
	if err != nil {
		return s, 0, fmt.Errorf("updating component keys: %w", err)
	}
	s.Rewritten = len(changed)
	return s, last, nil
}

// sameKey reports whether two keys are equal, NULL (nil) differing from every key.
func sameKey(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}
