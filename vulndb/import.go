package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/klauspost/compress/flate"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/version"
)

// Limits of an import.
const (
	// MaxZipEntries bounds the entries of one zip (the public PyPI all.zip has about 20,000).
	MaxZipEntries = 5_000_000
	// MaxZipTotal bounds the uncompressed bytes read from one zip, against zip bombs.
	MaxZipTotal = 64 << 30
	// batchSize is how many advisories are written at once (one transaction each, unless the
	// database was empty).
	batchSize = 5000
)

// ImportStats counts what an import did.
type ImportStats struct {
	Read      int // advisory documents read
	Added     int
	Updated   int // changed modified time
	Unchanged int // same modified time: no work
	Withdrawn int // withdrawn advisories stored (they never match)
	Unparsed  int // versions in ranges or lists no scheme could parse
	// Briefs counts the briefs written for advisories stored without one, by a Hallmark
	// older than migration 0004 (see fillBriefs).
	Briefs    int
	Malformed []Malformed
	// Changed lists, sorted, the IDs of the advisories added or updated: what the server
	// re-evaluates its portfolio for.
	Changed []string
}

// Malformed is an advisory file that could not be read; the import goes on without it.
type Malformed struct {
	File string
	Err  string
}

// ImportProgress reports an import's advance.
type ImportProgress struct {
	Source string
	Read   int
}

// ImportOption changes how Import stores advisories.
type ImportOption func(*importer)

// ChangedFunc is called inside a transaction that stores advisories, after they are written,
// with the IDs (sorted) of those it adds or updates.
type ChangedFunc func(ctx context.Context, tx *sql.Tx, ids []string) error

// OnChanged makes Import call f in every transaction that stores advisories. An error from f
// rolls that transaction back and ends the import with the error, so what f writes commits
// together with the advisories or not at all: the server queues the changed advisories for
// re-evaluation with it, since a retry of a failed upload finds committed advisories unchanged
// and would never queue them. f may run again with the same IDs when a transaction is retried
// (see maxAttempts); it must not keep state outside tx.
func OnChanged(f ChangedFunc) ImportOption {
	return func(im *importer) { im.onChanged = f }
}

// Import reads every advisory of source into the database: a directory (searched
// recursively for *.json advisories and */all.zip files of the OSV bucket layout, skipping
// .git), a zip of advisories, or a single JSON advisory. Advisories whose modified time is
// unchanged are skipped; malformed ones are counted with their file name and never stop the
// rest.
func (d *DB) Import(ctx context.Context, source string, progress func(ImportProgress), opts ...ImportOption) (*ImportStats, error) {
	st, err := os.Stat(source)
	if err != nil {
		return nil, err
	}
	im, err := d.newImporter(ctx, source, progress)
	if err != nil {
		return nil, err
	}
	for _, o := range opts {
		o(im)
	}
	err = im.load(ctx, func(p *producer) error {
		switch {
		case st.IsDir():
			return p.dir(source)
		case strings.HasSuffix(strings.ToLower(source), ".zip") || isZip(source):
			return p.zipFile(source, filepath.Base(source))
		}
		p.send(&job{where: source, open: func() (io.ReadCloser, error) { return os.Open(source) }})
		return nil
	}, im.recordSource)
	if err == nil {
		im.stats.Briefs, err = d.fillBriefs(ctx)
	}
	slices.Sort(im.stats.Changed)
	return &im.stats, err
}

// zipFile imports the *.json entries of a zip, name being how messages call it; the
// advisories are written when it returns.
func (im *importer) zipFile(ctx context.Context, path, name string) error {
	return im.load(ctx, func(p *producer) error { return p.zipFile(path, name) }, nil)
}

