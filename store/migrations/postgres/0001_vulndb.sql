-- PostgreSQL has no BLOB type; portable queries write CAST(? AS BLOB) where the type of a
-- parameter cannot be inferred, so BLOB is a name for BYTEA here.
CREATE DOMAIN blob AS bytea;

-- Advisories as read (the OSV JSON), their aliases, and their affected versions as key
-- intervals indexed for range scans by (ecosystem, name, lo).
CREATE TABLE advisories (
	id        TEXT PRIMARY KEY,
	modified  TEXT NOT NULL,              -- RFC 3339, as in the advisory
	withdrawn INTEGER NOT NULL DEFAULT 0, -- 1 when the advisory is withdrawn
	source    TEXT NOT NULL,              -- the import source it came from
	doc       BYTEA NOT NULL               -- the advisory's JSON
);

CREATE TABLE advisory_aliases (
	advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
	alias       TEXT NOT NULL,
	PRIMARY KEY (alias, advisory_id)
);
CREATE INDEX advisory_aliases_advisory ON advisory_aliases (advisory_id);

-- One row per affected interval or exact version.
--   kind 'range': versions v with lo <= key(v) (lo NULL: no lower bound) and key(v) < hi, or
--                 <= hi when hi_inclusive (hi NULL: no upper bound).
--   kind 'exact': a listed version: "version" as written, matched by string equality, and
--                 lo = hi = its key (hi_inclusive) when it parses, matched by key too.
--   kind 'git':   a commit ("version") of repository "repo" that is affected.
CREATE TABLE affected (
	advisory_id  TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
	ecosystem    TEXT NOT NULL,  -- OSV ecosystem without its release suffix ("Debian", "PyPI")
	variant      TEXT NOT NULL,  -- the suffix ("12" of "Debian:12"), or ''
	name         TEXT NOT NULL,  -- normalised package name
	kind         TEXT NOT NULL,
	lo           BYTEA,
	hi           BYTEA,
	hi_inclusive INTEGER NOT NULL DEFAULT 0,
	version      TEXT,
	repo         TEXT
);
CREATE INDEX affected_lookup ON affected (ecosystem, name, lo);
CREATE INDEX affected_advisory ON affected (advisory_id);
CREATE INDEX affected_git ON affected (version) WHERE kind = 'git';

-- Versions in advisories that no scheme could parse, for db status.
CREATE TABLE unparsed_versions (
	advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
	ecosystem   TEXT NOT NULL,
	name        TEXT NOT NULL,
	version     TEXT NOT NULL,
	reason      TEXT NOT NULL
);
CREATE INDEX unparsed_versions_advisory ON unparsed_versions (advisory_id);

-- Import sources and when they were last read.
CREATE TABLE sources (
	name        TEXT PRIMARY KEY,  -- the directory, zip or URL
	imported_at TEXT NOT NULL,     -- RFC 3339
	advisories  INTEGER NOT NULL,
	etag        TEXT,              -- for conditional downloads
	checksum    TEXT
);
