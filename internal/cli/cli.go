// Package cli implements the hallmark command: subcommands, flags, exit codes and progress
// output. The binary's main only calls Main, so tests run the whole CLI in-process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Exit codes, the same for every subcommand (see ../shared/DESIGN.md, "Contracts").
const (
	ExitOK       = 0 // success
	ExitError    = 1 // the command failed, or --strict saw a partial result
	ExitUsage    = 2 // bad flags or arguments
	ExitFindings = 3 // findings or policy violations at or above the threshold
)

// Env is what a command needs from the outside world. Commands never touch os.Stdout or the
// process environment directly, so tests can run them in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads an environment variable.
	Getenv func(string) string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

var commands []*command

func init() {
	commands = []*command{
		{"sbom", "write an SBOM (CycloneDX or SPDX) of directories, files, images or SBOMs", runSBOM},
		{"scan", "find known vulnerabilities in directories, files, images or SBOMs", runScan},
		{"db", "manage the local advisory database: import, update, status", runDB},
		{"key", "generate a signing key pair", runKey},
		{"sign", "sign a file into a Sigstore bundle", runSign},
		{"attest", "sign an in-toto attestation about files into a Sigstore bundle", runAttest},
		{"verify", "verify a Sigstore bundle against a key or a signer identity", runVerify},
		{"provenance", "generate and verify SLSA build provenance", runProvenance},
		{"vex", "create, add to, merge and generate OpenVEX documents", runVex},
		{"policy", "evaluate a Rego policy over the evidence about targets", runPolicy},
		{"serve", "run the server: API, web UI, webhooks and advisory sync", runServe},
		{"push", "upload an SBOM of a target to a Hallmark server", runPush},
		{"admin", "manage the server's teams and API tokens", runAdmin},
		{"version", "print the version of hallmark", runVersion},
		{"help", "show help for a command", runHelp},
	}
}

// Main runs the hallmark command line with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: os.Getenv}
	return env.Main(ctx, args)
}

// Main runs the command line in env.
func (env *Env) Main(ctx context.Context, args []string) int {
	if len(args) == 0 {
		usage(env.Stderr)
		return ExitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		usage(env.Stdout)
		return ExitOK
	case "-v", "-version", "--version":
		name = "version"
	}
	for _, c := range commands {
		if c.name == name {
			return exitCode(env.Stderr, c.run(ctx, env, args[1:]))
		}
	}
	fmt.Fprintf(env.Stderr, "hallmark: unknown command %q\n\n", name)
	usage(env.Stderr)
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "Hallmark: inventories, vulnerabilities and verified trust for the open source you run.\n\n")
	fmt.Fprintf(w, "Usage:\n  hallmark <command> [flags] [arguments]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	byName := map[string]*command{}
	for _, c := range commands {
		names = append(names, c.name)
		byName[c.name] = c
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, byName[n].summary)
	}
	fmt.Fprintf(w, "\nRun 'hallmark help <command>' or 'hallmark <command> --help' for details.\n")
	fmt.Fprintf(w, "Exit codes: 0 ok, 1 error, 2 usage, 3 findings at or above the threshold.\n")
}

func runHelp(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		usage(env.Stdout)
		return nil
	}
	if len(args) > 1 {
		return usageErrorf("help takes one command name")
	}
	for _, c := range commands {
		if c.name == args[0] && c.name != "help" {
			return c.run(ctx, env, []string{"--help"})
		}
	}
	return usageErrorf("unknown command %q", args[0])
}

// usageError is a mistake in how the command was called: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitError carries an explicit exit code; its message, if any, has been printed already or is
// printed by exitCode.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// errHelp means --help was asked for and printed.
var errHelp = errors.New("help requested")

// exitCode is the one place that maps a command's error to the process exit code and prints
// it: nil → 0, usage mistakes → 2, exitError → its code, anything else → 1.
func exitCode(stderr io.Writer, err error) int {
	if err == nil || errors.Is(err, errHelp) {
		return ExitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "hallmark: %s\n", ue.msg)
		fmt.Fprintf(stderr, "Run 'hallmark help' for usage.\n")
		return ExitUsage
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "hallmark: %v\n", ee.err)
		}
		return ee.code
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "hallmark: interrupted")
		return ExitError
	}
	msg := err.Error()
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	fmt.Fprintf(stderr, "hallmark: %s", msg)
	return ExitError
}
