-- SQLite's tables were rebuilt so that an automation's or an
-- orchestration's id is never given twice; PostgreSQL's identity columns
-- never give one twice. Nothing to change here: kept so both backends
-- number their migrations alike.
SELECT 1;
