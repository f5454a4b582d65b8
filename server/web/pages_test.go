package web_test

// Browser tests of the components search and of the triage of one finding on the artifact
// page.

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hallmark-dev/hallmark/server/access"
)

// sbomOf is a CycloneDX 1.5 document of the application app with the npm packages given as
// "name@version".
func sbomOf(t *testing.T, app string, packages ...string) []byte {
	t.Helper()
	type component struct {
		Ref     string `json:"bom-ref"`
		Type    string `json:"type"`
		Name    string `json:"name"`
		Version string `json:"version"`
		Purl    string `json:"purl"`
	}
	doc := map[string]any{
		"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
		"metadata": map[string]any{"component": map[string]string{"bom-ref": app, "type": "application", "name": app}},
	}
	var comps []component
	for _, p := range packages {
		name, version, _ := strings.Cut(p, "@")
		purl := "pkg:npm/" + p
		comps = append(comps, component{Ref: purl, Type: "library", Name: name, Version: version, Purl: purl})
	}
	doc["components"] = comps
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// ingest posts an SBOM as the artifact name 1.0.0 (with a digest of its own) and returns its ID.
func (be *backend) ingest(t *testing.T, name string, sbom []byte) int64 {
	t.Helper()
	var answer struct {
		Artifact struct {
			ID int64 `json:"id"`
		} `json:"artifact"`
	}
	digest := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(name)))
	be.api(t, "POST", "/api/v1/sboms?name="+name+"&version=1.0.0&digest="+digest, "application/vnd.cyclonedx+json", sbom, &answer)
	return answer.Artifact.ID
}

// hitRows is a script counting the rows of the components search's results.
const hitRows = `document.querySelectorAll('table.component-hits tbody tr').length`

// TestComponentSearch looks packages up in version ranges across the portfolio.
func TestComponentSearch(t *testing.T) {
	inBrowser(t, func(t *testing.T, dsn string) {
		componentSearch(t, startBackend(t, dsn))
	})
}

