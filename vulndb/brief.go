package vulndb

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/store"
)

// A brief is the part of an advisory that a scan reads, stored next to the advisory's JSON
// document (table advisory_briefs) in a binary form that decodes about 18 times faster than
// osv.Parse reads the JSON (BenchmarkBrief, real advisories) and is a fraction of its size. It holds what package match and the scan report use:
//
//   - id, modified, withdrawn, aliases, upstream, summary, and details only when there is no
//     summary (a finding's summary is then the first line of the details);
//   - severity[], and the "severity" label of database_specific (match.SeverityLabels);
//   - for each affected entry: the package's ecosystem and name, severity[], ranges[] (type,
//     repo, events), versions[], and the severity label of ecosystem_specific (or
//     database_specific when that is absent).
//
// It leaves out published, related, references, credits, the package's purl, and the
// database_specific and ecosystem_specific objects (a label is kept as {"severity": label},
// which match.SeverityOf reads the same way). A decoded brief is an osv.Vulnerability with the
// other fields empty.
//
// Layout (version 1): the byte 1, then the fields in the order above. A string is its length
// (uvarint) and bytes; a list is its length (uvarint) and items; a time is its Unix seconds
// (varint) and nanoseconds (uvarint); withdrawn is a byte (0 or 1) followed by a time when 1;
// an event is four strings (introduced, fixed, last_affected, limit).
const briefVersion = 1

// maxBriefItems bounds each list of a brief when decoding: every item takes at least one
// byte, so a list longer than the bytes left is corrupt anyway; this bounds the allocation.
const maxBriefItems = 1 << 20

// errBrief reports a brief that does not decode.
var errBrief = errors.New("corrupt advisory brief")

// encodeBrief returns the brief of v.
func encodeBrief(v *osv.Vulnerability) []byte {
	var w briefWriter
	w.b = make([]byte, 0, 256)
	w.b = append(w.b, briefVersion)
	w.str(v.ID)
	w.time(v.Modified.Time)
	if v.Withdrawn != nil {
		w.b = append(w.b, 1)
		w.time(v.Withdrawn.Time)
	} else {
		w.b = append(w.b, 0)
	}
	w.strs(v.Aliases)
	w.strs(v.Upstream)
	w.str(v.Summary)
	if v.Summary == "" {
		w.str(v.Details)
	} else {
		w.str("")
	}
	w.severities(v.Severity)
	label, _ := match.SeverityLabels(v, nil)
	w.str(label)
	w.uint(len(v.Affected))
	for i := range v.Affected {
		a := &v.Affected[i]
		w.str(a.Package.Ecosystem)
		w.str(a.Package.Name)
		w.severities(a.Severity)
		w.uint(len(a.Ranges))
		for _, r := range a.Ranges {
			w.str(r.Type)
			w.str(r.Repo)
			w.uint(len(r.Events))
			for _, e := range r.Events {
				w.str(e.Introduced)
				w.str(e.Fixed)
				w.str(e.LastAffected)
				w.str(e.Limit)
			}
		}
		w.strs(a.Versions)
		_, label := match.SeverityLabels(v, a)
		w.str(label)
	}
	return w.b
}

type briefWriter struct{ b []byte }

func (w *briefWriter) uint(n int)   { w.b = binary.AppendUvarint(w.b, uint64(n)) }
func (w *briefWriter) str(s string) { w.uint(len(s)); w.b = append(w.b, s...) }
func (w *briefWriter) strs(s []string) {
	w.uint(len(s))
	for _, x := range s {
		w.str(x)
	}
}

func (w *briefWriter) time(t time.Time) {
	w.b = binary.AppendVarint(w.b, t.Unix())
	w.b = binary.AppendUvarint(w.b, uint64(t.Nanosecond()))
}

func (w *briefWriter) severities(ss []osv.Severity) {
	w.uint(len(ss))
	for _, s := range ss {
		w.str(s.Type)
		w.str(s.Score)
	}
}

