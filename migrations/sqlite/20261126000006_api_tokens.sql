-- API tokens for scripts: only a SHA-256 hash of each is kept (the token is
-- shown once, when made), with a short prefix to recognise it by, its scope,
-- and when it was last used. Revoking keeps the row, for the record.

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;

CREATE INDEX api_tokens_user ON api_tokens (user_id);
