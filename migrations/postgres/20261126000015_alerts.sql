-- Alerts and incidents: where alerts go (channels, a person's or a team's),
-- incidents (an automation's open failure, from the first alerting run
-- until a success closes it), their timeline and runs, and alerts (an
-- outbox: each alert is written with the change that causes it, then sent
-- at least once, retried with backoff, with `Idempotency-Key:
-- baton-alert-<id>` on every try).

CREATE TABLE channels (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('webhook', 'slack')),
    url        TEXT NOT NULL,
    -- Standard Webhooks signing secret (`whsec_…`) of a webhook channel.
    secret     TEXT,
    user_id    BIGINT REFERENCES users (id) ON DELETE CASCADE,
    team_id    BIGINT REFERENCES teams (id) ON DELETE CASCADE,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    CHECK ((user_id IS NULL) <> (team_id IS NULL))
);

CREATE INDEX channels_user ON channels (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX channels_team ON channels (team_id) WHERE team_id IS NOT NULL;

CREATE TABLE incidents (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    automation_id   BIGINT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('failed', 'missed', 'too_long')),
    opened_at       TIMESTAMPTZ NOT NULL,
    -- The newest alerting run's time: a success after it closes the incident.
    last_trouble_at TIMESTAMPTZ NOT NULL,
    troubles        BIGINT NOT NULL DEFAULT 1,
    -- Who has been told: 0 the owner, 1 also the backup owner, 2 also the team.
    level           INTEGER NOT NULL DEFAULT 0 CHECK (level BETWEEN 0 AND 2),
    level_at        TIMESTAMPTZ NOT NULL,
    acknowledged_at TIMESTAMPTZ,
    acknowledged_by BIGINT REFERENCES users (id),
    -- The upstream incident its alerts are held for, while they are.
    held_by         BIGINT REFERENCES incidents (id) ON DELETE SET NULL,
    resolved_at     TIMESTAMPTZ
);

-- One open incident per automation, whichever instance opens it.
CREATE UNIQUE INDEX incidents_open ON incidents (automation_id) WHERE resolved_at IS NULL;
CREATE INDEX incidents_opened ON incidents (opened_at DESC, id DESC);
CREATE INDEX incidents_held_by ON incidents (held_by) WHERE held_by IS NOT NULL;

-- The runs the incidents job has seen, each at most once, with the
-- incident it took them in (none for a run while its automation was
-- paused). Not a foreign key: raw runs go with retention, incidents stay.
CREATE TABLE incident_runs (
    run_id      BIGINT PRIMARY KEY,
    incident_id BIGINT REFERENCES incidents (id) ON DELETE CASCADE
);

CREATE TABLE incident_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at          TIMESTAMPTZ NOT NULL,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    actor_id    BIGINT REFERENCES users (id)
);

CREATE INDEX incident_events_incident ON incident_events (incident_id, id);

CREATE TABLE alerts (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id     BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    channel_id      BIGINT REFERENCES channels (id) ON DELETE SET NULL,
    channel_name    TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('opened', 'escalated', 'released', 'recovered')),
    -- Why it was held, released or escalated, in words (part of what is sent).
    note            TEXT NOT NULL DEFAULT '',
    -- What was last sent (the payload is written when it is first tried).
    payload         TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL CHECK (state IN ('pending', 'held', 'sent', 'failed', 'withheld')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE INDEX alerts_due ON alerts (next_attempt_at) WHERE state = 'pending';
CREATE INDEX alerts_incident ON alerts (incident_id, id);
CREATE INDEX alerts_failed ON alerts (created_at DESC) WHERE state = 'failed';

-- The runs that may open or join an incident, by when they were written.
CREATE INDEX runs_trouble ON runs (updated_at)
    WHERE status IN ('failed', 'timed_out', 'missed') OR flag = 'too_long';
