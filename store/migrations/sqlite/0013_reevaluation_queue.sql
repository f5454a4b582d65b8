-- Advisories waiting for the portfolio's re-evaluation (package portfolio, queue.go). A posted
-- or synced advisory is queued here as soon as it is stored; a worker of any replica claims
-- queued advisories for a lease (claim names the claimant, claimed_until ends the lease),
-- re-evaluates them and deletes their rows. A replica that dies mid-way leaves its claims to
-- expire and be taken again; queueing an advisory again clears its claim. Times are Unix
-- milliseconds (UTC).
CREATE TABLE reevaluations (
	advisory_id   TEXT PRIMARY KEY,
	queued_at     INTEGER NOT NULL,
	claim         INTEGER NOT NULL DEFAULT 0,
	claimed_until INTEGER NOT NULL DEFAULT 0,
	attempts      INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reevaluations_due ON reevaluations (claimed_until, queued_at);