// load imports what produce hands out and then, in the same transaction as the last
// advisories when record is not nil, records the source.
func (im *importer) load(ctx context.Context, produce func(*producer) error, record func(context.Context, *sql.Tx) error) error {
	return im.d.st.Bulk(ctx, func(conn *sql.Conn) error {
		im.conn = conn
		defer func() { im.conn, im.tx = nil, nil }()
		if len(im.stored) > 0 || len(im.known) > 0 || im.nonEmpty {
			if err := im.run(ctx, produce); err != nil {
				return err
			}
			if err := im.flush(ctx); err != nil {
				return err
			}
			if record == nil {
				return nil
			}
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			if err := record(ctx, tx); err != nil {
				tx.Rollback()
				return err
			}
			return tx.Commit()
		}
		// An empty database: one transaction, so that the indexes can be built after the
		// load and an interrupted first import leaves the database empty, not half-indexed;
		// with a rollback journal, so that pages are written once.
		return im.d.st.RollbackJournal(ctx, conn, func() error { return im.loadEmpty(ctx, conn, produce, record) })
	})
}

// loadEmpty loads into an empty database in one transaction.
func (im *importer) loadEmpty(ctx context.Context, conn *sql.Conn, produce func(*producer) error, record func(context.Context, *sql.Tx) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	im.tx = tx
	clear(im.stmts)
	err = func() error {
		im.recreate, err = im.d.st.DeferIndexes(ctx, tx, "advisories", "affected", "advisory_aliases", "unparsed_versions")
		if err != nil {
			return err
		}
		if err := im.run(ctx, produce); err != nil {
			return err
		}
		if err := im.flush(ctx); err != nil {
			return err
		}
		if err := im.indexNow(); err != nil {
			return err
		}
		if record != nil {
			return record(ctx, tx)
		}
		return nil
	}()
	if err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (im *importer) recordSource(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sources (name, imported_at, advisories) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET imported_at = excluded.imported_at, advisories = excluded.advisories`,
		im.source, time.Now().UTC().Format(time.RFC3339), im.stats.Read)
	return err
}

func absName(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func isZip(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [4]byte
	_, err = io.ReadFull(f, b[:])
	return err == nil && bytes.Equal(b[:], []byte("PK\x03\x04"))
}

// The import is a pipeline: one goroutine walks the source and hands out documents in source
// order; workers read, decompress, parse and index them (osv.Parse and Rows are most of the
// work); the calling goroutine takes the results back in source order, decides what is new, and
// writes batches with multi-row INSERTs on one connection set up for bulk loading
// (store.Bulk). An import into an empty database is one transaction whose secondary indexes
// are built after the load (store.DB.DeferIndexes); otherwise each batch is its own transaction.

// job is one document to read, in source order.
type job struct {
	where string
	open  func() (io.ReadCloser, error) // nil when pre is set or the job ends a zip
	pre   error                         // malformed before reading (reported as is)
	zip   *zipState                     // the zip the document is in, or nil
	end   bool                          // the zip's entries are all handed out
	res   chan result
}

// zipState is what the consumer knows of one zip: bytes read so far, and whether it stopped.
type zipState struct {
	name    string
	total   int64
	stopped atomic.Bool
	closer  io.Closer
}

// result is a parsed document with its index rows.
type result struct {
	data   []byte
	n      int64 // bytes read
	v      *osv.Vulnerability
	mod    string
	rows   []Row
	bad    []Unparsed
	brief  []byte // encodeBrief(v)
	err    error
	parsed bool // rows, bad and brief are computed
}

// importer holds the state of one import.
type importer struct {
	d        *DB
	source   string
	stored   map[string]string // id → modified, as stored before the import (read-only)
	nonEmpty bool              // the database holds advisories that stored does not list
	known    map[string]string // id → modified, written by this import
	pending  []*pending
	index    map[string]int // id → index in pending
	stats    ImportStats
	progress func(ImportProgress)

	conn  *sql.Conn
	tx    *sql.Tx // the one transaction of a load into an empty database, or nil
	stmts map[string]*sql.Stmt
	// recreate builds the indexes a load into an empty database deferred; nil when none are.
	recreate func() error
	// onChanged, when set, runs in each transaction that writes advisories (OnChanged).
	onChanged ChangedFunc
}

type pending struct {
	id, mod   string
	withdrawn bool
	replace   bool // an older version may be stored: delete its rows first
	doc       []byte
	brief     []byte
	aliases   []string
	rows      []Row
	bad       []Unparsed
}

func (d *DB) newImporter(ctx context.Context, source string, progress func(ImportProgress)) (*importer, error) {
	im := &importer{d: d, source: absName(source), stored: map[string]string{}, known: map[string]string{},
		index: map[string]int{}, progress: progress, stmts: map[string]*sql.Stmt{}}
	// One advisory (the server's uploads): look up its stored version alone rather than
	// every advisory's (half a second for the public OSV data).
	if id, ok := singleAdvisoryID(source); ok {
		var n int
		if err := d.st.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM advisories LIMIT 1) x`).Scan(&n); err != nil {
			return nil, err
		}
		var mod string
		switch err := d.st.SQL().QueryRowContext(ctx, `SELECT modified FROM advisories WHERE id = ?`, id).Scan(&mod); {
		case err == nil:
			im.stored[id] = mod
		case errors.Is(err, sql.ErrNoRows):
			if n > 0 {
				im.nonEmpty = true
			}
		default:
			return nil, err
		}
		return im, nil
	}
	rows, err := d.st.SQL().QueryContext(ctx, `SELECT id, modified FROM advisories`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, mod string
		if err := rows.Scan(&id, &mod); err != nil {
			return nil, err
		}
		im.stored[id] = mod
	}
	return im, rows.Err()
}

