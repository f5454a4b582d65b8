package access

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// User is a person who logged in through the identity provider, with the claims of their ID
// token (OpenID Connect Core 1.0 section 5.1) that name them.
type User struct {
	Issuer  string // iss
	Subject string // sub
	Email   string // email
	Name    string // name, the full name
	// Username is preferred_username. It is stored only in place of a missing Name (the
	// users table has no column of its own for it), so a session reads it back as Name.
	Username string
}

// identity returns how audit trails and logs name the user: the email, else the name, else
// the subject (an email is more likely unique than a name).
func (u User) identity() string {
	if u.Email != "" {
		return u.Email
	}
	if u.Name != "" {
		return u.Name
	}
	return u.Subject
}

// display returns how the UI names the user: the name, else the username, else the email,
// else the subject.
func (u User) display() string {
	for _, s := range []string{u.Name, u.Username, u.Email} {
		if s != "" {
			return s
		}
	}
	return u.Subject
}

// maxSessionTTL bounds a session's life.
const maxSessionTTL = 30 * 24 * time.Hour

// CreateSession records the user (creating or updating it) and opens a session with the given
// scope and teams for ttl. It returns the session's secret, which goes into the cookie.
func (a *Access) CreateSession(ctx context.Context, u User, scope Scope, teams []Team, ttl time.Duration) (string, error) {
	if u.Issuer == "" || u.Subject == "" {
		return "", fmt.Errorf("%w: a user needs an issuer and a subject", ErrInvalid)
	}
	if scope < Read || scope > Admin {
		return "", fmt.Errorf("%w: %v", ErrInvalid, scope)
	}
	if ttl <= 0 || ttl > maxSessionTTL {
		return "", fmt.Errorf("%w: session lifetime %v (want up to %v)", ErrInvalid, ttl, maxSessionTTL)
	}
	if len(teams) > MaxTeams {
		return "", fmt.Errorf("%w: more than %d teams", ErrInvalid, MaxTeams)
	}
	if u.Name == "" {
		u.Name = u.Username
	}
	ids := make([]int64, len(teams))
	for i, t := range teams {
		ids[i] = t.ID
	}
	secret := randomString(tokenBytes)
	now := a.now()
	err := a.st.Transact(ctx, func(tx *sql.Tx) error {
		var uid int64
		err := tx.QueryRowContext(ctx, `INSERT INTO users (issuer, subject, email, name, created_at, seen_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (issuer, subject) DO UPDATE SET email = excluded.email, name = excluded.name, seen_at = excluded.seen_at
			RETURNING id`, u.Issuer, u.Subject, u.Email, u.Name, ms(now), ms(now)).Scan(&uid)
		if err != nil {
			return err
		}
		// Expired sessions go when someone logs in: no background job needed.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, ms(now)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, scope, teams, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			hash(secret), uid, scope.String(), encodeIDs(ids), randomString(tokenBytes), ms(now), ms(now.Add(ttl)))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("creating a session: %w", err)
	}
	return secret, nil
}

// maxSessionLength bounds what Session hashes.
const maxSessionLength = 256

// Session returns the principal of an open session; ErrUnauthenticated when there is none or
// it expired.
func (a *Access) Session(ctx context.Context, secret string) (*Principal, error) {
	if secret == "" || len(secret) > maxSessionLength {
		return nil, ErrUnauthenticated
	}
	p := &Principal{Kind: "user"}
	var scope, teams string
	var u User
	err := a.st.SQL().QueryRowContext(ctx, `SELECT u.id, u.subject, u.email, u.name, s.scope, s.teams, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.hash = ? AND s.expires_at > ?`, hash(secret), ms(a.now())).Scan(&p.ID, &u.Subject, &u.Email, &u.Name, &scope, &teams, &p.CSRF)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("reading the session: %w", err)
	}
	p.Name, p.DisplayName, p.Email = u.identity(), u.display(), u.Email
	if p.Scope, err = ParseScope(scope); err != nil {
		return nil, fmt.Errorf("session of user %d: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(teams), &p.TeamIDs); err != nil {
		return nil, fmt.Errorf("session of user %d: teams: %w", p.ID, err)
	}
	if p.TeamNames, err = teamNames(ctx, a.st.SQL(), p.TeamIDs); err != nil {
		return nil, fmt.Errorf("reading the session: %w", err)
	}
	return p, nil
}

// EndSession closes a session (nothing happens when there is none).
func (a *Access) EndSession(ctx context.Context, secret string) error {
	if _, err := a.st.SQL().ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash(secret)); err != nil {
		return fmt.Errorf("ending the session: %w", err)
	}
	return nil
}

// Login is an OIDC authorization request in progress.
type Login struct {
	State    string // the state parameter sent to the identity provider
	Verifier string // the PKCE code verifier
	Nonce    string // the nonce the ID token must carry
}

// maxLoginTTL bounds how long a login may take.
const maxLoginTTL = time.Hour

// StartLogin stores a new login (random state, PKCE verifier and nonce) valid for ttl.
func (a *Access) StartLogin(ctx context.Context, ttl time.Duration) (*Login, error) {
	if ttl <= 0 || ttl > maxLoginTTL {
		return nil, fmt.Errorf("%w: login lifetime %v (want up to %v)", ErrInvalid, ttl, maxLoginTTL)
	}
	l := &Login{State: randomString(tokenBytes), Verifier: randomString(tokenBytes), Nonce: randomString(16)}
	now := a.now()
	err := a.st.Transact(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_logins WHERE expires_at < ?`, ms(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_logins (state, verifier, nonce, expires_at) VALUES (?, ?, ?, ?)`,
			hash(l.State), l.Verifier, l.Nonce, ms(now.Add(ttl)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("starting a login: %w", err)
	}
	return l, nil
}

// FinishLogin takes the login with the given state (it can be finished once); an unknown or
// expired state is ErrUnauthenticated.
func (a *Access) FinishLogin(ctx context.Context, state string) (*Login, error) {
	if state == "" || len(state) > maxSessionLength {
		return nil, ErrUnauthenticated
	}
	l := &Login{State: state}
	var expires int64
	err := a.st.Transact(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `DELETE FROM oidc_logins WHERE state = ? RETURNING verifier, nonce, expires_at`, hash(state)).Scan(&l.Verifier, &l.Nonce, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrUnauthenticated
		}
		return err
	})
	if err != nil {
		if errors.Is(err, ErrUnauthenticated) {
			return nil, err
		}
		return nil, fmt.Errorf("finishing the login: %w", err)
	}
	if expires < ms(a.now()) {
		return nil, ErrUnauthenticated
	}
	return l, nil
}

// Lease takes or renews the lease called name for holder until ttl from now, and reports
// whether holder has it: a lease held by another holder that has not expired is not taken.
// Replicas use it so that one of them at a time runs a periodic job.
func (a *Access) Lease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := a.now()
	var got string
	err := a.st.Transact(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.holder = excluded.holder OR leases.expires_at < ?
			RETURNING holder`, name, holder, ms(now.Add(ttl)), ms(now)).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			got = ""
			return nil
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("taking lease %s: %w", name, err)
	}
	return got == holder, nil
}

// ReleaseLease gives up holder's lease called name.
func (a *Access) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := a.st.SQL().ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return fmt.Errorf("releasing lease %s: %w", name, err)
	}
	return nil
}
