package web

import (
	"html/template"
	"net/http"
	"strings"
)

// problemPage is a page that says what went wrong on a route a browser navigates to (a
// failed sign-in): the UI's header and stylesheet, the title, the detail and links, and no
// script, so that it works under the same Content-Security-Policy as the application.
var problemPage = template.Must(template.New("problem").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Hallmark</title>
<link rel="icon" href="{{.Assets}}/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{{.Assets}}/app.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/"><img src="{{.Assets}}/icon.svg" alt="" width="24" height="24"> Hallmark</a>
</header>
<main id="main" tabindex="-1">
<section class="login problem">
<h1>{{.Title}}</h1>
<p class="error" role="alert">{{.Detail}}</p>
<p class="actions">{{if .Retry}}<a class="button" href="{{.Retry}}">Try again</a> {{end}}<a href="/">Back to Hallmark</a></p>
</section>
</main>
</body>
</html>
`))

// maxProblemText bounds the title and the detail a problem page shows.
const maxProblemText = 1000

// ServeProblem answers with status and a page in the UI's style that shows title and detail
// (as text), a "Try again" link to retry when it is a path on this site ("/auth/login"; none
// when empty), and a link to the application. The server calls it for the failures of routes
// a browser navigates to; API clients get JSON from the server instead.
func (b *bundle) ServeProblem(w http.ResponseWriter, r *http.Request, status int, title, detail, retry string) {
	if !strings.HasPrefix(retry, "/") || strings.HasPrefix(retry, "//") || strings.HasPrefix(retry, "/\\") {
		retry = ""
	}
	h := w.Header()
	setSecurityHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	problemPage.Execute(w, map[string]string{"Assets": assetsPrefix + b.hash, "Title": clip(title), "Detail": clip(detail), "Retry": retry})
}

// clip shortens s to maxProblemText bytes, on a rune boundary.
func clip(s string) string {
	if len(s) <= maxProblemText {
		return s
	}
	return strings.ToValidUTF8(s[:maxProblemText], "") + "…" // a rune cut in two is dropped
}
