package access

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/store"
)

// Token describes a stored API token (never the token itself, which is shown once).
type Token struct {
	ID      int64     `json:"id"`
	Name    string    `json:"name"`
	Scope   string    `json:"scope"`
	Teams   []string  `json:"teams"`
	Created time.Time `json:"created"`
	// Expires is when the token stops authenticating; zero when it never expires.
	Expires time.Time `json:"expires,omitzero"`
	// LastUsed is the token's last successful authentication, up to a minute old (it is
	// recorded at most once a minute); zero when it was never used.
	LastUsed time.Time `json:"last_used,omitzero"`
	// Revoked is when the token was revoked; zero while it is not.
	Revoked time.Time `json:"revoked,omitzero"`
}

// TokenRequest describes a token to create.
type TokenRequest struct {
	Name  string
	Scope Scope
	// Teams are the token's teams by name; missing teams are created.
	Teams []string
	// Expires is when the token stops authenticating (see ParseExpiry); zero: never.
	Expires time.Time
}

// tokenBytes is how many random bytes a token carries.
const tokenBytes = 32

// NewToken returns a new random token: TokenPrefix and 32 random bytes in URL-safe base64.
func NewToken() string { return TokenPrefix + randomString(tokenBytes) }

// CreateToken stores a new token with the given name, scope and teams (created when missing)
// that never expires, and returns it with its description. The token is not stored, only its
// hash: it cannot be shown again.
func (a *Access) CreateToken(ctx context.Context, name string, scope Scope, teams []string) (secret string, tok *Token, err error) {
	return a.IssueToken(ctx, TokenRequest{Name: name, Scope: scope, Teams: teams})
}

// IssueToken stores a new token as req describes and returns it with its description. The
// token is not stored, only its hash: it cannot be shown again.
func (a *Access) IssueToken(ctx context.Context, req TokenRequest) (secret string, tok *Token, err error) {
	if err := checkName("token", req.Name); err != nil {
		return "", nil, err
	}
	if req.Scope < Read || req.Scope > Admin {
		return "", nil, fmt.Errorf("%w: %v", ErrInvalid, req.Scope)
	}
	if len(req.Teams) > MaxTeams {
		return "", nil, fmt.Errorf("%w: more than %d teams", ErrInvalid, MaxTeams)
	}
	now := a.now()
	if !req.Expires.IsZero() && !req.Expires.After(now) {
		return "", nil, fmt.Errorf("%w: expiry %s is not in the future", ErrInvalid, req.Expires.UTC().Format(time.RFC3339))
	}
	var ids []int64
	var names []string
	seen := map[int64]bool{}
	for _, n := range req.Teams {
		t, _, err := a.EnsureTeam(ctx, n)
		if err != nil {
			return "", nil, err
		}
		if !seen[t.ID] {
			seen[t.ID] = true
			ids = append(ids, t.ID)
			names = append(names, t.Name)
		}
	}
	secret = NewToken()
	tok = &Token{Name: req.Name, Scope: req.Scope.String(), Teams: names, Created: msTime(ms(now))}
	if !req.Expires.IsZero() {
		tok.Expires = msTime(ms(req.Expires))
	}
	err = a.st.Transact(ctx, func(tx *sql.Tx) error {
		return insertToken(ctx, tx, tok, hash(secret), ids, ms(now))
	})
	if err != nil {
		return "", nil, fmt.Errorf("creating token %q: %w", req.Name, err)
	}
	return secret, tok, nil
}

// msTime returns the UTC time of Unix milliseconds.
func msTime(v int64) time.Time { return time.UnixMilli(v).UTC() }

// nullTime returns the time of a nullable column of Unix milliseconds (zero for NULL).
func nullTime(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return msTime(v.Int64)
}

