package web_test

// Signing in to the web UI through OIDC in Chromium: the login button, the provider's sign-in
// page, the callback, the UI with the user's teams' data, and signing out.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/hallmark-dev/hallmark/internal/fakeidp"
	"github.com/hallmark-dev/hallmark/server"
)

// TestOIDCLogin signs in through a fake OpenID provider as a user would.
func TestOIDCLogin(t *testing.T) {
	inBrowser(t, func(t *testing.T, dsn string) {
		be, idp := startOIDCBackend(t, dsn)
		oidcLogin(t, be, idp)
	})
}

// startOIDCBackend starts a backend whose login goes to a new fake provider.
func startOIDCBackend(t *testing.T, dsn string) (*backend, *fakeidp.Provider) {
	var idp *fakeidp.Provider
	be := startBackend(t, dsn, func(o *server.Options, url string) {
		idp = fakeidp.New(t, fakeidp.Client{ID: "hallmark-ui", Secret: "test-client-secret", RedirectURL: url + "/auth/callback"})
		var err error
		o.OIDC, err = server.NewOIDC(context.Background(), server.OIDCConfig{Issuer: idp.URL, ClientID: "hallmark-ui",
			ClientSecret: "test-client-secret", RedirectURL: url + "/auth/callback", TeamClaim: "groups"})
		if err != nil {
			t.Fatal(err)
		}
	})
	return be, idp
}

// TestOIDCLoginFailure cancels at the provider and forges a callback as a user could: the
// server answers with a page in the UI's style, without script, that says what went wrong
// and leads to a new sign-in, which works.
func TestOIDCLoginFailure(t *testing.T) {
	inBrowser(t, func(t *testing.T, dsn string) {
		be, idp := startOIDCBackend(t, dsn)
		idp.AddUser("ann", map[string]any{"sub": "u-ann", "email": "ann@example.com", "name": "Ann Example"})
		b := newBrowser(t)
		b.allowFailure(http.StatusUnauthorized, "/auth/callback")
		t.Logf("screenshots in %s", b.dir)
		// The page is styled by the UI's stylesheet (the header's colour) and runs no script.
		styled := `getComputedStyle(document.querySelector('header.top')).backgroundColor === 'rgb(31, 58, 95)' && document.scripts.length === 0`
		b.step(t, "cancel at the provider",
			chromedp.Navigate(be.URL+"/"),
			chromedp.Click(chromedp.CSS(`main a.button[href="/auth/login"]`)),
			waitAcrossPages(`location.pathname === '/authorize' && document.readyState === 'complete'`),
			chromedp.Click(chromedp.ID("cancel")),
			waitAcrossPages(fmt.Sprintf(`location.origin === %s && location.pathname === '/auth/callback' && document.readyState === 'complete'`, js(be.URL))),
			waitText("main h1", "Sign-in failed"),
			waitText("main [role=alert]", "The identity provider refused the sign-in (access_denied): The user cancelled the sign-in."),
			waitFor(styled))
		b.page(t, "01-cancelled")

		b.step(t, "try again and sign in",
			chromedp.Click(chromedp.CSS(`main a.button[href="/auth/login"]`)),
			waitAcrossPages(`location.pathname === '/authorize' && document.readyState === 'complete'`),
			chromedp.SendKeys(chromedp.ID("username"), "ann"),
			chromedp.Click(chromedp.ID("continue")),
			waitAcrossPages(fmt.Sprintf(`location.origin === %s && location.pathname === '/' && document.readyState === 'complete'`, js(be.URL))),
			waitText("main h1", "Dashboard"))

		b.step(t, "a forged callback",
			chromedp.Navigate(be.URL+"/auth/callback?state=forged&code=x"),
			waitText("main h1", "Sign-in failed"),
			waitText("main [role=alert]", "This sign-in was not started in this browser"),
			waitFor(styled),
			chromedp.Click(chromedp.CSS(`main a[href="/"]`)),
			waitAcrossPages(`location.pathname === '/' && document.readyState === 'complete'`),
			// The failed sign-in did not end the session.
			waitText("main h1", "Dashboard"))
		b.page(t, "02-signed-in-after-all")
		if errs := b.consoleErrors(); len(errs) > 0 {
			t.Errorf("the browser console reported errors:\n%s", strings.Join(errs, "\n"))
		}
	})
}

