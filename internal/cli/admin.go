package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hallmark-dev/hallmark/server/access"
	"github.com/hallmark-dev/hallmark/store"
)

const adminAbout = `
Manage the server's access: teams and API tokens, directly in its database (stop nothing:
the server sees changes at once).

Subcommands:
  token create --name NAME --scope SCOPE [--team T]... [--expires WHEN]
                  create a token and print it as the last line (shown once: it is stored
                  hashed). Scopes, each including the ones before: read (query), ingest
                  (upload SBOMs, deployments, attestations, VEX), triage (record analyses,
                  manage webhooks), admin (every team; post advisories). Teams that do not
                  exist are created. Tokens never expire unless --expires says when: a
                  lifetime (90d, 12w, 36h), a date (2027-01-01: midnight UTC at its start)
                  or an RFC 3339 time. An expired token answers 401 "token expired".
  token list [--json]
                  list the tokens, revoked and expired ones too (never the tokens
                  themselves): name, scope, teams, created, expires, last used (recorded at
                  most once a minute), revoked
  token revoke NAME|ID
                  revoke a token by its ID, or by its name when one token not revoked has
                  it (an argument of digits is an ID)
  token extend NAME|ID --expires WHEN
                  move a token's expiry later: WHEN as for create, a lifetime counting
                  from now, or never. A token that expired works again; a revoked one
                  stays revoked; an earlier expiry is refused (revoke the token instead)
  team create NAME
                  create a team
  team list       list the teams`

const adminExamples = `  hallmark admin token create --db postgres://… --name ci-payments --scope ingest --team payments
  hallmark admin team create payments
  hallmark admin token create --name ci-web --scope ingest --team web --expires 90d
  hallmark admin token revoke ci-web
  hallmark admin token revoke 7
  hallmark admin token extend ci-web --expires 90d`

func runAdmin(ctx context.Context, env *Env, args []string) error {
	help := func() *flagSet {
		return newFlagSet("admin", "hallmark admin token|team SUBCOMMAND [flags]", adminAbout, adminExamples)
	}
	if len(args) == 0 {
		help().printHelp(env.Stderr)
		return usageErrorf("admin: name a subcommand: token create|list|revoke|extend, team create|list")
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		help().printHelp(env.Stdout)
		return nil
	}
	if len(args) < 2 {
		return usageErrorf("admin %s: name a subcommand: create or list (or, for tokens, revoke or extend)", args[0])
	}
	sub := args[0] + " " + args[1]
	fs := newFlagSet("admin "+sub, "hallmark admin "+sub+" [flags]", adminAbout, adminExamples)
	db := fs.String("db", "", "server database `DSN` (default: server.db in the user data directory)")
	name := fs.String("name", "", "the token's `name`")
	scope := fs.String("scope", "", "the token's `scope`: read, ingest, triage or admin")
	var teams stringList
	fs.Var(&teams, "team", "a `team` of the token (repeatable)")
	expires := fs.String("expires", "", "`WHEN` the token expires: a lifetime (90d, 12w, 36h), a date (2027-01-01, midnight UTC) or an RFC 3339 time (default: never)")
	jsonOut := fs.Bool("json", false, "token list: print JSON (schema hallmark.tokens/v1)")
	pos, err := fs.parse(args[2:], env.Stdout)
	if err != nil {
		return err
	}
	var expiry time.Time // checked before the database is opened
	switch {
	case sub == "token extend" && *expires == "":
		return usageErrorf("admin token extend: --expires is required (a lifetime such as 90d, a date, or never)")
	case (sub == "token create" || sub == "token extend") && *expires != "":
		if expiry, err = access.ParseExpiry(*expires, time.Now()); err != nil {
			return usageErrorf("admin %s: --expires: %v", sub, err)
		}
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
		secret, tok, err := acc.IssueToken(ctx, access.TokenRequest{Name: *name, Scope: sc, Teams: teams, Expires: expiry})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "token %d %q, scope %s, teams %v, expires %s (shown once; keep it secret):\n", tok.ID, tok.Name, tok.Scope, tok.Teams, orNever(tok.Expires))
		fmt.Fprintln(env.Stdout, secret)
		return nil
	case "token list":
		if len(pos) > 0 {
			return usageErrorf("admin token list: no arguments")
		}
		toks, err := acc.Tokens(ctx)
		if err != nil {
			return err
		}
		if *jsonOut {
			return printTokensJSON(env, toks)
		}
		return printTokens(env, toks, time.Now())
	case "token revoke":
		if len(pos) != 1 || pos[0] == "" {
			return usageErrorf("admin token revoke: give one token name or ID")
		}
		id, err := revokeToken(ctx, acc, pos[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "token %d revoked\n", id)
		return nil
	case "token extend":
		if len(pos) != 1 || pos[0] == "" {
			return usageErrorf("admin token extend: give one token name or ID")
		}
		ext, err := extendToken(ctx, acc, pos[0], expiry)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "token %d %q expires %s (was %s)\n", ext.ID, ext.Name, orNever(ext.Expires), orNever(ext.Previous))
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

// revokeToken revokes the token named by ref: an ID when ref is all digits, else a name.
func revokeToken(ctx context.Context, acc *access.Access, ref string) (int64, error) {
	id, byID, err := tokenID(ref, "revoke")
	switch {
	case err != nil:
		return 0, err
	case !byID:
		return acc.RevokeNamed(ctx, ref)
	}
	return id, acc.Revoke(ctx, id)
}

// extendToken moves the expiry of the token named by ref (as revokeToken reads it).
func extendToken(ctx context.Context, acc *access.Access, ref string, expires time.Time) (*access.Extension, error) {
	id, byID, err := tokenID(ref, "extend")
	switch {
	case err != nil:
		return nil, err
	case !byID:
		return acc.ExtendNamed(ctx, ref, expires)
	}
	return acc.ExtendToken(ctx, id, expires)
}

// tokenID reads a token reference of admin token verb: an ID when ref is all digits (byID),
// else a name.
func tokenID(ref, verb string) (id int64, byID bool, err error) {
	if strings.Trim(ref, "0123456789") != "" {
		return 0, false, nil
	}
	if id, err = strconv.ParseInt(ref, 10, 64); err != nil {
		return 0, false, usageErrorf("admin token %s: %q is not a token ID", verb, ref)
	}
	return id, true, nil
}

// tokenTime is how token list shows times.
const tokenTime = "2006-01-02 15:04"

// orNever shows t, or "never" for the zero time.
func orNever(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(tokenTime)
}

// printTokens writes the tokens as a table; expires says "(expired)" for times before now.
func printTokens(env *Env, toks []access.Token, now time.Time) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSCOPE\tTEAMS\tCREATED\tEXPIRES\tLAST USED\tREVOKED")
	for _, t := range toks {
		expires := orNever(t.Expires)
		if !t.Expires.IsZero() && !t.Expires.After(now) {
			expires += " (expired)"
		}
		revoked := "-"
		if !t.Revoked.IsZero() {
			revoked = orNever(t.Revoked)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Scope, t.Teams, t.Created.UTC().Format(tokenTime),
			expires, orNever(t.LastUsed), revoked)
	}
	return tw.Flush()
}

// printTokensJSON writes the tokens as a hallmark.tokens/v1 document.
func printTokensJSON(env *Env, toks []access.Token) error {
	if toks == nil {
		toks = []access.Token{}
	}
	for i := range toks {
		if toks[i].Teams == nil {
			toks[i].Teams = []string{}
		}
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Schema string         `json:"schema"`
		Tokens []access.Token `json:"tokens"`
	}{"hallmark.tokens/v1", toks})
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
