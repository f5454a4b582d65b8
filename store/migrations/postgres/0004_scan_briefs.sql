-- Scan speed (10,000 components against 500,000 advisories, BENCHMARKS.md).
--
-- A covering index for the candidate queries of vulndb.Candidates: every column they read is
-- in the index, so a lookup can be an index-only scan. It starts with the columns of
-- affected_lookup, which it replaces.
DROP INDEX affected_lookup;
CREATE INDEX affected_candidates ON affected (ecosystem, name, lo)
	INCLUDE (hi, hi_inclusive, kind, variant, version, advisory_id);

-- Each advisory's brief: the fields a scan reads (package match and the report), in the
-- binary form of vulndb/brief.go, a fraction of the JSON document's size and cheap to decode.
-- An advisory without a brief is read from its document. Rewriting an advisory deletes it
-- and its brief (vulndb's import never updates a row in place).
CREATE TABLE advisory_briefs (
	advisory_id TEXT PRIMARY KEY REFERENCES advisories(id) ON DELETE CASCADE,
	brief       BYTEA NOT NULL
);
