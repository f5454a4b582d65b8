package cli

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/store"
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
                     the data is older than --max-age.
  migrate            apply the server database's pending migrations (--status lists them
                     without applying); 'hallmark serve' also applies them at start.`

const dbExamples = `  hallmark db import ../shared/data/osv
  hallmark db import --db ./osv.db advisories/ GHSA-xxxx.json
  hallmark db status --max-age 72h`

func runDB(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		fs := newFlagSet("db", "hallmark db import|update|status|migrate [flags]", dbAbout, dbExamples)
		fs.printHelp(env.Stderr)
		return usageErrorf("db: name a subcommand: import, update, status or migrate")
	}
	switch args[0] {
	case "import":
		return runDBImport(ctx, env, args[1:])
	case "update":
		return runDBUpdate(ctx, env, args[1:])
	case "status":
		return runDBStatus(ctx, env, args[1:])
	case "migrate":
		return runDBMigrate(ctx, env, args[1:])
	case "-h", "-help", "--help", "help":
		newFlagSet("db", "hallmark db import|update|status|migrate [flags]", dbAbout, dbExamples).printHelp(env.Stdout)
		return nil
	}
	return usageErrorf("db: unknown subcommand %q (want import, update, status or migrate)", args[0])
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

// openScanDB opens the advisory database at path for scanning, with the smaller page cache
// that suits a scan (vulndb.ScanCacheKiB).
func openScanDB(ctx context.Context, path string) (*vulndb.DB, error) {
	return vulndb.OpenWith(ctx, path, lookup.For, store.Options{CacheKiB: vulndb.ScanCacheKiB})
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
		// A server's database gets what changed queued for its portfolio's re-evaluation.
		st, err := d.Import(ctx, src, progress, vulndb.OnChanged(vulndb.QueuePortfolio))
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
	fmt.Fprintf(env.Stdout, "key format: %d (this build writes %d)\n", st.KeyFormat, lookup.KeyFormat)
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

const dbUpdateAbout = `
Download the public OSV advisories and import them: <base-url>/<Ecosystem>/all.zip for every
ecosystem <base-url>/ecosystems.txt lists, or only the --ecosystem ones.

Requests are conditional on the ETag and Last-Modified date of the last import of each file:
an unchanged file is not downloaded again. Downloads go to --cache-dir as <Ecosystem>.zip.part;
an interrupted one is continued by the next update when the server supports ranges. Files are
checked against the MD5 and CRC32C hashes the bucket announces (x-goog-hash), then imported
(unchanged advisories cost nothing) and deleted. An ecosystem that fails does not stop the
others; the command then exits with status 1 and lists the failures.`

const dbUpdateExamples = `  hallmark db update
  hallmark db update --ecosystem PyPI --ecosystem npm --ecosystem crates.io
  hallmark db update --base-url https://mirror.example.com/osv --db ./osv.db`

