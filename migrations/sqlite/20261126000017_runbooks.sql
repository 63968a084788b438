-- Runbooks: every save of an orchestration's runbook is a numbered
-- revision, never changed afterwards; the newest is the runbook. The
-- author's name is kept as it was, like the audit log's.
CREATE TABLE runbook_revisions (
    orchestration_id INTEGER NOT NULL REFERENCES orchestrations (id) ON DELETE CASCADE,
    number           INTEGER NOT NULL CHECK (number > 0),
    body             TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    -- Lines of markdown, for the history without reading every text.
    lines            INTEGER NOT NULL CHECK (lines >= 0),
    author_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_label     TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    restored_from    INTEGER CHECK (restored_from > 0 AND restored_from < number),
    PRIMARY KEY (orchestration_id, number)
) STRICT;

-- The latest verification of each runbook: who said it is true, when, and
-- of which revision. Earlier ones are in the audit log.
CREATE TABLE runbook_verifications (
    orchestration_id INTEGER PRIMARY KEY NOT NULL REFERENCES orchestrations (id) ON DELETE CASCADE,
    revision         INTEGER NOT NULL CHECK (revision > 0),
    verified_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    verified_label   TEXT NOT NULL,
    verified_at      TEXT NOT NULL
) STRICT;
