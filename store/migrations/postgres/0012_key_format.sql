-- Which version-key format the stored keys were written in (lookup.KeyFormat): the keys of
-- advisories' ranges and listed versions (subject 'advisories': tables affected,
-- unparsed_versions and advisory_briefs) and of the portfolio's components (subject
-- 'components': columns vkey and source_vkey). No row means keys written by a Hallmark older
-- than this table, in an unknown format. When a subject's format differs from the build's,
-- opening the database re-derives its keys and then records the build's format here
-- (vulndb/reindex.go, portfolio/reindex.go).
CREATE TABLE key_formats (
	subject     TEXT PRIMARY KEY,
	format      INTEGER NOT NULL,
	recorded_at TEXT NOT NULL -- RFC 3339
);
