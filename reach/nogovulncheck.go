//go:build !govulncheck

package reach

// Without the govulncheck build tag there is no analysis: Apply marks the Go findings
// unknown with ErrUnavailable.
var run runner
