-- Ingestion: sources (ingestion endpoints owned by a team, each with a key
-- that rotates like a ping key), slugs naming automations within a source,
-- the claim queue of automations created by a ping, runs, and the delivery
-- log with the outcomes the Deliveries screen shows.

CREATE TABLE sources (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    team_id    BIGINT NOT NULL REFERENCES teams (id),
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE source_keys (
    key        TEXT PRIMARY KEY,
    source_id  BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ
);

CREATE UNIQUE INDEX source_keys_current ON source_keys (source_id) WHERE expires_at IS NULL;
CREATE INDEX source_keys_source ON source_keys (source_id);

-- /ping/<source-key>/<slug>: an automation's name within a source.
CREATE TABLE source_slugs (
    source_id     BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    slug          TEXT NOT NULL,
    automation_id BIGINT NOT NULL UNIQUE REFERENCES automations (id) ON DELETE CASCADE,
    PRIMARY KEY (source_id, slug)
);

-- Automations a ping created, waiting for an owner to claim them.
CREATE TABLE claim_queue (
    automation_id BIGINT PRIMARY KEY REFERENCES automations (id) ON DELETE CASCADE,
    source_id     BIGINT REFERENCES sources (id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- One execution, however many events told of it. `at` is when it began as
-- far as Baton knows: its start, or its end when no start was heard.
CREATE TABLE runs (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    automation_id BIGINT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    rid           TEXT,
    status        TEXT NOT NULL CHECK (status IN ('started', 'succeeded', 'failed',
                      'cancelled', 'timed_out', 'missed')),
    at            TIMESTAMPTZ NOT NULL,
    started_at    TIMESTAMPTZ,
    finished_at   TIMESTAMPTZ,
    duration_ms   BIGINT,
    exit_status   INTEGER,
    log           TEXT NOT NULL DEFAULT '',
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX runs_rid ON runs (automation_id, rid) WHERE rid IS NOT NULL;
CREATE INDEX runs_open ON runs (automation_id, id) WHERE rid IS NULL AND status = 'started';
CREATE INDEX runs_automation_at ON runs (automation_id, at);

-- The delivery log, reshaped for its final outcomes: `scope` (whose key was
-- used) replaces the raw key, so a rotated key still dedupes; what the key
-- opened is kept; a duplicate and a rejected request are kept as rows of
-- their own (a rejected one with a capped body).
ALTER TABLE deliveries RENAME COLUMN ingest_key TO scope;
ALTER TABLE deliveries
    ADD COLUMN source_id BIGINT,
    ADD COLUMN automation_id BIGINT,
    ADD COLUMN body_size BIGINT,
    ADD COLUMN run_id BIGINT,
    ADD COLUMN duplicate_of BIGINT,
    DROP CONSTRAINT deliveries_outcome_check;
UPDATE deliveries SET body_size = length(body),
    outcome = CASE outcome WHEN 'processed' THEN 'recorded' ELSE outcome END;
ALTER TABLE deliveries
    ALTER COLUMN body_size SET NOT NULL,
    ADD CONSTRAINT deliveries_outcome_check
        CHECK (outcome IN ('pending', 'recorded', 'duplicate', 'ignored', 'rejected', 'failed'));

CREATE INDEX deliveries_automation ON deliveries (automation_id, id);
CREATE INDEX deliveries_source ON deliveries (source_id, id);
CREATE INDEX deliveries_outcome ON deliveries (outcome, id);
