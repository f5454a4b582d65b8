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
	"sort"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/version"
)

// Limits of an import.
const (
	// MaxZipEntries bounds the entries of one zip (the public PyPI all.zip has about 20,000).
	MaxZipEntries = 5_000_000
	// MaxZipTotal bounds the uncompressed bytes read from one zip, against zip bombs.
	MaxZipTotal = 64 << 30
	// batchSize is how many advisories one transaction writes.
	batchSize = 2000
)

// ImportStats counts what an import did.
type ImportStats struct {
	Read      int // advisory documents read
	Added     int
	Updated   int // changed modified time
	Unchanged int // same modified time: no work
	Withdrawn int // withdrawn advisories stored (they never match)
	Unparsed  int // versions in ranges or lists no scheme could parse
	Malformed []Malformed
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

// Import reads every advisory of source into the database: a directory (searched
// recursively for *.json advisories and */all.zip files of the OSV bucket layout, skipping
// .git), a zip of advisories, or a single JSON advisory. Advisories whose modified time is
// unchanged are skipped; malformed ones are counted with their file name and never stop the
// rest.
func (d *DB) Import(ctx context.Context, source string, progress func(ImportProgress)) (*ImportStats, error) {
	st, err := os.Stat(source)
	if err != nil {
		return nil, err
	}
	im, err := d.newImporter(ctx, source, progress)
	if err != nil {
		return nil, err
	}
	switch {
	case st.IsDir():
		err = im.dir(ctx, source)
	case strings.HasSuffix(strings.ToLower(source), ".zip") || isZip(source):
		err = im.zipFile(ctx, source, filepath.Base(source))
	default:
		err = im.file(source)
	}
	if err == nil {
		err = im.flush(ctx)
	}
	if err != nil {
		return &im.stats, err
	}
	err = d.st.Transact(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sources (name, imported_at, advisories) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET imported_at = excluded.imported_at, advisories = excluded.advisories`,
			absName(source), time.Now().UTC().Format(time.RFC3339), im.stats.Read)
		return err
	})
	return &im.stats, err
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

// importer batches advisories into transactions.
type importer struct {
	d        *DB
	source   string
	known    map[string]string // id → modified, as stored
	pending  []*pending
	stats    ImportStats
	progress func(ImportProgress)
}

type pending struct {
	v   *osv.Vulnerability
	doc []byte
}

func (d *DB) newImporter(ctx context.Context, source string, progress func(ImportProgress)) (*importer, error) {
	im := &importer{d: d, source: absName(source), known: map[string]string{}, progress: progress}
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
		im.known[id] = mod
	}
	return im, rows.Err()
}

func (im *importer) dir(ctx context.Context, root string) error {
	var files []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && e.Name() == ".git" {
			return fs.SkipDir
		}
		if !e.Type().IsRegular() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".json", ".zip":
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, p := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.EqualFold(filepath.Ext(p), ".zip") {
			if err := im.zipFile(ctx, p, rel); err != nil {
				return err
			}
			continue
		}
		if err := im.file(p); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) file(p string) error {
	f, err := os.Open(p)
	if err != nil {
		im.malformed(p, err)
		return nil
	}
	defer f.Close()
	im.doc(p, f)
	return nil
}

// zipFile imports the *.json entries of a zip, bounding entries and uncompressed bytes.
func (im *importer) zipFile(ctx context.Context, p, name string) error {
	zr, err := zip.OpenReader(p)
	if err != nil {
		im.malformed(name, fmt.Errorf("not a readable zip: %w", err))
		return nil
	}
	defer zr.Close()
	if len(zr.File) > MaxZipEntries {
		im.malformed(name, fmt.Errorf("%d entries, limit %d", len(zr.File), MaxZipEntries))
		return nil
	}
	var total int64
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.FileInfo().IsDir() || !strings.EqualFold(filepath.Ext(f.Name), ".json") {
			continue
		}
		where := name + "!" + f.Name
		if f.UncompressedSize64 > osv.MaxSize {
			im.malformed(where, fmt.Errorf("%d bytes uncompressed, limit %d", f.UncompressedSize64, osv.MaxSize))
			continue
		}
		rc, err := f.Open()
		if err != nil {
			im.malformed(where, err)
			continue
		}
		// The header's size can lie: read at most the limit either way.
		lr := &io.LimitedReader{R: rc, N: osv.MaxSize + 1}
		im.doc(where, lr)
		rc.Close()
		total += osv.MaxSize + 1 - lr.N
		if total > MaxZipTotal {
			im.malformed(name, fmt.Errorf("more than %d bytes uncompressed: stopped", int64(MaxZipTotal)))
			return nil
		}
		if err := im.maybeFlush(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) malformed(file string, err error) {
	im.stats.Malformed = append(im.stats.Malformed, Malformed{File: file, Err: err.Error()})
}

// doc reads one advisory document.
func (im *importer) doc(where string, r io.Reader) {
	data, err := io.ReadAll(io.LimitReader(r, osv.MaxSize+1))
	if err != nil {
		im.malformed(where, err)
		return
	}
	if len(data) > osv.MaxSize {
		im.malformed(where, fmt.Errorf("larger than %d bytes", osv.MaxSize))
		return
	}
	v, err := osv.Parse(data)
	if err != nil {
		im.malformed(where, err)
		return
	}
	im.stats.Read++
	if im.progress != nil && im.stats.Read%1000 == 0 {
		im.progress(ImportProgress{Source: im.source, Read: im.stats.Read})
	}
	mod := v.Modified.UTC().Format(time.RFC3339Nano)
	old, seen := im.known[v.ID]
	switch {
	case seen && old == mod:
		im.stats.Unchanged++
		return
	case seen && old > mod:
		// An older copy of an advisory already stored (newer from another source).
		im.stats.Unchanged++
		return
	case seen:
		im.stats.Updated++
	default:
		im.stats.Added++
	}
	im.known[v.ID] = mod
	im.pending = append(im.pending, &pending{v: v, doc: data})
}

func (im *importer) maybeFlush(ctx context.Context) error {
	if len(im.pending) < batchSize {
		return nil
	}
	return im.flush(ctx)
}

// flush writes the pending advisories in one transaction.
func (im *importer) flush(ctx context.Context) error {
	if len(im.pending) == 0 {
		return nil
	}
	batch := im.pending
	im.pending = nil
	var unparsed int
	err := im.d.st.Transact(ctx, func(tx *sql.Tx) error {
		unparsed = 0
		w, err := newWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		for _, p := range batch {
			n, err := w.write(ctx, im.d.schemes, p.v, p.doc, im.source)
			if err != nil {
				return fmt.Errorf("storing %s: %w", p.v.ID, err)
			}
			unparsed += n
			if p.v.IsWithdrawn() {
				im.stats.Withdrawn++
			}
		}
		return nil
	})
	im.stats.Unparsed += unparsed
	return err
}

// writer holds the prepared statements of one transaction.
type writer struct {
	del, adv, alias, aff, unp *sql.Stmt
}

func newWriter(ctx context.Context, tx *sql.Tx) (*writer, error) {
	w := &writer{}
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		s, err = tx.PrepareContext(ctx, q)
		return s
	}
	w.del = prep(`DELETE FROM advisories WHERE id = ?`)
	w.adv = prep(`INSERT INTO advisories (id, modified, withdrawn, source, doc) VALUES (?, ?, ?, ?, ?)`)
	w.alias = prep(`INSERT OR IGNORE INTO advisory_aliases (advisory_id, alias) VALUES (?, ?)`)
	w.aff = prep(`INSERT INTO affected (advisory_id, ecosystem, variant, name, kind, lo, hi, hi_inclusive, version, repo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	w.unp = prep(`INSERT INTO unparsed_versions (advisory_id, ecosystem, name, version, reason) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *writer) close() {
	for _, s := range []*sql.Stmt{w.del, w.adv, w.alias, w.aff, w.unp} {
		if s != nil {
			s.Close()
		}
	}
}

// write replaces one advisory and its index rows; it returns how many versions did not parse.
func (w *writer) write(ctx context.Context, schemes SchemeFunc, v *osv.Vulnerability, doc []byte, source string) (int, error) {
	if _, err := w.del.ExecContext(ctx, v.ID); err != nil {
		return 0, err
	}
	withdrawn := 0
	if v.IsWithdrawn() {
		withdrawn = 1
	}
	if _, err := w.adv.ExecContext(ctx, v.ID, v.Modified.UTC().Format(time.RFC3339Nano), withdrawn, source, doc); err != nil {
		return 0, err
	}
	// The advisory's own ID is an alias of itself, so groups join on one column.
	for _, a := range append(append([]string{v.ID}, v.Aliases...), v.Upstream...) {
		if _, err := w.alias.ExecContext(ctx, v.ID, a); err != nil {
			return 0, err
		}
	}
	if withdrawn == 1 {
		return 0, nil // withdrawn advisories never match
	}
	unparsed := 0
	for _, a := range v.Affected {
		rows, bad := Rows(schemes, a)
		for _, r := range rows {
			if _, err := w.aff.ExecContext(ctx, v.ID, r.Ecosystem, r.Variant, r.Name, r.Kind, r.Lo, r.Hi, r.HiInclusive, nullable(r.Version), nullable(r.Repo)); err != nil {
				return 0, err
			}
		}
		for _, u := range bad {
			unparsed++
			if _, err := w.unp.ExecContext(ctx, v.ID, u.Ecosystem, u.Name, u.Version, u.Reason); err != nil {
				return 0, err
			}
		}
	}
	return unparsed, nil
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
