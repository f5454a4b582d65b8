-- Wake webhook delivery on every replica the moment events are written (package notify): each
-- statement that inserts into the outbox sends a notification on channel hallmark_events,
-- which PostgreSQL delivers when the transaction commits (once per transaction: identical
-- notifications of one transaction are folded into one). Replicas that miss one still poll.
CREATE FUNCTION hallmark_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('hallmark_events', '');
	RETURN NULL;
END
$$;
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION hallmark_events_notify();
