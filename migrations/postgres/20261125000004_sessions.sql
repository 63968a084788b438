-- Sign-in sessions, kept server-side so they can be revoked: the record as
-- the session layer serialises it, and whose session it is.

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    BIGINT REFERENCES users (id) ON DELETE CASCADE,
    record     TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_user ON sessions (user_id);