// singleAdvisoryID returns the ID of the advisory in source when source is one JSON
// advisory file that parses.
func singleAdvisoryID(source string) (string, bool) {
	st, err := os.Stat(source)
	if err != nil || !st.Mode().IsRegular() || st.Size() > osv.MaxSize || isZip(source) {
		return "", false
	}
	data, err := os.ReadFile(source)
	if err != nil {
		return "", false
	}
	v, err := osv.Parse(data)
	if err != nil || v.ID == "" {
		return "", false
	}
	return v.ID, true
}

// storedMod returns the modified time of id as stored or written by this import.
func (im *importer) storedMod(id string) (string, bool) {
	if m, ok := im.known[id]; ok {
		return m, true
	}
	m, ok := im.stored[id]
	return m, ok
}

// run imports what produce hands out through the pipeline.
func (im *importer) run(parent context.Context, produce func(*producer) error) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	order := make(chan *job, 1024)
	work := make(chan *job, 256)
	var perr error
	go func() {
		defer close(order)
		defer close(work)
		perr = produce(&producer{ctx: ctx, order: order, work: work})
	}()
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				j.res <- im.read(ctx, j)
			}
		}()
	}
	err := im.consume(ctx, order)
	cancel()
	for range order { // let the producer finish
	}
	wg.Wait()
	if err == nil {
		err = perr
	}
	if err == nil {
		err = parent.Err()
	}
	return err
}

// producer walks the source and hands out jobs.
type producer struct {
	ctx         context.Context
	order, work chan *job
}

func (p *producer) send(j *job) bool {
	j.res = make(chan result, 1)
	select {
	case p.order <- j:
	case <-p.ctx.Done():
		return false
	}
	if j.open == nil {
		return true
	}
	select {
	case p.work <- j:
		return true
	case <-p.ctx.Done():
		return false
	}
}

func (p *producer) dir(root string) error {
	var files []string
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && e.Name() == ".git" {
			return fs.SkipDir
		}
		if !e.Type().IsRegular() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".json", ".zip":
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		if err := p.ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, f)
		if strings.EqualFold(filepath.Ext(f), ".zip") {
			if err := p.zipFile(f, rel); err != nil {
				return err
			}
			continue
		}
		if !p.send(&job{where: f, open: func() (io.ReadCloser, error) { return os.Open(f) }}) {
			return p.ctx.Err()
		}
	}
	return nil
}

