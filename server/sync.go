package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// SyncOptions configure the scheduled advisory sync.
type SyncOptions struct {
	// Sources are directories, zips or JSON files of OSV advisories, or http(s) URLs of an
	// OSV bucket (the public one is vulndb.DefaultBaseURL).
	Sources []string
	// Interval is the time between syncs; 0 means one hour.
	Interval time.Duration
	// Holder names this replica in the lease that lets one replica at a time sync.
	Holder string
	// CacheDir holds the bucket downloads (vulndb.UpdateOptions.CacheDir).
	CacheDir string
	// Client downloads from buckets; nil means vulndb's default client.
	Client *http.Client
}

// syncLease is the lease's name in the database.
const syncLease = "advisory-sync"

// SyncWorker returns the worker that syncs the advisories from opts.Sources at start and then
// every interval, on the replica holding the lease, and re-evaluates the portfolio for the
// advisories that changed.
func (s *Server) SyncWorker(opts SyncOptions) Worker {
	if opts.Interval <= 0 {
		opts.Interval = time.Hour
	}
	return Worker{Name: "advisory sync", Run: func(ctx context.Context) error {
		t := time.NewTicker(opts.Interval)
		defer t.Stop()
		for {
			if _, err := s.SyncOnce(ctx, opts); err != nil && !errors.Is(err, context.Canceled) {
				s.log.Error("advisory sync failed", "error", err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
			}
		}
	}}
}

// SyncResult is what one sync did.
type SyncResult struct {
	Skipped      bool     // another replica holds the lease
	Changed      []string // advisories added or changed
	Reevaluation *portfolio.ReevalStats
}

// SyncOnce syncs the sources once when this replica holds (or takes) the lease. The
// advisories a source adds or changes are queued for re-evaluation in the transactions that
// store them (vulndb.OnChanged), then re-evaluated at once; a sync that dies in between
// leaves them to the queue's worker on any replica.
func (s *Server) SyncOnce(ctx context.Context, opts SyncOptions) (*SyncResult, error) {
	if opts.Interval <= 0 {
		opts.Interval = time.Hour
	}
	// The lease outlives one interval so the holder keeps it from sync to sync; when the
	// holder stops, another replica takes over after it expires.
	ok, err := s.opts.Access.Lease(ctx, syncLease, opts.Holder, 2*opts.Interval)
	if err != nil {
		return nil, err
	}
	if !ok {
		return &SyncResult{Skipped: true}, nil
	}
	before, err := s.advisoryVersions(ctx)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, src := range opts.Sources {
		start := time.Now()
		if strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://") {
			ups, err := s.opts.Advisories.Update(ctx, vulndb.UpdateOptions{BaseURL: src, CacheDir: opts.CacheDir, Client: opts.Client,
				OnChanged: s.opts.Portfolio.QueueTx})
			if err != nil {
				errs = append(errs, fmt.Errorf("sync %s: %w", src, err))
			}
			for _, u := range ups {
				if u.Err != nil {
					s.log.Warn("advisory sync", "source", src, "ecosystem", u.Ecosystem, "error", u.Err)
				}
			}
			s.log.Info("advisory sync", "source", src, "ecosystems", len(ups), "duration", time.Since(start))
			continue
		}
		st, err := s.opts.Advisories.Import(ctx, src, nil, vulndb.OnChanged(s.opts.Portfolio.QueueTx))
		if err != nil {
			errs = append(errs, fmt.Errorf("sync %s: %w", src, err))
			continue
		}
		s.log.Info("advisory sync", "source", src, "read", st.Read, "added", st.Added, "updated", st.Updated,
			"malformed", len(st.Malformed), "duration", time.Since(start))
	}
	after, err := s.advisoryVersions(ctx)
	if err != nil {
		return nil, err
	}
	res := &SyncResult{}
	for id, mod := range after {
		if before[id] != mod {
			res.Changed = append(res.Changed, id)
		}
	}
	sort.Strings(res.Changed)
	if res.Reevaluation, err = s.reevaluate(ctx, res.Changed); err != nil {
		errs = append(errs, err)
	}
	if len(res.Changed) > 0 {
		r := res.Reevaluation
		if r == nil {
			r = &portfolio.ReevalStats{}
		}
		s.log.Info("advisories changed", "advisories", len(res.Changed), "opened", r.Opened, "resolved", r.Resolved)
	}
	return res, errors.Join(errs...)
}

// advisoryVersions maps each stored advisory's ID to its modified time. A sync compares the
// maps before and after rather than trusting ImportStats.Changed: an import or download that
// fails part way has committed some batches, and those advisories must be re-evaluated too
// (the next sync would find them unchanged).
func (s *Server) advisoryVersions(ctx context.Context) (map[string]string, error) {
	rows, err := s.opts.Store.SQL().QueryContext(ctx, `SELECT id, modified FROM advisories`)
	if err != nil {
		return nil, fmt.Errorf("reading advisory versions: %w", err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var id, mod string
		if err := rows.Scan(&id, &mod); err != nil {
			return nil, fmt.Errorf("reading advisory versions: %w", err)
		}
		m[id] = mod
	}
	return m, rows.Err()
}
