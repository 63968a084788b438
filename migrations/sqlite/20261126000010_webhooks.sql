-- Webhooks: each source is for one tool (pings, GitHub, GitLab, Jenkins or
-- signed generic JSON) and may have secrets that sign its deliveries (the
-- current one has no expiry; a rotated one is still accepted until its
-- expiry). Requests refused for a bad signature are only counted. Runs
-- reported by a tool are found again by their identity in that tool
-- (`run_key`, unique within the source), keep the event time of their
-- status (the later one wins), and may have jobs.

ALTER TABLE sources ADD COLUMN tool TEXT NOT NULL DEFAULT 'ping'
    CHECK (tool IN ('ping', 'github', 'gitlab', 'jenkins', 'generic'));
ALTER TABLE sources ADD COLUMN rejected_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN last_rejected_at TEXT;

CREATE TABLE source_secrets (
    id         INTEGER PRIMARY KEY,
    source_id  INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    secret     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT
) STRICT;

CREATE UNIQUE INDEX source_secrets_current ON source_secrets (source_id) WHERE expires_at IS NULL;
CREATE INDEX source_secrets_source ON source_secrets (source_id);

CREATE TABLE runs_new (
    id            INTEGER PRIMARY KEY,
    automation_id INTEGER NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    rid           TEXT,
    status        TEXT NOT NULL CHECK (status IN ('started', 'succeeded', 'failed',
                      'cancelled', 'timed_out', 'skipped', 'missed')),
    at            TEXT NOT NULL,
    started_at    TEXT,
    finished_at   TEXT,
    duration_ms   INTEGER,
    exit_status   INTEGER,
    log           TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL,
    source_id     INTEGER REFERENCES sources (id) ON DELETE SET NULL,
    run_key       TEXT,
    status_at     TEXT,
    url           TEXT
) STRICT;

INSERT INTO runs_new (id, automation_id, rid, status, at, started_at, finished_at, duration_ms,
    exit_status, log, updated_at)
SELECT id, automation_id, rid, status, at, started_at, finished_at, duration_ms, exit_status,
    log, updated_at
FROM runs;

DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;

CREATE UNIQUE INDEX runs_rid ON runs (automation_id, rid) WHERE rid IS NOT NULL;
CREATE INDEX runs_open ON runs (automation_id, id) WHERE rid IS NULL AND status = 'started';
CREATE INDEX runs_automation_at ON runs (automation_id, at);
CREATE UNIQUE INDEX runs_key ON runs (source_id, run_key) WHERE run_key IS NOT NULL;

CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY,
    source_id  INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    run_key    TEXT NOT NULL,
    job_key    TEXT NOT NULL,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('started', 'succeeded', 'failed',
                   'cancelled', 'timed_out', 'skipped')),
    status_at  TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (source_id, run_key, job_key)
) STRICT;
