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
        WHEN duration_ms < 16 THEN max(duration_ms, 0)
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
    END) VIRTUAL;

CREATE TABLE run_days (
    automation_id INTEGER NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    day           TEXT NOT NULL,
    succeeded     INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    missed        INTEGER NOT NULL DEFAULT 0,
    other         INTEGER NOT NULL DEFAULT 0,
    recoveries    INTEGER NOT NULL DEFAULT 0,
    recovery_ms   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (automation_id, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE run_durations (
    automation_id INTEGER NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    day           TEXT NOT NULL,
    bucket        INTEGER NOT NULL,
    runs          INTEGER NOT NULL,
    PRIMARY KEY (automation_id, day, bucket)
) STRICT, WITHOUT ROWID;

CREATE TABLE run_states (
    automation_id   INTEGER PRIMARY KEY NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    last_status     TEXT NOT NULL,
    last_at         TEXT NOT NULL,
    last_success_at TEXT,
    down_since      TEXT
) STRICT;

-- What a run adds to its day.
CREATE TRIGGER runs_roll_insert AFTER INSERT ON runs WHEN NEW.status <> 'started'
BEGIN
    INSERT INTO run_days (automation_id, day, succeeded, failed, missed, other)
    VALUES (NEW.automation_id, substr(NEW.at, 1, 10), NEW.status = 'succeeded',
            NEW.status IN ('failed', 'timed_out'), NEW.status = 'missed',
            NEW.status IN ('cancelled', 'skipped'))
    ON CONFLICT (automation_id, day) DO UPDATE SET
        succeeded = succeeded + excluded.succeeded, failed = failed + excluded.failed,
        missed = missed + excluded.missed, other = other + excluded.other;
    INSERT INTO run_durations (automation_id, day, bucket, runs)
    SELECT NEW.automation_id, substr(NEW.at, 1, 10), NEW.duration_bucket, 1
    WHERE NEW.duration_bucket IS NOT NULL AND NEW.status IN ('succeeded', 'failed', 'timed_out')
    ON CONFLICT (automation_id, day, bucket) DO UPDATE SET runs = runs + 1;
END;

-- A run whose outcome, time or duration changes moves from what it was to
-- what it is.
CREATE TRIGGER runs_roll_update AFTER UPDATE OF status, at, duration_ms ON runs
WHEN OLD.status IS NOT NEW.status OR OLD.at IS NOT NEW.at
    OR OLD.duration_ms IS NOT NEW.duration_ms
BEGIN
    UPDATE run_days SET
        succeeded = succeeded - (OLD.status = 'succeeded'),
        failed = failed - (OLD.status IN ('failed', 'timed_out')),
        missed = missed - (OLD.status = 'missed'),
        other = other - (OLD.status IN ('cancelled', 'skipped'))
    WHERE OLD.status <> 'started' AND automation_id = OLD.automation_id
        AND day = substr(OLD.at, 1, 10);
    UPDATE run_durations SET runs = runs - 1
    WHERE OLD.duration_bucket IS NOT NULL AND OLD.status IN ('succeeded', 'failed', 'timed_out')
        AND automation_id = OLD.automation_id AND day = substr(OLD.at, 1, 10)
        AND bucket = OLD.duration_bucket;
    INSERT INTO run_days (automation_id, day, succeeded, failed, missed, other)
    SELECT NEW.automation_id, substr(NEW.at, 1, 10), NEW.status = 'succeeded',
           NEW.status IN ('failed', 'timed_out'), NEW.status = 'missed',
           NEW.status IN ('cancelled', 'skipped')
    WHERE NEW.status <> 'started'
    ON CONFLICT (automation_id, day) DO UPDATE SET
        succeeded = succeeded + excluded.succeeded, failed = failed + excluded.failed,
        missed = missed + excluded.missed, other = other + excluded.other;
    INSERT INTO run_durations (automation_id, day, bucket, runs)
    SELECT NEW.automation_id, substr(NEW.at, 1, 10), NEW.duration_bucket, 1
    WHERE NEW.duration_bucket IS NOT NULL AND NEW.status IN ('succeeded', 'failed', 'timed_out')
    ON CONFLICT (automation_id, day, bucket) DO UPDATE SET runs = runs + 1;
END;

-- A new outcome moves the automation's state: a failure (or a missed run)
-- after a success starts a spell down; a success ends it, counted as a
-- recovery on its day. Outcomes older than the last success (arriving
-- late) start nothing.
CREATE TRIGGER runs_state_insert AFTER INSERT ON runs
WHEN NEW.status IN ('succeeded', 'failed', 'timed_out', 'missed')
BEGIN
    INSERT INTO run_days (automation_id, day, recoveries, recovery_ms)
    SELECT NEW.automation_id, substr(NEW.at, 1, 10), 1,
           CAST(round((julianday(NEW.at) - julianday(down_since)) * 86400000) AS INTEGER)
    FROM run_states
    WHERE NEW.status = 'succeeded' AND automation_id = NEW.automation_id
        AND down_since IS NOT NULL AND down_since <= NEW.at
    ON CONFLICT (automation_id, day) DO UPDATE SET
        recoveries = recoveries + 1, recovery_ms = recovery_ms + excluded.recovery_ms;
    INSERT INTO run_states (automation_id, last_status, last_at, last_success_at, down_since)
    VALUES (NEW.automation_id, NEW.status, NEW.at,
            CASE WHEN NEW.status = 'succeeded' THEN NEW.at END,
            CASE WHEN NEW.status <> 'succeeded' THEN NEW.at END)
    ON CONFLICT (automation_id) DO UPDATE SET
        last_status = CASE WHEN excluded.last_at >= last_at THEN excluded.last_status
                           ELSE last_status END,
        last_at = max(last_at, excluded.last_at),
        last_success_at = CASE WHEN NEW.status = 'succeeded'
                               THEN max(coalesce(last_success_at, NEW.at), NEW.at)
                               ELSE last_success_at END,
        down_since = CASE
            WHEN NEW.status = 'succeeded' THEN
                CASE WHEN down_since <= NEW.at THEN NULL ELSE down_since END
            WHEN down_since IS NULL AND (last_success_at IS NULL OR NEW.at > last_success_at)
                THEN NEW.at
            ELSE down_since END;
END;

CREATE TRIGGER runs_state_update AFTER UPDATE OF status ON runs
WHEN OLD.status IS NOT NEW.status
    AND NEW.status IN ('succeeded', 'failed', 'timed_out', 'missed')
BEGIN
    INSERT INTO run_days (automation_id, day, recoveries, recovery_ms)
    SELECT NEW.automation_id, substr(NEW.at, 1, 10), 1,
           CAST(round((julianday(NEW.at) - julianday(down_since)) * 86400000) AS INTEGER)
    FROM run_states
    WHERE NEW.status = 'succeeded' AND automation_id = NEW.automation_id
        AND down_since IS NOT NULL AND down_since <= NEW.at
    ON CONFLICT (automation_id, day) DO UPDATE SET
        recoveries = recoveries + 1, recovery_ms = recovery_ms + excluded.recovery_ms;
    INSERT INTO run_states (automation_id, last_status, last_at, last_success_at, down_since)
    VALUES (NEW.automation_id, NEW.status, NEW.at,
            CASE WHEN NEW.status = 'succeeded' THEN NEW.at END,
            CASE WHEN NEW.status <> 'succeeded' THEN NEW.at END)
    ON CONFLICT (automation_id) DO UPDATE SET
        last_status = CASE WHEN excluded.last_at >= last_at THEN excluded.last_status
                           ELSE last_status END,
        last_at = max(last_at, excluded.last_at),
        last_success_at = CASE WHEN NEW.status = 'succeeded'
                               THEN max(coalesce(last_success_at, NEW.at), NEW.at)
                               ELSE last_success_at END,
        down_since = CASE
            WHEN NEW.status = 'succeeded' THEN
                CASE WHEN down_since <= NEW.at THEN NULL ELSE down_since END
            WHEN down_since IS NULL AND (last_success_at IS NULL OR NEW.at > last_success_at)
                THEN NEW.at
            ELSE down_since END;
END;

-- Runs written before this migration, rolled up once. Their recoveries are
-- not reconstructed; an automation down now is down since its first
-- failure after its last success.
INSERT INTO run_days (automation_id, day, succeeded, failed, missed, other)
SELECT automation_id, substr(at, 1, 10), sum(status = 'succeeded'),
       sum(status IN ('failed', 'timed_out')), sum(status = 'missed'),
       sum(status IN ('cancelled', 'skipped'))
FROM runs WHERE status <> 'started'
GROUP BY automation_id, substr(at, 1, 10);

INSERT INTO run_durations (automation_id, day, bucket, runs)
SELECT automation_id, substr(at, 1, 10), duration_bucket, count(*)
FROM runs
WHERE duration_bucket IS NOT NULL AND status IN ('succeeded', 'failed', 'timed_out')
GROUP BY automation_id, substr(at, 1, 10), duration_bucket;

INSERT INTO run_states (automation_id, last_status, last_at, last_success_at, down_since)
SELECT l.automation_id, l.status, l.at,
       (SELECT max(at) FROM runs s WHERE s.automation_id = l.automation_id
            AND s.status = 'succeeded'),
       (SELECT min(at) FROM runs f WHERE f.automation_id = l.automation_id
            AND f.status IN ('failed', 'timed_out', 'missed')
            AND f.at > coalesce((SELECT max(at) FROM runs s WHERE s.automation_id = l.automation_id
                                     AND s.status = 'succeeded'), ''))
FROM runs l
WHERE l.status IN ('succeeded', 'failed', 'timed_out', 'missed')
    AND l.id = (SELECT r.id FROM runs r WHERE r.automation_id = l.automation_id
                    AND r.status IN ('succeeded', 'failed', 'timed_out', 'missed')
                ORDER BY r.at DESC, r.id DESC LIMIT 1);

-- Pauses and maintenance windows, of an automation or of a whole
-- orchestration: no run is missed, and nothing alerted, while one is on.
-- Without an end, a pause lasts until someone resumes.
CREATE TABLE pauses (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    automation_id    INTEGER REFERENCES automations (id) ON DELETE CASCADE,
    orchestration_id INTEGER REFERENCES orchestrations (id) ON DELETE CASCADE,
    starts_at        TEXT NOT NULL,
    ends_at          TEXT,
    reason           TEXT NOT NULL DEFAULT '',
    created_by       INTEGER REFERENCES users (id),
    created_at       TEXT NOT NULL,
    CHECK ((automation_id IS NULL) <> (orchestration_id IS NULL)),
    CHECK (ends_at IS NULL OR ends_at > starts_at)
) STRICT;

CREATE INDEX pauses_automation ON pauses (automation_id) WHERE automation_id IS NOT NULL;
CREATE INDEX pauses_orchestration ON pauses (orchestration_id) WHERE orchestration_id IS NOT NULL;

-- When each background job last finished a round, whoever held its lease
-- (a lease is given up at shutdown; this stays): `/metrics` reports how far
-- behind each is.
CREATE TABLE job_rounds (
    name    TEXT PRIMARY KEY NOT NULL,
    done_at TEXT NOT NULL
) STRICT;
