-- Webhooks and their deliveries (package notify). Times are Unix milliseconds (UTC).
--
-- Events (the outbox, table events of 0005) are fanned out to deliveries: one row per event and
-- matching webhook, claimed by one replica at a time (claimed_until is the end of its lease)
-- and retried with backoff until delivered or given up. notify_cursor holds the highest event
-- ID below which every event has been fanned out; events above it already fanned out are
-- listed in notify_fanout (IDs may commit out of order on PostgreSQL).
CREATE TABLE webhooks (
	id              INTEGER PRIMARY KEY,
	team_id         INTEGER NOT NULL REFERENCES teams(id),
	url             TEXT NOT NULL,
	secret          TEXT NOT NULL,
	events          TEXT NOT NULL DEFAULT '[]',  -- JSON array of event types; [] means all
	created_at      INTEGER NOT NULL,
	disabled        INTEGER NOT NULL DEFAULT 0,  -- 1 once deleted
	last_error      TEXT NOT NULL DEFAULT '',    -- of the latest attempt, '' when it succeeded
	last_attempt_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_team ON webhooks (team_id, id);

CREATE TABLE deliveries (
	id              INTEGER PRIMARY KEY,
	event_id        INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
	webhook_id      INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
	state           TEXT NOT NULL,               -- 'pending', 'delivered' or 'failed'
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	claimed_until   INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	last_status     INTEGER NOT NULL DEFAULT 0,  -- HTTP status of the latest attempt, 0 for none
	delivered_at    INTEGER,
	created_at      INTEGER NOT NULL,
	UNIQUE (event_id, webhook_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id);
CREATE INDEX deliveries_failed ON deliveries (webhook_id, id) WHERE state = 'failed';
CREATE INDEX deliveries_done ON deliveries (delivered_at) WHERE state = 'delivered';

CREATE TABLE notify_cursor (
	id            INTEGER PRIMARY KEY CHECK (id = 1),
	last_event_id INTEGER NOT NULL
);
-- Events written before webhooks existed have nobody to go to.
INSERT INTO notify_cursor (id, last_event_id) SELECT 1, COALESCE(MAX(id), 0) FROM events;

CREATE TABLE notify_fanout (
	event_id INTEGER PRIMARY KEY
);
