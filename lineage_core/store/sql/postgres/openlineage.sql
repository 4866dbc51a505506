-- Named queries (openlineage) of the PostgreSQL backend: the events of OpenLineage runs (kept,
-- and pruned once their run has been idle long enough), and the edges a run recorded (for
-- sending runs out as OpenLineage events).

-- name: lock_openlineage_run
-- Serialise the writers of one run's events until commit (PostgreSQL: a two-key advisory lock, which never meets the migration's one-key lock; SQLite: nothing to take, as a write session holds the database's write lock already).
SELECT pg_advisory_xact_lock(%(tenant)s::int4, hashtext(%(lineage_run_id)s));

-- name: insert_openlineage_event
-- Keep what one event said, once per digest (an event received again only moves its received_at: its run is still talking).
INSERT INTO lineage_openlineage_events (
    tenant_id, lineage_run_id, run_id, digest, event_type, event_time, said, received_at
)
VALUES (%(tenant)s, %(lineage_run_id)s, %(run_id)s, %(digest)s, %(event_type)s, %(event_time)s, %(said)s, %(now)s)
ON CONFLICT (tenant_id, lineage_run_id, digest) DO UPDATE SET received_at = excluded.received_at;

-- name: select_openlineage_events
-- What every event of a run said, oldest first.
SELECT run_id, event_type, event_time, said
FROM lineage_openlineage_events
WHERE tenant_id = %(tenant)s AND lineage_run_id = %(lineage_run_id)s
ORDER BY event_time, id
LIMIT %(limit)s;

-- name: select_run_edge_targets
-- Ids and targets of the edges one run of a job recorded.
SELECT e.id, t.qualified_name
FROM lineage_edge_runs r
JOIN lineage_edges e ON e.id = r.edge_id
JOIN lineage_jobs j ON j.id = e.job_id
JOIN lineage_assets t ON t.id = e.target_id
WHERE r.run_id = %(run_id)s AND e.tenant_id = %(tenant)s AND j.tenant_id = %(tenant)s
  AND j.job_name = %(job)s AND j.code_location = %(code_location)s
ORDER BY e.id
LIMIT %(limit)s;

-- name: select_pruned_openlineage_run
-- What the execution row keeps of a run whose events were all pruned (none of its events is left, but it was recorded).
SELECT x.status, x.started_at, x.completed_at, x.errors, x.notes
FROM lineage_executions x
WHERE x.tenant_id = %(tenant)s AND x.run_id = %(lineage_run_id)s
  AND x.execution_type = %(execution_type)s
  AND NOT EXISTS (
      SELECT 1 FROM lineage_openlineage_events e
      WHERE e.tenant_id = %(tenant)s AND e.lineage_run_id = %(lineage_run_id)s
  );

-- name: count_idle_openlineage_events
-- How many kept events, of how many runs, belong to runs none of whose events was received since a time.
SELECT count(*), count(DISTINCT o.lineage_run_id)
FROM lineage_openlineage_events o
WHERE o.tenant_id = %(tenant)s AND o.received_at < %(before)s
  AND NOT EXISTS (
      SELECT 1 FROM lineage_openlineage_events n
      WHERE n.tenant_id = o.tenant_id AND n.lineage_run_id = o.lineage_run_id
        AND n.received_at >= %(before)s
  );

-- name: lock_idle_openlineage_runs
-- Up to a limit of the runs none of whose events was received since a time, by run id, locked.
-- Each is locked as lock_openlineage_run locks it (in run id order, so two pruners never
-- deadlock; the lock is taken in the outer query, for the runs returned only).
SELECT idle.lineage_run_id, pg_advisory_xact_lock(%(tenant)s::int4, hashtext(idle.lineage_run_id))
FROM (
    SELECT DISTINCT o.lineage_run_id
    FROM lineage_openlineage_events o
    WHERE o.tenant_id = %(tenant)s AND o.received_at < %(before)s
      AND NOT EXISTS (
          SELECT 1 FROM lineage_openlineage_events n
          WHERE n.tenant_id = o.tenant_id AND n.lineage_run_id = o.lineage_run_id
            AND n.received_at >= %(before)s
      )
    ORDER BY o.lineage_run_id
    LIMIT %(limit)s
) AS idle;

-- name: delete_idle_openlineage_events
-- Delete the kept events of the given runs that are still idle since a time (an event received meanwhile keeps its run); returns the run of each event deleted.
DELETE FROM lineage_openlineage_events o
WHERE o.tenant_id = %(tenant)s AND o.lineage_run_id = ANY(%(runs)s::text[])
  AND o.received_at < %(before)s
  AND NOT EXISTS (
      SELECT 1 FROM lineage_openlineage_events n
      WHERE n.tenant_id = o.tenant_id AND n.lineage_run_id = o.lineage_run_id
        AND n.received_at >= %(before)s
  )
RETURNING o.lineage_run_id;
