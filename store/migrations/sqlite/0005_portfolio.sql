-- The portfolio: teams own artifacts (one per stored SBOM), their components and dependency
-- edges, the findings matched against them, and where they are deployed. Times are Unix
-- milliseconds (UTC). Components carry the version key of their ecosystem's scheme, indexed
-- with (ecosystem, name) so that a new advisory's ranges find the affected components by a
-- range scan.
CREATE TABLE teams (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
);
INSERT INTO teams (name, created_at) VALUES ('default', 0);

CREATE TABLE artifacts (
	id         INTEGER PRIMARY KEY,
	team_id    INTEGER NOT NULL REFERENCES teams(id),
	name       TEXT NOT NULL,
	version    TEXT NOT NULL,
	digest     TEXT NOT NULL,           -- "sha256:…"
	format     TEXT NOT NULL,           -- the SBOM format it came in ("CycloneDX 1.6", "SPDX 2.3")
	components INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (team_id, digest)
);
CREATE INDEX artifacts_name ON artifacts (name, id);
CREATE INDEX artifacts_digest ON artifacts (digest);
CREATE INDEX artifacts_team ON artifacts (team_id, id);

CREATE TABLE components (
	id          INTEGER PRIMARY KEY,
	artifact_id INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
	ref         TEXT NOT NULL,           -- the SBOM's identifier (bom-ref, SPDXID)
	purl        TEXT NOT NULL,           -- '' when the SBOM gave none
	type        TEXT NOT NULL DEFAULT '', -- the SBOM's component type ("library", "operating-system", …)
	ecosystem   TEXT NOT NULL,           -- OSV ecosystem without release suffix, '' when unknown
	release     TEXT NOT NULL,           -- distribution release ("12") for OS packages, else ''
	name        TEXT NOT NULL,           -- normalised as vulndb normalises advisory names
	source_name TEXT NOT NULL,           -- an OS package's source package, else ''
	source_version TEXT NOT NULL DEFAULT '', -- the source package's version when it differs, else ''
	version     TEXT NOT NULL,
	vkey        BLOB,                    -- the version's key, NULL when it does not parse
	source_vkey BLOB,                 -- the key of source_version (or version), NULL when it does not parse
	vcs_url     TEXT NOT NULL DEFAULT '', -- a source checkout's repository and commit, for GIT ranges
	vcs_revision TEXT NOT NULL DEFAULT '',
	direct      INTEGER NOT NULL DEFAULT 0,
	locations   TEXT NOT NULL DEFAULT '' -- newline-separated files it was found in
);
CREATE INDEX components_lookup ON components (ecosystem, name, vkey);
CREATE INDEX components_source ON components (ecosystem, source_name, source_vkey) WHERE source_name <> '';
CREATE INDEX components_artifact ON components (artifact_id, id);

-- Dependency edges; parent_id NULL means the artifact itself depends on child_id.
CREATE TABLE component_edges (
	artifact_id INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
	parent_id   INTEGER REFERENCES components(id) ON DELETE CASCADE,
	child_id    INTEGER NOT NULL REFERENCES components(id) ON DELETE CASCADE
);
-- By child for the walk up from a component (Paths), by parent and by artifact for the
-- foreign keys' deletes.
CREATE INDEX component_edges_child ON component_edges (child_id);
CREATE INDEX component_edges_parent ON component_edges (parent_id);
CREATE INDEX component_edges_artifact ON component_edges (artifact_id);

-- One row per component and advisory that affects it, open until a re-evaluation no longer
-- matches it (or the artifact's SBOM is replaced without it: then component_id is NULL and the
-- purl, ecosystem, package and version columns still say what it was).
CREATE TABLE findings (
	id           INTEGER PRIMARY KEY,
	artifact_id  INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
	component_id INTEGER REFERENCES components(id) ON DELETE SET NULL, -- NULL once a re-upload dropped it
	purl         TEXT NOT NULL DEFAULT '',    -- the component as it was matched, kept when it is gone
	ecosystem    TEXT NOT NULL DEFAULT '',
	package      TEXT NOT NULL DEFAULT '',
	version      TEXT NOT NULL DEFAULT '',
	advisory_id  TEXT NOT NULL,
	aliases      TEXT NOT NULL DEFAULT '[]',  -- JSON array
	severity     TEXT NOT NULL DEFAULT '',    -- "critical", "high", "medium", "low" or "unknown"
	score        REAL,
	fixed        TEXT NOT NULL DEFAULT '[]',  -- JSON array of fixed versions
	summary      TEXT NOT NULL DEFAULT '',
	state        TEXT NOT NULL,               -- 'open' or 'resolved'
	opened_at    INTEGER NOT NULL,
	resolved_at  INTEGER,
	UNIQUE (component_id, advisory_id)
);
CREATE INDEX findings_artifact ON findings (artifact_id, state, id);
CREATE INDEX findings_advisory ON findings (advisory_id, state);
CREATE INDEX findings_resolved ON findings (state, resolved_at);
CREATE INDEX findings_opened ON findings (opened_at);
CREATE INDEX findings_severity ON findings (state, severity);

-- Version sprawl without reading the components: each team's distinct package versions, with
-- the number of its artifacts that contain them (kept by each upload).
CREATE TABLE package_versions (
	team_id   INTEGER NOT NULL REFERENCES teams(id),
	ecosystem TEXT NOT NULL,
	name      TEXT NOT NULL,
	version   TEXT NOT NULL,
	artifacts INTEGER NOT NULL,
	PRIMARY KEY (ecosystem, name, version, team_id)
) WITHOUT ROWID;

CREATE TABLE deployments (
	id          INTEGER PRIMARY KEY,
	artifact_id INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
	environment TEXT NOT NULL,
	target      TEXT NOT NULL DEFAULT '',
	deployed_at INTEGER NOT NULL,
	created_at  INTEGER NOT NULL
);
CREATE INDEX deployments_artifact ON deployments (artifact_id, deployed_at);
CREATE INDEX deployments_place ON deployments (environment, target, deployed_at);

-- The outbox: events written in the transaction that caused them, delivered by package
-- notify to webhooks.
CREATE TABLE events (
	id          INTEGER PRIMARY KEY,
	type        TEXT NOT NULL,               -- "finding.opened", "finding.resolved", …
	team_id     INTEGER NOT NULL REFERENCES teams(id),
	artifact_id INTEGER,
	payload     TEXT NOT NULL,               -- JSON
	created_at  INTEGER NOT NULL
);
CREATE INDEX events_created ON events (created_at, id);
