-- Covering indexes for 'db status' and the start of every scan, which count advisories,
-- withdrawn ones, and advisories per ecosystem: without them SQLite reads every advisory
-- document (over a gigabyte for the public OSV data) and sorts the affected rows.
CREATE INDEX advisories_withdrawn ON advisories (withdrawn);
CREATE INDEX affected_ecosystem ON affected (ecosystem, advisory_id);
