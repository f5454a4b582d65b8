-- PostgreSQL's 0011 makes inserts into the outbox notify the other replicas. SQLite serves one
-- process, which wakes its own webhook delivery: nothing to do here.
SELECT 1;
