-- The catalog: people and teams (accounts add sign-in to them), orchestrations
-- managed as products, the automation inventory, and "A feeds B" dependencies.

CREATE TABLE teams (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL DEFAULT 'viewer' CHECK (role IN ('viewer', 'editor', 'admin')),
    password_hash  TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    deactivated_at TIMESTAMPTZ
);

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE orchestrations (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                   TEXT NOT NULL UNIQUE,
    name                   TEXT NOT NULL,
    purpose                TEXT NOT NULL DEFAULT '',
    owner_id               BIGINT REFERENCES users (id),
    backup_owner_id        BIGINT REFERENCES users (id),
    team_id                BIGINT REFERENCES teams (id),
    inputs                 TEXT NOT NULL DEFAULT '',
    outputs                TEXT NOT NULL DEFAULT '',
    failure_mode           TEXT NOT NULL DEFAULT '',
    fallback               TEXT NOT NULL DEFAULT '',
    tier                   INTEGER NOT NULL DEFAULT 3 CHECK (tier BETWEEN 1 AND 3),
    lifecycle              TEXT NOT NULL DEFAULT 'draft'
                           CHECK (lifecycle IN ('draft', 'active', 'paused', 'retired')),
    links                  JSONB NOT NULL DEFAULT '[]',
    minutes_saved_per_run  DOUBLE PRECISION,
    expected_runs_per_week DOUBLE PRECISION,
    success_rate_target    DOUBLE PRECISION CHECK (success_rate_target BETWEEN 0 AND 1),
    version                BIGINT NOT NULL DEFAULT 1,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL,
    retired_at             TIMESTAMPTZ
);

CREATE INDEX orchestrations_owner ON orchestrations (owner_id);
CREATE INDEX orchestrations_backup_owner ON orchestrations (backup_owner_id);
CREATE INDEX orchestrations_team ON orchestrations (team_id);

CREATE TABLE orchestration_tags (
    orchestration_id BIGINT NOT NULL REFERENCES orchestrations (id) ON DELETE CASCADE,
    tag              TEXT NOT NULL,
    PRIMARY KEY (orchestration_id, tag)
);

CREATE INDEX orchestration_tags_tag ON orchestration_tags (tag);

CREATE TABLE automations (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tool                  TEXT NOT NULL CHECK (tool IN ('github_actions', 'gitlab_ci', 'jenkins',
                              'zapier', 'n8n', 'make', 'airflow', 'cron', 'other')),
    external_id           TEXT NOT NULL,
    url                   TEXT NOT NULL DEFAULT '',
    name                  TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    owner_id              BIGINT REFERENCES users (id),
    team_id               BIGINT REFERENCES teams (id),
    failure_mode          TEXT NOT NULL DEFAULT '',
    orchestration_id      BIGINT REFERENCES orchestrations (id) ON DELETE SET NULL,
    minutes_saved_per_run DOUBLE PRECISION,
    runs_per_week         DOUBLE PRECISION,
    version               BIGINT NOT NULL DEFAULT 1,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    UNIQUE (tool, external_id)
);

CREATE INDEX automations_owner ON automations (owner_id);
CREATE INDEX automations_team ON automations (team_id);
CREATE INDEX automations_orchestration ON automations (orchestration_id);
CREATE INDEX automations_name ON automations (name);

-- Exactly one automation or orchestration on each side.
CREATE TABLE dependencies (
    id                        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    upstream_automation_id    BIGINT REFERENCES automations (id) ON DELETE CASCADE,
    upstream_orchestration_id BIGINT REFERENCES orchestrations (id) ON DELETE CASCADE,
    downstream_automation_id    BIGINT REFERENCES automations (id) ON DELETE CASCADE,
    downstream_orchestration_id BIGINT REFERENCES orchestrations (id) ON DELETE CASCADE,
    note                      TEXT NOT NULL DEFAULT '',
    created_at                TIMESTAMPTZ NOT NULL,
    CHECK ((upstream_automation_id IS NULL) <> (upstream_orchestration_id IS NULL)),
    CHECK ((downstream_automation_id IS NULL) <> (downstream_orchestration_id IS NULL))
);

CREATE UNIQUE INDEX dependencies_edge ON dependencies (
    coalesce(upstream_automation_id, 0), coalesce(upstream_orchestration_id, 0),
    coalesce(downstream_automation_id, 0), coalesce(downstream_orchestration_id, 0));
CREATE INDEX dependencies_up_automation ON dependencies (upstream_automation_id);
CREATE INDEX dependencies_up_orchestration ON dependencies (upstream_orchestration_id);
CREATE INDEX dependencies_down_automation ON dependencies (downstream_automation_id);
CREATE INDEX dependencies_down_orchestration ON dependencies (downstream_orchestration_id);
