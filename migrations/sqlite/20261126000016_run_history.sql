-- An orchestration's run history links each run to the delivery that told
-- of it: deliveries are looked up by run.
CREATE INDEX deliveries_run ON deliveries (run_id) WHERE run_id IS NOT NULL;