// zipFile hands out the *.json entries of a zip, bounding entries; the consumer bounds the
// uncompressed bytes.
func (p *producer) zipFile(path, name string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		p.send(&job{where: name, pre: fmt.Errorf("not a readable zip: %w", err)})
		return nil
	}
	// klauspost/compress's inflate is faster than the standard library's.
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return flate.NewReader(r) })
	zs := &zipState{name: name, closer: zr}
	if len(zr.File) > MaxZipEntries {
		p.send(&job{where: name, pre: fmt.Errorf("%d entries, limit %d", len(zr.File), MaxZipEntries)})
		p.send(&job{zip: zs, end: true})
		return nil
	}
	for _, f := range zr.File {
		if err := p.ctx.Err(); err != nil {
			p.send(&job{zip: zs, end: true})
			return err
		}
		if zs.stopped.Load() {
			break
		}
		if f.FileInfo().IsDir() || !strings.EqualFold(filepath.Ext(f.Name), ".json") {
			continue
		}
		j := &job{where: name + "!" + f.Name, zip: zs}
		if f.UncompressedSize64 > osv.MaxSize {
			j.pre = fmt.Errorf("%d bytes uncompressed, limit %d", f.UncompressedSize64, osv.MaxSize)
		} else {
			j.open = f.Open
		}
		if !p.send(j) {
			break
		}
	}
	p.send(&job{zip: zs, end: true})
	return nil
}

// read reads, parses and indexes one document (in a worker).
func (im *importer) read(ctx context.Context, j *job) result {
	if ctx.Err() != nil || j.zip != nil && j.zip.stopped.Load() {
		return result{err: errSkipped}
	}
	rc, err := j.open()
	if err != nil {
		return result{err: err}
	}
	defer rc.Close()
	// The header's size can lie: read at most the limit either way.
	data, err := io.ReadAll(io.LimitReader(rc, osv.MaxSize+1))
	n := int64(len(data))
	if err != nil {
		return result{err: err, n: n}
	}
	if len(data) > osv.MaxSize {
		return result{err: fmt.Errorf("larger than %d bytes", osv.MaxSize), n: n}
	}
	v, err := osv.Parse(data)
	if err != nil {
		return result{err: err, n: n}
	}
	r := result{data: data, n: n, v: v, mod: v.Modified.UTC().Format(time.RFC3339Nano)}
	if old, ok := im.stored[v.ID]; ok && old >= r.mod {
		return r // unchanged: the consumer will skip it
	}
	r.parsed = true
	r.brief = encodeBrief(v)
	if !v.IsWithdrawn() {
		for _, a := range v.Affected {
			rows, bad := Rows(im.d.schemes, a)
			r.rows = append(r.rows, rows...)
			r.bad = append(r.bad, bad...)
		}
	}
	return r
}

var errSkipped = errors.New("skipped")

