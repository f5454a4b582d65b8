-- Scan speed (10,000 components against 500,000 advisories, BENCHMARKS.md).
--
-- A covering index for the candidate queries of vulndb.Candidates: every column they read is
-- in the index, so a lookup no longer visits a table row for each index entry. It starts with
-- the columns of affected_lookup, which it replaces.
DROP INDEX affected_lookup;
CREATE INDEX affected_candidates ON affected (ecosystem, name, lo, hi, hi_inclusive, kind, variant, version, advisory_id);

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
