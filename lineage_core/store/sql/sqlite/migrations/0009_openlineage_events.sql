-- What each OpenLineage run event said, in the store's names, so that the events of one run
-- merge whatever order they arrive in (inputs on START, outputs on COMPLETE, COMPLETE before
-- START). lineage_run_id is the run the edges count under (the parent run of a task, else
-- the event's own run); run_id is the event's own. An event is kept once per digest of what
-- it said: a client resending it, or a streaming job repeating itself, adds no row.
CREATE TABLE lineage_openlineage_events (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    lineage_run_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    event_type TEXT NOT NULL,
    event_time TEXT NOT NULL,
    said TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (tenant_id, lineage_run_id, digest)
);

-- Sending a captured run out as OpenLineage events reads the edges that run recorded.
CREATE INDEX lineage_edge_runs_by_run ON lineage_edge_runs (run_id);