// consume takes the results in source order and writes them.
func (im *importer) consume(ctx context.Context, order <-chan *job) error {
	for j := range order {
		if j.end {
			j.zip.closer.Close()
			continue
		}
		if j.pre != nil {
			im.malformed(j.where, j.pre)
			continue
		}
		r := <-j.res
		if j.zip != nil && j.zip.stopped.Load() {
			continue
		}
		if r.err == errSkipped {
			if err := ctx.Err(); err != nil {
				return err
			}
			continue
		}
		if r.err != nil {
			im.malformed(j.where, r.err)
		} else {
			im.doc(r)
		}
		if zs := j.zip; zs != nil {
			zs.total += r.n
			if zs.total > MaxZipTotal {
				im.malformed(zs.name, fmt.Errorf("more than %d bytes uncompressed: stopped", int64(MaxZipTotal)))
				zs.stopped.Store(true)
			}
		}
		if len(im.pending) >= batchSize {
			if err := im.flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

func (im *importer) malformed(file string, err error) {
	im.stats.Malformed = append(im.stats.Malformed, Malformed{File: file, Err: err.Error()})
}

// doc takes one parsed advisory.
func (im *importer) doc(r result) {
	v := r.v
	im.stats.Read++
	if im.progress != nil && im.stats.Read%1000 == 0 {
		im.progress(ImportProgress{Source: im.source, Read: im.stats.Read})
	}
	old, seen := im.storedMod(v.ID)
	switch {
	case seen && old == r.mod:
		im.stats.Unchanged++
		return
	case seen && old > r.mod:
		// An older copy of an advisory already stored (newer from another source).
		im.stats.Unchanged++
		return
	case seen:
		im.stats.Updated++
	default:
		im.stats.Added++
	}
	im.stats.Changed = append(im.stats.Changed, v.ID)
	im.known[v.ID] = r.mod
	if !r.parsed { // cannot happen: read indexes whatever is newer than the stored copy
		r.brief = encodeBrief(v)
		for _, a := range v.Affected {
			rows, bad := Rows(im.d.schemes, a)
			r.rows = append(r.rows, rows...)
			r.bad = append(r.bad, bad...)
		}
	}
	p := &pending{id: v.ID, mod: r.mod, withdrawn: v.IsWithdrawn(), replace: seen, doc: r.data, brief: r.brief, rows: r.rows, bad: r.bad}
	if i, ok := im.index[v.ID]; ok {
		im.pending[i] = nil // superseded within the batch
	}
	im.index[v.ID] = len(im.pending)
	im.pending = append(im.pending, p)
	// The advisory's own ID is an alias of itself, so groups join on one column.
	p.aliases = append(append([]string{v.ID}, v.Aliases...), v.Upstream...)
}

// flush writes the pending advisories: in the load's one transaction, or in a new one.
func (im *importer) flush(ctx context.Context) error {
	batch := make([]*pending, 0, len(im.pending))
	for _, p := range im.pending {
		if p != nil {
			batch = append(batch, p)
		}
	}
	im.pending = im.pending[:0]
	clear(im.index)
	if len(batch) == 0 {
		return nil
	}
	if im.tx != nil {
		n, err := im.write(ctx, im.tx, batch)
		im.count(n)
		return err
	}
	var n written
	var err error
	if im.conn == nil { // outside load
		err = im.d.st.Transact(ctx, func(tx *sql.Tx) error { // retries as flushOnce does
			clear(im.stmts)
			n, err = im.write(ctx, tx, batch)
			return err
		})
	} else {
		n, err = retry(ctx, func() (written, error) { return im.flushOnce(ctx, batch) })
	}
	if err == nil {
		im.count(n)
	}
	return err
}

// flushOnce writes a batch in a transaction of its own on the load's connection.
func (im *importer) flushOnce(ctx context.Context, batch []*pending) (written, error) {
	tx, err := im.conn.BeginTx(ctx, nil)
	if err != nil {
		return written{}, err
	}
	clear(im.stmts)
	n, err := im.write(ctx, tx, batch)
	if err != nil {
		tx.Rollback()
		return n, err
	}
	return n, tx.Commit()
}

// maxAttempts bounds the attempts at a batch's transaction that PostgreSQL aborts to resolve a
// deadlock or a serialization conflict (with a re-index of the same advisories, or a
// re-evaluation dequeueing them), which succeeds when tried again.
const maxAttempts = 5

// retry runs fn until it succeeds, fails otherwise than retryable says, or has run maxAttempts
// times, waiting a little longer before each new attempt.
func retry[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		v, err := fn()
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(20*attempt*attempt) * time.Millisecond):
		}
	}
}

// retryable reports whether PostgreSQL aborted a transaction that may succeed when run again:
// SQLSTATE 40001 (serialization failure) or 40P01 (deadlock detected).
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// written counts what a batch stored, for ImportStats once the batch has committed.
type written struct {
	withdrawn, unparsed int
}

// count adds what a committed batch stored to the import's stats.
func (im *importer) count(n written) {
	im.stats.Withdrawn += n.withdrawn
	im.stats.Unparsed += n.unparsed
}

// indexNow builds the deferred indexes, if any.
func (im *importer) indexNow() error {
	if im.recreate == nil {
		return nil
	}
	err := im.recreate()
	im.recreate = nil
	return err
}