func componentSearch(t *testing.T, be *backend) {
	shop := be.ingest(t, "shop", readFile(t, "shop.cdx.json")) // lodash 4.17.20
	be.ingest(t, "billing", sbomOf(t, "billing", "lodash@4.17.21", "qs@6.7.0"))
	be.ingest(t, "monorepo", sbomOf(t, "monorepo", "lodash@4.17.15", "express@4.17.1", "lodash@4.17.20"))
	be.ingest(t, "legacy", sbomOf(t, "legacy", "lodash@3.10.1"))
	be.ingest(t, "shop-admin", readFile(t, "shop.cdx.json"))

	b := newBrowser(t)
	t.Logf("screenshots in %s", b.dir)
	b.step(t, "sign in", chromedp.Navigate(be.URL+"/"), signInWithToken(be.Token))

	// In a range: the artifacts with lodash below the fix, each with its matching versions.
	b.step(t, "search in a range",
		chromedp.Click(chromedp.CSS(`header nav a[href="/components"]`)),
		waitText("main h1", "Components"),
		waitFor(`document.querySelector('header nav a[aria-current="page"]').textContent === 'Components'`),
		chromedp.SendKeys(chromedp.ID("component-purl"), "pkg:npm/lodash"),
		chromedp.SendKeys(chromedp.ID("component-range"), ">=4.0.0,<4.17.21"),
		chromedp.Click(chromedp.CSS("form.component-search button[type=submit]")),
		waitText("main .status", "4 components in 3 artifacts for pkg:npm/lodash >=4.0.0,<4.17.21."),
		waitFor(`new URLSearchParams(location.search).get('range') === '>=4.0.0,<4.17.21'`),
		waitFor(hitRows+` === 3`),
		waitText(fmt.Sprintf(`table.component-hits tr[data-artifact="%d"]`, shop), "4.17.20"),
		waitText(`table.component-hits tbody`, "shop-admin"),
		waitFor(`[...document.querySelectorAll('table.component-hits tbody tr')].find((r) => r.textContent.includes('monorepo')).querySelectorAll('li').length === 2`),
		waitFor(`!document.querySelector('table.component-hits').textContent.includes('billing')`),
		waitFor(`!document.querySelector('table.component-hits').textContent.includes('legacy')`),
		waitFor(`document.querySelector('button.more').hidden`))
	b.page(t, "01-components")

	// One component a page: the artifacts' rows fill in as the pages come.
	b.step(t, "pages",
		chromedp.Navigate(be.URL+"/components?"+url.Values{"purl": {"pkg:npm/lodash"}, "range": {">=4.0.0,<4.17.21"}, "limit": {"1"}}.Encode()),
		waitText("main .status", "1 component in 1 artifact so far"),
		chromedp.Click(chromedp.CSS("button.more")),
		waitText("main .status", "2 components in 2 artifacts so far"),
		chromedp.Click(chromedp.CSS("button.more")),
		waitText("main .status", "3 components in 2 artifacts so far"), // monorepo's second lodash
		chromedp.Click(chromedp.CSS("button.more")),
		waitText("main .status", "4 components in 3 artifacts for"),
		waitFor(`document.querySelector('button.more').hidden`),
		waitFor(hitRows+` === 3`),
		// The form keeps the search.
		waitFor(`document.getElementById('component-purl').value === 'pkg:npm/lodash'`))

	// Any version, then to an artifact of the results.
	b.step(t, "any version",
		chromedp.Navigate(be.URL+"/components?purl="+url.QueryEscape("pkg:npm/lodash@4.17.20")),
		waitText("main .status", "6 components in 5 artifacts for pkg:npm/lodash@4.17.20."),
		waitText("table.component-hits", "3.10.1"),
		chromedp.Click(chromedp.CSS(`table.component-hits tr:has(li) a`)),
		waitText("main h1", "shop"),
		chromedp.NavigateBack(),
		waitText("main h1", "Components"),
		waitFor(hitRows+` === 5`))

	// Nothing found, and a range the server cannot read.
	b.allowFailure(http.StatusBadRequest, "/api/v1/components")
	b.step(t, "no match",
		chromedp.Navigate(be.URL+"/components?purl="+url.QueryEscape("pkg:npm/left-pad")),
		waitText("main .status", "No artifact of your teams contains pkg:npm/left-pad."),
		waitFor(`document.querySelector('table.component-hits').hidden`))
	b.step(t, "bad range",
		chromedp.Navigate(be.URL+"/components?"+url.Values{"purl": {"pkg:npm/lodash"}, "range": {"~4"}}.Encode()),
		waitText("form.component-search .error", "range"),
		waitFor(`document.querySelector('table.component-hits') === null`))
	b.page(t, "02-bad-range")

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("the browser console reported errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestFindingTriage records analyses of single findings on the artifact page.
func TestFindingTriage(t *testing.T) {
	inBrowser(t, func(t *testing.T, dsn string) {
		findingTriage(t, startBackend(t, dsn))
	})
}

// finding is what the test reads of the API's findings.
type finding struct {
	ID        int64  `json:"id"`
	Advisory  string `json:"advisory"`
	Component struct {
		Purl string `json:"purl"`
	} `json:"component"`
	Analysis *struct {
		FindingID *int64 `json:"finding_id"`
		State     string `json:"state"`
		Action    string `json:"action"`
	} `json:"analysis"`
}

// findings returns the artifact's findings by package URL.
func (be *backend) findings(t *testing.T, artifact int64) map[string]finding {
	t.Helper()
	var list struct {
		Items []finding `json:"items"`
	}
	be.api(t, "GET", fmt.Sprintf("/api/v1/artifacts/%d/findings?state=all", artifact), "", nil, &list)
	out := map[string]finding{}
	for _, f := range list.Items {
		out[f.Component.Purl] = f
	}
	return out
}

func findingTriage(t *testing.T, be *backend) {
	shop := be.ingest(t, "shop", readFile(t, "shop.cdx.json"))
	be.api(t, "POST", "/api/v1/advisories?wait=true", "application/json", readFile(t, "lodash.osv.json"), nil)
	be.api(t, "POST", "/api/v1/advisories?wait=true", "application/json", readFile(t, "qs.osv.json"), nil)
	found := be.findings(t, shop)
	lodash, qs := found["pkg:npm/lodash@4.17.20"], found["pkg:npm/qs@6.7.0"]
	if lodash.ID == 0 || qs.ID == 0 {
		t.Fatalf("findings %+v, want lodash and qs", found)
	}
	// The package qs is triaged on the advisory's page (here through the API).
	be.api(t, "PUT", "/api/v1/advisories/GHSA-hrpp-h998-j3pp/analysis", "application/json",
		[]byte(`{"purl": "pkg:npm/qs", "state": "in_triage", "comment": "looking at every qs"}`), nil)

	b := newBrowser(t)
	t.Logf("screenshots in %s", b.dir)
	page := fmt.Sprintf("%s/artifacts/%d", be.URL, shop)
	row := func(f finding) string { return fmt.Sprintf(`table.findings tr[data-finding="%d"]`, f.ID) }
	id := func(f finding, field string) string { return fmt.Sprintf("finding-%d-%s", f.ID, field) }
	b.step(t, "sign in", chromedp.Navigate(be.URL+"/"), signInWithToken(be.Token))

	b.step(t, "open the lodash finding's triage",
		chromedp.Navigate(page),
		waitText("main h1", "shop"),
		waitText(row(lodash)+" td.triage", "not triaged"),
		waitText(row(qs)+" td.triage", "in triage"), // the package's analysis
		chromedp.Click(chromedp.CSS(row(lodash)+" button.triage-toggle")),
		waitFor(fmt.Sprintf(`document.querySelector(%s).getAttribute('aria-expanded') === 'true'`, js(row(lodash)+" button.triage-toggle"))),
		waitFor(fmt.Sprintf(`!document.getElementById(%s).closest('tr').hidden`, js(id(lodash, "triage")))),
		waitText("#"+id(lodash, "triage")+" .finding-audit", "No analysis of this finding"))

	b.step(t, "not affected",
		choose(id(lodash, "state"), "not_affected"),
		waitFor(fmt.Sprintf(`!document.getElementById(%s).closest('.field').hidden`, js(id(lodash, "justification")))),
		choose(id(lodash, "justification"), "vulnerable_code_not_in_execute_path"),
		chromedp.SendKeys(chromedp.ID(id(lodash, "comment")), "template() is never called"),
		chromedp.Click(chromedp.CSS("#"+id(lodash, "triage")+" button[type=submit]")),
		waitText("#"+id(lodash, "triage")+" .status", "Saved: this finding is not affected."),
		waitText(row(lodash)+" td.triage", "not affected"),
		waitText("#"+id(lodash, "triage")+" table.audit", "this finding"),
		waitText("#"+id(lodash, "triage")+" table.audit", "vulnerable_code_not_in_execute_path"),
		waitText("#"+id(lodash, "triage")+" table.audit", "template() is never called"))
	b.page(t, "01-finding-triaged")

	b.step(t, "then affected",
		choose(id(lodash, "state"), "affected"),
		chromedp.SendKeys(chromedp.ID(id(lodash, "action")), "upgrade lodash to 4.17.21"),
		chromedp.Click(chromedp.CSS("#"+id(lodash, "triage")+" button[type=submit]")),
		waitText("#"+id(lodash, "triage")+" .status", "Saved: this finding is affected."),
		waitText(row(lodash)+" td.triage", "affected"),
		waitFor(fmt.Sprintf(`document.querySelectorAll(%s).length === 2`, js("#"+id(lodash, "triage")+" table.audit tbody tr"))),
		waitText("#"+id(lodash, "triage")+" table.audit tbody tr", "not affected \u2192 affected"),
		waitText("#"+id(lodash, "triage")+" table.audit tbody tr", "upgrade lodash to 4.17.21"))
	if got := be.findings(t, shop)["pkg:npm/lodash@4.17.20"].Analysis; got == nil || got.FindingID == nil || *got.FindingID != lodash.ID || got.State != "affected" || got.Action != "upgrade lodash to 4.17.21" {
		t.Errorf("the lodash finding's analysis in force: %+v", got)
	}

	// qs's trail shows the package's analysis; the finding's own then takes precedence.
	b.step(t, "the qs finding",
		chromedp.Click(chromedp.CSS(row(qs)+" button.triage-toggle")),
		waitText("#"+id(qs, "triage")+" table.audit", "pkg:npm/qs"),
		waitText("#"+id(qs, "triage")+" table.audit", "looking at every qs"),
		choose(id(qs, "state"), "false_positive"),
		chromedp.Click(chromedp.CSS("#"+id(qs, "triage")+" button[type=submit]")),
		waitText(row(qs)+" td.triage", "false positive"),
		waitFor(fmt.Sprintf(`document.querySelectorAll(%s).length === 2`, js("#"+id(qs, "triage")+" table.audit tbody tr"))),
		// Closing hides the form; the lodash trail does not show qs's analyses.
		chromedp.Click(chromedp.CSS(row(qs)+" button.triage-toggle")),
		waitFor(fmt.Sprintf(`document.getElementById(%s).closest('tr').hidden`, js(id(qs, "triage")))),
		waitFor(fmt.Sprintf(`!document.getElementById(%s).textContent.includes('qs')`, js(id(lodash, "triage")))))
	b.page(t, "02-two-findings")

	// After a reload the analyses in force are the findings' own.
	b.step(t, "reload",
		chromedp.Reload(),
		waitText(row(lodash)+" td.triage", "affected"),
		waitText(row(qs)+" td.triage", "false positive"))

	// A session that may only read sees the trail but no form.
	b.step(t, "sign out", chromedp.Click(chromedp.ID("sign-out")), waitText("main h1", "Sign in"))
	secret := be.session(t, "reader@example.com", access.Read)
	b.step(t, "read only",
		setCookie(be.URL, secret),
		chromedp.Navigate(page),
		waitText("#who", "reader@example.com"),
		chromedp.Click(chromedp.CSS(row(lodash)+" button.triage-toggle")),
		waitText("#"+id(lodash, "triage"), "Recording an analysis needs the triage scope"),
		waitText("#"+id(lodash, "triage")+" table.audit", "upgrade lodash to 4.17.21"),
		waitFor(fmt.Sprintf(`document.getElementById(%s) === null`, js(id(lodash, "state")))))
	b.page(t, "03-read-only")

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("the browser console reported errors:\n%s", strings.Join(errs, "\n"))
	}
}
