// Package e2e holds whole-program tests of the hallmark binary: they build it, run it as a
// separate process, and treat it as a user or an operator would (for example killing the
// server with SIGKILL in the middle of uploads).
package e2e