func runDBUpdate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("db update", "hallmark db update [--db PATH] [--ecosystem E]... [--base-url URL] [--cache-dir DIR]", dbUpdateAbout, dbUpdateExamples)
	db := fs.String("db", "", "database `file` (default: $HALLMARK_DB or the user cache directory)")
	var ecosystems stringList
	fs.Var(&ecosystems, "ecosystem", "download only this OSV `ecosystem`, as the bucket spells it (repeatable; default: all in ecosystems.txt)")
	baseURL := fs.String("base-url", vulndb.DefaultBaseURL, "the OSV bucket or a mirror of its layout (`URL`)")
	cacheDir := fs.String("cache-dir", "", "`directory` for downloads (default: hallmark/downloads in the user cache directory)")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	verbose := fs.Bool("verbose", false, "list every malformed file")
	rest, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("db update: unexpected argument %q (name ecosystems with --ecosystem; to import local files use 'hallmark db import')", rest[0])
	}
	for _, e := range ecosystems {
		if strings.TrimSpace(e) == "" {
			return usageErrorf("db update: empty --ecosystem")
		}
	}
	path, err := dbPath(env, *db)
	if err != nil {
		return err
	}
	if *cacheDir == "" {
		if *cacheDir, err = vulndb.DefaultCacheDir(); err != nil {
			return err
		}
	}
	d, err := openDB(ctx, path)
	if err != nil {
		return err
	}
	defer d.Close()
	// A server's database (--db postgres://…) gets what changed queued for its portfolio's
	// re-evaluation, in the transactions that store it.
	opts := vulndb.UpdateOptions{BaseURL: *baseURL, Ecosystems: ecosystems, CacheDir: *cacheDir, OnChanged: vulndb.QueuePortfolio}
	var pl *progressLine
	if !*quiet && isTerminal(env.Stderr) {
		pl = &progressLine{w: env.Stderr}
		opts.Progress = func(p vulndb.UpdateProgress) { pl.note(p.Ecosystem, updateNote(p)) }
	}
	start := time.Now()
	results, err := d.Update(ctx, opts)
	if pl != nil {
		pl.clear()
	}
	var failed []string
	for _, r := range results {
		switch {
		case r.Err != nil:
			failed = append(failed, fmt.Sprintf("  %s: %v", r.Ecosystem, r.Err))
		case *quiet:
		case r.NotModified:
			fmt.Fprintf(env.Stdout, "%s: not modified\n", r.Ecosystem)
		default:
			st := r.Import
			dl := byteSize(r.Downloaded)
			if r.Resumed {
				dl += fmt.Sprintf(" (resumed at %s)", byteSize(r.ResumedFrom))
			}
			fmt.Fprintf(env.Stdout, "%s: downloaded %s, %d read, %d added, %d updated, %d unchanged, %d withdrawn, %d malformed, %d unparsed versions\n",
				r.Ecosystem, dl, st.Read, st.Added, st.Updated, st.Unchanged, st.Withdrawn, len(st.Malformed), st.Unparsed)
		}
		if r.Import != nil {
			for i, m := range r.Import.Malformed {
				if i == 10 && !*verbose {
					fmt.Fprintf(env.Stderr, "  … and %d more malformed (use --verbose)\n", len(r.Import.Malformed)-10)
					break
				}
				fmt.Fprintf(env.Stderr, "  malformed: %s: %s\n", m.File, m.Err)
			}
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return fmt.Errorf("db update: %w", err)
	}
	if !*quiet {
		fmt.Fprintf(env.Stdout, "database: %s (%s)\n", d.Path(), time.Since(start).Round(time.Millisecond))
	}
	if len(failed) > 0 {
		return &exitError{code: ExitError, err: fmt.Errorf("db update: %d of %d ecosystems failed (the others were imported; run the update again to retry):\n%s",
			len(failed), len(results), strings.Join(failed, "\n"))}
	}
	return nil
}

// updateNote is the progress line of a download or import.
func updateNote(p vulndb.UpdateProgress) string {
	if p.Importing {
		return fmt.Sprintf("importing, %d advisories read", p.Read)
	}
	if p.Total <= 0 {
		return fmt.Sprintf("downloading, %s", byteSize(p.Bytes))
	}
	return fmt.Sprintf("downloading, %s of %s (%d%%)", byteSize(p.Bytes), byteSize(p.Total), p.Bytes*100/p.Total)
}

// byteSize formats n bytes for people: "812 B", "3.4 MiB".
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

func runDBMigrate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("db migrate", "hallmark db migrate [--db DSN] [--status]", dbAbout, dbExamples)
	db := fs.String("db", "", "server database `DSN`: sqlite:PATH, a file path or postgres://… (default: server.db in the user data directory)")
	status := fs.Bool("status", false, "list the pending migrations without applying them")
	if _, err := fs.parse(args, env.Stdout); err != nil {
		return err
	}
	dsn, err := serverDSN(env, *db)
	if err != nil {
		return err
	}
	st, err := store.OpenNoMigrate(ctx, dsn)
	if err != nil {
		return fmt.Errorf("opening the database: %w", err)
	}
	defer st.Close()
	if *status {
		pending, err := st.Pending(ctx)
		if err != nil {
			return err
		}
		for _, m := range pending {
			fmt.Fprintf(env.Stdout, "pending: %s\n", m.Name)
		}
		fmt.Fprintf(env.Stdout, "%d pending migrations\n", len(pending))
		return nil
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		fmt.Fprintf(env.Stdout, "applied: %s\n", m.Name)
	}
	// Keys written by an older build are re-derived here rather than by the first server to
	// start, whose listener they would delay (minutes for millions of components).
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if _, _, err := openPortfolio(ctx, st, log); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%d migrations applied; the database is up to date\n", len(applied))
	return nil
}
