package vulndb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/version/lookup"
)

// Stored version keys depend on each scheme's Key function, which changes from build to build
// now and then (lookup.KeyFormat). Table key_formats (migration 0012) records, per subject,
// the format the stored keys were written in; opening a database whose recorded format
// differs from the build's re-derives the keys from what they were computed from and then
// records the build's format.
//
// The re-index runs in batches, each in its own transaction, and records the format only at
// the end: a re-index that is interrupted leaves every batch either done or not, and the next
// open does it again (re-deriving keys that are already right writes nothing). Each batch
// queues the advisories it rewrote for the portfolio's re-evaluation in its transaction, so an
// interruption loses no queueing either. Starting over rather than resuming costs the reading
// and re-deriving of the batches already done, which is cheaper than rewriting them (500,000
// advisories on a 2-core machine under load: 110-160 s with every key right against 330-580 s
// with most wrong, 53 s of CPU against 118 s; 21,385 of the shared OSV data: 10 s against
// 18 s), once per interruption of a re-index that runs once per key-format change; and it
// needs no recorded position, which would go stale when another build writes rows between the
// two runs. On PostgreSQL, replicas that open the database together take turns under an
// advisory lock, and those that get it after the first find the format recorded and do
// nothing. On SQLite, processes opening the file together may each re-index; they write the
// same rows.

// KeySubjectAdvisories is the key_formats subject of the advisories' index rows (tables
// affected and unparsed_versions) and their briefs.
const KeySubjectAdvisories = "advisories"

// keyFormatLock is the PostgreSQL advisory lock under which replicas re-index in turn
// ("hm-keys" in ASCII).
const keyFormatLock = 0x686d2d6b657973

// KeyFormatOf returns the key format recorded for subject, 0 when none is.
func KeyFormatOf(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, subject string) (int, error) {
	var f int
	err := q.QueryRowContext(ctx, `SELECT format FROM key_formats WHERE subject = ?`, subject).Scan(&f)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the key format of %s: %w", subject, err)
	}
	return f, nil
}

// EnsureKeyFormat makes the keys of subject in st those of format lookup.KeyFormat: when the
// recorded format differs, it calls rekey (with the recorded format, 0 when none is), which
// re-derives them in batches of its own transactions, and then records lookup.KeyFormat. It
// reports whether rekey ran. On PostgreSQL it holds an advisory lock while it checks, re-keys
// and records, so that replicas re-key once between them.
func EnsureKeyFormat(ctx context.Context, st *store.DB, subject string, rekey func(ctx context.Context, from int) error) (bool, error) {
	from, err := KeyFormatOf(ctx, st.SQL(), subject)
	if err != nil || from == lookup.KeyFormat {
		return false, err
	}
	conn, err := st.SQL().Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("re-keying %s: connecting: %w", subject, err)
	}
	defer conn.Close()
	if st.Dialect() == store.Postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?)`, int64(keyFormatLock)); err != nil {
			return false, fmt.Errorf("re-keying %s: taking the lock: %w", subject, err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(?)`, int64(keyFormatLock))
		// Another replica may have re-keyed while this one waited.
		if from, err = KeyFormatOf(ctx, conn, subject); err != nil || from == lookup.KeyFormat {
			return false, err
		}
	}
	if err := rekey(ctx, from); err != nil {
		return true, fmt.Errorf("re-keying %s from format %d to %d: %w", subject, from, lookup.KeyFormat, err)
	}
	_, err = conn.ExecContext(ctx, `INSERT INTO key_formats (subject, format, recorded_at) VALUES (?, ?, ?)
		ON CONFLICT (subject) DO UPDATE SET format = excluded.format, recorded_at = excluded.recorded_at`,
		subject, lookup.KeyFormat, time.Now().UTC().Format(time.RFC3339))
	if err != nil {
		return true, fmt.Errorf("recording the key format of %s: %w", subject, err)
	}
	return true, nil
}

