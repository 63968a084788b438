-- no-transaction
-- SQLite gives a new row the highest id plus one, so deleting the newest
-- automation (or orchestration) handed its id to the next one made: its
-- deliveries and audit history then seemed to be the new one's. With
-- AUTOINCREMENT an id is never given twice (PostgreSQL's identity columns
-- never were). Both tables are rebuilt as SQLite's documentation says
-- (foreign keys off, one transaction, checked before commit); ids already
-- named in the delivery log or the audit log are not given again either.

PRAGMA foreign_keys = OFF;

BEGIN;

CREATE TABLE orchestrations_new (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    slug                   TEXT NOT NULL UNIQUE,
    name                   TEXT NOT NULL,
    purpose                TEXT NOT NULL DEFAULT '',
    owner_id               INTEGER REFERENCES users (id),
    backup_owner_id        INTEGER REFERENCES users (id),
    team_id                INTEGER REFERENCES teams (id),
    inputs                 TEXT NOT NULL DEFAULT '',
    outputs                TEXT NOT NULL DEFAULT '',
    failure_mode           TEXT NOT NULL DEFAULT '',
    fallback               TEXT NOT NULL DEFAULT '',
    tier                   INTEGER NOT NULL DEFAULT 3 CHECK (tier BETWEEN 1 AND 3),
    lifecycle              TEXT NOT NULL DEFAULT 'draft'
                           CHECK (lifecycle IN ('draft', 'active', 'paused', 'retired')),
    links                  TEXT NOT NULL DEFAULT '[]',
    minutes_saved_per_run  REAL,
    expected_runs_per_week REAL,
    success_rate_target    REAL CHECK (success_rate_target BETWEEN 0 AND 1),
    version                INTEGER NOT NULL DEFAULT 1,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    retired_at             TEXT
) STRICT;

INSERT INTO orchestrations_new SELECT * FROM orchestrations;
DROP TABLE orchestrations;
ALTER TABLE orchestrations_new RENAME TO orchestrations;

CREATE INDEX orchestrations_owner ON orchestrations (owner_id);
CREATE INDEX orchestrations_backup_owner ON orchestrations (backup_owner_id);
CREATE INDEX orchestrations_team ON orchestrations (team_id);

CREATE TABLE automations_new (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    tool                  TEXT NOT NULL CHECK (tool IN ('github_actions', 'gitlab_ci', 'jenkins',
                              'zapier', 'n8n', 'make', 'airflow', 'cron', 'other')),
    external_id           TEXT NOT NULL,
    url                   TEXT NOT NULL DEFAULT '',
    name                  TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    owner_id              INTEGER REFERENCES users (id),
    team_id               INTEGER REFERENCES teams (id),
    failure_mode          TEXT NOT NULL DEFAULT '',
    orchestration_id      INTEGER REFERENCES orchestrations (id) ON DELETE SET NULL,
    minutes_saved_per_run REAL,
    runs_per_week         REAL,
    version               INTEGER NOT NULL DEFAULT 1,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    UNIQUE (tool, external_id)
) STRICT;

INSERT INTO automations_new SELECT * FROM automations;
DROP TABLE automations;
ALTER TABLE automations_new RENAME TO automations;

CREATE INDEX automations_owner ON automations (owner_id);
CREATE INDEX automations_team ON automations (team_id);
CREATE INDEX automations_orchestration ON automations (orchestration_id);
CREATE INDEX automations_lower_name ON automations (lower(name), id);
CREATE INDEX automations_tool_name ON automations (tool, lower(name), id);
CREATE INDEX automations_updated ON automations (updated_at DESC, id);

-- The next ids start past every id the logs name.
DELETE FROM sqlite_sequence WHERE name IN ('automations', 'orchestrations');
INSERT INTO sqlite_sequence (name, seq)
SELECT 'automations', max(
    (SELECT coalesce(max(id), 0) FROM automations),
    (SELECT coalesce(max(automation_id), 0) FROM deliveries),
    (SELECT coalesce(max(subject_id), 0) FROM audit_log WHERE subject_kind = 'automation'));
INSERT INTO sqlite_sequence (name, seq)
SELECT 'orchestrations', max(
    (SELECT coalesce(max(id), 0) FROM orchestrations),
    (SELECT coalesce(max(subject_id), 0) FROM audit_log WHERE subject_kind = 'orchestration'));

COMMIT;

PRAGMA foreign_keys = ON;
