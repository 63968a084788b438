-- Ingestion: sources (ingestion endpoints owned by a team, each with a key
-- that rotates like a ping key), slugs naming automations within a source,
-- the claim queue of automations created by a ping, runs, and the delivery
-- log with the outcomes the Deliveries screen shows.

CREATE TABLE sources (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    team_id    INTEGER NOT NULL REFERENCES teams (id),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE source_keys (
    key        TEXT PRIMARY KEY NOT NULL,
    source_id  INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT
) STRICT;

CREATE UNIQUE INDEX source_keys_current ON source_keys (source_id) WHERE expires_at IS NULL;
CREATE INDEX source_keys_source ON source_keys (source_id);

-- /ping/<source-key>/<slug>: an automation's name within a source.
CREATE TABLE source_slugs (
    source_id     INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    slug          TEXT NOT NULL,
    automation_id INTEGER NOT NULL UNIQUE REFERENCES automations (id) ON DELETE CASCADE,
    PRIMARY KEY (source_id, slug)
) STRICT;

-- Automations a ping created, waiting for an owner to claim them.
CREATE TABLE claim_queue (
    automation_id INTEGER PRIMARY KEY NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    source_id     INTEGER REFERENCES sources (id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL
) STRICT;

-- One execution, however many events told of it. `at` is when it began as
-- far as Baton knows: its start, or its end when no start was heard.
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    automation_id INTEGER NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    rid           TEXT,
    status        TEXT NOT NULL CHECK (status IN ('started', 'succeeded', 'failed',
                      'cancelled', 'timed_out', 'missed')),
    at            TEXT NOT NULL,
    started_at    TEXT,
    finished_at   TEXT,
    duration_ms   INTEGER,
    exit_status   INTEGER,
    log           TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX runs_rid ON runs (automation_id, rid) WHERE rid IS NOT NULL;
CREATE INDEX runs_open ON runs (automation_id, id) WHERE rid IS NULL AND status = 'started';
CREATE INDEX runs_automation_at ON runs (automation_id, at);

-- The delivery log, rebuilt for its final outcomes: `scope` (whose key was
-- used) replaces the raw key, so a rotated key still dedupes; what the key
-- opened is kept; a duplicate and a rejected request are kept as rows of
-- their own (a rejected one with a capped body).
CREATE TABLE deliveries_new (
    id             INTEGER PRIMARY KEY,
    received_at    TEXT NOT NULL,
    endpoint       TEXT NOT NULL,
    scope          TEXT NOT NULL,
    source_id      INTEGER,
    automation_id  INTEGER,
    external_id    TEXT,
    method         TEXT NOT NULL,
    uri            TEXT NOT NULL,
    headers        TEXT NOT NULL,
    body           BLOB NOT NULL,
    body_size      INTEGER NOT NULL,
    remote_addr    TEXT,
    outcome        TEXT NOT NULL DEFAULT 'pending'
                   CHECK (outcome IN ('pending', 'recorded', 'duplicate', 'ignored',
                                      'rejected', 'failed')),
    outcome_detail TEXT,
    processed_at   TEXT,
    run_id         INTEGER,
    duplicate_of   INTEGER
) STRICT;

INSERT INTO deliveries_new (id, received_at, endpoint, scope, external_id, method, uri, headers,
    body, body_size, remote_addr, outcome, outcome_detail, processed_at)
SELECT id, received_at, endpoint, ingest_key, external_id, method, uri, headers, body,
    length(body), remote_addr,
    CASE outcome WHEN 'processed' THEN 'recorded' ELSE outcome END, outcome_detail, processed_at
FROM deliveries;

DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;

CREATE UNIQUE INDEX deliveries_external_id
    ON deliveries (endpoint, scope, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX deliveries_received_at ON deliveries (received_at);
CREATE INDEX deliveries_pending ON deliveries (id) WHERE outcome = 'pending';
CREATE INDEX deliveries_automation ON deliveries (automation_id, id);
CREATE INDEX deliveries_source ON deliveries (source_id, id);
CREATE INDEX deliveries_outcome ON deliveries (outcome, id);
