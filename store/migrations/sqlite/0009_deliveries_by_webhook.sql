-- Claiming serves webhooks in turn (a receiver that is down must not hold back the others'
-- deliveries), which asks per webhook for its due pending deliveries.
CREATE INDEX deliveries_webhook_due ON deliveries (webhook_id, next_attempt_at, id) WHERE state = 'pending';
