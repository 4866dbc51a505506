-- Named queries (openlineage) of the SQLite backend: the events of OpenLineage runs (kept,
-- and pruned once their run has been idle long enough), and the edges a run recorded (for
-- sending runs out as OpenLineage events).

-- name: lock_openlineage_run
-- Serialise the writers of one run's events until commit (PostgreSQL: a two-key advisory lock, which never meets the migration's one-key lock; SQLite: nothing to take, as a write session holds the database's write lock already).
SELECT 1;

-- name: insert_openlineage_event
-- Keep what one event said, once per digest (an event received again only moves its received_at: its run is still talking).
INSERT INTO lineage_openlineage_events (
    tenant_id, lineage_run_id, run_id, digest, event_type, event_time, said, received_at
)
VALUES (:tenant, :lineage_run_id, :run_id, :digest, :event_type, :event_time, :said, :now)
ON CONFLICT (tenant_id, lineage_run_id, digest) DO UPDATE SET received_at = excluded.received_at;

-- name: select_openlineage_events
-- What every event of a run said, oldest first.
SELECT run_id, event_type, event_time AS "event_time [lineage_time]", said AS "said [lineage_json]"
FROM lineage_openlineage_events
WHERE tenant_id = :tenant AND lineage_run_id = :lineage_run_id
ORDER BY event_time, id
LIMIT :limit;

-- name: select_run_edge_targets
-- Ids and targets of the edges one run of a job recorded.
SELECT e.id, t.qualified_name
FROM lineage_edge_runs r
JOIN lineage_edges e ON e.id = r.edge_id
JOIN lineage_jobs j ON j.id = e.job_id
JOIN lineage_assets t ON t.id = e.target_id
WHERE r.run_id = :run_id AND e.tenant_id = :tenant AND j.tenant_id = :tenant
  AND j.job_name = :job AND j.code_location = :code_location
ORDER BY e.id
LIMIT :limit;

-- name: select_pruned_openlineage_run
-- What the execution row keeps of a run whose events were all pruned (none of its events is left, but it was recorded).
SELECT x.status, x.started_at AS "started_at [lineage_time]",
       x.completed_at AS "completed_at [lineage_time]", x.errors AS "errors [lineage_json]",
       x.notes AS "notes [lineage_json]"
FROM lineage_executions x
WHERE x.tenant_id = :tenant AND x.run_id = :lineage_run_id
  AND x.execution_type = :execution_type
  AND NOT EXISTS (
      SELECT 1 FROM lineage_openlineage_events e
      WHERE e.tenant_id = :tenant AND e.lineage_run_id = :lineage_run_id
  );

-- name: count_idle_openlineage_events
-- How many kept events, of how many runs, belong to runs none of whose events was received since a time.
SELECT count(*), count(DISTINCT o.lineage_run_id)
FROM lineage_openlineage_events o
WHERE o.tenant_id = :tenant AND o.received_at < :before
  AND NOT EXISTS (
      SELECT 1 FROM lineage_openlineage_events n
      WHERE n.tenant_id = o.tenant_id AND n.lineage_run_id = o.lineage_run_id
        AND n.received_at >= :before
  );

-- name: lock_idle_openlineage_runs
-- Up to a limit of the runs none of whose events was received since a time, by run id, locked.
-- The write session holds the database's write lock already, as for lock_openlineage_run.
SELECT DISTINCT o.lineage_run_id, NULL
FROM lineage_openlineage_events o
WHERE o.tenant_id = :tenant AND o.received_at < :before
  AND NOT EXISTS (
      SELECT 1 FROM lineage_openlineage_events n
      WHERE n.tenant_id = o.tenant_id AND n.lineage_run_id = o.lineage_run_id
        AND n.received_at >= :before
  )
ORDER BY o.lineage_run_id
LIMIT :limit;

-- name: delete_idle_openlineage_events
-- Delete the kept events of the given runs that are still idle since a time (an event received meanwhile keeps its run); returns the run of each event deleted.
DELETE FROM lineage_openlineage_events AS o
WHERE o.tenant_id = :tenant AND o.lineage_run_id IN (SELECT value FROM json_each(:runs))
  AND o.received_at < :before
  AND NOT EXISTS (
      SELECT 1 FROM lineage_openlineage_events n
      WHERE n.tenant_id = o.tenant_id AND n.lineage_run_id = o.lineage_run_id
        AND n.received_at >= :before
  )
RETURNING lineage_run_id;
