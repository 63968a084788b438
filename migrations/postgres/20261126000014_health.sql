-- Health. Each automation's runs are rolled up per day (UTC) as they are
-- written: counts by outcome, recoveries (a success after failures, with
-- how long the failures lasted), and a histogram of durations. Triggers
-- keep the rollups in the transaction that writes the run, whoever writes
-- it; deleting old runs (retention) leaves them as they are. `run_states`
-- holds each automation's latest outcome, last success and, while it is
-- down, since when.
--
-- Duration buckets: below 16 ms one per millisecond; above, 16 buckets
-- between each power of two (a bucket is at most 1/16 of its lower bound
-- wide), so a percentile read from the histogram is within 1/32 (3.2 %)
-- of the true duration. `health::bucket` computes the same numbers.

ALTER TABLE runs ADD COLUMN duration_bucket INTEGER GENERATED ALWAYS AS (
    CASE
        WHEN duration_ms IS NULL THEN NULL
        WHEN duration_ms < 16 THEN greatest(duration_ms, 0)
        WHEN duration_ms < 32 THEN 16 + ((duration_ms >> 0) & 15)
        WHEN duration_ms < 64 THEN 32 + ((duration_ms >> 1) & 15)
        WHEN duration_ms < 128 THEN 48 + ((duration_ms >> 2) & 15)
        WHEN duration_ms < 256 THEN 64 + ((duration_ms >> 3) & 15)
        WHEN duration_ms < 512 THEN 80 + ((duration_ms >> 4) & 15)
        WHEN duration_ms < 1024 THEN 96 + ((duration_ms >> 5) & 15)
        WHEN duration_ms < 2048 THEN 112 + ((duration_ms >> 6) & 15)
        WHEN duration_ms < 4096 THEN 128 + ((duration_ms >> 7) & 15)
        WHEN duration_ms < 8192 THEN 144 + ((duration_ms >> 8) & 15)
        WHEN duration_ms < 16384 THEN 160 + ((duration_ms >> 9) & 15)
        WHEN duration_ms < 32768 THEN 176 + ((duration_ms >> 10) & 15)
        WHEN duration_ms < 65536 THEN 192 + ((duration_ms >> 11) & 15)
        WHEN duration_ms < 131072 THEN 208 + ((duration_ms >> 12) & 15)
        WHEN duration_ms < 262144 THEN 224 + ((duration_ms >> 13) & 15)
        WHEN duration_ms < 524288 THEN 240 + ((duration_ms >> 14) & 15)
        WHEN duration_ms < 1048576 THEN 256 + ((duration_ms >> 15) & 15)
        WHEN duration_ms < 2097152 THEN 272 + ((duration_ms >> 16) & 15)
        WHEN duration_ms < 4194304 THEN 288 + ((duration_ms >> 17) & 15)
        WHEN duration_ms < 8388608 THEN 304 + ((duration_ms >> 18) & 15)
        WHEN duration_ms < 16777216 THEN 320 + ((duration_ms >> 19) & 15)
        WHEN duration_ms < 33554432 THEN 336 + ((duration_ms >> 20) & 15)
        WHEN duration_ms < 67108864 THEN 352 + ((duration_ms >> 21) & 15)
        WHEN duration_ms < 134217728 THEN 368 + ((duration_ms >> 22) & 15)
        WHEN duration_ms < 268435456 THEN 384 + ((duration_ms >> 23) & 15)
        WHEN duration_ms < 536870912 THEN 400 + ((duration_ms >> 24) & 15)
        WHEN duration_ms < 1073741824 THEN 416 + ((duration_ms >> 25) & 15)
        WHEN duration_ms < 2147483648 THEN 432 + ((duration_ms >> 26) & 15)
        WHEN duration_ms < 4294967296 THEN 448 + ((duration_ms >> 27) & 15)
        WHEN duration_ms < 8589934592 THEN 464 + ((duration_ms >> 28) & 15)
        WHEN duration_ms < 17179869184 THEN 480 + ((duration_ms >> 29) & 15)
        WHEN duration_ms < 34359738368 THEN 496 + ((duration_ms >> 30) & 15)
        WHEN duration_ms < 68719476736 THEN 512 + ((duration_ms >> 31) & 15)
        WHEN duration_ms < 137438953472 THEN 528 + ((duration_ms >> 32) & 15)
        WHEN duration_ms < 274877906944 THEN 544 + ((duration_ms >> 33) & 15)
        WHEN duration_ms < 549755813888 THEN 560 + ((duration_ms >> 34) & 15)
        WHEN duration_ms < 1099511627776 THEN 576 + ((duration_ms >> 35) & 15)
        WHEN duration_ms < 2199023255552 THEN 592 + ((duration_ms >> 36) & 15)
        WHEN duration_ms < 4398046511104 THEN 608 + ((duration_ms >> 37) & 15)
        WHEN duration_ms < 8796093022208 THEN 624 + ((duration_ms >> 38) & 15)
        WHEN duration_ms < 17592186044416 THEN 640 + ((duration_ms >> 39) & 15)
        WHEN duration_ms < 35184372088832 THEN 656 + ((duration_ms >> 40) & 15)
        WHEN duration_ms < 70368744177664 THEN 672 + ((duration_ms >> 41) & 15)
        ELSE 687
    END) STORED;

