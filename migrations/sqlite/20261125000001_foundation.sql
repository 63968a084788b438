-- Baton's first tables: the lease that background jobs share across instances,
-- and the delivery log that keeps every accepted webhook request as received.
-- Timestamps are RFC 3339 text in UTC (microsecond precision, as PostgreSQL keeps).

CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY NOT NULL,
    holder      TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) STRICT;

CREATE TABLE deliveries (
    id             INTEGER PRIMARY KEY,
    received_at    TEXT NOT NULL,
    endpoint       TEXT NOT NULL,
    ingest_key     TEXT NOT NULL,
    external_id    TEXT,
    method         TEXT NOT NULL,
    uri            TEXT NOT NULL,
    headers        TEXT NOT NULL,
    body           BLOB NOT NULL,
    remote_addr    TEXT,
    outcome        TEXT NOT NULL DEFAULT 'pending'
                   CHECK (outcome IN ('pending', 'processed', 'ignored', 'failed')),
    outcome_detail TEXT,
    processed_at   TEXT
) STRICT;

CREATE UNIQUE INDEX deliveries_external_id
    ON deliveries (endpoint, ingest_key, external_id)
    WHERE external_id IS NOT NULL;

CREATE INDEX deliveries_received_at ON deliveries (received_at);
CREATE INDEX deliveries_pending ON deliveries (id) WHERE outcome = 'pending';