// write replaces a batch of advisories and their index rows, and calls onChanged with their
// IDs.
func (im *importer) write(ctx context.Context, tx *sql.Tx, batch []*pending) (written, error) {
	var n written
	var del []string
	for _, p := range batch {
		if p.replace {
			del = append(del, p.id)
		}
	}
	if len(del) > 0 {
		// A source that holds an advisory twice, the second copy newer: deleting the first
		// copy's rows needs the indexes by advisory, so build them now (rare: the public data
		// has each advisory once per ecosystem, and copies in other ecosystems are the same).
		if err := im.indexNow(); err != nil {
			return n, err
		}
		if err := im.lockReplaced(ctx, tx, del); err != nil {
			return n, err
		}
	}
	delArgs := make([]any, len(del))
	for i, id := range del {
		delArgs[i] = id
	}
	for _, table := range []string{"affected", "advisory_aliases", "unparsed_versions", "advisory_briefs"} {
		if err := im.exec(ctx, tx, "DELETE FROM "+table+" WHERE advisory_id IN (", "?", ")", 1, delArgs); err != nil {
			return n, err
		}
	}
	if err := im.exec(ctx, tx, "DELETE FROM advisories WHERE id IN (", "?", ")", 1, delArgs); err != nil {
		return n, err
	}
	var adv, brief, alias, aff, unp []any
	ids := make([]string, 0, len(batch))
	for _, p := range batch {
		ids = append(ids, p.id)
		w := 0
		if p.withdrawn {
			w = 1
			n.withdrawn++
		}
		adv = append(adv, p.id, p.mod, w, im.source, p.doc)
		brief = append(brief, p.id, p.brief)
		for _, a := range p.aliases {
			alias = append(alias, p.id, a)
		}
		if p.withdrawn {
			continue // withdrawn advisories never match
		}
		for _, r := range p.rows {
			aff = append(aff, p.id, r.Ecosystem, r.Variant, r.Name, r.Kind, r.Lo, r.Hi, r.HiInclusive, nullable(r.Version), nullable(r.Repo))
		}
		for _, u := range p.bad {
			n.unparsed++
			unp = append(unp, p.id, u.Ecosystem, u.Name, u.Version, u.Reason)
		}
	}
	for _, q := range []struct {
		head, row, tail string
		cols            int
		args            []any
	}{
		{"INSERT INTO advisories (id, modified, withdrawn, source, doc) VALUES ", "(?,?,?,?,?)", "", 5, adv},
		{"INSERT INTO advisory_briefs (advisory_id, brief) VALUES ", "(?,?)", "", 2, brief},
		{"INSERT INTO advisory_aliases (advisory_id, alias) VALUES ", "(?,?)", " ON CONFLICT DO NOTHING", 2, alias},
		{"INSERT INTO affected (advisory_id, ecosystem, variant, name, kind, lo, hi, hi_inclusive, version, repo) VALUES ", "(?,?,?,?,?,?,?,?,?,?)", "", 10, aff},
		{"INSERT INTO unparsed_versions (advisory_id, ecosystem, name, version, reason) VALUES ", "(?,?,?,?,?)", "", 5, unp},
	} {
		if err := im.exec(ctx, tx, q.head, q.row, q.tail, q.cols, q.args); err != nil {
			return n, fmt.Errorf("storing advisories: %w", err)
		}
	}
	if im.onChanged != nil {
		slices.Sort(ids)
		if err := im.onChanged(ctx, tx, ids); err != nil {
			return n, fmt.Errorf("storing advisories: %w", err)
		}
	}
	return n, nil
}