CREATE TABLE run_days (
    automation_id BIGINT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    day           DATE NOT NULL,
    succeeded     BIGINT NOT NULL DEFAULT 0,
    failed        BIGINT NOT NULL DEFAULT 0,
    missed        BIGINT NOT NULL DEFAULT 0,
    other         BIGINT NOT NULL DEFAULT 0,
    recoveries    BIGINT NOT NULL DEFAULT 0,
    recovery_ms   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (automation_id, day)
);

CREATE TABLE run_durations (
    automation_id BIGINT NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    day           DATE NOT NULL,
    bucket        INTEGER NOT NULL,
    runs          BIGINT NOT NULL,
    PRIMARY KEY (automation_id, day, bucket)
);

CREATE TABLE run_states (
    automation_id   BIGINT PRIMARY KEY REFERENCES automations (id) ON DELETE CASCADE,
    last_status     TEXT NOT NULL,
    last_at         TIMESTAMPTZ NOT NULL,
    last_success_at TIMESTAMPTZ,
    down_since      TIMESTAMPTZ
);

-- The day a run counts on: its date in UTC.
CREATE FUNCTION run_day(at TIMESTAMPTZ) RETURNS DATE
    LANGUAGE sql IMMUTABLE AS $$ SELECT (at AT TIME ZONE 'UTC')::date $$;

-- A run whose outcome, time or duration changes moves from what it was to
-- what it is; a new outcome moves the automation's state: a failure (or a
-- missed run) after a success starts a spell down, a success ends it,
-- counted as a recovery on its day. Outcomes older than the last success
-- (arriving late) start nothing.
CREATE FUNCTION runs_roll() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    outcome_changed BOOLEAN := TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NOT outcome_changed AND OLD.at = NEW.at
            AND OLD.duration_ms IS NOT DISTINCT FROM NEW.duration_ms THEN
            RETURN NULL;
        END IF;
        IF OLD.status <> 'started' THEN
            UPDATE run_days SET
                succeeded = succeeded - (OLD.status = 'succeeded')::int,
                failed = failed - (OLD.status IN ('failed', 'timed_out'))::int,
                missed = missed - (OLD.status = 'missed')::int,
                other = other - (OLD.status IN ('cancelled', 'skipped'))::int
            WHERE automation_id = OLD.automation_id AND day = run_day(OLD.at);
        END IF;
        IF OLD.duration_bucket IS NOT NULL
            AND OLD.status IN ('succeeded', 'failed', 'timed_out') THEN
            UPDATE run_durations SET runs = runs - 1
            WHERE automation_id = OLD.automation_id AND day = run_day(OLD.at)
                AND bucket = OLD.duration_bucket;
        END IF;
    END IF;
    IF NEW.status <> 'started' THEN
        INSERT INTO run_days (automation_id, day, succeeded, failed, missed, other)
        VALUES (NEW.automation_id, run_day(NEW.at), (NEW.status = 'succeeded')::int,
                (NEW.status IN ('failed', 'timed_out'))::int, (NEW.status = 'missed')::int,
                (NEW.status IN ('cancelled', 'skipped'))::int)
        ON CONFLICT (automation_id, day) DO UPDATE SET
            succeeded = run_days.succeeded + excluded.succeeded,
            failed = run_days.failed + excluded.failed,
            missed = run_days.missed + excluded.missed,
            other = run_days.other + excluded.other;
    END IF;
    IF NEW.duration_bucket IS NOT NULL AND NEW.status IN ('succeeded', 'failed', 'timed_out') THEN
        INSERT INTO run_durations (automation_id, day, bucket, runs)
        VALUES (NEW.automation_id, run_day(NEW.at), NEW.duration_bucket, 1)
        ON CONFLICT (automation_id, day, bucket) DO UPDATE SET runs = run_durations.runs + 1;
    END IF;
    IF outcome_changed AND NEW.status IN ('succeeded', 'failed', 'timed_out', 'missed') THEN
        IF NEW.status = 'succeeded' THEN
            INSERT INTO run_days (automation_id, day, recoveries, recovery_ms)
            SELECT NEW.automation_id, run_day(NEW.at), 1,
                   round(extract(epoch FROM NEW.at - s.down_since) * 1000)::bigint
            FROM run_states s
            WHERE s.automation_id = NEW.automation_id AND s.down_since IS NOT NULL
                AND s.down_since <= NEW.at
            ON CONFLICT (automation_id, day) DO UPDATE SET
                recoveries = run_days.recoveries + 1,
                recovery_ms = run_days.recovery_ms + excluded.recovery_ms;
        END IF;
        INSERT INTO run_states AS s (automation_id, last_status, last_at, last_success_at, down_since)
        VALUES (NEW.automation_id, NEW.status, NEW.at,
                CASE WHEN NEW.status = 'succeeded' THEN NEW.at END,
                CASE WHEN NEW.status <> 'succeeded' THEN NEW.at END)
        ON CONFLICT (automation_id) DO UPDATE SET
            last_status = CASE WHEN excluded.last_at >= s.last_at THEN excluded.last_status
                               ELSE s.last_status END,
            last_at = greatest(s.last_at, excluded.last_at),
            last_success_at = CASE WHEN NEW.status = 'succeeded'
                                   THEN greatest(s.last_success_at, NEW.at)
                                   ELSE s.last_success_at END,
            down_since = CASE
                WHEN NEW.status = 'succeeded' THEN
                    CASE WHEN s.down_since <= NEW.at THEN NULL ELSE s.down_since END
                WHEN s.down_since IS NULL
                    AND (s.last_success_at IS NULL OR NEW.at > s.last_success_at) THEN NEW.at
                ELSE s.down_since END;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER runs_roll AFTER INSERT OR UPDATE OF status, at, duration_ms ON runs
    FOR EACH ROW EXECUTE FUNCTION runs_roll();

