package web_test

// Driving a headless Chromium through the Chrome DevTools Protocol (chromedp) for the tests of
// the web UI.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium returns the path of the browser, or skips the test when there is none.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("HALLMARK_TEST_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Skipf("no Chromium at %s (install the chromium package or set HALLMARK_TEST_CHROMIUM): %v", path, err)
	}
	return path
}

// browser is one headless Chromium tab and what its console said.
type browser struct {
	ctx  context.Context
	dir  string // where screenshots go
	mu   sync.Mutex
	errs []string // console errors and uncaught exceptions, guarded by mu
	// allowed are the failed requests that are no error, guarded by mu.
	allowed []expectedFailure
}

// expectedFailure is an HTTP status that requests to URLs whose path ends in suffix may answer.
type expectedFailure struct {
	status int
	suffix string
}

// allowFailure lets requests to URLs whose path ends in suffix answer status.
func (b *browser) allowFailure(status int, suffix string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.allowed = append(b.allowed, expectedFailure{status, suffix})
}

// expected says whether the console message m reports a failure the test announced; the
// caller holds mu.
func (b *browser) expected(m chromedp.ConsoleMessage) bool {
	if m.Source != "network" {
		return false
	}
	u, err := url.Parse(m.URL)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(b.allowed, func(f expectedFailure) bool {
		return strings.HasSuffix(u.Path, f.suffix) && strings.Contains(m.Text, "status of "+strconv.Itoa(f.status))
	})
}

// newBrowser starts Chromium with a fresh profile and no network activity of its own.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)

	b := &browser{ctx: ctx, dir: t.TempDir(), allowed: []expectedFailure{{http.StatusUnauthorized, "/api/v1/session"}}}
	if dir := os.Getenv("HALLMARK_SCREENSHOTS"); dir != "" {
		b.dir = filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "-"))
		if err := os.MkdirAll(b.dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	messages := chromedp.Console(ctx) // starts the browser
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type != chromedp.ConsoleError && !m.IsException() {
				continue
			}
			b.mu.Lock()
			// The expected failures: a 401 from the session check before signing in, and
			// those the test announced.
			if !b.expected(m) {
				b.errs = append(b.errs, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
			}
			b.mu.Unlock()
		}
	}()
	return b
}

// consoleErrors returns what the page reported as errors so far.
func (b *browser) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errs...)
}

// step runs the actions of one step; on failure it saves a screenshot and reports the page.
func (b *browser) step(t *testing.T, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("%s: %v", name, time.Since(start).Round(time.Millisecond)) }()
	// The limit only stops a hung step (a query waits for its element as long as it may).
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.screenshot(t, "failed-"+name)
		text, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("%s: %v\nconsole errors: %q\npage:\n%s", name, err, b.consoleErrors(), text)
	}
}

// screenshot saves the whole page as name.png.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(b.dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// waitText waits until the first element matching the CSS selector contains text.
func waitText(selector, text string) chromedp.Action[chromedp.Void] {
	return waitFor(fmt.Sprintf(`(document.querySelector(%s)?.textContent ?? '').includes(%s)`, js(selector), js(text)))
}

// waitFor waits until the JavaScript expression is true. The limit only stops a hung test.
func waitFor(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(time.Minute))
}

// waitAcrossPages is waitFor while the page may be replaced by another (after a click on a
// link or a form that leaves the application): the poll starts again in the new page.
func waitAcrossPages(expr string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		for range 100 { // one page replacement each; the limit only stops a redirect loop
			v, err := waitFor(expr)(ctx, t)
			if err == nil || !pageReplaced(err) || ctx.Err() != nil {
				return v, err
			}
			time.Sleep(10 * time.Millisecond) // while the new page is attached
		}
		return chromedp.Void{}, errors.New("the page kept being replaced")
	}
}

// pageReplaced says whether err is Chromium's answer to a script run in a page it has left.
func pageReplaced(err error) bool {
	for _, m := range []string{"Cannot find context", "Execution context was destroyed", "navigated or closed", "Not attached to an active page"} {
		if strings.Contains(err.Error(), m) {
			return true
		}
	}
	return false
}

// choose selects value in a <select> as a user would, with its change event.
func choose(id, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.ID(id)),
		chromedp.SetValue(chromedp.ID(id), value),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%s).dispatchEvent(new Event('change', {bubbles: true}))`, js(id)))(ctx, t)
			return err
		}))
}

// a11yProblems is a script listing what a keyboard or screen reader user meets first on a
// page: form controls without a label, tables without headers, images without a text
// alternative, unnamed buttons and links, not exactly one h1, duplicate ids and ARIA
// references to missing elements.
const a11yProblems = `(() => {
	const p = [];
	const short = (el) => el.outerHTML.slice(0, 100);
	for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
		if (!(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) p.push('no label: ' + short(el));
	}
	for (const t of document.querySelectorAll('table')) if (!t.querySelector('th')) p.push('no header cells: ' + short(t));
	for (const i of document.querySelectorAll('img')) if (!i.hasAttribute('alt')) p.push('no alt: ' + short(i));
	for (const el of document.querySelectorAll('button, a[href]')) {
		if (!el.textContent.trim() && !el.getAttribute('aria-label')) p.push('no name: ' + short(el));
	}
	const h1 = document.querySelectorAll('h1').length;
	if (h1 !== 1) p.push(h1 + ' h1 elements');
	const ids = new Set();
	for (const el of document.querySelectorAll('[id]')) {
		if (ids.has(el.id)) p.push('duplicate id ' + el.id);
		ids.add(el.id);
	}
	for (const attr of ['aria-labelledby', 'aria-describedby', 'aria-controls']) {
		for (const el of document.querySelectorAll('[' + attr + ']')) {
			for (const id of el.getAttribute(attr).split(/\s+/).filter(Boolean)) {
				if (!document.getElementById(id)) p.push(attr + ' names no element: ' + id);
			}
		}
	}
	return p;
})()`

// page saves a screenshot of the page as name.png and reports its accessibility problems.
func (b *browser) page(t *testing.T, name string) {
	t.Helper()
	b.screenshot(t, name)
	problems, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](a11yProblems))
	if err != nil {
		t.Fatalf("%s: checking accessibility: %v", name, err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", name, p)
	}
}