func insertToken(ctx context.Context, tx *sql.Tx, tok *Token, h []byte, teams []int64, now int64) error {
	var expires sql.NullInt64
	if !tok.Expires.IsZero() {
		expires = sql.NullInt64{Int64: ms(tok.Expires), Valid: true}
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO tokens (name, hash, scope, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		tok.Name, h, tok.Scope, now, expires).Scan(&tok.ID); err != nil {
		return err
	}
	for _, id := range teams {
		if _, err := tx.ExecContext(ctx, `INSERT INTO token_teams (token_id, team_id) VALUES (?, ?)`, tok.ID, id); err != nil {
			return err
		}
	}
	return nil
}

// Bootstrap creates an admin token named "bootstrap" when no token exists yet and returns it;
// it returns "" when tokens exist. Replicas starting together create at most one.
func (a *Access) Bootstrap(ctx context.Context) (string, error) {
	secret := NewToken()
	created := false
	err := a.st.Transact(ctx, func(tx *sql.Tx) error {
		created = false
		if a.st.Dialect() == store.Postgres {
			// Serialise replicas: the first one creates the token, the others see it.
			if _, err := tx.ExecContext(ctx, `LOCK TABLE tokens IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tokens`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		created = true
		return insertToken(ctx, tx, &Token{Name: "bootstrap", Scope: Admin.String()}, hash(secret), nil, ms(a.now()))
	})
	if err != nil {
		return "", fmt.Errorf("creating the bootstrap token: %w", err)
	}
	if !created {
		return "", nil
	}
	return secret, nil
}

// Tokens lists every stored token by ID, revoked and expired ones included.
func (a *Access) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := a.st.SQL().QueryContext(ctx, `SELECT t.id, t.name, t.scope, t.created_at, t.expires_at, t.last_used_at, t.revoked_at, COALESCE(m.name, '')
		FROM tokens t LEFT JOIN token_teams tt ON tt.token_id = t.id LEFT JOIN teams m ON m.id = tt.team_id
		ORDER BY t.id, m.name`)
	if err != nil {
		return nil, fmt.Errorf("listing tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created int64
		var expires, used, revoked sql.NullInt64
		var team string
		if err := rows.Scan(&t.ID, &t.Name, &t.Scope, &created, &expires, &used, &revoked, &team); err != nil {
			return nil, fmt.Errorf("listing tokens: %w", err)
		}
		if n := len(out); n > 0 && out[n-1].ID == t.ID {
			out[n-1].Teams = append(out[n-1].Teams, team)
			continue
		}
		t.Created, t.Expires, t.LastUsed, t.Revoked = msTime(created), nullTime(expires), nullTime(used), nullTime(revoked)
		if team != "" {
			t.Teams = []string{team}
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing tokens: %w", err)
	}
	return out, nil
}

// Revoke revokes the token with the given ID; ErrInvalid when there is none not revoked yet.
func (a *Access) Revoke(ctx context.Context, id int64) error {
	res, err := a.st.SQL().ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ms(a.now()), id)
	if err != nil {
		return fmt.Errorf("revoking token %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("revoking token %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("%w: no token %d (or it is revoked already)", ErrInvalid, id)
	}
	return nil
}

// RevokeNamed revokes the one token called name that is not revoked yet and returns its ID;
// ErrInvalid when there is none, or several (then revoke by ID: they are listed).
func (a *Access) RevokeNamed(ctx context.Context, name string) (int64, error) {
	var ids []int64
	err := a.st.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		if ids, err = liveTokensNamed(ctx, tx, name); err != nil || len(ids) != 1 {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ms(a.now()), ids[0])
		return err
	})
	switch {
	case err != nil:
		return 0, fmt.Errorf("revoking token %q: %w", name, err)
	case len(ids) == 0:
		return 0, fmt.Errorf("%w: no token named %q (or it is revoked already)", ErrInvalid, name)
	case len(ids) > 1:
		return 0, fmt.Errorf("%w: %d tokens are named %q (IDs %v): revoke one by its ID", ErrInvalid, len(ids), name, ids)
	}
	return ids[0], nil
}

// liveTokensNamed returns the IDs of the tokens called name that are not revoked, in order.
func liveTokensNamed(ctx context.Context, tx *sql.Tx, name string) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM tokens WHERE name = ? AND revoked_at IS NULL ORDER BY id`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// maxTokenLength bounds what Authenticate hashes.
const maxTokenLength = 256

// LastUseInterval is how often at most a token's last use is recorded: authenticating writes
// to the database only when the recorded last use is older than that.
const LastUseInterval = time.Minute

// Authenticate returns the principal of an API token and records its use (at most once per
// LastUseInterval). An unknown token is ErrUnauthenticated, an expired one ErrExpired, a
// revoked one ErrRevoked.
func (a *Access) Authenticate(ctx context.Context, secret string) (*Principal, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > maxTokenLength {
		return nil, ErrUnauthenticated
	}
	p := &Principal{Kind: "token"}
	var scope string
	var expires, used, revoked sql.NullInt64
	err := a.st.SQL().QueryRowContext(ctx, `SELECT id, name, scope, expires_at, last_used_at, revoked_at FROM tokens WHERE hash = ?`,
		hash(secret)).Scan(&p.ID, &p.Name, &scope, &expires, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("authenticating: %w", err)
	}
	p.DisplayName = p.Name
	now := a.now()
	switch {
	case revoked.Valid:
		return nil, fmt.Errorf("%w at %s: ask an admin for a new token", ErrRevoked, nullTime(revoked).Format(time.RFC3339))
	case expires.Valid && expires.Int64 <= ms(now):
		return nil, fmt.Errorf("%w at %s: ask an admin for a new token", ErrExpired, nullTime(expires).Format(time.RFC3339))
	}
	if p.Scope, err = ParseScope(scope); err != nil {
		return nil, fmt.Errorf("token %d: %w", p.ID, err)
	}
	if err := a.readTokenTeams(ctx, p); err != nil {
		return nil, fmt.Errorf("authenticating: %w", err)
	}
	if !used.Valid || used.Int64 <= ms(now.Add(-LastUseInterval)) {
		// Conditional, so that replicas racing on the same token write it once.
		if _, err := a.st.SQL().ExecContext(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
			ms(now), p.ID, ms(now.Add(-LastUseInterval))); err != nil {
			return nil, fmt.Errorf("recording the use of token %d: %w", p.ID, err)
		}
	}
	return p, nil
}

// readTokenTeams fills in the teams of token principal p.
func (a *Access) readTokenTeams(ctx context.Context, p *Principal) error {
	rows, err := a.st.SQL().QueryContext(ctx, `SELECT tt.team_id, t.name FROM token_teams tt JOIN teams t ON t.id = tt.team_id WHERE tt.token_id = ? ORDER BY t.name`, p.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		p.TeamIDs = append(p.TeamIDs, id)
		p.TeamNames = append(p.TeamNames, name)
	}
	return rows.Err()
}