func oidcLogin(t *testing.T, be *backend, idp *fakeidp.Provider) {
	ctx := context.Background()
	// Two teams with an artifact each; the user belongs to one of them (and to a group that
	// is no team).
	for _, team := range []string{"payments", "logistics"} {
		if _, _, err := be.access.EnsureTeam(ctx, team); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []struct{ team, name string }{{"payments", "pay-api"}, {"logistics", "fleet"}} {
		digest := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(a.name)))
		be.api(t, "POST", "/api/v1/sboms?team="+a.team+"&name="+a.name+"&version=3.1.0&digest="+digest, "application/vnd.cyclonedx+json", readFile(t, "shop.cdx.json"), nil)
	}
	be.api(t, "POST", "/api/v1/advisories?wait=true", "application/json", readFile(t, "lodash.osv.json"), nil)
	idp.AddUser("ann", map[string]any{"sub": "u-ann", "email": "ann@example.com", "name": "Ann Example", "groups": []string{"payments", "contractors"}})

	b := newBrowser(t)
	t.Logf("screenshots in %s", b.dir)
	b.step(t, "signed out",
		chromedp.Navigate(be.URL+"/"),
		waitText("main h1", "Sign in"),
		waitFor(`document.querySelector('header nav').hidden && document.getElementById('who').hidden`))
	b.page(t, "01-signed-out")

	b.step(t, "the provider's sign-in page",
		chromedp.Click(chromedp.CSS(`main a.button[href="/auth/login"]`)),
		waitAcrossPages(fmt.Sprintf(`location.origin === %s && location.pathname === '/authorize' && document.readyState === 'complete'`, js(idp.URL))),
		waitText("h1", "Test identity provider"),
		waitFor(`new URLSearchParams(location.search).get('code_challenge_method') === 'S256'`))
	b.page(t, "02-provider")

	b.step(t, "back in the UI, signed in",
		chromedp.SendKeys(chromedp.ID("username"), "ann"),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		waitAcrossPages(fmt.Sprintf(`location.origin === %s && location.pathname === '/' && document.readyState === 'complete'`, js(be.URL))),
		waitText("main h1", "Dashboard"),
		// The header names the user by the ID token's name claim.
		waitText("#who-name", "Ann Example (payments)"),
		waitFor(`!document.querySelector('header nav').hidden`),
		// The session cookie is HttpOnly: the page's scripts cannot read it.
		waitFor(`!document.cookie.includes('hallmark_session')`))
	if n := idp.TokensIssued(); n != 1 {
		t.Errorf("the provider issued %d ID tokens, want 1", n)
	}
	b.page(t, "03-signed-in")

	// The user's team's artifact, not the other team's.
	b.step(t, "the team's data",
		chromedp.Click(chromedp.CSS(`header nav a[href="/artifacts"]`)),
		waitText("main h1", "Artifacts"),
		waitText("main .status", "1 artifact."),
		waitText("table.artifacts tbody", "pay-api"),
		waitFor(`!document.querySelector('table.artifacts tbody').textContent.includes('fleet')`),
		chromedp.Click(chromedp.CSS(`table.artifacts tbody a`)),
		waitText("main h1", "pay-api"),
		waitText("table.findings", "GHSA-35jh-r3h4-6jhm"))
	b.page(t, "04-team-artifact")
	b.step(t, "the team's components",
		chromedp.Click(chromedp.CSS(`header nav a[href="/components"]`)),
		chromedp.SendKeys(chromedp.ID("component-purl"), "pkg:npm/lodash"),
		chromedp.Click(chromedp.CSS("form.component-search button[type=submit]")),
		waitText("main .status", "1 component in 1 artifact for pkg:npm/lodash."),
		waitText("table.component-hits", "pay-api"),
		waitFor(`!document.querySelector('table.component-hits').textContent.includes('fleet')`))

	cookie := sessionCookie(t, b, be.URL)
	if _, err := be.access.Session(ctx, cookie); err != nil {
		t.Fatalf("the browser's session is not valid: %v", err)
	}
	b.step(t, "sign out",
		chromedp.Click(chromedp.ID("sign-out")),
		waitText("main h1", "Sign in"),
		waitFor(`document.getElementById('who').hidden && document.querySelector('header nav').hidden`),
		chromedp.Reload(),
		waitText("main h1", "Sign in"))
	b.page(t, "05-signed-out-again")
	if _, err := be.access.Session(ctx, cookie); err == nil {
		t.Error("the session still works after signing out")
	}
	if got := sessionCookie(t, b, be.URL); got != "" {
		t.Errorf("the browser kept the session cookie %q after signing out", got)
	}

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("the browser console reported errors:\n%s", strings.Join(errs, "\n"))
	}
}

// sessionCookie returns the value of the browser's session cookie for url, or "".
func sessionCookie(t *testing.T, b *browser, url string) string {
	t.Helper()
	var value string
	b.step(t, "read the session cookie", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
		if err != nil {
			return err
		}
		for _, c := range res.Cookies {
			if c.Name == server.SessionCookie {
				if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax {
					return fmt.Errorf("session cookie not HttpOnly and SameSite=Lax: %+v", c)
				}
				value = c.Value
			}
		}
		return nil
	}))
	return value
}
