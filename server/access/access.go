// Package access decides who may call the server and what they see: teams, API tokens (random,
// shown once, stored as SHA-256 hashes) with a scope, an optional expiry and a record of their
// last use, users who log in to the web UI through OIDC, and their sessions. A caller is a
// Principal: its scope and its teams, or all teams for admin callers.
//
// Scopes are ordered: read < ingest < triage < admin. A route needs a scope and accepts every
// caller whose scope is at least that.
package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/store"
)

// Errors. The server maps ErrUnauthenticated (and the errors built on it) to 401 and
// ErrInvalid to 400.
var (
	ErrUnauthenticated = errors.New("no valid token or session")
	ErrInvalid         = errors.New("invalid access request")
	// ErrExpired is an API token past its expiry.
	ErrExpired = fmt.Errorf("%w: token expired", ErrUnauthenticated)
	// ErrRevoked is a revoked API token.
	ErrRevoked = fmt.Errorf("%w: token revoked", ErrUnauthenticated)
)

// Scope is what a caller may do.
type Scope int

// Scopes, in order: each includes the ones before it.
const (
	Read   Scope = iota + 1 // read the portfolio
	Ingest                  // also post SBOMs, deployments, attestations, VEX and advisories
	Triage                  // also record analyses
	Admin                   // also manage webhooks and see every team
)

var scopeNames = []string{Read: "read", Ingest: "ingest", Triage: "triage", Admin: "admin"}

// String returns the scope's name ("read", …).
func (s Scope) String() string {
	if s < Read || s > Admin {
		return fmt.Sprintf("scope(%d)", int(s))
	}
	return scopeNames[s]
}

// ParseScope reads a scope's name.
func ParseScope(name string) (Scope, error) {
	for s := Read; s <= Admin; s++ {
		if scopeNames[s] == name {
			return s, nil
		}
	}
	return 0, fmt.Errorf("%w: scope %q (want read, ingest, triage or admin)", ErrInvalid, name)
}

// TokenPrefix starts every API token, so that leaked tokens are easy to find in logs and code.
const TokenPrefix = "hm_"

// Limits on names.
const (
	MaxNameLength = 200
	// MaxTeams bounds the teams of one token or session.
	MaxTeams = 1000
)

// Principal is an authenticated caller.
type Principal struct {
	Kind string `json:"kind"` // "token" or "user"
	ID   int64  `json:"id"`   // the token's or the user's ID
	// Name is how audit trails and logs name the caller: the token's name, or the user's
	// email (else their name, else their subject).
	Name string `json:"name"`
	// DisplayName is how the UI names the caller: the token's name, or the user's name (else
	// their preferred username, email or subject).
	DisplayName string `json:"-"`
	// Email is the user's email; "" for tokens and users without one.
	Email     string   `json:"-"`
	Scope     Scope    `json:"-"`
	TeamIDs   []int64  `json:"-"`
	TeamNames []string `json:"teams"`
	// CSRF is the session's anti-forgery token ("" for tokens): unsafe requests with the
	// session cookie must send it in the X-CSRF-Token header.
	CSRF string `json:"-"`
}

// Portfolio returns the portfolio scope the principal may see: every team for admins.
func (p *Principal) Portfolio() portfolio.Scope {
	if p.Scope >= Admin {
		return portfolio.Scope{All: true}
	}
	return portfolio.Scope{Teams: p.TeamIDs}
}

// Can reports whether p has at least scope s.
func (p *Principal) Can(s Scope) bool { return p.Scope >= s }

// Access is the access data kept in one database.
type Access struct {
	st  *store.DB
	now func() time.Time
}

// New returns the access data kept in st.
func New(st *store.DB) *Access { return &Access{st: st, now: time.Now} }

func ms(t time.Time) int64 { return t.UnixMilli() }

// hash returns the SHA-256 of a secret, as stored.
func hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// randomString returns n random bytes in unpadded URL-safe base64.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	return base64.RawURLEncoding.EncodeToString(b)
}

// checkName validates a team or token name.
func checkName(what, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty %s name", ErrInvalid, what)
	case len(name) > MaxNameLength:
		return fmt.Errorf("%w: %s name longer than %d bytes", ErrInvalid, what, MaxNameLength)
	case !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return fmt.Errorf("%w: %s name %q has control characters or invalid UTF-8", ErrInvalid, what, name)
	}
	return nil
}

// Team is a team that owns artifacts.
type Team struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// EnsureTeam returns the team with the given name, creating it when missing (created reports
// that it did).
func (a *Access) EnsureTeam(ctx context.Context, name string) (team Team, created bool, err error) {
	if err := checkName("team", name); err != nil {
		return Team{}, false, err
	}
	err = a.st.Transact(ctx, func(tx *sql.Tx) error {
		created = false
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO teams (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING RETURNING id`, name, ms(a.now())).Scan(&id)
		if err == nil {
			created = true
			team = Team{ID: id, Name: name}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		team = Team{Name: name}
		return tx.QueryRowContext(ctx, `SELECT id FROM teams WHERE name = ?`, name).Scan(&team.ID)
	})
	if err != nil {
		return Team{}, false, fmt.Errorf("creating team %q: %w", name, err)
	}
	return team, created, nil
}

// Teams lists every team by name.
func (a *Access) Teams(ctx context.Context) ([]Team, error) {
	rows, err := a.st.SQL().QueryContext(ctx, `SELECT id, name FROM teams ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("listing teams: %w", err)
	}
	defer rows.Close()
	var out []Team
	for rows.Next() {
		var t Team
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return nil, fmt.Errorf("listing teams: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TeamsNamed returns the existing teams among names, in the order given; unknown names are
// left out.
func (a *Access) TeamsNamed(ctx context.Context, names []string) ([]Team, error) {
	all, err := a.Teams(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]Team{}
	for _, t := range all {
		byName[t.Name] = t
	}
	var out []Team
	seen := map[int64]bool{}
	for _, n := range names {
		if t, ok := byName[n]; ok && !seen[t.ID] {
			seen[t.ID] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// teamNames reads the names of the teams with the given IDs, in the order given.
func teamNames(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, ids []int64) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, `SELECT id, name FROM teams WHERE id IN (`+store.Placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names := map[int64]string{}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		names[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, names[id])
	}
	return out, nil
}

func encodeIDs(ids []int64) string {
	if ids == nil {
		ids = []int64{}
	}
	b, _ := json.Marshal(ids)
	return string(b)
}