// ReindexStats counts what a re-index of the advisories did.
type ReindexStats struct {
	Advisories int // advisories read
	Rewritten  int // advisories whose index rows changed and were written again
	Briefs     int // briefs written (missing or changed)
	Unreadable int // stored documents that no longer parse: left as they are
	// Changed lists, sorted, the IDs of the advisories whose index rows were rewritten: they
	// may now match versions they missed, or no longer match versions they did.
	Changed []string
	// Queued counts the rewritten advisories queued for the portfolio's re-evaluation in the
	// transaction that rewrote them (see queueRows).
	Queued int
}

// reindexBatchSize is how many advisories one transaction of a re-index reads and rewrites.
const reindexBatchSize = 1000

// EnsureKeys re-indexes the advisories (Reindex) when their recorded key format is not the
// build's, and records it (see EnsureKeyFormat); it logs to log what it re-indexes. Open and
// FromStore call it; a command that migrates a database before servers start can call it too,
// for its error and its logger.
func (d *DB) EnsureKeys(ctx context.Context, log *slog.Logger) error {
	_, err := EnsureKeyFormat(ctx, d.st, KeySubjectAdvisories, func(ctx context.Context, from int) error {
		var advisories, rows int
		db := d.st.SQL()
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM advisories`).Scan(&advisories); err != nil {
			return fmt.Errorf("counting advisories: %w", err)
		}
		if advisories == 0 {
			return nil
		}
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM affected`).Scan(&rows); err != nil {
			return fmt.Errorf("counting index rows: %w", err)
		}
		log.InfoContext(ctx, "re-indexing the advisories' version keys: stored in another key format",
			"advisories", advisories, "index_rows", rows, "from_format", from, "to_format", lookup.KeyFormat)
		start := time.Now()
		s, err := d.Reindex(ctx)
		if err != nil {
			return err
		}
		log.InfoContext(ctx, "re-indexed the advisories' version keys", "advisories", s.Advisories, "rewritten", s.Rewritten,
			"briefs", s.Briefs, "unreadable", s.Unreadable, "queued", s.Queued, "seconds", time.Since(start).Seconds())
		return nil
	})
	return err
}

// ensureKeyFormatUnchecked is EnsureKeys for constructors that cannot return an error:
// a failure is logged, the format stays unrecorded, and the next open tries again.
func (d *DB) ensureKeyFormatUnchecked() {
	if err := d.EnsureKeys(context.Background(), slog.Default()); err != nil {
		slog.Default().Error("re-indexing the advisories' version keys failed; range lookups may miss until it succeeds", "err", err)
	}
}

