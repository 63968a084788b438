-- An incident's page lists the runs it took in: found by incident.
CREATE INDEX incident_runs_incident ON incident_runs (incident_id, run_id);
