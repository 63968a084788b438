-- Signing in: failed attempts, counted per account and per client address
-- to slow down password guessing (old ones are forgotten by the cleanup
-- job), and the one-time setup's marker, whose primary key lets only one
-- first administrator be created however many screens race for it.

CREATE TABLE sign_in_failures (
    id     INTEGER PRIMARY KEY,
    email  TEXT NOT NULL,
    client TEXT NOT NULL,
    at     TEXT NOT NULL
) STRICT;

CREATE INDEX sign_in_failures_email ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_client ON sign_in_failures (client, at);

CREATE TABLE first_run (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    completed_at TEXT NOT NULL
) STRICT;
