-- Scan speed (10,000 components against 500,000 advisories, BENCHMARKS.md).
--
-- Covering indexes for the candidate queries of vulndb.Candidates, so that a lookup reads
-- only index entries, and few of them: intervals by their upper bound (an installed version
-- is usually above most fixes, so "hi >= key" is short where "lo <= key" is most of a
-- popular package's rows), listed versions by key (hi = key) and, in a partial index, by
-- string. They replace affected_lookup, whose (ecosystem, name) prefix they keep.
DROP INDEX affected_lookup;
CREATE INDEX affected_candidates ON affected (ecosystem, name, kind, hi, lo, hi_inclusive, variant, version, advisory_id);
-- (kind, constant in affected_versions, is a column too so that SQLite, without statistics,
-- prefers it to affected_candidates for "kind = 'exact' AND version = ?".)
CREATE INDEX affected_versions ON affected (ecosystem, name, version, kind, variant, advisory_id) WHERE kind = 'exact';

-- Each advisory's brief: the fields a scan reads (package match and the report), in the
-- binary form of vulndb/brief.go, a fraction of the JSON document's size and cheap to decode.
-- An advisory without a brief (stored by an older Hallmark) is read from its document.
CREATE TABLE advisory_briefs (
	advisory_id TEXT PRIMARY KEY, -- advisories.id
	brief       BLOB NOT NULL
) WITHOUT ROWID;

-- A brief never outlives its document, whoever deletes or rewrites the advisory (an older
-- Hallmark writes no briefs; bulk loads do not enforce foreign keys, so this is a trigger).
CREATE TRIGGER advisory_briefs_delete AFTER DELETE ON advisories
BEGIN
	DELETE FROM advisory_briefs WHERE advisory_id = old.id;
END;
CREATE TRIGGER advisory_briefs_update AFTER UPDATE OF id, modified, withdrawn, doc ON advisories
BEGIN
	DELETE FROM advisory_briefs WHERE advisory_id = old.id;
END;