// lockReplaced locks, on PostgreSQL, the rows of the advisories a batch replaces in ID order
// before their index rows are touched: a re-index (reindexBatch) locks the advisories it
// rewrites in the same order first, so the two wait for each other instead of deadlocking.
func (im *importer) lockReplaced(ctx context.Context, tx *sql.Tx, ids []string) error {
	if im.d.st.Dialect() != store.Postgres {
		return nil // SQLite writers hold the whole database
	}
	ids = slices.Sorted(slices.Values(ids))
	for off := 0; off < len(ids); off += maxParams {
		part := ids[off:min(off+maxParams, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM advisories WHERE id IN (`+store.Placeholders(len(part))+`) ORDER BY id FOR UPDATE`, args...)
		if err != nil {
			return fmt.Errorf("locking replaced advisories: %w", err)
		}
		for rows.Next() { // each row is locked as it is read
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("locking replaced advisories: %w", err)
		}
	}
	return nil
}

// maxParams bounds the parameters of one statement (SQLite allows 32766).
const maxParams = 2000

// exec runs head + row,row,… + tail over args, cols values a row, as few statements as the
// parameter bound allows; the statements are prepared once a transaction.
func (im *importer) exec(ctx context.Context, tx *sql.Tx, head, row, tail string, cols int, args []any) error {
	per := maxParams / cols
	for off := 0; off < len(args); off += per * cols {
		k := min(per, (len(args)-off)/cols)
		q := head + strings.Repeat(row+",", k-1) + row + tail
		stmt := im.stmts[q]
		if stmt == nil {
			var err error
			if stmt, err = tx.PrepareContext(ctx, q); err != nil {
				return err
			}
			im.stmts[q] = stmt
		}
		if _, err := stmt.ExecContext(ctx, args[off:off+k*cols]...); err != nil {
			return err
		}
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Row is one index row of an affected entry.
type Row struct {
	Ecosystem, Variant, Name string
	Kind                     string // "range", "exact" or "git"
	Lo, Hi                   []byte
	HiInclusive              bool
	Version, Repo            string
}

// Unparsed is a version of an advisory that no scheme could parse.
type Unparsed struct {
	Ecosystem, Name, Version, Reason string
}

// Rows computes the index rows of one affected entry: key intervals of its SEMVER and
// ECOSYSTEM ranges, exact rows for its versions list (by key when the version parses, by
// string otherwise), and git rows for the commits a GIT range names as affected.
func Rows(schemes SchemeFunc, a osv.Affected) ([]Row, []Unparsed) {
	eco, variant := match.SplitEcosystem(a.Package.Ecosystem)
	name := match.NormalizeName(eco, a.Package.Name)
	var rows []Row
	var bad []Unparsed
	base := Row{Ecosystem: eco, Variant: variant, Name: name}
	var listScheme version.Scheme
	for _, r := range a.Ranges {
		if r.Type == osv.RangeGit {
			repo := match.NormalizeRepo(r.Repo)
			for _, e := range r.Events {
				if c := e.Introduced + e.LastAffected; c != "" && c != "0" {
					row := base
					row.Kind, row.Version, row.Repo = "git", c, repo
					rows = append(rows, row)
				}
			}
			for _, v := range a.Versions {
				if isCommit(v) {
					row := base
					row.Kind, row.Version, row.Repo = "git", v, repo
					rows = append(rows, row)
				}
			}
			continue
		}
		s, ok := schemes(eco, r.Type)
		if !ok {
			for _, e := range r.Events {
				if _, v := e.Kind(); v != "0" {
					bad = append(bad, Unparsed{eco, name, v, fmt.Sprintf("no version scheme for %s %s ranges", a.Package.Ecosystem, r.Type)})
				}
			}
			continue
		}
		listScheme = s
		ivs, err := match.Intervals(r, s)
		if err != nil {
			var ue *match.UnparsedError
			if errors.As(err, &ue) {
				bad = append(bad, Unparsed{eco, name, ue.Version, ue.Err.Error()})
				continue
			}
			bad = append(bad, Unparsed{eco, name, "", err.Error()})
			continue
		}
		for _, iv := range ivs {
			row := base
			row.Kind, row.Lo, row.Hi, row.HiInclusive = "range", iv.Lo, iv.Hi, iv.HiInclusive
			rows = append(rows, row)
		}
	}
	if listScheme == nil && eco != "" {
		listScheme, _ = schemes(eco, osv.RangeEcosystem)
	}
	for _, v := range a.Versions {
		row := base
		row.Kind, row.Version = "exact", v
		if listScheme != nil {
			if pv, err := listScheme.Parse(v); err == nil {
				row.Lo, row.Hi, row.HiInclusive = pv.Key(), pv.Key(), true
			}
		}
		rows = append(rows, row)
	}
	return rows, bad
}

func isCommit(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	return strings.Trim(s, "0123456789abcdef") == ""
}
