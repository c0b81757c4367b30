-- Background jobs: SLA warnings and breaches, auto-close of resolved tickets,
-- notifications. A job is enqueued in the same transaction as the change that
-- needs it, so it exists exactly when the change does.
-- A running job holds a lease (locked_until); when its worker dies the lease
-- runs out and another worker claims it again, counting the attempt.
-- Keep in step with ../postgres/0009_jobs.sql (a test compares the two).

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- Not before this time; after a failure, the time of the next attempt.
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL CHECK (max_attempts >= 1),
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    -- The worker that claimed it last (kept after it finishes, for the record).
    locked_by TEXT,
    -- Set only while running: the end of the worker's lease.
    locked_until BIGINT,
    last_error TEXT,
    -- Enqueueing the same logical job twice (two nodes, a retried request) is a no-op.
    dedupe_key TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
-- Claiming: due queued jobs and running ones whose lease ran out, oldest first.
CREATE INDEX jobs_status_run_at ON jobs (status, run_at, id);
CREATE UNIQUE INDEX jobs_dedupe_key ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL;
