-- Expected schedules: when each automation should report a run (every so
-- often, or at the times of a cron expression in a time zone), with the
-- grace before a late run counts as missed and how long a run may take.
-- `set_at` is when the schedule was last set: with no run since, the first
-- run is expected from then.

CREATE TABLE schedules (
    automation_id        BIGINT PRIMARY KEY REFERENCES automations (id) ON DELETE CASCADE,
    period_seconds       BIGINT CHECK (period_seconds > 0),
    cron                 TEXT,
    time_zone            TEXT NOT NULL DEFAULT 'UTC',
    grace_seconds        BIGINT NOT NULL CHECK (grace_seconds >= 0),
    max_duration_seconds BIGINT CHECK (max_duration_seconds > 0),
    min_duration_seconds BIGINT CHECK (min_duration_seconds > 0),
    set_at               TIMESTAMPTZ NOT NULL,
    CHECK ((period_seconds IS NULL) <> (cron IS NULL))
);