// decodeBrief decodes a brief written by encodeBrief. Corrupt input gives an error wrapping
// errBrief, never a panic.
func decodeBrief(b []byte) (*osv.Vulnerability, error) {
	if len(b) == 0 || b[0] != briefVersion {
		return nil, fmt.Errorf("%w: unknown version", errBrief)
	}
	r := briefReader{s: string(b[1:])}
	v := &osv.Vulnerability{}
	v.ID = r.str()
	v.Modified.Time = r.time()
	if r.byte() == 1 {
		v.Withdrawn = &osv.Time{Time: r.time()}
	}
	v.Aliases = r.strs()
	v.Upstream = r.strs()
	v.Summary = r.str()
	v.Details = r.str()
	v.Severity = r.severities()
	v.DatabaseSpecific = labelObject(r.str())
	if n := r.count(); n > 0 {
		v.Affected = make([]osv.Affected, n)
		for i := range v.Affected {
			a := &v.Affected[i]
			a.Package.Ecosystem = r.str()
			a.Package.Name = r.str()
			a.Severity = r.severities()
			if n := r.count(); n > 0 {
				a.Ranges = make([]osv.Range, n)
				for j := range a.Ranges {
					rg := &a.Ranges[j]
					rg.Type = r.str()
					rg.Repo = r.str()
					if n := r.count(); n > 0 {
						rg.Events = make([]osv.Event, n)
						for k := range rg.Events {
							e := &rg.Events[k]
							e.Introduced, e.Fixed, e.LastAffected, e.Limit = r.str(), r.str(), r.str(), r.str()
						}
					}
				}
			}
			a.Versions = r.strs()
			a.EcosystemSpecific = labelObject(r.str())
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.s) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the end", errBrief, len(r.s))
	}
	return v, nil
}

// labelObject returns {"severity": label}, or nil for no label.
func labelObject(label string) json.RawMessage {
	if label == "" {
		return nil
	}
	b, _ := json.Marshal(map[string]string{"severity": label})
	return b
}

// briefReader reads a brief held in one string, so that the decoded strings share its memory
// (one allocation a brief); the first error sticks and every later read returns zero values.
type briefReader struct {
	s   string
	err error
}

func (r *briefReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", errBrief, what)
	}
	r.s = ""
}

func (r *briefReader) byte() byte {
	if len(r.s) == 0 {
		r.fail("truncated")
		return 0
	}
	c := r.s[0]
	r.s = r.s[1:]
	return c
}

// uvarint reads an unsigned varint as encoding/binary writes it.
func (r *briefReader) uvarint() uint64 {
	var n uint64
	for i := 0; i < len(r.s) && i < binary.MaxVarintLen64; i++ {
		c := r.s[i]
		if i == binary.MaxVarintLen64-1 && c > 1 {
			break // overflows 64 bits
		}
		n |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			r.s = r.s[i+1:]
			return n
		}
	}
	r.fail("bad number")
	return 0
}

func (r *briefReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.s)) || n > maxBriefItems {
		r.fail("list longer than the brief")
		return 0
	}
	return int(n)
}

func (r *briefReader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.s)) {
		r.fail("string longer than the brief")
		return ""
	}
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

func (r *briefReader) strs() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}

func (r *briefReader) time() time.Time {
	u := r.uvarint()
	sec := int64(u >> 1) // zig-zag, as binary.AppendVarint writes it
	if u&1 != 0 {
		sec = ^sec
	}
	ns := r.uvarint()
	if ns >= 1e9 {
		r.fail("bad time")
		return time.Time{}
	}
	return time.Unix(sec, int64(ns)).UTC()
}

func (r *briefReader) severities() []osv.Severity {
	n := r.count()
	if n == 0 {
		return nil
	}
	out := make([]osv.Severity, n)
	for i := range out {
		out[i].Type, out[i].Score = r.str(), r.str()
	}
	return out
}

// briefBatch is how many briefs one query reads.
const briefBatch = 500

