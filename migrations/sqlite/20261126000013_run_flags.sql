-- A run that took longer than its schedule allows, or ended sooner than
-- it should (a job that likely did nothing), is flagged; a run still going
-- past the longest it may take is flagged while it runs.
ALTER TABLE runs ADD COLUMN flag TEXT CHECK (flag IN ('too_long', 'too_short'));
