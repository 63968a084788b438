-- Reviews: each orchestration's periodic product review. A review is a
-- draft (at most one per orchestration) until it is signed off; then it is
-- never changed. `answered` is the due date a signed review met (or missed),
-- so the board can say whether it was on time.
CREATE TABLE reviews (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    orchestration_id INTEGER NOT NULL REFERENCES orchestrations (id) ON DELETE CASCADE,
    state            TEXT NOT NULL CHECK (state IN ('draft', 'signed')),
    decision         TEXT CHECK (decision IN ('keep', 'redesign', 'merge', 'retire', 'invest')),
    merge_into_id    INTEGER REFERENCES orchestrations (id) ON DELETE SET NULL,
    notes            TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),
    started_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    started_label    TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    signed_by        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    signed_label     TEXT,
    signed_at        TEXT,
    answered         TEXT,
    CHECK ((state = 'signed') = (signed_at IS NOT NULL AND answered IS NOT NULL
        AND decision IS NOT NULL AND signed_label IS NOT NULL))
) STRICT;

CREATE UNIQUE INDEX reviews_one_draft ON reviews (orchestration_id) WHERE state = 'draft';
CREATE INDEX reviews_signed ON reviews (orchestration_id, signed_at) WHERE state = 'signed';
CREATE INDEX reviews_answered ON reviews (answered) WHERE state = 'signed';

-- A review's checklist, one row per item answered so far.
CREATE TABLE review_answers (
    review_id INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    item      TEXT NOT NULL CHECK (item IN ('owner_right', 'backup_owner_set', 'runbook_verified',
        'failure_mode_true', 'health_within_target', 'dependencies_correct')),
    answer    TEXT CHECK (answer IN ('yes', 'no')),
    note      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (review_id, item)
) STRICT;

-- What reviews set people to do, tracked to done; open ones are shown
-- again on the orchestration's next review.
CREATE TABLE review_actions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    orchestration_id INTEGER NOT NULL REFERENCES orchestrations (id) ON DELETE CASCADE,
    review_id        INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    title            TEXT NOT NULL,
    owner_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    due_on           TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    done_at          TEXT,
    done_label       TEXT,
    CHECK ((done_at IS NULL) = (done_label IS NULL))
) STRICT;

CREATE INDEX review_actions_orchestration ON review_actions (orchestration_id, id);
CREATE INDEX review_actions_open ON review_actions (due_on) WHERE done_at IS NULL;
