package web_test

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/server/web"
)

// TestModules runs the pure functions of the JavaScript modules in Chromium: the page loads
// them from the handler as the application does, and each case evaluates one expression.
func TestModules(t *testing.T) {
	if testing.Short() {
		t.Skip("JavaScript tests in Chromium: skipped with -short")
	}
	chromium(t)
	srv := httptest.NewServer(web.Handler())
	t.Cleanup(srv.Close)
	b := newBrowser(t)
	b.step(t, "load", chromedp.Navigate(srv.URL+"/"), waitFor(`document.querySelector('script[type=module]') !== null`))

	// found is a tree of two paths to qs and one to lodash, as the artifact page builds it.
	const found = `new Map([
		['pkg:npm/qs@6.7.0', {severity: 'high', paths: [
			[{id: 1, name: 'express', version: '4', purl: 'pkg:npm/express@4'}, {id: 3, name: 'qs', version: '6.7.0', purl: 'pkg:npm/qs@6.7.0'}],
			[{id: 1, name: 'express', version: '4', purl: 'pkg:npm/express@4'}, {id: 2, name: 'body-parser', version: '1', purl: 'pkg:npm/body-parser@1'}, {id: 3, name: 'qs', version: '6.7.0', purl: 'pkg:npm/qs@6.7.0'}]]}],
		['pkg:npm/lodash@4.17.20', {severity: 'critical', paths: [[{id: 4, name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20'}]]}]])`
	tests := []struct {
		name string
		expr string // with dom, chart, tree, api and triage, the modules
		want any
	}{
		{"purl with version", `dom.purlPackage('pkg:npm/qs@6.7.0')`, "pkg:npm/qs"},
		{"purl with encoded scope", `dom.purlPackage('pkg:npm/%40babel/core@7.0.0?arch=x#lib')`, "pkg:npm/%40babel/core"},
		{"purl with scope", `dom.purlPackage('pkg:npm/@babel/core@7.0.0')`, "pkg:npm/@babel/core"},
		{"purl without version", `dom.purlPackage('pkg:npm/@babel/core')`, "pkg:npm/@babel/core"},
		{"go purl", `dom.purlPackage('pkg:golang/golang.org/x/net@v0.1.0#html')`, "pkg:golang/golang.org/x/net"},
		{"axis bounds", `[0, 1, 7, 10, 12, 45, 101, 999].map(chart.niceMax)`, []any{1.0, 1.0, 10.0, 10.0, 20.0, 50.0, 200.0, 1000.0}},
		{"levels", `dom.levelsOf({high: 1, odd: 2}, {critical: 0, low: 3})`, []any{"critical", "high", "low", "odd"}},
		{"query string", `api.qs({a: '', b: 1, c: 'x y', d: null})`, "?b=1&c=x+y"},
		{"empty query string", `api.qs({a: ''})`, ""},
		{"list answers", `[api.items({items: [1]}), api.items([2]), api.items(null)]`, []any{[]any{1.0}, []any{2.0}, []any{}}},
		{"tree roots", `[...tree.buildTree(` + found + `).children.values()].map((n) => n.comp.name).sort()`, []any{"express", "lodash"}},
		{"tree highlights both paths", `tree.renderTree('shop', tree.buildTree(` + found + `), 'pkg:npm/qs@6.7.0').querySelectorAll('li.on-path').length`, 5.0},
		{"tree marks the component", `tree.renderTree('shop', tree.buildTree(` + found + `), 'pkg:npm/qs@6.7.0').querySelectorAll('[aria-current="true"]').length`, 2.0},
		{"tree without selection", `tree.renderTree('shop', tree.buildTree(` + found + `), '').querySelectorAll('li.on-path').length`, 0.0},
		{"tree vulnerable badges", `tree.renderTree('shop', tree.buildTree(` + found + `), '').querySelectorAll('.badge').length`, 3.0},
		{"empty tree", `tree.renderTree('shop', tree.buildTree(new Map()), '').textContent.startsWith('No dependency path')`, true},
		{"chart", `chart.trendChart([{day: '2026-01-01', open: {high: 2}}, {day: '2026-01-02', open: {high: 1, critical: 4}}]).querySelectorAll('polygon').length`, 2.0},
		{"chart description", `chart.trendChart([{day: '2026-01-02', open: {high: 1, critical: 4}}]).querySelector('desc').textContent`, "Open findings on 2026-01-02: 4 critical, 1 high."},
		{"empty chart", `chart.trendChart([]).tagName`, "P"},
		{"chart of nothing open", `chart.trendChart([{day: 'a', open: {high: 0}}, {day: 'b', open: {}}]).textContent`, "No open finding from a to b."},
		{"chart legend", `[...chart.trendChart([{day: 'a', open: {high: 1, low: 0, critical: 2}}]).querySelectorAll('.legend li')].map((e) => e.textContent)`, []any{"critical", "high"}},
		{"chart ticks are whole numbers", `[...chart.trendChart([{day: 'd', open: {high: 1}}]).querySelectorAll('.tick text')].map((e) => e.textContent)`, []any{"0", "1"}},
		{"chart ticks", `[...chart.trendChart([{day: 'd', open: {high: 17}}]).querySelectorAll('.tick text')].map((e) => e.textContent)`, []any{"0", "10", "20"}},
		{"text is never markup", `dom.h('p', null, '<b>x</b>').children.length`, 0.0},
		{"state in words", `triage.words('not_affected')`, "not affected"},
		{"new analysis", `triage.analysisFields('x').body()`, map[string]any{"state": "in_triage", "comment": ""}},
		{"affected needs an action", `(() => { const f = triage.analysisFields('x', {state: 'affected', action: 'upgrade'}); return [f.body(), f.nodes.map((n) => n.hidden), f.nodes[2].querySelector('input').required]; })()`,
			[]any{map[string]any{"state": "affected", "action": "upgrade", "comment": ""}, []any{false, true, false, false}, true}},
		{"not affected needs a justification", `(() => { const f = triage.analysisFields('x', {state: 'not_affected', justification: 'component_not_present'}); return [f.body(), f.nodes.map((n) => n.hidden)]; })()`,
			[]any{map[string]any{"state": "not_affected", "justification": "component_not_present", "comment": ""}, []any{false, false, true, false}}},
		{"analysis field ids", `triage.analysisFields('finding-7').nodes.map((n) => n.querySelector('[id]').id)`, []any{"finding-7-state", "finding-7-justification", "finding-7-action", "finding-7-comment"}},
		{"no analysis", `triage.stateBadge(null).textContent`, "not triaged"},
		{"empty audit trail", `triage.auditTable({items: []}, {empty: 'none yet'}).textContent`, "none yet"},
		{"audit trail error", `triage.auditTable(new Error('boom')).getAttribute('role')`, "alert"},
		{"audit trail", `[...triage.auditTable({items: [{time: '2026-01-02T03:04:05Z', author: 'ann', purl: 'pkg:npm/qs', previous_state: 'in_triage', state: 'not_affected', justification: 'component_not_present', comment: ''}]}).querySelectorAll('tbody td')].map((c) => c.textContent)`,
			[]any{"2026-01-02 03:04 UTC", "ann", "pkg:npm/qs", "in triage → not affected", "component_not_present", "—"}},
		{"audit trail subject", `triage.auditTable([{finding_id: 3, state: 'resolved', author: 'a'}], {subject: (e) => 'finding #' + e.finding_id}).querySelectorAll('tbody td')[2].textContent`, "finding #3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expr := fmt.Sprintf(`(async () => {
				const base = document.querySelector('script[type=module]').src.replace(/js\/app\.js$/, '');
				const [dom, chart, tree, api, triage] = await Promise.all(['dom', 'chart', 'tree', 'api', 'triage'].map((m) => import(base + 'js/' + m + '.js')));
				return (%s);
			})()`, tt.expr)
			got, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](expr, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("%s: %v", tt.expr, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.expr, diff)
			}
		})
	}
}
