-- Access to the server: API tokens (stored as SHA-256 hashes) with a scope and teams, users who
-- log in to the web UI by OIDC, their sessions, pending OIDC logins, and leases that let one
-- replica at a time run a periodic job. Times are Unix milliseconds (UTC).
CREATE TABLE tokens (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL,
	hash         BLOB NOT NULL UNIQUE,     -- SHA-256 of the token
	scope        TEXT NOT NULL,            -- 'read', 'ingest', 'triage' or 'admin'
	created_at   INTEGER NOT NULL,
	revoked_at   INTEGER
);

CREATE TABLE token_teams (
	token_id INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
	team_id  INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	PRIMARY KEY (token_id, team_id)
);

CREATE TABLE users (
	id         INTEGER PRIMARY KEY,
	issuer     TEXT NOT NULL,
	subject    TEXT NOT NULL,
	email      TEXT NOT NULL DEFAULT '',
	name       TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	seen_at    INTEGER NOT NULL,
	UNIQUE (issuer, subject)
);

-- A session's teams and scope are fixed at login from the identity provider's claims.
CREATE TABLE sessions (
	hash       BLOB PRIMARY KEY,           -- SHA-256 of the session cookie's value
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	scope      TEXT NOT NULL,
	teams      TEXT NOT NULL DEFAULT '[]', -- JSON array of team IDs
	csrf       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- OIDC authorization requests between /auth/login and /auth/callback.
CREATE TABLE oidc_logins (
	state      BLOB PRIMARY KEY,           -- SHA-256 of the state parameter
	verifier   TEXT NOT NULL,              -- the PKCE code verifier
	nonce      TEXT NOT NULL,
	expires_at INTEGER NOT NULL
);

-- Leases: the replica named by holder runs the job until expires_at.
CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	expires_at INTEGER NOT NULL
);
