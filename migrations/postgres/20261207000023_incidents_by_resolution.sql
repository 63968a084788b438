-- The dashboard's week: incidents resolved lately, found by when.
CREATE INDEX incidents_resolved ON incidents (resolved_at) WHERE resolved_at IS NOT NULL;
