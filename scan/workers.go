package scan

import (
	"context"
	"runtime"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/hallmark-dev/hallmark/match"
)

// workers runs the per-package steps of a scan on every core. Each worker keeps its own memo
// of parsed versions (match.Memo is not safe for concurrent use) across the steps.
type workers struct {
	memos []match.SchemeFunc
}

func newWorkers(schemes match.SchemeFunc) *workers {
	w := &workers{memos: make([]match.SchemeFunc, max(1, runtime.GOMAXPROCS(0)))}
	for i := range w.memos {
		w.memos[i] = match.Memo(schemes)
	}
	return w
}

// each calls f(i, schemes) for every i in [0, n), on all workers, and returns the first error.
// f must write its results by index. Work is handed out one index at a time, so a package with
// many advisories does not hold up the others.
func (w *workers) each(ctx context.Context, n int, f func(i int, schemes match.SchemeFunc) error) error {
	g, ctx := errgroup.WithContext(ctx)
	var next atomic.Int64
	for _, schemes := range w.memos {
		g.Go(func() error {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return nil
				}
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := f(i, schemes); err != nil {
					return err
				}
			}
		})
	}
	return g.Wait()
}
