-- Token lifecycle: an optional expiry set at creation (NULL: the token never expires) and the
-- time of the token's last successful use, written at most once a minute per token so that
-- authenticating stays a read. Revoking by name looks tokens up by name. Times are Unix
-- milliseconds (UTC).
ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE tokens ADD COLUMN last_used_at INTEGER;
CREATE INDEX tokens_name ON tokens (name);
