package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/hallmark-dev/hallmark/catalog"
)

// isTerminal reports whether w is a terminal, where progress may be drawn.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressLine draws a one-line progress report on a terminal, at most ten times a second.
type progressLine struct {
	w     io.Writer
	mu    sync.Mutex // guards last and drawn
	last  time.Time
	drawn bool
}

func (p *progressLine) update(target string, pr catalog.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !pr.Done && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	if pr.Note != "" {
		fmt.Fprintf(p.w, "\r\033[K%s: %s", target, pr.Note)
	} else {
		fmt.Fprintf(p.w, "\r\033[K%s: %d files, %d to parse, %d parsed, %d packages", target, pr.Files, pr.Matched, pr.Parsed, pr.Packages)
	}
	p.drawn = true
}

// note draws a free-form progress message.
func (p *progressLine) note(target, msg string) {
	p.update(target, catalog.Progress{Note: msg})
}

// clear removes the progress line before results or diagnostics are printed.
func (p *progressLine) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}
