-- Scan speed (10,000 components against 500,000 advisories, BENCHMARKS.md).
--
-- Covering indexes for the candidate queries of vulndb.Candidates, so that a lookup reads
-- only index entries, and few of them: intervals by their upper bound (an installed version
-- is usually above most fixes, so "hi >= key" is short where "lo <= key" is most of a
-- popular package's rows), listed versions by key (hi = key) and, in a partial index, by
-- string. They replace affected_lookup, whose (ecosystem, name) prefix they keep.
DROP INDEX affected_lookup;
CREATE INDEX affected_candidates ON affected (ecosystem, name, kind, hi)
	INCLUDE (lo, hi_inclusive, variant, version, advisory_id);
CREATE INDEX affected_versions ON affected (ecosystem, name, version)
	INCLUDE (variant, advisory_id) WHERE kind = 'exact';

-- Each advisory's brief: the fields a scan reads (package match and the report), in the
-- binary form of vulndb/brief.go, a fraction of the JSON document's size and cheap to decode.
-- An advisory without a brief is read from its document. Rewriting an advisory deletes it
-- and its brief (vulndb's import never updates a row in place).
CREATE TABLE advisory_briefs (
	advisory_id TEXT PRIMARY KEY REFERENCES advisories(id) ON DELETE CASCADE,
	brief       BYTEA NOT NULL
);
