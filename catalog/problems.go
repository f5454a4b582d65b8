package catalog

import (
	"errors"
	"fmt"
)

// MaxProblems bounds the errors kept for one file; the rest are counted.
const MaxProblems = 20

// Problems collects the errors found in one file: the first MaxProblems in order, a count of
// the others, and a limit error (ErrTooLarge), which is reported first. A hostile file with a
// million bad lines gives a short, useful error instead of a million messages. The zero value,
// with Path set, is ready to use.
type Problems struct {
	Path  string
	errs  []error
	n     int
	limit error
}

// Errorf adds a *ParseError at line (0 when unknown).
func (p *Problems) Errorf(line int, format string, args ...any) {
	p.Add(Errorf(p.Path, line, format, args...))
}

// Add adds an error.
func (p *Problems) Add(err error) {
	if err == nil {
		return
	}
	p.n++
	if len(p.errs) < MaxProblems {
		p.errs = append(p.errs, err)
	}
}

// Limit records a limit error; only the first one is kept.
func (p *Problems) Limit(err error) {
	if p.limit == nil {
		p.limit = err
	}
}

// Limited reports whether a limit error was recorded.
func (p *Problems) Limited() bool { return p.limit != nil }

// Err joins the problems into one error, or returns nil when there are none.
func (p *Problems) Err() error {
	errs := p.errs
	if p.n > len(errs) {
		errs = append(errs, Errorf(p.Path, 0, "%d more problems not shown", p.n-len(errs)))
	}
	if p.limit != nil {
		errs = append([]error{p.limit}, errs...)
	}
	return errors.Join(errs...)
}

// String summarises the problems, for debugging.
func (p *Problems) String() string {
	return fmt.Sprintf("%s: %d problem(s), limit: %v", p.Path, p.n, p.limit)
}
