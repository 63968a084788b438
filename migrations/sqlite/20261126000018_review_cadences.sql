-- How often each orchestration is reviewed; an orchestration without a row
-- is reviewed every quarter (the default).
CREATE TABLE review_cadences (
    orchestration_id INTEGER PRIMARY KEY NOT NULL REFERENCES orchestrations (id) ON DELETE CASCADE,
    cadence          TEXT NOT NULL CHECK (cadence IN ('monthly', 'quarterly', 'half_yearly')),
    set_at           TEXT NOT NULL
) STRICT;
