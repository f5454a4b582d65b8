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
}

// tokenBytes is how many random bytes a token carries.
const tokenBytes = 32

// NewToken returns a new random token: TokenPrefix and 32 random bytes in URL-safe base64.
func NewToken() string { return TokenPrefix + randomString(tokenBytes) }

// CreateToken stores a new token with the given name, scope and teams (created when missing)
// and returns it with its description. The token is not stored, only its hash: it cannot be
// shown again.
func (a *Access) CreateToken(ctx context.Context, name string, scope Scope, teams []string) (secret string, tok *Token, err error) {
	if err := checkName("token", name); err != nil {
		return "", nil, err
	}
	if scope < Read || scope > Admin {
		return "", nil, fmt.Errorf("%w: %v", ErrInvalid, scope)
	}
	if len(teams) > MaxTeams {
		return "", nil, fmt.Errorf("%w: more than %d teams", ErrInvalid, MaxTeams)
	}
	var ids []int64
	var names []string
	seen := map[int64]bool{}
	for _, n := range teams {
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
	now := a.now()
	tok = &Token{Name: name, Scope: scope.String(), Teams: names, Created: time.UnixMilli(ms(now)).UTC()}
	err = a.st.Transact(ctx, func(tx *sql.Tx) error {
		return insertToken(ctx, tx, tok, hash(secret), ids, ms(now))
	})
	if err != nil {
		return "", nil, fmt.Errorf("creating token %q: %w", name, err)
	}
	return secret, tok, nil
}

func insertToken(ctx context.Context, tx *sql.Tx, tok *Token, h []byte, teams []int64, now int64) error {
	if err := tx.QueryRowContext(ctx, `INSERT INTO tokens (name, hash, scope, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		tok.Name, h, tok.Scope, now).Scan(&tok.ID); err != nil {
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

// Tokens lists the stored tokens (not revoked) by ID.
func (a *Access) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := a.st.SQL().QueryContext(ctx, `SELECT t.id, t.name, t.scope, t.created_at, COALESCE(m.name, '')
		FROM tokens t LEFT JOIN token_teams tt ON tt.token_id = t.id LEFT JOIN teams m ON m.id = tt.team_id
		WHERE t.revoked_at IS NULL ORDER BY t.id, m.name`)
	if err != nil {
		return nil, fmt.Errorf("listing tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created int64
		var team string
		if err := rows.Scan(&t.ID, &t.Name, &t.Scope, &created, &team); err != nil {
			return nil, fmt.Errorf("listing tokens: %w", err)
		}
		if n := len(out); n > 0 && out[n-1].ID == t.ID {
			out[n-1].Teams = append(out[n-1].Teams, team)
			continue
		}
		t.Created = time.UnixMilli(created).UTC()
		if team != "" {
			t.Teams = []string{team}
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Revoke revokes the token with the given ID; ErrInvalid when there is none.
func (a *Access) Revoke(ctx context.Context, id int64) error {
	res, err := a.st.SQL().ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ms(a.now()), id)
	if err != nil {
		return fmt.Errorf("revoking token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: no token %d", ErrInvalid, id)
	}
	return nil
}

// maxTokenLength bounds what Authenticate hashes.
const maxTokenLength = 256

// Authenticate returns the principal of an API token; ErrUnauthenticated when the token is
// unknown or revoked.
func (a *Access) Authenticate(ctx context.Context, secret string) (*Principal, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > maxTokenLength {
		return nil, ErrUnauthenticated
	}
	p := &Principal{Kind: "token"}
	var scope string
	err := a.st.SQL().QueryRowContext(ctx, `SELECT id, name, scope FROM tokens WHERE hash = ? AND revoked_at IS NULL`, hash(secret)).Scan(&p.ID, &p.Name, &scope)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("authenticating: %w", err)
	}
	if p.Scope, err = ParseScope(scope); err != nil {
		return nil, fmt.Errorf("token %d: %w", p.ID, err)
	}
	rows, err := a.st.SQL().QueryContext(ctx, `SELECT tt.team_id, t.name FROM token_teams tt JOIN teams t ON t.id = tt.team_id WHERE tt.token_id = ? ORDER BY t.name`, p.ID)
	if err != nil {
		return nil, fmt.Errorf("authenticating: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("authenticating: %w", err)
		}
		p.TeamIDs = append(p.TeamIDs, id)
		p.TeamNames = append(p.TeamNames, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("authenticating: %w", err)
	}
	return p, nil
}
