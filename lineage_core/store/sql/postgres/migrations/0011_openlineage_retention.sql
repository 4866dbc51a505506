-- Retention of the OpenLineage events kept for merging a run: pruning (`lineage openlineage
-- prune`, the refresh job's openlineage_retention) deletes the events of runs none of whose
-- events was received since a time, and finds them by when their events were received, so
-- it reads only the events old enough to go rather than every event kept. received_at is
-- from now on when an event was last received: one received again (a client resending it,
-- a streaming job repeating its RUNNING) keeps its one row and moves that time, so a run
-- still talking is never idle.
CREATE INDEX lineage_openlineage_events_by_received
    ON lineage_openlineage_events (tenant_id, received_at);
