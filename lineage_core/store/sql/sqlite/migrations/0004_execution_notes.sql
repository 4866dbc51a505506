-- What a capture recorded and why anything was not (steps taken from a parent run, failed
-- steps' writes), beside its errors: an execution row says how far it can be trusted.
ALTER TABLE lineage_executions ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';