// Briefs returns the advisories with the given IDs as a scan reads them: decoded from their
// briefs, with only the fields package match and the scan report use (see encodeBrief); IDs
// not in the database are left out. An advisory stored without a brief (by a Hallmark older
// than migration 0004) is read whole from its document. The IDs are read in sorted batches,
// which walk the table's B-tree in order, on all cores.
func (d *DB) Briefs(ctx context.Context, ids []string) (map[string]*osv.Vulnerability, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	found := make([][]*osv.Vulnerability, (len(ids)+briefBatch-1)/briefBatch)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, runtime.GOMAXPROCS(0)))
	for i := range found {
		batch := ids[i*briefBatch : min((i+1)*briefBatch, len(ids))]
		g.Go(func() (err error) {
			found[i], err = d.briefs(gctx, batch)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[string]*osv.Vulnerability, len(ids))
	for _, vs := range found {
		for _, v := range vs {
			out[v.ID] = v
		}
	}
	var missing []string
	for _, id := range ids {
		if out[id] == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	whole, err := d.Advisories(ctx, missing)
	if err != nil {
		return nil, err
	}
	maps.Copy(out, whole)
	return out, nil
}

// briefs reads and decodes the briefs of one batch of IDs.
func (d *DB) briefs(ctx context.Context, ids []string) ([]*osv.Vulnerability, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := "SELECT advisory_id, brief FROM advisory_briefs WHERE advisory_id IN (" + store.Placeholders(len(ids)) + ")"
	rows, err := d.st.SQL().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading advisory briefs: %w", err)
	}
	defer rows.Close()
	out := make([]*osv.Vulnerability, 0, len(ids))
	for rows.Next() {
		var id string
		var b sql.RawBytes // decodeBrief copies it
		if err := rows.Scan(&id, &b); err != nil {
			return nil, fmt.Errorf("reading advisory briefs: %w", err)
		}
		v, err := decodeBrief(b)
		if err != nil {
			return nil, fmt.Errorf("stored advisory %s: %w", id, err)
		}
		if v.ID != id {
			return nil, fmt.Errorf("stored advisory %s: %w: the brief of %s", id, errBrief, v.ID)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading advisory briefs: %w", err)
	}
	return out, nil
}

// fillBatch is how many advisories fillBriefs reads and writes at a time.
const fillBatch = 2000

// fillBriefs writes the briefs of advisories stored without one (by a Hallmark older than
// migration 0004), so that scans read briefs instead of parsing documents. It returns how many
// it wrote. When every advisory has its brief (counting both is cheap), it does nothing;
// otherwise it reads the documents in ID order, parses them on all cores, and writes each
// batch in its own transaction. A document that no longer parses keeps no brief (scans read
// it whole, as before).
func (d *DB) fillBriefs(ctx context.Context) (int, error) {
	db := d.st.SQL()
	var advisories, briefs int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM advisories`).Scan(&advisories); err != nil {
		return 0, fmt.Errorf("counting advisories: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM advisory_briefs`).Scan(&briefs); err != nil {
		return 0, fmt.Errorf("counting advisory briefs: %w", err)
	}
	if briefs >= advisories {
		return 0, nil
	}
	written, after := 0, ""
	for {
		type doc struct {
			id   string
			data []byte
		}
		var docs []doc
		rows, err := db.QueryContext(ctx, `SELECT a.id, a.doc FROM advisories a
			WHERE a.id > ? AND NOT EXISTS (SELECT 1 FROM advisory_briefs b WHERE b.advisory_id = a.id)
			ORDER BY a.id LIMIT ?`, after, fillBatch)
		if err != nil {
			return written, fmt.Errorf("reading advisories without briefs: %w", err)
		}
		for rows.Next() {
			var x doc
			if err := rows.Scan(&x.id, &x.data); err != nil {
				rows.Close()
				return written, fmt.Errorf("reading advisories without briefs: %w", err)
			}
			docs = append(docs, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return written, fmt.Errorf("reading advisories without briefs: %w", err)
		}
		if len(docs) == 0 {
			return written, nil
		}
		after = docs[len(docs)-1].id
		encoded := make([][]byte, len(docs))
		g := new(errgroup.Group)
		g.SetLimit(max(1, runtime.GOMAXPROCS(0)))
		for i, x := range docs {
			g.Go(func() error {
				if v, err := osv.Parse(x.data); err == nil && v.ID == x.id {
					encoded[i] = encodeBrief(v)
				}
				return nil
			})
		}
		g.Wait()
		var args []any
		for i, x := range docs {
			if encoded[i] != nil {
				args = append(args, x.id, encoded[i])
			}
		}
		if len(args) == 0 {
			continue
		}
		err = d.st.Transact(ctx, func(tx *sql.Tx) error {
			q := "INSERT INTO advisory_briefs (advisory_id, brief) VALUES (?,?)" + strings.Repeat(",(?,?)", len(args)/2-1) + " ON CONFLICT DO NOTHING"
			_, err := tx.ExecContext(ctx, q, args...)
			return err
		})
		if err != nil {
			return written, fmt.Errorf("writing advisory briefs: %w", err)
		}
		written += len(args) / 2
	}
}
