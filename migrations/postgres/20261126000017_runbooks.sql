-- Runbooks: every save of an orchestration's runbook is a numbered
-- revision, never changed afterwards; the newest is the runbook. The
-- author's name is kept as it was, like the audit log's.
CREATE TABLE runbook_revisions (
    orchestration_id BIGINT NOT NULL REFERENCES orchestrations (id) ON DELETE CASCADE,
    number           BIGINT NOT NULL CHECK (number > 0),
    body             TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    -- Lines of markdown, for the history without reading every text.
    lines            BIGINT NOT NULL CHECK (lines >= 0),
    author_id        BIGINT REFERENCES users (id) ON DELETE SET NULL,
    author_label     TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    restored_from    BIGINT CHECK (restored_from > 0 AND restored_from < number),
    PRIMARY KEY (orchestration_id, number)
);

-- The latest verification of each runbook: who said it is true, when, and
-- of which revision. Earlier ones are in the audit log.
CREATE TABLE runbook_verifications (
    orchestration_id BIGINT PRIMARY KEY REFERENCES orchestrations (id) ON DELETE CASCADE,
    revision         BIGINT NOT NULL CHECK (revision > 0),
    verified_by      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    verified_label   TEXT NOT NULL,
    verified_at      TIMESTAMPTZ NOT NULL
);
