-- Each automation's ping key: the secret in its ping URLs (/ping/<key>). The
-- current key has no expiry; a rotated one is still accepted until its
-- expiry, so tools can be moved over without a gap. Existing automations get
-- a key now.

CREATE TABLE ping_keys (
    key           TEXT PRIMARY KEY NOT NULL,
    automation_id INTEGER NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    expires_at    TEXT
) STRICT;

CREATE UNIQUE INDEX ping_keys_current ON ping_keys (automation_id) WHERE expires_at IS NULL;
CREATE INDEX ping_keys_automation ON ping_keys (automation_id);

INSERT INTO ping_keys (key, automation_id, created_at)
SELECT lower(hex(randomblob(16))), id, updated_at FROM automations;
