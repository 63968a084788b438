-- Webhooks: each source is for one tool (pings, GitHub, GitLab, Jenkins or
-- signed generic JSON) and may have secrets that sign its deliveries (the
-- current one has no expiry; a rotated one is still accepted until its
-- expiry). Requests refused for a bad signature are only counted. Runs
-- reported by a tool are found again by their identity in that tool
-- (`run_key`, unique within the source), keep the event time of their
-- status (the later one wins), and may have jobs.

ALTER TABLE sources ADD COLUMN tool TEXT NOT NULL DEFAULT 'ping'
    CHECK (tool IN ('ping', 'github', 'gitlab', 'jenkins', 'generic'));
ALTER TABLE sources ADD COLUMN rejected_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN last_rejected_at TIMESTAMPTZ;

CREATE TABLE source_secrets (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id  BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    secret     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ
);

CREATE UNIQUE INDEX source_secrets_current ON source_secrets (source_id) WHERE expires_at IS NULL;
CREATE INDEX source_secrets_source ON source_secrets (source_id);

ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('started', 'succeeded',
    'failed', 'cancelled', 'timed_out', 'skipped', 'missed'));
ALTER TABLE runs ADD COLUMN source_id BIGINT REFERENCES sources (id) ON DELETE SET NULL;
ALTER TABLE runs ADD COLUMN run_key TEXT;
ALTER TABLE runs ADD COLUMN status_at TIMESTAMPTZ;
ALTER TABLE runs ADD COLUMN url TEXT;

CREATE UNIQUE INDEX runs_key ON runs (source_id, run_key) WHERE run_key IS NOT NULL;

CREATE TABLE jobs (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id  BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    run_key    TEXT NOT NULL,
    job_key    TEXT NOT NULL,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('started', 'succeeded', 'failed',
                   'cancelled', 'timed_out', 'skipped')),
    status_at  TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (source_id, run_key, job_key)
);
