package report

import "io"

// Renderers holds the output handlers beyond table, JSON and Markdown, by --format name
// ("sarif", "cyclonedx-json", "openvex"); each registers itself here.
var Renderers = map[string]func(io.Writer, *Result) error{}
