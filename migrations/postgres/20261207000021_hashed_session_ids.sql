-- Sessions are now kept under the SHA-256 of their id, with records that
-- no longer hold the id. Those kept before held the id as it is, a live
-- credential to anyone reading the database: they end here, and people
-- sign in again once.
DELETE FROM sessions;
