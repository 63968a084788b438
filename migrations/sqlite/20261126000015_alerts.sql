-- Alerts and incidents: where alerts go (channels, a person's or a team's),
-- incidents (an automation's open failure, from the first alerting run
-- until a success closes it), their timeline and runs, and alerts (an
-- outbox: each alert is written with the change that causes it, then sent
-- at least once, retried with backoff, with `Idempotency-Key:
-- baton-alert-<id>` on every try).

CREATE TABLE channels (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('webhook', 'slack')),
    url        TEXT NOT NULL,
    -- Standard Webhooks signing secret (`whsec_…`) of a webhook channel.
    secret     TEXT,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    team_id    INTEGER REFERENCES teams (id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    CHECK ((user_id IS NULL) <> (team_id IS NULL))
) STRICT;

CREATE INDEX channels_user ON channels (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX channels_team ON channels (team_id) WHERE team_id IS NOT NULL;

CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    automation_id   INTEGER NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('failed', 'missed', 'too_long')),
    opened_at       TEXT NOT NULL,
    -- The newest alerting run's time: a success after it closes the incident.
    last_trouble_at TEXT NOT NULL,
    troubles        INTEGER NOT NULL DEFAULT 1,
    -- Who has been told: 0 the owner, 1 also the backup owner, 2 also the team.
    level           INTEGER NOT NULL DEFAULT 0 CHECK (level BETWEEN 0 AND 2),
    level_at        TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by INTEGER REFERENCES users (id),
    -- The upstream incident its alerts are held for, while they are.
    held_by         INTEGER REFERENCES incidents (id) ON DELETE SET NULL,
    resolved_at     TEXT
) STRICT;

-- One open incident per automation, whichever instance opens it.
CREATE UNIQUE INDEX incidents_open ON incidents (automation_id) WHERE resolved_at IS NULL;
CREATE INDEX incidents_opened ON incidents (opened_at DESC, id DESC);
CREATE INDEX incidents_held_by ON incidents (held_by) WHERE held_by IS NOT NULL;

-- The runs the incidents job has seen, each at most once, with the
-- incident it took them in (none for a run while its automation was
-- paused). Not a foreign key: raw runs go with retention, incidents stay.
CREATE TABLE incident_runs (
    run_id      INTEGER PRIMARY KEY NOT NULL,
    incident_id INTEGER REFERENCES incidents (id) ON DELETE CASCADE
) STRICT;

CREATE TABLE incident_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    actor_id    INTEGER REFERENCES users (id)
) STRICT;

CREATE INDEX incident_events_incident ON incident_events (incident_id, id);

CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id     INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    channel_id      INTEGER REFERENCES channels (id) ON DELETE SET NULL,
    channel_name    TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('opened', 'escalated', 'released', 'recovered')),
    -- Why it was held, released or escalated, in words (part of what is sent).
    note            TEXT NOT NULL DEFAULT '',
    -- What was last sent (the payload is written when it is first tried).
    payload         TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL CHECK (state IN ('pending', 'held', 'sent', 'failed', 'withheld')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         TEXT,
    created_at      TEXT NOT NULL
) STRICT;

CREATE INDEX alerts_due ON alerts (next_attempt_at) WHERE state = 'pending';
CREATE INDEX alerts_incident ON alerts (incident_id, id);
CREATE INDEX alerts_failed ON alerts (created_at DESC) WHERE state = 'failed';

-- The runs that may open or join an incident, by when they were written.
CREATE INDEX runs_trouble ON runs (updated_at)
    WHERE status IN ('failed', 'timed_out', 'missed') OR flag = 'too_long';