// Reindex re-derives, from each stored advisory's JSON document, its index rows (key
// intervals, listed versions, versions no scheme parses) with the database's schemes, and its
// brief; it writes only those that differ from what is stored. It reads the advisories in ID
// order, reindexBatchSize at a time, each batch in its own transaction, which also queues the
// rewritten advisories for the portfolio's re-evaluation (queueRows).
func (d *DB) Reindex(ctx context.Context) (ReindexStats, error) {
	var total ReindexStats
	after := ""
	for {
		var s ReindexStats
		var last string
		err := d.st.Transact(ctx, func(tx *sql.Tx) error {
			var err error
			s, last, err = d.reindexBatch(ctx, tx, after, reindexBatchSize)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("re-indexing advisories after %q: %w", after, err)
		}
		if s.Advisories == 0 {
			slices.Sort(total.Changed)
			return total, nil
		}
		total.Advisories += s.Advisories
		total.Rewritten += s.Rewritten
		total.Briefs += s.Briefs
		total.Unreadable += s.Unreadable
		total.Queued += s.Queued
		total.Changed = append(total.Changed, s.Changed...)
		after = last
	}
}

// reindexed is what the database holds for one advisory of a batch, and what it should hold.
type reindexed struct {
	id        string
	doc       []byte
	rows, bad []string // canonical forms, as stored
	brief     []byte
	ok        bool  // doc parsed
	newRows   []Row // re-derived
	newBad    []Unparsed
	newBrief  []byte
}

// reindexBatch re-derives the advisories after the ID after (up to limit of them) inside tx,
// and returns the last ID it read.
func (d *DB) reindexBatch(ctx context.Context, tx *sql.Tx, after string, limit int) (ReindexStats, string, error) {
	var s ReindexStats
	q := `SELECT id, doc FROM advisories WHERE id > ? ORDER BY id LIMIT ?`
	if d.st.Dialect() == store.Postgres {
		// An import rewriting one of these advisories meanwhile waits, or is seen whole.
		q += ` FOR UPDATE`
	}
	var batch []*reindexed
	byID := map[string]*reindexed{}
	err := eachRow(ctx, tx, q, []any{after, limit}, func(r *sql.Rows) error {
		a := &reindexed{}
		if err := r.Scan(&a.id, &a.doc); err != nil {
			return err
		}
		batch = append(batch, a)
		byID[a.id] = a
		return nil
	})
	if err != nil || len(batch) == 0 {
		return s, "", err
	}
	first, last := batch[0].id, batch[len(batch)-1].id
	err = eachRow(ctx, tx, `SELECT `+affectedColumns+` FROM affected WHERE advisory_id >= ? AND advisory_id <= ?`,
		[]any{first, last}, func(r *sql.Rows) error {
			id, row, err := scanAffected(r)
			if a := byID[id]; err == nil && a != nil {
				a.rows = append(a.rows, row.canonical())
			}
			return err
		})
	if err != nil {
		return s, "", fmt.Errorf("reading index rows: %w", err)
	}
	err = eachRow(ctx, tx, `SELECT `+unparsedColumns+` FROM unparsed_versions WHERE advisory_id >= ? AND advisory_id <= ?`,
		[]any{first, last}, func(r *sql.Rows) error {
			id, u, err := scanUnparsed(r)
			if a := byID[id]; err == nil && a != nil {
				a.bad = append(a.bad, u.canonical())
			}
			return err
		})
	if err != nil {
		return s, "", fmt.Errorf("reading unparsed versions: %w", err)
	}
	err = eachRow(ctx, tx, `SELECT advisory_id, brief FROM advisory_briefs WHERE advisory_id >= ? AND advisory_id <= ?`,
		[]any{first, last}, func(r *sql.Rows) error {
			var id string
			var b []byte
			if err := r.Scan(&id, &b); err != nil {
				return err
			}
			if a := byID[id]; a != nil {
				a.brief = b
			}
			return nil
		})
	if err != nil {
		return s, "", fmt.Errorf("reading briefs: %w", err)
	}

	g := new(errgroup.Group)
	g.SetLimit(max(1, runtime.GOMAXPROCS(0)))
	for _, a := range batch {
		g.Go(func() error {
			a.derive(d.schemes)
			return nil
		})
	}
	g.Wait()

	var rewrite, rebrief []any
	var aff, unp, briefs []any
	for _, a := range batch {
		s.Advisories++
		if !a.ok {
			s.Unreadable++
			continue
		}
		if !a.sameRows() {
			s.Rewritten++
			s.Changed = append(s.Changed, a.id)
			rewrite = append(rewrite, a.id)
			for _, r := range a.newRows {
				aff = append(aff, a.id, r.Ecosystem, r.Variant, r.Name, r.Kind, r.Lo, r.Hi, r.HiInclusive, nullable(r.Version), nullable(r.Repo))
			}
			for _, u := range a.newBad {
				unp = append(unp, a.id, u.Ecosystem, u.Name, u.Version, u.Reason)
			}
		}
		if !bytes.Equal(a.brief, a.newBrief) {
			s.Briefs++
			rebrief = append(rebrief, a.id)
			briefs = append(briefs, a.id, a.newBrief)
		}
	}
	im := &importer{d: d, stmts: map[string]*sql.Stmt{}}
	queue, err := queueRows(ctx, tx, rewrite)
	if err != nil {
		return s, "", err
	}
	s.Queued = len(queue) / 2
	for _, q := range []struct {
		head, row, tail string
		cols            int
		args            []any
	}{
		{"DELETE FROM affected WHERE advisory_id IN (", "?", ")", 1, rewrite},
		{"DELETE FROM unparsed_versions WHERE advisory_id IN (", "?", ")", 1, rewrite},
		{"DELETE FROM advisory_briefs WHERE advisory_id IN (", "?", ")", 1, rebrief},
		{"INSERT INTO affected (advisory_id, ecosystem, variant, name, kind, lo, hi, hi_inclusive, version, repo) VALUES ", "(?,?,?,?,?,?,?,?,?,?)", "", 10, aff},
		{"INSERT INTO unparsed_versions (advisory_id, ecosystem, name, version, reason) VALUES ", "(?,?,?,?,?)", "", 5, unp},
		{"INSERT INTO advisory_briefs (advisory_id, brief) VALUES ", "(?,?)", "", 2, briefs},
		{"INSERT INTO reevaluations (advisory_id, queued_at) VALUES ", "(?,?)", reevaluationUpsert, 2, queue},
	} {
		if err := im.exec(ctx, tx, q.head, q.row, q.tail, q.cols, q.args); err != nil {
			return s, "", fmt.Errorf("writing re-derived index rows: %w", err)
		}
	}
	return s, last, nil
}

// reevaluationMigration is the migration that creates table reevaluations, the portfolio's
// re-evaluation queue (package portfolio, queue.go).
const reevaluationMigration = 13

// reevaluationUpsert queues an advisory already queued again, as portfolio.Queue does: its
// claim cleared, so that a run that read the old index rows does not dequeue the change.
const reevaluationUpsert = ` ON CONFLICT (advisory_id) DO UPDATE SET queued_at = excluded.queued_at, claim = 0,
	claimed_until = 0, attempts = 0, last_error = ''`

// queueRows returns the rows (advisory ID, queued time) that queue the advisories ids for the
// portfolio's re-evaluation in tx, the transaction that rewrites their index rows (a re-index)
// or stores them (QueuePortfolio): findings decided with the old rows may be missing or
// wrong, and queueing them in the same transaction leaves no moment where a crash loses them.
// It returns none when the database holds no components (an advisory database of the command
// line, or a server's before its first upload: nothing to re-evaluate) or has no queue yet
// (migrations pending).
func queueRows(ctx context.Context, tx *sql.Tx, ids []any) ([]any, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if ok, err := hasPortfolio(ctx, tx); err != nil || !ok {
		return nil, err
	}
	now := time.Now().UnixMilli()
	rows := make([]any, 0, 2*len(ids))
	for _, id := range ids {
		rows = append(rows, id, now)
	}
	return rows, nil
}

// hasPortfolio reports whether the database holds a portfolio to re-evaluate: the queue's
// table exists (its migration has run) and some component is stored.
func hasPortfolio(ctx context.Context, tx *sql.Tx) (bool, error) {
	var version sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil {
		return false, fmt.Errorf("reading the schema version: %w", err)
	}
	if version.Int64 < reevaluationMigration {
		return false, nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM components LIMIT 1) x`).Scan(&n); err != nil {
		return false, fmt.Errorf("looking for components to re-evaluate: %w", err)
	}
	return n > 0, nil
}

// QueuePortfolio is a ChangedFunc (see OnChanged) that queues the changed advisories for the
// portfolio's re-evaluation when the database holds a portfolio: a server's database that
// 'hallmark db import' or 'db update' writes to from the command line, whose findings would
// otherwise stay as they were until the advisories change again. With no portfolio it does
// nothing. The server's queue worker (on any replica) re-evaluates them.
func QueuePortfolio(ctx context.Context, tx *sql.Tx, ids []string) error {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := queueRows(ctx, tx, args)
	if err != nil || len(rows) == 0 {
		return err
	}
	im := &importer{stmts: map[string]*sql.Stmt{}}
	if err := im.exec(ctx, tx, "INSERT INTO reevaluations (advisory_id, queued_at) VALUES ", "(?,?)", reevaluationUpsert, 2, rows); err != nil {
		return fmt.Errorf("queueing re-evaluations: %w", err)
	}
	return nil
}

// derive parses the stored document and computes its index rows and brief as an import
// would.
func (a *reindexed) derive(schemes SchemeFunc) {
	v, err := osv.Parse(a.doc)
	if err != nil || v.ID != a.id {
		return
	}
	a.ok = true
	a.newBrief = encodeBrief(v)
	if v.IsWithdrawn() {
		return // withdrawn advisories have no index rows
	}
	for _, af := range v.Affected {
		rows, bad := Rows(schemes, af)
		a.newRows = append(a.newRows, rows...)
		a.newBad = append(a.newBad, bad...)
	}
}

// sameRows reports whether the re-derived index rows and unparsed versions are those stored.
func (a *reindexed) sameRows() bool {
	if len(a.rows) != len(a.newRows) || len(a.bad) != len(a.newBad) {
		return false
	}
	rows := make([]string, len(a.newRows))
	for i, r := range a.newRows {
		rows[i] = r.canonical()
	}
	bad := make([]string, len(a.newBad))
	for i, u := range a.newBad {
		bad[i] = u.canonical()
	}
	slices.Sort(rows)
	slices.Sort(bad)
	slices.Sort(a.rows)
	slices.Sort(a.bad)
	return slices.Equal(rows, a.rows) && slices.Equal(bad, a.bad)
}

// affectedColumns are the columns of table affected that scanAffected reads.
const affectedColumns = `advisory_id, ecosystem, variant, name, kind, lo, hi, hi_inclusive, version, repo`

// scanAffected reads a row of affectedColumns.
func scanAffected(r *sql.Rows) (id string, row Row, err error) {
	var hiInc int64
	var v, repo sql.NullString
	if err := r.Scan(&id, &row.Ecosystem, &row.Variant, &row.Name, &row.Kind, &row.Lo, &row.Hi, &hiInc, &v, &repo); err != nil {
		return "", row, err
	}
	row.HiInclusive, row.Version, row.Repo = hiInc != 0, v.String, repo.String
	return id, row, nil
}

// unparsedColumns are the columns of table unparsed_versions that scanUnparsed reads.
const unparsedColumns = `advisory_id, ecosystem, name, version, reason`

// scanUnparsed reads a row of unparsedColumns.
func scanUnparsed(r *sql.Rows) (id string, u Unparsed, err error) {
	err = r.Scan(&id, &u.Ecosystem, &u.Name, &u.Version, &u.Reason)
	return id, u, err
}

// canonical is r as one comparable string (a NULL key differs from an empty one).
func (r Row) canonical() string {
	return fmt.Sprintf("%q %q %q %q %s %s %t %q %q", r.Ecosystem, r.Variant, r.Name, r.Kind, hexOrNull(r.Lo), hexOrNull(r.Hi), r.HiInclusive, r.Version, r.Repo)
}

// canonical is u as one comparable string.
func (u Unparsed) canonical() string {
	return fmt.Sprintf("%q %q %q %q", u.Ecosystem, u.Name, u.Version, u.Reason)
}

func hexOrNull(b []byte) string {
	if b == nil {
		return "NULL"
	}
	return fmt.Sprintf("x%x", b)
}

// eachRow runs query in tx and calls fn for each row.
func eachRow(ctx context.Context, tx *sql.Tx, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
