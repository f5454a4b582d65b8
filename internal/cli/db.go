package cli

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/version/lookup"
	"github.com/hallmark-dev/hallmark/vulndb"
)

const dbAbout = `
Manage the local advisory database (OSV advisories in one SQLite file; default: the user
cache directory, or HALLMARK_DB).

Subcommands:
  import SOURCE...   import OSV advisories from directories (recursive *.json files, and
                     <Ecosystem>/all.zip files of the public OSV bucket layout), zip files or
                     single JSON files. Unchanged advisories are skipped; malformed files are
                     reported by name and never stop the rest.
  update             download the public OSV bucket (see 'hallmark db update --help').
  status             show sources, advisories per ecosystem, the last update, and warn when
                     the data is older than --max-age.`

const dbExamples = `  hallmark db import ../shared/data/osv
  hallmark db import --db ./osv.db advisories/ GHSA-xxxx.json
  hallmark db status --max-age 72h`

func runDB(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		fs := newFlagSet("db", "hallmark db import|update|status [flags]", dbAbout, dbExamples)
		fs.printHelp(env.Stderr)
		return usageErrorf("db: name a subcommand: import, update or status")
	}
	switch args[0] {
	case "import":
		return runDBImport(ctx, env, args[1:])
	case "update":
		return runDBUpdate(ctx, env, args[1:])
	case "status":
		return runDBStatus(ctx, env, args[1:])
	case "-h", "-help", "--help", "help":
		newFlagSet("db", "hallmark db import|update|status [flags]", dbAbout, dbExamples).printHelp(env.Stdout)
		return nil
	}
	return usageErrorf("db: unknown subcommand %q (want import, update or status)", args[0])
}

// dbPath resolves --db or the default.
func dbPath(env *Env, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	return vulndb.DefaultPath(env.Getenv)
}

func openDB(ctx context.Context, path string) (*vulndb.DB, error) {
	return vulndb.Open(ctx, path, lookup.For)
}

func runDBImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("db import", "hallmark db import [--db PATH] SOURCE...", dbAbout, dbExamples)
	db := fs.String("db", "", "database `file` (default: $HALLMARK_DB or the user cache directory)")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	verbose := fs.Bool("verbose", false, "list every malformed file")
	sources, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	if len(sources) == 0 {
		return usageErrorf("db import: no SOURCE given (a directory, zip or JSON file of OSV advisories)")
	}
	path, err := dbPath(env, *db)
	if err != nil {
		return err
	}
	d, err := openDB(ctx, path)
	if err != nil {
		return err
	}
	defer d.Close()
	var pl *progressLine
	if !*quiet && isTerminal(env.Stderr) {
		pl = &progressLine{w: env.Stderr}
	}
	malformed := 0
	for _, src := range sources {
		start := time.Now()
		var progress func(vulndb.ImportProgress)
		if pl != nil {
			progress = func(p vulndb.ImportProgress) { pl.note(src, fmt.Sprintf("%d advisories read", p.Read)) }
		}
		st, err := d.Import(ctx, src, progress)
		if pl != nil {
			pl.clear()
		}
		if err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				return fmt.Errorf("db import: %s does not exist", src)
			}
			return fmt.Errorf("db import %s: %w", src, err)
		}
		malformed += len(st.Malformed)
		if !*quiet {
			fmt.Fprintf(env.Stdout, "%s: %d read, %d added, %d updated, %d unchanged, %d withdrawn, %d malformed, %d unparsed versions (%s)\n",
				src, st.Read, st.Added, st.Updated, st.Unchanged, st.Withdrawn, len(st.Malformed), st.Unparsed, time.Since(start).Round(time.Millisecond))
		}
		for i, m := range st.Malformed {
			if i == 10 && !*verbose {
				fmt.Fprintf(env.Stderr, "  … and %d more malformed (use --verbose)\n", len(st.Malformed)-10)
				break
			}
			fmt.Fprintf(env.Stderr, "  malformed: %s: %s\n", m.File, m.Err)
		}
	}
	if !*quiet {
		fmt.Fprintf(env.Stdout, "database: %s\n", d.Path())
	}
	return nil
}

func runDBStatus(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("db status", "hallmark db status [--db PATH] [--max-age DURATION]", dbAbout, dbExamples)
	db := fs.String("db", "", "database `file` (default: $HALLMARK_DB or the user cache directory)")
	maxAge := fs.Duration("max-age", 7*24*time.Hour, "warn when the last update is older than this `duration`")
	unparsed := fs.Int("unparsed", 0, "also list up to `N` advisory versions no scheme could parse")
	if _, err := fs.parse(args, env.Stdout); err != nil {
		return err
	}
	path, err := dbPath(env, *db)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err != nil {
		return noDatabase(path)
	}
	d, err := openDB(ctx, path)
	if err != nil {
		return err
	}
	defer d.Close()
	st, err := d.Status(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "database:   %s\n", st.Path)
	fmt.Fprintf(env.Stdout, "advisories: %d (%d withdrawn)\n", st.Advisories, st.Withdrawn)
	if !st.LastUpdate.IsZero() {
		fmt.Fprintf(env.Stdout, "updated:    %s (%s ago)\n", st.LastUpdate.Format(time.RFC3339), time.Since(st.LastUpdate).Round(time.Minute))
	}
	fmt.Fprintf(env.Stdout, "unparsed:   %d advisory versions no version scheme could parse\n", st.Unparsed)
	fmt.Fprintf(env.Stdout, "\nsources:\n")
	for _, s := range st.Sources {
		fmt.Fprintf(env.Stdout, "  %s  %d advisories, imported %s\n", s.Name, s.Advisories, s.ImportedAt.Format(time.RFC3339))
	}
	fmt.Fprintf(env.Stdout, "\nadvisories per ecosystem:\n")
	for _, eco := range sortedKeys(st.ByEcosystem) {
		fmt.Fprintf(env.Stdout, "  %-12s %d\n", eco, st.ByEcosystem[eco])
	}
	if *unparsed > 0 {
		list, err := d.UnparsedVersions(ctx, *unparsed)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "\nunparsed versions:\n")
		for _, l := range list {
			fmt.Fprintf(env.Stdout, "  %s\n", l)
		}
	}
	if st.Advisories == 0 {
		fmt.Fprintf(env.Stderr, "warning: the database is empty: run 'hallmark db update' or 'hallmark db import DIR'\n")
	} else if age := time.Since(st.LastUpdate); age > *maxAge {
		fmt.Fprintf(env.Stderr, "warning: the advisory data is %s old (more than --max-age %s): stale data misses new vulnerabilities; run 'hallmark db update'\n",
			age.Round(time.Hour), *maxAge)
	}
	return nil
}

func noDatabase(path string) error {
	return fmt.Errorf("no advisory database at %s: run 'hallmark db update' (downloads the public OSV data) or 'hallmark db import DIR' (OSV files you have), or pass --db", path)
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && strings.Compare(keys[j-1], keys[j]) > 0; j-- {
			keys[j-1], keys[j] = keys[j], keys[j-1]
		}
	}
	return keys
}

func runDBUpdate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("db update", "hallmark db update [--db PATH] [--ecosystem E]... [--base-url URL]", dbAbout, dbExamples)
	fs.String("db", "", "database `file`")
	if _, err := fs.parse(args, env.Stdout); err != nil {
		return err
	}
	return &exitError{code: ExitError, err: errors.New("db update is not implemented yet: download <Ecosystem>/all.zip from https://osv-vulnerabilities.storage.googleapis.com/ yourself and run 'hallmark db import DIR'")}
}
