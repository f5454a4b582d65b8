package cli

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/hallmark-dev/hallmark/server/access"
	"github.com/hallmark-dev/hallmark/store"
)

const adminAbout = `
Manage the server's access: teams and API tokens, directly in its database (stop nothing:
the server sees changes at once).

Subcommands:
  token create --name NAME --scope SCOPE [--team T]...
                  create a token and print it as the last line (shown once: it is stored
                  hashed). Scopes, each including the ones before: read (query), ingest
                  (upload SBOMs, deployments, attestations, VEX), triage (record analyses,
                  manage webhooks), admin (every team; post advisories). Teams that do not
                  exist are created.
  token list      list the tokens (never the tokens themselves)
  token revoke ID revoke a token
  team create NAME
                  create a team
  team list       list the teams`

const adminExamples = `  hallmark admin token create --db postgres://… --name ci-payments --scope ingest --team payments
  hallmark admin team create payments
  hallmark admin token revoke 7`

func runAdmin(ctx context.Context, env *Env, args []string) error {
	help := func() *flagSet {
		return newFlagSet("admin", "hallmark admin token|team SUBCOMMAND [flags]", adminAbout, adminExamples)
	}
	if len(args) == 0 {
		help().printHelp(env.Stderr)
		return usageErrorf("admin: name a subcommand: token create|list|revoke, team create|list")
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		help().printHelp(env.Stdout)
		return nil
	}
	if len(args) < 2 {
		return usageErrorf("admin %s: name a subcommand: create or list (or, for tokens, revoke)", args[0])
	}
	sub := args[0] + " " + args[1]
	fs := newFlagSet("admin "+sub, "hallmark admin "+sub+" [flags]", adminAbout, adminExamples)
	db := fs.String("db", "", "server database `DSN` (default: server.db in the user data directory)")
	name := fs.String("name", "", "the token's `name`")
	scope := fs.String("scope", "", "the token's `scope`: read, ingest, triage or admin")
	var teams stringList
	fs.Var(&teams, "team", "a `team` of the token (repeatable)")
	pos, err := fs.parse(args[2:], env.Stdout)
	if err != nil {
		return err
	}
	acc, closeDB, err := openAccess(ctx, env, *db)
	if err != nil {
		return err
	}
	defer closeDB()
	switch sub {
	case "token create":
		if *name == "" || *scope == "" || len(pos) > 0 {
			return usageErrorf("admin token create: --name and --scope are required, and no arguments")
		}
		sc, err := access.ParseScope(*scope)
		if err != nil {
			return usageErrorf("admin token create: %v", err)
		}
		secret, tok, err := acc.CreateToken(ctx, *name, sc, teams)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "token %d %q, scope %s, teams %v (shown once; keep it secret):\n", tok.ID, tok.Name, tok.Scope, tok.Teams)
		fmt.Fprintln(env.Stdout, secret)
		return nil
	case "token list":
		toks, err := acc.Tokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSCOPE\tTEAMS\tCREATED")
		for _, t := range toks {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%s\n", t.ID, t.Name, t.Scope, t.Teams, t.Created.Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	case "token revoke":
		if len(pos) != 1 {
			return usageErrorf("admin token revoke: give one token ID")
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			return usageErrorf("admin token revoke: %q is not a token ID", pos[0])
		}
		if err := acc.Revoke(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "token %d revoked\n", id)
		return nil
	case "team create":
		if len(pos) != 1 {
			return usageErrorf("admin team create: give one team name")
		}
		t, created, err := acc.EnsureTeam(ctx, pos[0])
		if err != nil {
			return err
		}
		if !created {
			return fmt.Errorf("team %q exists already (ID %d)", t.Name, t.ID)
		}
		fmt.Fprintf(env.Stdout, "team %q created (ID %d)\n", t.Name, t.ID)
		return nil
	case "team list":
		list, err := acc.Teams(ctx)
		if err != nil {
			return err
		}
		for _, t := range list {
			fmt.Fprintf(env.Stdout, "%d\t%s\n", t.ID, t.Name)
		}
		return nil
	}
	return usageErrorf("admin: unknown subcommand %q", sub)
}

// openAccess opens the server database (applying migrations) for access changes.
func openAccess(ctx context.Context, env *Env, flag string) (*access.Access, func(), error) {
	dsn, err := serverDSN(env, flag)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the database: %w", err)
	}
	return access.New(st), func() { st.Close() }, nil
}
