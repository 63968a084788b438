-- Overdue review notices: once a review's due date has passed, its owner is
-- told through their alert channels (or, without one, the team's), once
-- per due date. `review_overdue` marks a due date as told, whichever
-- instance tells it; `review_notices` is the outbox, sent and retried like
-- alerts.
CREATE TABLE review_overdue (
    orchestration_id BIGINT NOT NULL REFERENCES orchestrations (id) ON DELETE CASCADE,
    due_on           DATE NOT NULL,
    noticed_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (orchestration_id, due_on)
);

CREATE TABLE review_notices (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    orchestration_id BIGINT NOT NULL REFERENCES orchestrations (id) ON DELETE CASCADE,
    due_on           DATE NOT NULL,
    channel_id       BIGINT REFERENCES channels (id) ON DELETE SET NULL,
    channel_name     TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    payload          TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ
);

CREATE INDEX review_notices_pending ON review_notices (next_attempt_at) WHERE state = 'pending';
CREATE INDEX review_notices_orchestration ON review_notices (orchestration_id, id);