-- Runs written before this migration, rolled up once. Their recoveries are
-- not reconstructed; an automation down now is down since its first
-- failure after its last success.
INSERT INTO run_days (automation_id, day, succeeded, failed, missed, other)
SELECT automation_id, run_day(at), count(*) FILTER (WHERE status = 'succeeded'),
       count(*) FILTER (WHERE status IN ('failed', 'timed_out')),
       count(*) FILTER (WHERE status = 'missed'),
       count(*) FILTER (WHERE status IN ('cancelled', 'skipped'))
FROM runs WHERE status <> 'started'
GROUP BY automation_id, run_day(at);

INSERT INTO run_durations (automation_id, day, bucket, runs)
SELECT automation_id, run_day(at), duration_bucket, count(*)
FROM runs
WHERE duration_bucket IS NOT NULL AND status IN ('succeeded', 'failed', 'timed_out')
GROUP BY automation_id, run_day(at), duration_bucket;

INSERT INTO run_states (automation_id, last_status, last_at, last_success_at, down_since)
SELECT l.automation_id, l.status, l.at, w.last_success,
       (SELECT min(f.at) FROM runs f WHERE f.automation_id = l.automation_id
            AND f.status IN ('failed', 'timed_out', 'missed')
            AND (w.last_success IS NULL OR f.at > w.last_success))
FROM (SELECT DISTINCT ON (automation_id) automation_id, status, at FROM runs
      WHERE status IN ('succeeded', 'failed', 'timed_out', 'missed')
      ORDER BY automation_id, at DESC, id DESC) l
CROSS JOIN LATERAL (SELECT max(s.at) AS last_success FROM runs s
                    WHERE s.automation_id = l.automation_id AND s.status = 'succeeded') w;

-- Pauses and maintenance windows, of an automation or of a whole
-- orchestration: no run is missed, and nothing alerted, while one is on.
-- Without an end, a pause lasts until someone resumes.
CREATE TABLE pauses (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    automation_id    BIGINT REFERENCES automations (id) ON DELETE CASCADE,
    orchestration_id BIGINT REFERENCES orchestrations (id) ON DELETE CASCADE,
    starts_at        TIMESTAMPTZ NOT NULL,
    ends_at          TIMESTAMPTZ,
    reason           TEXT NOT NULL DEFAULT '',
    created_by       BIGINT REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL,
    CHECK ((automation_id IS NULL) <> (orchestration_id IS NULL)),
    CHECK (ends_at IS NULL OR ends_at > starts_at)
);

CREATE INDEX pauses_automation ON pauses (automation_id) WHERE automation_id IS NOT NULL;
CREATE INDEX pauses_orchestration ON pauses (orchestration_id) WHERE orchestration_id IS NOT NULL;

-- When each background job last finished a round, whoever held its lease
-- (a lease is given up at shutdown; this stays): `/metrics` reports how far
-- behind each is.
CREATE TABLE job_rounds (
    name    TEXT PRIMARY KEY,
    done_at TIMESTAMPTZ NOT NULL
);
